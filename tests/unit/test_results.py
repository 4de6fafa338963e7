"""results.py: why a graded cell lost its points, in French, and the rows every table reads.

:func:`failure_message` on cells written here (the grader's record in the metadata, the kernel's
outputs); :func:`read_results` on a small course made in-process by tests/fakes.py: TD 1 notebooks
graded by GuardedExecute on the fake kernel, scored by nbgrader's own SaveCells and SaveAutoGrades in
a real gradebook."""

from __future__ import annotations

import pytest
from fakes import autograded_course, code_cell, fast_gradebook, graded_cell, notebook, written_answer

from autograde import messages
from autograde.execution import RECORD, TIME_LIMIT
from autograde.results import CellResult, failure_message, read_results

TIMEOUT = 10


def cell(checks=(), self_check="not run", outputs=(), message=None):
    record = {"checks": list(checks), "self_check": self_check, "passed": False, "message": message or ""}
    return {"metadata": {RECORD: record}, "outputs": list(outputs)}


def error(ename, evalue=""):
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": []}


def check(passed, message, mistake=None):
    return {"check": "td1.regression_lineaire.gradient", "passed": passed, "mistake": mistake, "message": message}


# ------------------------------------------------------------------------------ failure_message
def test_the_failed_verdicts_are_the_message_one_per_line():
    graded = cell(
        [
            check(False, "`gradient` — erreur reconnue : le signe"),
            check(True, "`loss` : 4 cas"),
            check(False, "`train` est incorrecte"),
        ],
        outputs=[error(messages.CHECK_FAILED, "ignored: the record says it")],
    )
    assert failure_message(graded, TIMEOUT) == "`gradient` — erreur reconnue : le signe\n`train` est incorrecte"


def test_hidden_checks_passed_and_the_visible_part_failed_says_both():
    graded = cell([check(True, "`gradient` : 3 cas")], "failed", [error("AssertionError", "attendu dL/dw = 2")])
    assert failure_message(graded, TIMEOUT) == (
        f"{messages.HIDDEN_PASSED_VISIBLE_FAILED} Erreur AssertionError : attendu dL/dw = 2"
    )


@pytest.mark.parametrize(
    "outputs, expected",
    [
        ([error("NameError", "x"), error(messages.KERNEL_DIED, "le noyau s'est arrêté")], "le noyau s'est arrêté"),
        ([error(TIME_LIMIT)], messages.time_limit(TIMEOUT)),
        ([error("KeyboardInterrupt")], messages.time_limit(TIMEOUT)),
        ([error(messages.KERNEL_STUCK, "bloqué")], "bloqué"),
        ([error("MemoryError")], messages.memory()),
        ([error("ValueError", "formes incompatibles")], "Erreur ValueError : formes incompatibles"),
        (
            [{"output_type": "stream", "name": "stderr", "text": ["attention ", "ici"]}],
            messages.wrote_to_stderr("attention ici"),
        ),
        ([{"output_type": "stream", "name": "stdout", "text": "ok"}], messages.no_verdict()),
    ],
    ids=["grader-first", "time-limit", "interrupt", "stuck", "memory", "error", "stderr", "nothing"],
)
def test_without_a_failed_verdict_the_kernels_outputs_say_why(outputs, expected):
    assert failure_message(cell(outputs=outputs), TIMEOUT) == expected


def test_a_cell_the_grader_never_ran_says_so():
    assert failure_message({"outputs": [], "metadata": {}}, TIMEOUT) == messages.no_verdict()
    assert failure_message(cell(message=messages.not_run()), TIMEOUT) == messages.not_run()


# ---------------------------------------------------------------------------------- read_results
IMPORTS = "import numpy as np"
GRADIENT = """def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
"""
LOSS = "def loss(y, y_hat):\n    return np.mean((y_hat - y) ** 2) / 2\n"
SIGN = GRADIENT.replace("residual = y_hat - y", "residual = y - y_hat")
NO_HALF = LOSS.replace(" / 2\n", "\n")
RENAMED = GRADIENT.replace("def gradient(", "def gradient_lineaire(")


