"""GuardedExecute's graded-cell path on small notebooks written here, run on the fake kernel of
tests/fakes.py (no kernel process: each notebook takes milliseconds).

What is real: nbgrader's Execute and nbclient's cell loop, GuardedExecute (hidden region read, checks
judged in this process, verdict banner, visible self-check run only after a pass, isolation of a
function judged with reference helpers, records in the cell's metadata, closing of unjudged cells),
the bounded decoding of every kernel message (BoundedWire), the kernel side answering the requests,
TD 1's checks and catalogue of mistakes, and nbgrader's own scoring of the result (determine_grade).
"""

from __future__ import annotations

import numpy as np
import pytest
from fakes import code_cell, grade, graded_cell, notebook
from nbgrader.utils import determine_grade

from autograde import messages, settings
from autograde.execution import RECORD, TIME_LIMIT, readable
from autograde.results import failure_message

GRADIENT_ID = "td1.regression_lineaire.gradient"
TRAIN_ID = "td1.regression_lineaire.train"
IMPORTS = "import numpy as np"

RIGHT_GRADIENT = """def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
"""
SIGN_GRADIENT = """def gradient(x, y_hat, y):
    residual = y - y_hat
    return np.mean(residual * x), np.mean(residual)
"""
# Right values, but y_hat is the caller's array, written into.
IN_PLACE_GRADIENT = """def gradient(x, y_hat, y):
    y_hat -= y
    return np.mean(y_hat * x), np.mean(y_hat)
"""
# The visible self-check of 02_regression_lineaire.ipynb's test_gradient cell.
GRADIENT_SELF_CHECK = """dw, db = gradient(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]),
                  np.array([1.0, 2.0, 3.0]))
assert np.isclose(dw, 2.0) and np.isclose(db, 2 / 3), f"attendu dL/dw = 2 et dL/db = 0.6667, obtenu {dw} et {db}"
print("gradient passe l'auto-vérification.")
"""
SELF_CHECK_PRINT = "gradient passe l'auto-vérification."


def gradient_notebook(student_gradient: str, self_check: str = GRADIENT_SELF_CHECK, *before: str):
    return notebook(
        IMPORTS,
        *before,
        code_cell(student_gradient, "gradient", solution=True),
        graded_cell(GRADIENT_ID, self_check, "test_gradient", points=3),
    )


def graded(nb):
    """The graded test cell of a fixture notebook (the last one)."""
    return nb.cells[-1]


def score(cell) -> float:
    """The cell's score as nbgrader's SaveAutoGrades computes it from the outputs."""
    return determine_grade(cell)[0]


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def errors(cell) -> list[tuple[str, str]]:
    return [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]


# --------------------------------------------------------------------------------- the verdicts
def test_a_right_function_gets_every_point_and_a_check_mark_above_its_self_check():
    nb, kernel = grade(gradient_notebook(RIGHT_GRADIENT))
    cell = graded(nb)
    assert score(cell) == 3
    assert errors(cell) == []
    assert cell.outputs[0].text == "✔ `gradient` : 3 cas vérifiés, tous corrects.\n"
    assert stdout(cell).endswith(SELF_CHECK_PRINT + "\n"), "the visible self-check ran after the verdict"
    record = cell.metadata[RECORD]
    assert record == {
        "checks": [
            {
                "check": GRADIENT_ID,
                "passed": True,
                "mistake": None,
                "message": "`gradient` : 3 cas vérifiés, tous corrects.",
            }
        ],
        "self_check": "passed",
        "passed": True,
        "message": "",
    }
    # The hidden region never reached the kernel: only the visible part of the graded cell ran there.
    assert not any("hidden_test" in source for source in kernel.executed)
    assert [s for s in kernel.executed if "gradient(" in s and "def " not in s] == [
        f"# Cellule notée (3 points).\n{GRADIENT_SELF_CHECK}"
    ]
    assert [r["lookup"] for r in kernel.requests if "lookup" in r] == ["gradient"]
    assert nb.metadata[RECORD] == {"sandboxed": False}


