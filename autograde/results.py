"""What grading produced, as data: one :class:`CellResult` per graded cell of every student, and the
figures computed once from them (:class:`StudentSummary` per student, :class:`CellSummary` per cell).

Read back from nbgrader's gradebook (the scores, manual grades included) and from the autograded
notebooks (the grader's verdicts, kept as data in each graded cell's metadata). Every table, export,
report and test reads these rows; none of them searches a message for a fact a row carries.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from . import messages, settings
from .course import Course
from .intake import SET_ASIDE_SUFFIX
from .records import TIME_LIMIT, record_of


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


@dataclass(frozen=True)
class StudentSummary:
    """One student's figures on an assignment, computed once from their rows: what the grade table, the
    class report and the Moodle CSV show of them."""

    student: str
    score: float  # points earned
    max_score: float  # points of the student's graded cells
    notebooks: dict[str, tuple[float, float]]  # (score, max_score) per notebook, in the rows' order
    pending: float  # points of written answers that no teacher has graded yet
    verified: bool  # every notebook graded in the sandbox

    def points(self, notebook: str | None = None) -> str:
        """The points as "score/max", of one notebook (0/0 when the student has none of its cells) or of all."""
        score, max_score = (self.score, self.max_score) if notebook is None else self.notebooks.get(notebook, (0, 0))
        return f"{score:g}/{max_score:g}"

    @property
    def notes(self) -> list[str]:
        """What the grade still waits for, in French: manual points not graded yet, a run without the sandbox."""
        return ([f"{self.pending:g} pt {messages.MANUAL_PENDING}"] if self.pending else []) + (
            [] if self.verified else [messages.UNVERIFIED]
        )


@dataclass(frozen=True)
class CellSummary:
    """One graded cell across the class, computed once from its rows: what the summary table and the class
    report show of it."""

    notebook: str
    grade_id: str
    count: int  # rows: the students graded on it
    mean: float  # average score
    max_score: float
    full_marks: int  # students who got every point
    pending: bool  # a written answer that some copy still waits for the teacher on
    mistakes: Counter[str]  # ids of the recognised mistakes, each with the number of rows that named it

    @property
    def label(self) -> str:
        return f"{self.notebook} · {self.grade_id}"


def student_summaries(rows: list[CellResult]) -> list[StudentSummary]:
    """One summary per student, in the order the rows first name them."""
    summaries = []
    for student in dict.fromkeys(r.student for r in rows):
        mine = [r for r in rows if r.student == student]
        notebooks = {
            notebook: (
                sum(r.score for r in mine if r.notebook == notebook),
                sum(r.max_score for r in mine if r.notebook == notebook),
            )
            for notebook in dict.fromkeys(r.notebook for r in mine)
        }
        summaries.append(
            StudentSummary(
                student,
                sum(r.score for r in mine),
                sum(r.max_score for r in mine),
                notebooks,
                sum(r.max_score for r in mine if r.needs_manual_grade),
                all(r.verified for r in mine),
            )
        )
    return summaries


def max_points(students: list[StudentSummary]) -> float:
    """The most points a student of the class can have: what totals are out of (0 for no student)."""
    return max((s.max_score for s in students), default=0.0)


def cell_summaries(rows: list[CellResult]) -> list[CellSummary]:
    """One summary per graded cell, in the order the rows first name them."""
    summaries = []
    for notebook, grade_id in dict.fromkeys((r.notebook, r.grade_id) for r in rows):
        mine = [r for r in rows if (r.notebook, r.grade_id) == (notebook, grade_id)]
        summaries.append(
            CellSummary(
                notebook,
                grade_id,
                len(mine),
                sum(r.score for r in mine) / len(mine),
                mine[0].max_score,
                sum(r.score == r.max_score for r in mine),
                any(r.needs_manual_grade for r in mine),
                Counter(name for r in mine for name in r.mistakes),
            )
        )
    return summaries


_TIMEOUT_ERRORS = (TIME_LIMIT, "KeyboardInterrupt", "TimeoutError", messages.KERNEL_STUCK)


def _timed_out(cell: dict) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") in _TIMEOUT_ERRORS for o in cell.get("outputs", []))


def failure_message(cell: dict, timeout: int | None) -> str:
    """Why a graded cell got 0, in French: the grader's verdicts first (kept as data in the cell's
    metadata), else the visible self-check's error from the kernel."""
    record = record_of(cell)
    failed = [check["message"] for check in record.get("checks", []) if not check.get("passed")]
    if failed:
        return "\n".join(failed)
    reason = _self_check_reason(cell, timeout)
    if record.get("checks") and record.get("self_check") == "failed":
        return f"{messages.HIDDEN_PASSED_VISIBLE_FAILED} {reason}"
    return reason


