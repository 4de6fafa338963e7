"""autograde/records.py, the leaf that holds the records of the verdicts: results and feedback read them
without loading the grading machinery, and the records GuardedExecute writes have exactly the typed
schema (run on the fake kernel of tests/fakes.py). Also the figures computed once from result rows
(StudentSummary, CellSummary) that the tables, the report and the Moodle CSV show."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from fakes import code_cell, grade, graded_cell, notebook

from autograde import messages, records
from autograde.records import RECORD, CellRecord, CheckRecord, NotebookRecord, SelfCheck, is_test_cell, record_of
from autograde.results import CellResult as Row
from autograde.results import cell_summaries, max_points, student_summaries

GRADIENT_ID = "td1.regression_lineaire.gradient"
RIGHT = """import numpy as np
def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
"""
SIGN = RIGHT.replace("residual = y_hat - y", "residual = y - y_hat")


def test_reading_results_and_feedback_loads_neither_execution_nor_the_sandbox():
    # nbclient itself is loaded anyway (nbgrader's and nbconvert's packages import it): what must stay out
    # is the grader's own machinery, its overrides of nbclient's internals and the sandbox.
    grader = ("autograde.execution", "autograde.sandbox", "autograde.judge")
    code = (
        f"import sys, json, autograde.results, autograde.feedback, autograde.tables, autograde.report, "
        f"autograde.lms; print(json.dumps([m for m in {grader!r} if m in sys.modules]))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded) == []


def test_the_leaf_imports_the_standard_library_only():
    tree = ast.parse(Path(records.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) and not node.level else f"relative {node.module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {name.split(".")[0] for name in imported} <= sys.stdlib_module_names | {"__future__"}, imported


@pytest.mark.parametrize(
    ("nbgrader", "expected"),
    [
        ({"grade": True, "solution": False}, True),
        ({"grade": True, "solution": True}, False),  # a written answer or a graded solution
        ({"grade": False, "solution": True}, False),
        ({}, False),
    ],
)
def test_a_test_cell_is_graded_and_not_the_students(nbgrader, expected):
    assert is_test_cell({"metadata": {"nbgrader": nbgrader}}) is expected
    assert is_test_cell({"metadata": {}}) is False


def assert_schema(record: dict) -> None:
    assert set(record) == CellRecord.__required_keys__ == set(CellRecord.__annotations__)
    assert record["self_check"] in get_args(SelfCheck)
    assert isinstance(record["passed"], bool) and isinstance(record["message"], str)
    for check in record["checks"]:
        assert set(check) == CheckRecord.__required_keys__ == set(CheckRecord.__annotations__)
        assert isinstance(check["check"], str) and isinstance(check["passed"], bool)
        assert check["mistake"] is None or isinstance(check["mistake"], str)
        assert isinstance(check["message"], str)


def graded_notebook(function: str, visible: str = ""):
    return notebook(
        code_cell(function, "gradient", solution=True), graded_cell(GRADIENT_ID, visible, "test_gradient", points=3)
    )


@pytest.mark.parametrize(
    ("function", "visible", "self_check", "passed", "mistake"),
    [
        (RIGHT, "", "passed", True, None),
        (RIGHT, "assert False, 'visible'", "failed", False, None),
        (SIGN, "", "not run", False, "regression_lineaire.gradient/sign"),
    ],
    ids=["passed", "self-check failed", "check failed"],
)
def test_the_records_written_have_the_typed_schema(function, visible, self_check, passed, mistake):
    nb, _ = grade(graded_notebook(function, visible))
    record = nb.cells[-1].metadata[RECORD]
    assert_schema(record)
    assert (record["self_check"], record["passed"], record["checks"][0]["mistake"]) == (self_check, passed, mistake)
    assert record_of(nb.cells[-1]) == record
    assert set(record_of(nb)) == NotebookRecord.__required_keys__ and record_of(nb)["sandboxed"] is False


def test_a_graded_cell_that_never_ran_its_checks_gets_a_not_run_record():
    cell = code_cell("x = 1", "test_x")
    cell.metadata["nbgrader"].update(grade=True, solution=False, points=1)
    nb, _ = grade(notebook(cell))
    record = nb.cells[-1].metadata[RECORD]
    assert_schema(record)
    assert record == {"checks": [], "self_check": "not run", "passed": False, "message": messages.not_run()}


def test_a_cell_without_a_record_reads_as_empty():
    assert record_of({"metadata": {}}) == {} and record_of({}) == {}


# ------------------------------------------------------------------------- figures computed once
ROWS = [
    Row("bob", "n1", "c1", 0.1, 0.5, "", ("m1", "m2")),
    Row("ana", "n1", "c1", 0.5, 0.5, ""),
    Row("bob", "n2", "w", 0, 2, "", manual=True, needs_manual_grade=True),
    Row("bob", "n1", "c2", 1, 1, "", ("m2",), verified=False),
    Row("ana", "n1", "c2", 0, 1, "x", ("m2",)),
]


def test_a_students_summary_has_their_points_per_notebook_and_what_their_grade_waits_for():
    bob, ana = student_summaries(ROWS)
    assert (bob.student, bob.score, bob.max_score, bob.pending, bob.verified) == ("bob", 1.1, 3.5, 2, False)
    assert (bob.points(), bob.points("n1"), bob.points("n2")) == ("1.1/3.5", "1.1/1.5", "0/2")
    assert bob.notes == [f"2 pt {messages.MANUAL_PENDING}", messages.UNVERIFIED]
    assert (ana.points(), ana.points("n2"), ana.notes) == ("0.5/1.5", "0/0", [])
    assert max_points([bob, ana]) == 3.5 and max_points([]) == 0


def test_a_cells_summary_has_its_average_its_successes_and_its_mistakes():
    c1, w, c2 = cell_summaries(ROWS)
    assert (c1.label, c1.count, c1.mean, c1.max_score, c1.full_marks, c1.pending) == ("n1 · c1", 2, 0.3, 0.5, 1, False)
    assert w.pending and w.full_marks == 0
    assert c2.mistakes.most_common() == [("m2", 2)] and c1.mistakes.most_common() == [("m1", 1), ("m2", 1)]
