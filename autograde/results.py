"""What grading produced, as data: one :class:`CellResult` per graded cell of every student.

Every table, export, report and test reads these rows; none of them searches a message for a fact
that a row can carry (the recognised mistakes, whether the run was sandboxed, manual grading).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CellResult:
    student: str
    notebook: str
    grade_id: str
    score: float
    max_score: float
    message: str  # French, empty when the cell got all its points
    mistakes: tuple[str, ...] = ()  # ids of the catalogued mistakes the grader recognised
    verified: bool = True  # False when the kernel ran without the sandbox: the grade is "non vérifié"
    manual: bool = False  # a manually graded cell (a written answer)
    needs_manual_grade: bool = False  # manual, and no teacher has graded it yet