def test_a_catalogued_mistake_gets_0_and_is_named_in_french_and_the_self_check_does_not_run():
    nb, kernel = grade(gradient_notebook(SIGN_GRADIENT))
    cell = graded(nb)
    assert score(cell) == 0
    [(ename, evalue)] = errors(cell)
    assert ename == messages.CHECK_FAILED
    assert evalue.startswith("`gradient` — erreur reconnue : le signe est inversé")
    record = cell.metadata[RECORD]
    assert record["passed"] is False and record["self_check"] == "not run"
    assert record["checks"][0]["mistake"] == "regression_lineaire.gradient/sign"
    assert "✔" not in stdout(cell) and SELF_CHECK_PRINT not in stdout(cell)
    assert not any(GRADIENT_SELF_CHECK.strip() in source for source in kernel.executed)
    assert failure_message(cell, 10) == record["checks"][0]["message"]


def test_an_unknown_mistake_names_the_first_failing_case_and_the_quantity():
    off_by_one = RIGHT_GRADIENT.replace("np.mean(residual)\n", "np.mean(residual) + 1\n")
    cell = graded(grade(gradient_notebook(off_by_one))[0])
    assert score(cell) == 0
    [(_, evalue)] = errors(cell)
    assert evalue.startswith("`gradient` est incorrecte — cas 1/3 (n = 1")
    assert "dL/db : " in evalue and "obtenu" in evalue
    assert cell.metadata[RECORD]["checks"][0]["mistake"] is None


def test_a_function_that_writes_into_its_input_gets_0_and_the_argument_is_named():
    cell = graded(grade(gradient_notebook(IN_PLACE_GRADIENT))[0])
    assert score(cell) == 0
    [(_, evalue)] = errors(cell)
    evalue = " ".join(evalue.split())  # the grader wraps long verdicts at 100 characters
    assert evalue.startswith("`gradient` a modifié son argument `y_hat` en place — cas 1/3")
    assert "y_hat.copy()" in evalue


def test_a_renamed_function_is_introuvable_and_the_close_name_is_suggested():
    renamed = RIGHT_GRADIENT.replace("def gradient(", "def gradient_lineaire(")
    cell = graded(grade(gradient_notebook(renamed))[0])
    assert score(cell) == 0
    [(_, evalue)] = errors(cell)
    evalue = " ".join(evalue.split())
    assert evalue.startswith("La fonction `gradient` est introuvable")
    assert "Le notebook définit `gradient_lineaire` : est-ce elle, renommée ?" in evalue


def test_an_exception_of_the_student_is_named_with_its_case():
    raising = RIGHT_GRADIENT.replace("residual = y_hat - y", "residual = y_hat - y\n    1 / 0")
    not_written = "def gradient(x, y_hat, y):\n    raise NotImplementedError\n"
    [(_, raised)] = errors(graded(grade(gradient_notebook(raising))[0]))
    [(_, todo)] = errors(graded(grade(gradient_notebook(not_written))[0]))
    assert raised.startswith("`gradient` a levé ZeroDivisionError: division by zero — cas 1/3")
    assert todo == "`gradient` n'est pas encore écrite (NotImplementedError)."


def test_hidden_checks_passed_but_visible_self_check_raised_gives_no_check_mark_and_0():
    """The rule: points only when the verdict passed AND the visible part raised nothing."""
    self_check = "dw, db = gradient(x_ex, x_ex, x_ex)\n"  # x_ex: a locked cell the student deleted
    nb, _ = grade(gradient_notebook(RIGHT_GRADIENT, self_check))
    cell = graded(nb)
    assert score(cell) == 0
    assert "✔" not in stdout(cell)
    assert stdout(cell).startswith("✘ " + messages.HIDDEN_PASSED_VISIBLE_FAILED[:40])
    assert "(Test caché : `gradient` : 3 cas vérifiés, tous corrects.)" in " ".join(stdout(cell).split())
    assert errors(cell) == [("NameError", "name 'x_ex' is not defined")]
    record = cell.metadata[RECORD]
    assert record["checks"][0]["passed"] is True
    assert record["self_check"] == "failed" and record["passed"] is False
    assert failure_message(cell, 10) == (
        f"{messages.HIDDEN_PASSED_VISIBLE_FAILED} Erreur NameError : name 'x_ex' is not defined"
    )


