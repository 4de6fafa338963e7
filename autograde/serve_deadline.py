"""A TD's deadline on the submission service: each student's counted attempt taken into the nbgrader
course exactly as a teacher's hand-in arrives, and graded there with the course's seed, so that the
gradebook, the formgrader, manual grades, the class report and the Moodle CSV work as after
``autograde grade`` (``autograde serve close TD``).

Once the deadline has passed, ``close`` writes each counted attempt (``TDRules.counted``: graded, made
before the deadline) into a staging folder ``<student>/<notebook>.ipynb`` with nbgrader's
``timestamp.txt`` (the attempt's upload time: nbgrader's autograde reads it into the gradebook and the
export), then hands that folder to the normal pipeline (``pipeline.grade``: ``Course.take``, the course's
engine, export), which grades with the course's seed (``AUTOGRADE_SEED``), never the attempt's own.

What was closed is recorded in the course (``CLOSED``, a JSON file replaced atomically, under the
course's lock): per assignment and student, the attempt taken and the hash of its folder as
``Course.take`` notes it in ``submitted/``. The record is written before the pipeline runs, so a close
killed at any point is finished by the next one, and it lets a close recognise its own folders:

- a student's counted attempt is taken once: a second close finds the same attempt in the course and
  does nothing (it grades it again only when its grading never reached the end);
- the teacher's hand wins: a submission in ``submitted/`` that this program's close did not put there
  (``autograde grade`` of an LMS collection, nbgrader's collect, a copy by hand), before the close or
  after it, is left as it is and reported (``kept``). To have the service's attempt count instead, the
  teacher removes that folder and closes again;
- a close replaces its own folder only with another counted attempt (the rules or the deadline changed
  since); the teacher's manual grades stay, flagged for review, as when ``autograde grade`` takes a new
  version of a submission;
- a student with an attempt made before the deadline and still waiting for its verdict (queued or
  running) is not closed yet (``pending``): the last attempt may be that one. Close again once it is
  graded.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import student_ids
from .attempts import QUEUED, RUNNING, Attempt, Store
from .collect import usable_name
from .course import SUBMISSION, Course, CourseError, read_submission, shown

if TYPE_CHECKING:
    from .pipeline import Run
    from .serve_rules import TDRules

CLOSED = ".autograde-closed.json"  # in the course directory: what each deadline took, per assignment
TIMESTAMP = "timestamp.txt"  # nbgrader's name, read by its autograde (CourseDirectory.get_existing_timestamp)
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's own (Exchange.timestamp_format)
NOTEBOOK_SUFFIX = ".ipynb"
WAITING = (QUEUED, RUNNING)  # an attempt without its verdict yet

# Why a student's counted attempt was not taken (for the teacher's terminal).
TEACHERS = (
    "{folder} holds a submission this close did not put there (autograde grade, nbgrader or by hand): the "
    "teacher's wins, left as it is. Remove that folder and close again to take attempt {attempt} instead."
)
LINKED = "{folder} is a symbolic link: never followed, left as it is."
BAD_FILE = "attempt {attempt} holds a file named {name!r}, which cannot be a notebook of the course: not taken."
NO_FILES = "the files of attempt {attempt} are not in the store: not taken."


class CloseError(RuntimeError):
    """The deadline cannot be closed as asked (too early, the course busy or unreadable); the message is
    English, for the teacher; nothing of the course was changed."""


@dataclass
class Closed:
    """What one ``close`` did, student by student."""

    assignment: str
    deadline: datetime
    taken: dict[str, int] = field(default_factory=dict)  # student -> attempt taken into the course by this close
    already: dict[str, int] = field(default_factory=dict)  # taken by an earlier close and graded: nothing done
    no_attempt: list[str] = field(default_factory=list)  # no graded attempt made before the deadline
    pending: list[str] = field(default_factory=list)  # an attempt before the deadline awaits its verdict
    kept: dict[str, str] = field(default_factory=dict)  # the teacher's submission, left as it is: why
    refused: dict[str, str] = field(default_factory=dict)  # not taken: Course.take's reason (French), or ours
    failed: list[str] = field(default_factory=list)  # taken, but not graded to the end (see autograde.log)
    run: Run | None = None  # the pipeline's run (every row of the assignment), None when nothing was graded

    @property
    def complete(self) -> bool:
        """Every counted attempt is in the course and graded (or left to the teacher's own submission)."""
        return not (self.pending or self.refused or self.failed)


# ------------------------------------------------------------------------------------- the record
def read_record(course: Course) -> dict[str, dict[str, dict[str, Any]]]:
    """{assignment: {student: {"attempt", "hash", "created_at", "deadline", "closed_at"}}} as the closes
    wrote it; empty when no close ran. CloseError when the file is not what a close writes: without it,
    the course's folders could no longer be told the teacher's from the service's."""
    path = course.root / CLOSED
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise CloseError(f"{path} cannot be read ({error}): nothing was changed") from None
    valid = isinstance(found, dict) and all(
        isinstance(students, dict)
        and all(
            isinstance(entry, dict) and isinstance(entry.get("attempt"), int) and isinstance(entry.get("hash"), str)
            for entry in students.values()
        )
        for students in found.values()
    )
    if not valid:
        raise CloseError(f"{path} is not what `autograde serve close` writes: nothing was changed")
    return found


def _write_record(course: Course, record: Mapping[str, Any]) -> None:
    """The record replaced whole: written beside it, flushed to disk, renamed in (a close killed meanwhile
    leaves the previous record, never half of one)."""
    handle, temporary = tempfile.mkstemp(prefix=CLOSED + ".", suffix=".new", dir=course.root)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, course.root / CLOSED)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------ the choices
