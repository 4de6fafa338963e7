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
    assert check_square(lambda z: np.array([[v ** 2 for v in row] for row in np.atleast_2d(z)]).reshape(z.shape)).passed


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


def test_a_function_that_modifies_its_input_does_not_spoil_the_comparison():
    def in_place(z):
        z *= z
        return z

    assert check_square(in_place).passed


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
    namespace = {"np": np, "W_INIT": 0.0, "B_INIT": 0.0, "predict": linreg.predict, "loss": linreg.loss,
                 "gradient": lambda x, y_hat, y: (0.0, 0.0)}
    exec(  # noqa: S102 - a student's cell, as the notebook would run it
        "def train(x, y, eta, epochs):\n"
        "    w, b = W_INIT, B_INIT\n"
        "    losses = np.zeros(epochs)\n"
        "    for e in range(epochs):\n"
        "        y_hat = predict(x, w, b)\n"
        "        losses[e] = loss(y, y_hat)\n"
        "        dw, db = gradient(x, y_hat, y)\n"
        "        w, b = w - eta * dw, b - eta * db\n"
        "    return w, b, losses\n", namespace)
    assert run_check("td1.regression_lineaire.train", namespace["train"]).passed
    assert namespace["gradient"](None, None, None) == (0.0, 0.0), "the student's namespace is untouched"
    clone = with_helpers(namespace["train"], {"gradient": linreg.gradient})
    assert clone.__globals__["gradient"] is linreg.gradient


def test_a_missing_function_is_told_about_a_close_name_and_only_then():
    from autograde.hidden_tests import renamed_hint

    assert "`gradient_lineaire`" in renamed_hint("gradient", ["predict", "gradient_lineaire"])
    assert "`gradiant`" in renamed_hint("gradient", ["loss", "gradiant"])
    assert renamed_hint("gradient", ["predict", "loss", "train"]) == ""