def test_a_self_check_that_writes_to_stderr_fails_too():
    self_check = "import sys\nprint('attention', file=sys.stderr)\n"
    cell = graded(grade(gradient_notebook(RIGHT_GRADIENT, self_check))[0])
    assert score(cell) == 0
    assert cell.metadata[RECORD]["self_check"] == "failed"
    assert "✔" not in stdout(cell)


def test_an_answer_that_is_not_plain_data_is_judged_by_its_type_only():
    """An object with an ``__eq__`` that is always True cannot pass: only its type's name crosses."""
    liar = """class Anything:
    def __eq__(self, other):
        return True
    __hash__ = None
    def __float__(self):
        return 0.0
"""
    whole = RIGHT_GRADIENT.replace("return np.mean(residual * x), np.mean(residual)", "return Anything()")
    parts = RIGHT_GRADIENT.replace("return np.mean(residual * x), np.mean(residual)", "return Anything(), Anything()")
    [(_, evalue_whole)] = errors(graded(grade(gradient_notebook(liar + whole))[0]))
    [(_, evalue_parts)] = errors(graded(grade(gradient_notebook(liar + parts))[0]))
    assert "le résultat doit être un tuple de 2 éléments, obtenu Anything" in " ".join(evalue_whole.split())
    assert "dL/dw est de type Anything ; un nombre est attendu" in " ".join(evalue_parts.split())


def test_a_list_of_checks_reports_every_failure_and_passes_only_if_all_pass():
    student = RIGHT_GRADIENT + "\n\ndef loss(y, y_hat):\n    return np.mean((y_hat - y) ** 2)\n"
    nb = notebook(
        IMPORTS,
        code_cell(student, "answers", solution=True),
        graded_cell(["td1.regression_lineaire.gradient", "td1.regression_lineaire.loss"], "", "test_two", 2),
    )
    cell = graded(grade(nb)[0])
    assert score(cell) == 0
    assert [c["passed"] for c in cell.metadata[RECORD]["checks"]] == [True, False]
    [(_, evalue)] = errors(cell)
    assert evalue.startswith("`loss` — erreur reconnue : le facteur 1/2 a été oublié")
    assert "gradient" not in evalue, "only the failures are reported"


# ------------------------------------------------------------------------- isolation, forgery
RIGHT_TRAIN = """W_INIT, B_INIT = 0.0, 0.0

def predict(x, w, b):
    return w * x + b

def loss(y, y_hat):
    return np.mean((y_hat - y) ** 2) / 2

def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        y_hat = predict(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w = w - eta * dw
        b = b - eta * db
    return w, b, losses
"""
# The visible self-check of the test_train cell: one epoch on three points, by hand.
TRAIN_SELF_CHECK = """w1, b1, losses1 = train(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), eta=0.1, epochs=1)
assert np.isclose(losses1[0], 35 / 6), f"obtenu {losses1[0]}"
assert np.isclose(w1, 1.3 / 3) and np.isclose(b1, 0.3), f"obtenu w = {w1} et b = {b1}"
print("train passe l'auto-vérification.")
"""


def test_a_function_judged_alone_keeps_its_points_and_its_self_check_despite_a_wrong_helper():
    """``train`` calls the student's wrong ``gradient``: its hidden check and its visible self-check run
    with the reference helpers, and the student's own ``train`` is back afterwards."""
    nb = notebook(
        IMPORTS,
        code_cell(SIGN_GRADIENT, "gradient", solution=True),
        graded_cell(GRADIENT_ID, GRADIENT_SELF_CHECK, "test_gradient", 3),
        code_cell(RIGHT_TRAIN, "train", solution=True),
        graded_cell(TRAIN_ID, TRAIN_SELF_CHECK, "test_train", 3),
        "after = train(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 0.1, 1)",
    )
    nb, kernel = grade(nb)
    gradient_cell, train_cell = nb.cells[2], nb.cells[4]
    assert score(gradient_cell) == 0
    assert score(train_cell) == 3, errors(train_cell)
    assert train_cell.outputs[0].text.startswith("✔ `train` : 3 cas vérifiés, tous corrects.")
    assert "train passe l'auto-vérification." in stdout(train_cell)
    isolate = [r for r in kernel.requests if r.get("isolate")]
    restore = [r for r in kernel.requests if r.get("restore")]
    assert [r["name"] for r in isolate] == ["train"] and [r["name"] for r in restore] == ["train"]
    assert sorted(isolate[0]["helpers"]["functions"]) == ["gradient", "loss", "predict"]
    # After the cell, `train` is the student's again: it uses the student's (wrong) gradient.
    w_after = kernel.namespace["after"][0]
    assert np.isclose(w_after, -1.3 / 3), "the student's train, with the student's sign mistake"


