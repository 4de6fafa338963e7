"""The comparison machinery: what a student is told for each kind of wrong answer."""

import numpy as np

from autograde import HiddenTestFailure, hidden_test, run_check
from autograde.checking import Case, check_against_reference, seed_for
from autograde.kernel_side import with_helpers
from autograde.td1.regression_lineaire import solution as linreg


def check_square(student_fn):
    cases = [Case("petit", (np.array([1.0, 2.0]),)), Case("grand", (np.arange(6.0).reshape(2, 3),))]
    return check_against_reference(student_fn, np.square, cases, name="square", arg_names=["z"])


def test_correct_loop_and_vectorised_versions_both_pass():
    assert check_square(lambda z: z * z).passed
    assert check_square(lambda z: np.array([[v**2 for v in row] for row in np.atleast_2d(z)]).reshape(z.shape)).passed


def test_a_list_is_refused_with_a_clear_message():
    verdict = check_square(lambda z: (z * z).tolist())
    assert not verdict.passed and "liste Python" in verdict.message


def test_an_object_whose_eq_is_always_true_does_not_pass():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        def __array__(self, dtype=None, copy=None):
            return np.zeros(2)

    verdict = check_square(lambda z: AlwaysEqual())
    assert not verdict.passed and "AlwaysEqual" in verdict.message


def test_wrong_shape_names_both_shapes():
    verdict = check_square(lambda z: (z * z).ravel()[:, None])
    assert not verdict.passed
    assert "(2, 1)" in verdict.message and "(2,)" in verdict.message


def test_nan_is_reported():
    verdict = check_square(lambda z: z * np.nan)
    assert not verdict.passed and "NaN" in verdict.message


def test_unknown_mistake_gives_case_expected_and_obtained():
    verdict = check_square(lambda z: z * z + (z > 1))
    assert not verdict.passed
    assert "cas 1/2" in verdict.message and "attendu 4, obtenu 5" in verdict.message


def test_exception_is_named_with_its_case():
    def broken(z):
        raise ValueError("oups")

    verdict = check_square(broken)
    assert not verdict.passed and "ValueError: oups" in verdict.message and "cas 1/2" in verdict.message


def test_a_function_that_modifies_its_input_is_told_so_and_the_comparison_is_not_spoiled():
    def in_place(z):
        z *= z
        return z

    verdict = check_square(in_place)
    assert not verdict.passed and "a modifié son argument `z` en place — cas 1/2" in verdict.message
    assert "z.copy()" in verdict.message
    cases = [Case("petit", (np.array([1.0, 2.0]),))]
    # unchanged=False: a function whose contract is to update its input; its answer is still right.
    assert check_against_reference(in_place, np.square, cases, name="square", unchanged=False).passed


def test_seed_changes_with_the_course_seed(monkeypatch):
    first = seed_for("td1.regression_lineaire.loss")
    monkeypatch.setenv("AUTOGRADE_SEED", "7")
    assert seed_for("td1.regression_lineaire.loss") != first
    assert seed_for("td1.regression_lineaire.loss") != seed_for("td1.regression_lineaire.gradient")


def test_hidden_test_reports_a_renamed_function():
    namespace = {"perte": linreg.loss}
    try:
        hidden_test("td1.regression_lineaire.loss", namespace)
    except HiddenTestFailure as failure:
        assert "`loss` est introuvable" in str(failure)
    else:
        raise AssertionError("a missing function must fail")


def test_hidden_test_passes_and_prints(capsys):
    hidden_test("td1.regression_lineaire.loss", {"loss": linreg.loss})
    assert "✔" in capsys.readouterr().out


def test_train_is_judged_with_the_reference_helpers():
    """A train that calls a wrong student gradient still passes: only gradient loses its points."""
    namespace = {
        "np": np,
        "W_INIT": 0.0,
        "B_INIT": 0.0,
        "predict": linreg.predict,
        "loss": linreg.loss,
        "gradient": lambda x, y_hat, y: (0.0, 0.0),
    }
    exec(  # noqa: S102 - a student's cell, as the notebook would run it
        "def train(x, y, eta, epochs):\n"
        "    w, b = W_INIT, B_INIT\n"
        "    losses = np.zeros(epochs)\n"
        "    for e in range(epochs):\n"
        "        y_hat = predict(x, w, b)\n"
        "        losses[e] = loss(y, y_hat)\n"
        "        dw, db = gradient(x, y_hat, y)\n"
        "        w, b = w - eta * dw, b - eta * db\n"
        "    return w, b, losses\n",
        namespace,
    )
    assert run_check("td1.regression_lineaire.train", namespace["train"]).passed
    assert namespace["gradient"](None, None, None) == (0.0, 0.0), "the student's namespace is untouched"
    clone = with_helpers(namespace["train"], {"gradient": linreg.gradient})
    assert clone.__globals__["gradient"] is linreg.gradient


def test_a_missing_function_is_told_about_a_close_name_and_only_then():
    from autograde.hidden_tests import renamed_hint

    assert "`gradient_lineaire`" in renamed_hint("gradient", ["predict", "gradient_lineaire"])
    assert "`gradiant`" in renamed_hint("gradient", ["loss", "gradiant"])
    assert renamed_hint("gradient", ["predict", "loss", "train"]) == ""


class FakeShell:
    """IPython's shell as hidden_test sees it: post_run_cell callbacks, run at the end of the cell."""

    def __init__(self):
        self.callbacks = []
        self.events = self

    def register(self, event, callback):
        self.callbacks.append(callback)

    def unregister(self, event, callback):
        self.callbacks.remove(callback)

    def end_of_cell(self, error):
        result = type("Result", (), {"error_in_exec": error})()
        for callback in list(self.callbacks):
            callback(result)


def test_no_check_mark_above_a_visible_self_check_that_failed(monkeypatch, capsys):
    """Teacher's run: the ✔ waits for the end of the cell; a cell whose visible part raised says what
    that means instead. The grader's banner and its row message say the same."""
    import IPython

    from autograde import messages
    from autograde.execution import RECORD, verdict_banner
    from autograde.results import failure_message

    shell = FakeShell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    hidden_test("td1.regression_lineaire.loss", {"loss": linreg.loss})
    assert capsys.readouterr().out == "", "nothing before the visible part has run"
    shell.end_of_cell(AssertionError("visible"))
    out = capsys.readouterr().out
    assert "✔" not in out and out.startswith("✘ Tests cachés réussis, mais le test visible de cette cellule a échoué")
    assert "(Test caché : `loss` : " in out
    hidden_test("td1.regression_lineaire.loss", {"loss": linreg.loss})
    shell.end_of_cell(None)
    assert capsys.readouterr().out.startswith("✔ `loss` : ")

    assert verdict_banner(["`loss` : 4 cas"], "passed") == "✔ `loss` : 4 cas\n"
    banner = verdict_banner(["`loss` : 4 cas"], "failed")
    assert "✔" not in banner and "0 point tant qu'il échoue" in banner and "`loss` : 4 cas" in banner
    cell = {
        "metadata": {
            RECORD: {
                "checks": [{"check": "x", "passed": True, "message": "`loss` : 4 cas"}],
                "self_check": "failed",
                "passed": False,
                "message": "",
            }
        },
        "outputs": [{"output_type": "error", "ename": "NameError", "evalue": "name 'x_ex' is not defined"}],
    }
    assert failure_message(cell, 10) == (
        f"{messages.HIDDEN_PASSED_VISIBLE_FAILED} Erreur NameError : name 'x_ex' is not defined"
    )
