"""The grader's records, as data: what :class:`~autograde.execution.GuardedExecute` writes into a graded
notebook's metadata (``metadata.autograde``, the notebook's and each graded cell's) and what
:mod:`autograde.results` reads back; which cells are graded tests (:func:`is_test_cell`).

A leaf: it imports nothing of the grader, so that reading results or writing feedback loads neither
:mod:`autograde.execution` (its overrides of nbclient's internals) nor the sandbox.

A submitted file may carry records of its own: the grader removes them before it runs a notebook, so a
record read back is this run's; readers still take a missing key as absent (a cell the grader never
reached has no record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypedDict

RECORD = "autograde"  # key of the grader's records in the notebook's and the cells' metadata
TIME_LIMIT = "CellTimeoutError"  # nbgrader's name of a cell stopped at the time limit; results.py reads it

SelfCheck = Literal["passed", "failed", "not run"]  # the visible self-check runs only once every check passed


class CheckRecord(TypedDict):
    """One hidden check's verdict on a graded cell."""

    check: str  # the check's id, "td1.regression_lineaire.gradient"
    passed: bool
    mistake: str | None  # id of the catalogued mistake the check recognised, if any
    message: str  # the verdict, in French


class CellRecord(TypedDict):
    """The record of a graded cell's verdict: the cell has its points only when ``passed``."""

    checks: list[CheckRecord]  # in the order of the cell's hidden region; empty when none was judged
    self_check: SelfCheck
    passed: bool  # every check passed and so did the visible self-check
    message: str  # why the cell failed before its self-check ran (the failed verdicts, a budget spent…), or ""


class NotebookRecord(TypedDict):
    """The record of a graded notebook."""

    sandboxed: bool  # False when the kernel ran without the sandbox: its grades are "non vérifié"


def check_record(check: str, passed: bool, mistake: str | None, message: str) -> CheckRecord:
    return {"check": check, "passed": passed, "mistake": mistake, "message": message}


def cell_record(checks: list[CheckRecord], self_check: SelfCheck, passed: bool, message: str) -> CellRecord:
    return {"checks": checks, "self_check": self_check, "passed": passed, "message": message}


def notebook_record(sandboxed: bool) -> NotebookRecord:
    return {"sandboxed": sandboxed}


def not_run(message: str) -> CellRecord:
    """The record of a graded cell whose checks never ran (the notebook's budget spent, the run stopped)."""
    return cell_record([], "not run", passed=False, message=message)


def is_test_cell(cell: Mapping[str, Any]) -> bool:
    """A graded cell that is not the student's answer: nbgrader's autograded tests, where the grader's
    hidden checks live."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def record_of(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """The grader's record in a cell's or a notebook's metadata as read back (a :class:`CellRecord` or a
    :class:`NotebookRecord`), empty when there is none."""
    return node.get("metadata", {}).get(RECORD, {})