def test_records_forged_in_the_submitted_file_are_replaced_by_this_runs():
    nb = gradient_notebook(SIGN_GRADIENT)
    forged = {"checks": [], "self_check": "passed", "passed": True, "message": ""}
    graded(nb).metadata[RECORD] = dict(forged)
    nb.cells[1].metadata[RECORD] = dict(forged)
    nb.metadata[RECORD] = {"sandboxed": True}
    nb, _ = grade(nb)
    assert graded(nb).metadata[RECORD]["passed"] is False
    assert RECORD not in nb.cells[1].metadata
    assert nb.metadata[RECORD] == {"sandboxed": False}


def test_a_check_mark_printed_by_the_student_is_not_a_verdict():
    student = SIGN_GRADIENT + "\nprint('✔ `gradient` : 3 cas vérifiés, tous corrects.')\n"
    cell = graded(grade(gradient_notebook(student))[0])
    assert score(cell) == 0 and cell.metadata[RECORD]["passed"] is False


# ------------------------------------------------------------------------------- the wire, bounded
def test_an_answer_over_the_message_limit_costs_the_cell_not_the_grader(monkeypatch):
    """The kernel side's answer is refused unread by BoundedWire: 0 for the cell, with the reason."""
    monkeypatch.setenv(settings.MAX_MESSAGE_MB.variable, "1")
    huge = RIGHT_GRADIENT.replace("return np.mean(residual * x), np.mean(residual)", "return np.zeros(300_000), 0.0")
    nb = notebook(
        IMPORTS,
        code_cell(huge, "gradient", solution=True),
        graded_cell(GRADIENT_ID, GRADIENT_SELF_CHECK, "test_gradient", 3),
        "print('suite')",
    )
    nb, _ = grade(nb)
    cell = nb.cells[2]
    assert score(cell) == 0
    assert errors(cell) == [(messages.MESSAGE_REFUSED, readable(messages.message_refused("plus de 1 Mio")))]
    assert cell.metadata[RECORD]["checks"][0]["passed"] is False
    assert stdout(nb.cells[3]) == "suite\n", "grading went on"


# -------------------------------------------------------------------------------- closing cells
def test_a_graded_cell_without_a_hidden_region_that_printed_nothing_wrong_is_closed_with_0():
    """A test cell the grader never judged (no hidden region: nothing to record) fails: nothing passes
    unseen."""
    nb = notebook(IMPORTS, graded_cell(GRADIENT_ID, "", "test_gradient", 1))
    nb.cells[1].source = "print('ok')"  # the hidden region was removed
    cell = graded(grade(nb)[0])
    assert score(cell) == 0
    assert errors(cell) == [(messages.NOT_RUN, messages.not_run())]
    assert cell.metadata[RECORD]["passed"] is False


@pytest.mark.parametrize("student, passed", [(RIGHT_GRADIENT, True), (SIGN_GRADIENT, False)])
def test_the_record_and_the_score_agree(student, passed):
    cell = graded(grade(gradient_notebook(student))[0])
    assert cell.metadata[RECORD]["passed"] is passed
    assert (score(cell) == 3) is passed


# ----------------------------------------------------------------------------------- a dead kernel
DYING_LOSS = "def loss(y, y_hat):\n    from fakes import die\n    die()  # os._exit(1) in a real kernel\n"


