"""Grades out to the LMS: the CSV that Moodle's "Import grades → CSV file" accepts.

One line per student of the course's gradebook. The identifier columns come first (``email`` and
``id``: map one of them to Moodle's "Email address" or "ID number" at import), then per assignment
the grade on 20 (the column to map to the Moodle grade item), the raw points, and what the grade still
waits for (manual points not graded yet, a grade computed without the sandbox). A student who did not
hand an assignment in has empty cells for it: Moodle then leaves their grade as it is. Every cell is
quoted and none is a spreadsheet formula (:mod:`autograde.csv_cells`).
"""

from __future__ import annotations

from pathlib import Path

from .course import Course
from .csv_cells import write_table
from .results import max_points, read_results, student_summaries

OUT_OF = 20  # French courses grade on 20
FILE_NAME = "notes_moodle.csv"
IDENTIFIERS = ("email", "id", "nom", "prénom")


def columns(assignment: str, max_points: float) -> tuple[str, str, str]:
    return f"{assignment} (/{OUT_OF})", f"{assignment} (points sur {max_points:g})", f"{assignment} (état)"


def grade_lines(course: Course) -> tuple[list[str], list[dict[str, str]]]:
    """(header, one dict per student): every student and every assignment of the gradebook."""
    from nbgrader.api import Gradebook

    assignments = course.graded_assignments()
    with Gradebook(course.db_url) as gradebook:
        people = sorted((s.id, s.first_name or "", s.last_name or "", s.email or "") for s in gradebook.students)
    header, lines = (
        list(IDENTIFIERS),
        {pid: {"id": pid, "prénom": first, "nom": last, "email": email} for pid, first, last, email in people},
    )
    for assignment in assignments:
        students = student_summaries(read_results(course, assignment))
        out_of = max_points(students)
        on_20, points, state = columns(assignment, out_of)
        header += [on_20, points, state]
        for summary in students:
            line = lines.setdefault(summary.student, {"id": summary.student, "prénom": "", "nom": "", "email": ""})
            line[on_20] = f"{round(summary.score / out_of * OUT_OF, 2):g}" if out_of else ""
            line[points] = f"{summary.score:g}"
            line[state] = " ; ".join(summary.notes)
    return header, [lines[student] for student in sorted(lines)]


def write_moodle_csv(course: Course, path: Path | None = None) -> Path:
    """Write the course's grades for Moodle (default ``<course>/notes_moodle.csv``); return the path."""
    path = Path(path or course.root / FILE_NAME)
    header, lines = grade_lines(course)
    write_table(path, header, lines)  # names and ids are the students': data, never formulas
    return path