def td1_notebook(gradient=GRADIENT, loss=LOSS, answer=None, last="print('fin')"):
    """A small TD 1 notebook: two graded functions, a written answer, a last plain cell."""
    return notebook(
        IMPORTS,
        code_cell(gradient, "gradient", solution=True),
        graded_cell("td1.regression_lineaire.gradient", "", "test_gradient", points=3),
        code_cell(loss, "loss", solution=True),
        graded_cell("td1.regression_lineaire.loss", "", "test_loss", points=2),
        written_answer("reponse", 1, answer),
        code_cell(last),
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast_gradebook(monkeypatch)
        made, graded = autograded_course(
            tmp_path_factory.mktemp("results") / "course",
            td1_notebook(),
            {
                "alice": td1_notebook(answer="Le pas est trop grand : la perte diverge."),
                "bob": td1_notebook(SIGN, NO_HALF),
                "carol": td1_notebook(RENAMED, last="raise KeyboardInterrupt"),  # as an interrupted cell ends
                "dave": "not graded",
                "erin": "not handed in",
            },
            sandboxed=("alice",),
        )
        yield made, graded


@pytest.fixture(scope="module")
def rows(course):
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast_gradebook(monkeypatch)
        return {(r.student, r.grade_id): r for r in read_results(course[0], "td1", cell_timeout=TIMEOUT)}


def test_every_graded_cell_of_every_student_has_one_row(rows):
    assert sorted(rows) == sorted(
        (s, g) for s in ("alice", "bob", "carol", "dave", "erin") for g in ("test_gradient", "test_loss", "reponse")
    )
    assert all(isinstance(r, CellResult) and r.notebook == "nb" for r in rows.values())


def test_a_right_function_has_its_points_and_no_message(rows):
    assert rows["alice", "test_gradient"] == CellResult("alice", "nb", "test_gradient", 3.0, 3.0, "", (), verified=True)
    assert rows["alice", "test_loss"].score == 2.0 and rows["alice", "test_loss"].message == ""
    assert rows["carol", "test_loss"].score == 2.0 and rows["carol", "test_loss"].verified is False


def test_a_wrong_function_has_0_the_verdict_and_the_mistakes_id(rows, course):
    bob = rows["bob", "test_gradient"]
    assert (bob.score, bob.max_score, bob.mistakes) == (0.0, 3.0, ("regression_lineaire.gradient/sign",))
    record = course[1]["bob"].cells[2].metadata[RECORD]
    assert bob.message == record["checks"][0]["message"] and "le signe est inversé" in bob.message
    assert rows["bob", "test_loss"].mistakes == ("regression_lineaire.loss/forgot_half",)


def test_a_missing_function_says_introuvable_and_names_the_interrupted_cell(rows):
    carol = rows["carol", "test_gradient"]
    assert carol.score == 0.0 and carol.mistakes == ()
    assert carol.message.startswith("La fonction `gradient` est introuvable")
    assert carol.message.endswith(messages.also_interrupted(["n°7"]))


def test_written_answers_are_pending_or_not_written(rows):
    alice, bob = rows["alice", "reponse"], rows["bob", "reponse"]
    assert alice.manual and alice.needs_manual_grade and alice.message == messages.MANUAL_PENDING
    assert bob.manual and not bob.needs_manual_grade and bob.message == messages.answer_not_written()


def test_a_notebook_not_graded_or_not_handed_in_costs_every_cell_with_the_reason(rows):
    for grade_id, max_score in (("test_gradient", 3.0), ("test_loss", 2.0), ("reponse", 1.0)):
        assert rows["dave", grade_id] == CellResult(
            "dave", "nb", grade_id, 0.0, max_score, messages.notebook_not_graded("nb"), manual=grade_id == "reponse"
        )
        assert rows["erin", grade_id].message == messages.notebook_not_handed_in("nb")


def test_only_a_sandboxed_run_is_verified(rows):
    assert {s for (s, _), r in rows.items() if not r.verified} == {"bob", "carol"}