def test_a_kernel_that_dies_costs_its_cell_only_and_is_restarted_with_the_notebook_replayed(monkeypatch):
    """A death during a hidden check, then one in a plain cell: each costs that cell, the kernel is
    restarted, the cells before are replayed (not the one that killed it), and the next graded cell
    passes in the new kernel."""
    from autograde import execution

    monkeypatch.setattr(execution, "WATCH_INTERVAL_S", 0.01)  # the watchdog sees a death after 5 polls
    nb = notebook(
        IMPORTS,
        code_cell(RIGHT_GRADIENT, "gradient", solution=True),
        graded_cell(GRADIENT_ID, GRADIENT_SELF_CHECK, "test_gradient", 3),
        code_cell(DYING_LOSS, "loss", solution=True),
        graded_cell("td1.regression_lineaire.loss", "", "test_loss", 2),
        "from fakes import die\ndie()",
        graded_cell(GRADIENT_ID, GRADIENT_SELF_CHECK, "test_gradient_again", 3),
    )
    nb, kernel = grade(nb)
    assert kernel.restarts == 2
    first, died_in_check, died_in_cell, after = nb.cells[2], nb.cells[4], nb.cells[5], nb.cells[6]
    assert score(first) == 3
    assert score(died_in_check) == 0
    assert errors(died_in_check) == [(messages.KERNEL_DIED, readable(messages.kernel_died()))]
    assert failure_message(died_in_check, 10) == messages.kernel_died()
    assert errors(died_in_cell) == [(messages.KERNEL_DIED, messages.kernel_died())]
    assert score(after) == 3 and after.outputs[0].text.startswith("✔ `gradient`")
    assert stdout(after).endswith(SELF_CHECK_PRINT + "\n"), "np and gradient exist again: the cells were replayed"
    replays = kernel.executed.count(RIGHT_GRADIENT)
    assert replays == 3, "run once, replayed after each death"
    assert kernel.executed.count("from fakes import die\ndie()") == 1, "a cell that killed the kernel is not replayed"


# ------------------------------------------------------------------------------------------- time
@pytest.fixture
def quick_watchdog(monkeypatch):
    from autograde import execution

    monkeypatch.setattr(execution, "WATCH_INTERVAL_S", 0.01)


def test_a_cell_past_its_cpu_time_is_interrupted_and_grading_goes_on(quick_watchdog):
    nb, kernel = grade(notebook("x = 41", "from fakes import spin\nspin()", "print(x + 1)"), timeout=1)
    assert (TIME_LIMIT, messages.time_limit(1)) in errors(nb.cells[1])
    assert ("KeyboardInterrupt", "") in errors(nb.cells[1]), "the kernel's own words stay too"
    assert kernel.interrupts == 1 and kernel.restarts == 0
    assert stdout(nb.cells[2]) == "42\n"


def test_a_cell_that_ignores_the_interrupt_is_stopped_by_a_restart_and_the_notebook_replayed(quick_watchdog):
    nb, kernel = grade(notebook("x = 41", "from fakes import spin\nspin(stuck=True)", "print(x + 1)"), timeout=1)
    assert errors(nb.cells[1]) == [(messages.KERNEL_STUCK, messages.kernel_stuck(1))]
    assert kernel.restarts == 1
    assert stdout(nb.cells[2]) == "42\n", "x = 41 was replayed, the stuck cell was not"
    assert kernel.executed.count("from fakes import spin\nspin(stuck=True)") == 1


def test_a_hidden_check_past_the_time_limit_fails_its_cell_only(quick_watchdog):
    spinning = RIGHT_GRADIENT.replace(
        "residual = y_hat - y", "residual = y_hat - y\n    from fakes import spin\n    spin()"
    )
    nb = notebook(
        IMPORTS,
        code_cell(spinning, "gradient", solution=True),
        graded_cell(GRADIENT_ID, GRADIENT_SELF_CHECK, "test_gradient", 3),
        code_cell("def loss(y, y_hat):\n    return np.mean((y_hat - y) ** 2) / 2\n", "loss", solution=True),
        graded_cell("td1.regression_lineaire.loss", "", "test_loss", 2),
    )
    nb, kernel = grade(nb, timeout=1)
    cell = nb.cells[2]
    assert score(cell) == 0 and cell.metadata[RECORD]["self_check"] == "not run"
    assert errors(cell) == [(messages.CHECK_FAILED, readable(messages.time_limit(1)))]
    assert failure_message(cell, 1) == messages.time_limit(1)
    assert score(nb.cells[4]) == 2, "the next graded cell is judged as usual"


