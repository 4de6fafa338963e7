"""A graded submission (autograde/submission_task.py's :class:`Graded`) written into the course, by the
client alone: the gradebook through nbgrader's ``Gradebook`` API (so that the formgrader, ``nbgrader
export`` and manual grades work as after ``nbgrader autograde``), then ``submitted/`` as the intake left
it, ``autograded/`` and ``feedback/``, and last the stamp that says the student was graded to the end.

Each folder is replaced only once its successor is complete (written beside it, then renamed in), and
only a folder of autograde's own (``submitted/`` carries autograde's note; ``autograded/`` and
``feedback/`` are nbgrader's outputs, which ``nbgrader autograde --force`` replaces as well). A client
killed between two steps leaves a student without the stamp: the next run grades them again, and every
write is an update, so a student is never in the gradebook twice.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path

from .course import DONE, SUBMISSION, Course
from .submission_task import Graded, write_folder


def write(course: Course, assignment: str, graded: Graded, gradebook=None) -> None:
    """Write one graded submission into the course (``gradebook``: the run's open nbgrader Gradebook, when
    the caller keeps one open for every student: opening one costs more than a student's rows)."""
    if graded.gradebook is not None:
        if gradebook is None:
            from nbgrader.api import Gradebook

            with Gradebook(course.db_url) as opened:
                write_gradebook(opened, assignment, graded.student, graded.gradebook)
        else:
            write_gradebook(gradebook, assignment, graded.student, graded.gradebook)
    submitted = course.folder("submitted", graded.student, assignment)
    kept = {name: (submitted / name).read_bytes() for name in (SUBMISSION,) if (submitted / name).is_file()}
    replace_folder(submitted, {**graded.submitted, **kept})
    autograded = course.folder("autograded", graded.student, assignment)
    replace_folder(autograded, graded.autograded)
    replace_folder(course.folder("feedback", graded.student, assignment), graded.feedback)
    if graded.log:
        with open(course.root / "autograde.log", "a", encoding="utf-8") as log:
            log.write("".join(f"[{graded.worker}] {line}\n" for line in graded.log.splitlines()))
    if graded.done:
        (autograded / DONE).write_text(json.dumps({"hash": graded.digest}, indent=1), encoding="utf-8")


def replace_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Make ``folder`` hold exactly ``files``: the new folder is written beside it, then renamed in."""
    if not files and not folder.exists():
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    write_folder(staging / "new", files)
    if folder.exists():
        folder.rename(staging / "old")
    (staging / "new").rename(folder)
    shutil.rmtree(staging)


def write_gradebook(gradebook, assignment: str, student: str, rows: dict) -> None:
    """The submission's rows, in the open nbgrader ``gradebook``, as nbgrader's autograde writes them: a
    grade with a manual score (a teacher's) keeps it and is flagged for review, as SaveAutoGrades does."""
    from nbgrader.utils import parse_utc
    from sqlalchemy.exc import SAWarning

    # nbgrader's add_submission builds its rows in a way SQLAlchemy warns about; the rows are right.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(student)
        submission = gradebook.update_or_create_submission(assignment, student)
        if rows.get("timestamp"):
            submission.timestamp = parse_utc(rows["timestamp"])
        handed_in = set(rows.get("handed_in", ()))
        for notebook in submission.notebooks:
            found = rows["notebooks"].get(notebook.name)
            if found is None:
                continue
            notebook.late_submission_penalty = found["late_submission_penalty"]
            for grade in notebook.grades:
                new = found["grades"].get(grade.name)
                if new is None:
                    continue
                grade.auto_score = new["auto_score"]
                # nbgrader: a notebook handed in is reviewed when nothing was scored (the flag the worker
                # brings) or a teacher graded it before; one not handed in is 0, with nothing to review.
                grade.needs_manual_grade = bool(
                    new["needs_manual_grade"] or (notebook.name in handed_in and grade.manual_score is not None)
                )
            for comment in notebook.comments:
                if comment.name in found["comments"]:
                    comment.auto_comment = found["comments"][comment.name]
        gradebook.db.commit()