def waiting(attempts: list[Attempt], deadline: datetime) -> bool:
    """Whether an attempt made before the deadline (as ``TDRules.counted`` says: excluded) has no verdict
    yet: it may be the one that counts."""
    return any(attempt.state in WAITING and attempt.created_at < deadline for attempt in attempts)


def noted_hash(course: Course, student: str, assignment: str) -> str | None:
    """The hash ``Course.take`` noted in the student's submitted folder ("" when the folder has no note:
    not autograde's), None when there is no folder."""
    folder = course.folder("submitted", student, assignment)
    if not os.path.lexists(folder):
        return None
    try:
        found = json.loads((folder / SUBMISSION).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(found.get("hash") or "") if isinstance(found, dict) else ""


def stage(folder: Path, attempt: Attempt, files: Mapping[str, bytes]) -> Path:
    """``folder/<student>/``: the attempt's notebooks and nbgrader's ``timestamp.txt`` (its upload time),
    as a teacher's collection holds a hand-in. ValueError, with nothing written, for a student id or a
    file name that is not safe (the store is not trusted to have checked)."""
    if not student_ids.is_safe(attempt.student):
        raise ValueError(student_ids.problem(attempt.student))
    for name in files:
        if not (usable_name(name) and name.endswith(NOTEBOOK_SUFFIX)):
            raise ValueError(BAD_FILE.format(attempt=attempt.id, name=shown(name, 120)))
    mine = folder / attempt.student
    mine.mkdir()
    for name, content in files.items():
        (mine / name).write_bytes(content)
    (mine / TIMESTAMP).write_text(attempt.created_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT), encoding="utf-8")
    return mine