def test_once_the_notebooks_budget_is_spent_nothing_more_runs_and_every_graded_cell_left_gets_0(
    quick_watchdog, monkeypatch
):
    monkeypatch.setenv(settings.NOTEBOOK_CPU_BUDGET.variable, "2")
    nb = notebook(
        IMPORTS,
        code_cell(RIGHT_GRADIENT, "gradient", solution=True),
        code_cell("from fakes import spin\nspin()", "boucle"),
        graded_cell(GRADIENT_ID, GRADIENT_SELF_CHECK, "test_gradient", 3),
        "print('jamais')",
    )
    nb, kernel = grade(nb, timeout=30)
    spent = messages.time_budget_spent("boucle", 2)
    assert errors(nb.cells[2])[-1] == (messages.TIME_BUDGET, spent)
    assert score(nb.cells[3]) == 0 and errors(nb.cells[3]) == [(messages.TIME_BUDGET, spent)]
    assert nb.cells[3].metadata[RECORD] == {"checks": [], "self_check": "not run", "passed": False, "message": spent}
    assert nb.cells[4].outputs == [] and "print('jamais')" not in kernel.executed


# ---------------------------------------------------------------------------------------- outputs
def test_a_cell_printing_past_its_text_limit_keeps_the_beginning_and_one_note(monkeypatch):
    monkeypatch.setenv(settings.MAX_CELL_TEXT_MB.variable, "1")
    nb, _ = grade(notebook("for i in range(30_000):\n    print(f'{i:079d}')", "print('suite')"))
    printed = nb.cells[0].outputs
    assert printed[-1].text == messages.outputs_dropped("cell")
    kept = printed[0].text
    lines = kept.split("\n")
    assert lines[0] == "0" * 79 and lines[-1] == "", "whole lines, from the first"
    assert lines[-2] == f"{len(lines) - 2:079d}" and len(kept) <= 1 << 20 < 30_000 * 80
    assert stdout(nb.cells[1]) == "suite\n"


# ------------------------------------------------------------------------------ where the time goes
def test_grading_a_notebook_adds_to_the_timings_of_its_phases_each_second_once():
    from time import perf_counter

    from autograde import execution

    execution.reset_timings()
    assert execution.timings() == dict.fromkeys(execution.PHASES, 0.0)
    start = perf_counter()
    nb, _ = grade(gradient_notebook(RIGHT_GRADIENT))
    elapsed = perf_counter() - start
    assert score(graded(nb)) == 3
    spent = execution.timings()
    assert spent["kernel_start"] > 0 and spent["execution"] > 0 and spent["checks"] > 0
    assert spent["shutdown"] == 0, "the fixture's kernel manager is the caller's: nbclient does not stop it"
    assert sum(spent.values()) <= elapsed, "a phase inside another pauses it"


def test_a_phase_inside_another_pauses_it(monkeypatch):
    from autograde import execution

    clock = iter([0.0, 1.0, 3.0, 4.0, 10.0, 10.5])
    monkeypatch.setattr(execution, "perf_counter", lambda: next(clock))
    phases = execution._PhaseClock()
    with phases.phase("execution"):  # 0 → 4, a restart from 1 to 3
        with phases.phase("kernel_start"):
            pass
    with phases.phase("shutdown"):  # 10 → 10.5
        pass
    assert phases.read() == {"kernel_start": 2.0, "execution": 2.0, "checks": 0.0, "shutdown": 0.5}


def test_the_next_notebook_is_expected_from_nbgraders_list_of_the_students_notebooks():
    from nbconvert.exporters import NotebookExporter
    from traitlets import List
    from traitlets.config import Configurable

    from autograde.execution import GuardedExecute

    class Converter(Configurable):
        notebooks = List()

    converter = Converter(notebooks=["/s/alice/td/02_b.ipynb", "/s/alice/td/01_a.ipynb", "/s/alice/td/03_c.ipynb"])
    converter.notebooks = sorted(converter.notebooks)  # as nbgrader's convert_notebooks keeps them
    executor = GuardedExecute(parent=NotebookExporter(parent=converter), sandboxed=False)
    expected = {}
    for name in ("01_a", "02_b", "03_c", "ailleurs"):
        executor.resources = {"unique_key": name}
        expected[name] = executor._next_notebook_expected()
    assert expected == {"01_a": True, "02_b": True, "03_c": False, "ailleurs": False}
    alone = GuardedExecute(sandboxed=False)
    alone.resources = {"unique_key": "01_a"}
    assert not alone._next_notebook_expected(), "outside nbgrader's converter: no next notebook"
