"""``nbgrader export``'s CSV, quoted and formula-free (``ExportApp.plugin_class`` in nbgrader_config.py).

nbgrader's CsvExportPlugin joins the cells with commas, unquoted: a student name with a comma shifts
that line's columns, one with a newline adds a line, one starting with ``=`` is a spreadsheet formula.
This plugin writes the same columns and lines, each cell through :mod:`autograde.csv_cells`; it serves
``autograde grade`` and a teacher's own ``nbgrader export`` alike.
"""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import CsvExportPlugin

from .csv_cells import write_table

COLUMNS = (
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
)


class QuotedCsvExportPlugin(CsvExportPlugin):
    """nbgrader's CSV export (same columns, same lines, same ``--to``, ``--assignment`` and ``--student``)
    with every cell quoted and neutralised."""

    def export(self, gradebook: Gradebook) -> None:
        destination = self.to or "grades.csv"
        students, assignments = {str(s) for s in self.student}, {str(a) for a in self.assignment}
        self.log.info("Exporting grades to %s", destination)
        lines = []
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for student in gradebook.students:
                if students and student.id not in students:
                    continue
                line = {
                    "assignment": assignment.name,
                    "duedate": assignment.duedate,
                    "student_id": student.id,
                    "last_name": student.last_name,
                    "first_name": student.first_name,
                    "email": student.email,
                    "max_score": assignment.max_score,
                }
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:  # not handed in: 0, as nbgrader's own plugin says
                    line.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
                else:
                    penalty = submission.late_submission_penalty
                    line.update(
                        timestamp=submission.timestamp,
                        raw_score=submission.score,
                        late_submission_penalty=penalty,
                        score=max(0.0, submission.score - penalty),
                    )
                lines.append({key: "" if value is None else str(value) for key, value in line.items()})
        write_table(destination, COLUMNS, lines)