# ------------------------------------------------------------------------------------------ close
def close(
    course: Course,
    store: Store,
    rule: TDRules,
    *,
    now: datetime | None = None,
    jobs: int | None = None,
    engine: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Closed:
    """Take each student's counted attempt at ``rule.assignment`` into ``course`` and grade it there
    (``jobs``, ``engine``: as ``autograde grade``'s; ``progress``: its lines). CloseError before the
    deadline (``now``: default the present), when another run writes the course, or when grading could
    not be done at all (then the next close takes up where this one stopped)."""
    from .pipeline import PipelineError, course_lock, grade  # Dask and nbgrader: only when closing

    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None:
        raise CloseError(f"{moment}: a time needs its zone (datetime.now(UTC))")
    assignment = rule.assignment
    if rule.phase(moment) != "after":  # the service's own boundary: attempts are taken until the deadline
        raise CloseError(f"{assignment}'s deadline is {rule.deadline.isoformat()}: it cannot be closed before")
    closed = Closed(assignment, rule.deadline)
    counted: dict[str, Attempt] = {}
    for student in store.students():
        theirs = store.attempts_of(student, assignment)
        chosen = rule.counted(theirs)
        if waiting(theirs, rule.deadline):
            closed.pending.append(student)
        elif chosen is None:
            closed.no_attempt.append(student)
        else:
            counted[student] = chosen
    with tempfile.TemporaryDirectory(prefix="autograde-close-") as scratch:
        staging = Path(scratch) / assignment
        staging.mkdir()
        try:
            with course_lock(course.root):
                staged = _stage_all(course, store, closed, counted, staging, moment)
        except OSError as error:
            raise CloseError(f"the course {course.root} cannot be written ({error}): nothing was taken") from None
        except CourseError as error:  # another run holds the course's lock
            raise CloseError(str(error)) from None
        if not staged:
            return closed
        try:
            run = grade(assignment, staging, course.root, course.repo, progress=progress, jobs=jobs, engine=engine)
        except PipelineError as error:
            raise CloseError(f"grading could not be done ({error}); close again to finish") from None
    closed.run = run
    plan = run.plan
    for student, attempt_id in staged.items():
        if student in plan.refused:
            closed.refused[student] = plan.refused[student]
        elif student in plan.unchanged:  # graded meanwhile by another run: the same submission, graded
            closed.already[student] = attempt_id
        else:
            closed.taken[student] = attempt_id
            if student in run.failed:
                closed.failed.append(student)
    return closed


def _stage_all(
    course: Course,
    store: Store,
    closed: Closed,
    counted: dict[str, Attempt],
    staging: Path,
    moment: datetime,
) -> dict[str, int]:
    """Under the course's lock: sort the counted attempts (already in the course, the teacher's, to take),
    write those to take into ``staging``, and record them before any is taken. {student: attempt} staged."""
    assignment = closed.assignment
    record = read_record(course)
    mine = dict(record.get(assignment, {}))
    staged: dict[str, int] = {}
    for student, attempt in sorted(counted.items()):
        entry = mine.get(student)
        noted = noted_hash(course, student, assignment)
        folder = course.folder("submitted", student, assignment)
        if noted is not None:
            if folder.is_symlink() or folder.parent.is_symlink():
                closed.kept[student] = LINKED.format(folder=folder)
                continue
            if entry is None or noted != entry["hash"]:
                closed.kept[student] = TEACHERS.format(folder=folder, attempt=attempt.id)
                continue
            if entry["attempt"] == attempt.id and course.graded(student, assignment):
                closed.already[student] = attempt.id
                continue
        files = store.files_of(student, attempt.id)
        if files is None:
            closed.refused[student] = NO_FILES.format(attempt=attempt.id)
            continue
        try:
            folder_staged = stage(staging, attempt, files)
        except ValueError as error:
            closed.refused[student] = str(error)
            continue
        mine[student] = {
            "attempt": attempt.id,
            "hash": read_submission(folder_staged),  # what Course.take will note in submitted/
            "created_at": attempt.created_at.isoformat(),
            "deadline": closed.deadline.isoformat(),
            "closed_at": moment.isoformat(),
        }
        staged[student] = attempt.id
    if staged:
        _write_record(course, {**record, assignment: mine})
    return staged


# ------------------------------------------------------------------------------------ the command
def close_command(course_root: Path, store_url: str, rules_path: Path, assignment: str) -> int:
    """``autograde serve close TD``: close the TD's deadline in the course, print what was done, write
    the class report and the Moodle CSV when anything was graded. 0 when every counted attempt is in the
    gradebook, 1 when some student is still to close (pending, refused, not graded to the end), 2 when
    nothing could be done."""
    from . import lms, report, tables
    from .attempts import StoreError
    from .course import assignments
    from .serve_rules import load_rules

    def say(line: str) -> None:
        print(line, flush=True)

    try:
        course = Course.open(course_root)
        rules = load_rules(rules_path, assignments(course.repo))
        if assignment not in rules:
            raise CloseError(f"{rules_path} sets no rules for {assignment!r} (it has: {', '.join(sorted(rules))})")
        with Store(store_url) as store:
            closed = close(course, store, rules[assignment], progress=say)
    except (CloseError, CourseError, StoreError, ValueError, OSError) as error:
        print(f"autograde serve close: {error}", file=sys.stderr)
        return 2
    for line in summary(closed):
        say(line)
    if closed.run is not None:
        rows = closed.run.rows
        if rows:
            say("\n" + tables.grade_table(rows) + "\n\n" + tables.summary(rows))
        say(f"\nClass report: {report.write_report(course, assignment, rows)}")
        say(f"Grades for Moodle: {lms.write_moodle_csv(course)}   (nbgrader's export: {course.root / 'grades.csv'})")
    return 0 if closed.complete else 1


def summary(closed: Closed) -> list[str]:
    """What a close did, for the teacher's terminal."""
    lines = [
        f"== {closed.assignment}, deadline {closed.deadline.isoformat()}: {len(closed.taken)} attempt(s) taken "
        f"into the course, {len(closed.already)} taken by an earlier close, {len(closed.no_attempt)} student(s) "
        "without a graded attempt"
    ]
    for student, attempt in sorted(closed.taken.items()):
        lines.append(f"  taken: {student} (attempt {attempt})")
    if closed.no_attempt:
        lines.append("  no graded attempt before the deadline: " + ", ".join(sorted(closed.no_attempt)))
    if closed.pending:
        lines.append(
            "  an attempt made before the deadline still awaits its verdict, not closed yet (close again once "
            "it is graded): " + ", ".join(sorted(closed.pending))
        )
    for student, why in sorted(closed.kept.items()):
        lines.append(f"  kept: {student} — {why}")
    for student, why in sorted(closed.refused.items()):
        lines.append(f"  refused: {shown(student)} — {why}")
    if closed.failed:
        lines.append(
            "  not graded to the end (see autograde.log; close again to grade them again): "
            + ", ".join(sorted(closed.failed))
        )
    return lines