def _self_check_reason(cell: dict, timeout: int | None) -> str:
    """What the kernel's outputs of a graded cell say went wrong, in French."""
    record = record_of(cell)
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    for output in errors:  # the grader's own words say the most
        if output.get("ename") in messages.GRADER_ERRORS:
            return output.get("evalue", "")
    for output in errors:
        name, value = output.get("ename", ""), output.get("evalue", "")
        if name in _TIMEOUT_ERRORS:
            return messages.time_limit(timeout)
        if name == "MemoryError":
            return messages.memory()
        return messages.self_check_failed(name, value)
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return messages.wrote_to_stderr("".join(output.get("text", "")))
    return record.get("message") or messages.no_verdict()


def _mistakes(cell: dict) -> tuple[str, ...]:
    record = record_of(cell)
    return tuple(check["mistake"] for check in record.get("checks", []) if check.get("mistake"))


def _graded_notebook(course: Course, student: str, assignment: str, notebook: str):
    """(cells by grade id, interrupted cells, sandboxed) of the autograded notebook, or None."""
    path = course.folder("autograded", student, assignment) / f"{notebook}.ipynb"
    if not path.exists():
        return None
    graded = json.loads(path.read_text(encoding="utf-8"))
    cells, interrupted = {}, []
    for index, cell in enumerate(graded["cells"]):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            cells[grade_id] = cell
        if _timed_out(cell):
            interrupted.append(grade_id or f"n°{index + 1}")
    return cells, interrupted, bool(record_of(graded).get("sandboxed"))


def _not_graded(course: Course, student: str, assignment: str, notebook: str, notes: dict) -> str:
    submitted = course.folder("submitted", student, assignment) / f"{notebook}.ipynb"
    if submitted.with_name(submitted.name + SET_ASIDE_SUFFIX).exists():  # refused at intake
        return " ".join(notes.get(student, {}).get(notebook, []))
    if submitted.exists():
        return messages.notebook_not_graded(notebook)
    return messages.notebook_not_handed_in(notebook)


def read_results(course: Course, assignment: str, cell_timeout: int | None = None) -> list[CellResult]:
    """Every graded cell of every student who handed ``assignment`` in, with its score and why points
    were lost."""
    from nbgrader.api import Gradebook, MissingEntry

    timeout = cell_timeout or settings.CELL_TIMEOUT.get()
    notes = course.intake_notes(assignment)
    rows: list[CellResult] = []
    with Gradebook(course.db_url) as gradebook:
        for student in course.students(assignment):
            for notebook in gradebook.find_assignment(assignment).notebooks:
                graded = _graded_notebook(course, student, assignment, notebook.name)
                cells, interrupted, sandboxed = graded or ({}, [], True)
                # nbgrader's manually graded answers are the cells both graded and written by the student.
                answers = {cell.name for cell in notebook.solution_cells}
                for grade_cell in notebook.grade_cells:
                    manual = grade_cell.name in answers
                    try:
                        grade = gradebook.find_grade(grade_cell.name, notebook.name, assignment, student)
                        score, pending = grade.score, manual and bool(grade.needs_manual_grade)
                        by_hand = grade.manual_score is not None
                    except MissingEntry:
                        score, pending, by_hand = 0.0, False, False
                    mistakes: tuple[str, ...]
                    message, mistakes = "", ()
                    if pending:
                        message = messages.MANUAL_PENDING
                    elif score < grade_cell.max_score and manual and graded is not None:
                        message = messages.graded_by_hand() if by_hand else messages.answer_not_written()
                    elif score < grade_cell.max_score and not (manual and graded is not None):
                        if graded is None:
                            message = _not_graded(course, student, assignment, notebook.name, notes)
                        elif grade_cell.name not in cells:
                            message = messages.cell_missing()
                        else:
                            message = failure_message(cells[grade_cell.name], timeout)
                            mistakes = _mistakes(cells[grade_cell.name])
                            others = [name for name in interrupted if name != grade_cell.name]
                            if others:
                                message += messages.also_interrupted(others)
                    rows.append(
                        CellResult(
                            student,
                            notebook.name,
                            grade_cell.name,
                            float(score or 0.0),
                            float(grade_cell.max_score),
                            message,
                            mistakes,
                            verified=sandboxed,
                            manual=manual,
                            needs_manual_grade=pending,
                        )
                    )
    return rows
