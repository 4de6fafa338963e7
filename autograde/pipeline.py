"""The teacher pipeline for one assignment, in a course directory that lasts (autograde/course.py).

release (when new or changed) → take the new or changed submissions (safe ids only, links never
followed) → nbgrader's autograde and feedback of those students, a task per student on a Dask cluster
whose results this process writes into the course (autograde/dask_grading.py; or, with the
``processes`` engine, worker processes that write it themselves: autograde/grading.py) → ``nbgrader
export`` → the results read back from the gradebook and the graded notebooks.

One run at a time writes a course: a second ``autograde grade`` on the same course is refused with a
message while the first holds the course's lock (a lock the system drops when its holder dies).
"""

from __future__ import annotations

import csv
import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import messages, settings
from .course import Course, CourseError, Intake, NbgraderError, assignments
from .csv_cells import neutralise, write_table
from .dask_grading import grade_on_cluster
from .grading import Progress, autograde, generate_feedback
from .results import CellResult, read_results
from .sandbox import SandboxUnavailable, check_sandbox
from .tables import grade_table, lost_points, summary

REPO_ROOT = settings.REPO_ROOT

__all__ = ["PipelineError", "Run", "assignments", "grade", "grade_table", "lost_points", "summary"]


class PipelineError(RuntimeError):
    """Grading could not be done, for a reason that is not one student's fault."""


@dataclass
class Run:
    """What one ``grade`` did: every row of the assignment, and who was graded, skipped or refused."""

    course: Course
    rows: list[CellResult]
    plan: Intake
    failed: list[str] = field(default_factory=list)  # students nbgrader could not grade to the end


# Columns added to nbgrader's grades.csv: the automatic and the manual part of each total, the manual
# points still to grade, and whether the run was sandboxed.
ADDED_COLUMNS = ("auto_points", "manual_points", "manual_pending", "verification")


def annotate_grades(grades_csv: Path, assignment: str, rows: list[CellResult]) -> None:
    """Add to nbgrader's export, for this assignment's lines, the automatic and manual parts of each
    score, and whether each grade is verified: a grade computed without the sandbox is "non vérifié"
    (the student's code could have reached the grader)."""
    with open(grades_csv, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, lines = list(reader.fieldnames or []), list(reader)
    fields += [column for column in ADDED_COLUMNS if column not in fields]
    # The export's cells are neutralised (autograde/export.py): an id is compared in that form.
    by_student: dict[str, list[CellResult]] = {}
    for row in rows:
        by_student.setdefault(neutralise(row.student), []).append(row)
    for line in lines:
        if line.get("assignment") != neutralise(assignment):
            continue
        mine = by_student.get(line.get("student_id"), [])  # type: ignore[arg-type]  # no id (None): nobody's
        line["auto_points"] = f"{sum(r.score for r in mine if not r.manual):g}"
        line["manual_points"] = f"{sum(r.score for r in mine if r.manual):g}"
        line["manual_pending"] = f"{sum(r.max_score for r in mine if r.needs_manual_grade):g}"
        line["verification"] = "vérifié" if all(r.verified for r in mine) else messages.UNVERIFIED
    write_table(grades_csv, fields, lines)


def _not_graded_to_the_end(course: Course, assignment: str, students: list[str]) -> list[str]:
    """The students nbgrader did not finish, except those whose notebooks were all refused at intake
    (their zeros are their own)."""
    notes = course.intake_notes(assignment)
    refused_everything = {
        student
        for student in students
        if not list(course.folder("submitted", student, assignment).glob("*.ipynb")) and notes.get(student)
    }
    return [s for s in students if not course.graded(s, assignment) and s not in refused_everything]


LOCK = ".autograde-lock"  # in the course directory: held by the run that writes the course
ENGINES = ("dask", "processes")


@contextmanager
def course_lock(root: Path):
    """Hold the course's lock for a run, or refuse with a message when another run holds it."""
    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 - held until the run ends
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()[:200]
            raise CourseError(
                f"another autograde run is writing the course {root} ({holder or 'its process is unknown'}): "
                "nothing was changed; run again once it has ended"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {os.uname().nodename}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def grade(
    assignment: str,
    submissions_dir: Path,
    course_dir: Path = REPO_ROOT,
    repo_root: Path = REPO_ROOT,
    progress: Progress | None = None,
    cell_timeout: int | None = None,
    jobs: int | None = None,
    sandbox: bool = True,
    force: bool = False,
    engine: str | None = None,
    scheduler: str | None = None,
) -> Run:
    """Grade the new and changed submissions of ``submissions_dir/<student>/`` in the course directory.

    ``cell_timeout`` overrides ``AUTOGRADE_CELL_TIMEOUT`` for this run, ``jobs`` ``AUTOGRADE_JOBS``;
    ``force`` regrades every submission; without ``sandbox`` the kernels run unconfined and every grade
    of the run is marked "non vérifié". ``engine`` overrides ``AUTOGRADE_ENGINE`` (``dask``, the
    default, or ``processes``), ``scheduler`` ``AUTOGRADE_SCHEDULER`` (default: a local cluster)."""
    engine = engine or settings.ENGINE.get()
    try:
        if engine not in ENGINES:
            raise CourseError(f"no grading engine {engine!r}: {' or '.join(ENGINES)}")
        if sandbox:
            check_sandbox()
        course = Course.open(course_dir, repo_root)
        with course_lock(course.root):
            course.ensure_release(assignment)
            plan = course.take(assignment, submissions_dir, force)
            if engine == "dask":
                grade_on_cluster(course, assignment, plan.to_grade, progress, cell_timeout, jobs, sandbox, scheduler)
            else:
                autograde(course, assignment, plan.to_grade, progress, cell_timeout, jobs, sandbox)
                generate_feedback(course, assignment, plan.to_grade, jobs)
            course.nbgrader("export", "--to", "grades.csv")
            rows = read_results(course, assignment, cell_timeout)
            annotate_grades(course.root / "grades.csv", assignment, rows)
    except (SandboxUnavailable, CourseError, NbgraderError) as error:
        raise PipelineError(str(error)) from None
    return Run(course, rows, plan, _not_graded_to_the_end(course, assignment, plan.to_grade))
