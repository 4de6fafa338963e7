"""The tables a teacher reads in the terminal after grading: grades, a summary per graded cell, every
lost point with its message, what the intake repaired or refused."""

from __future__ import annotations

from .results import CellResult, cell_summaries, student_summaries


def _render(header: list[str], lines: list[list[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]

    def render(row):
        return "  ".join(str(value).ljust(width) for value, width in zip(row, widths)).rstrip()

    return [render(header), render(["-" * w for w in widths]), *map(render, lines)]


def grade_table(rows: list[CellResult]) -> str:
    """Students × notebooks, with totals: the table a teacher reads first."""
    notebooks = list(dict.fromkeys(r.notebook for r in rows))
    lines = [
        [
            s.student,
            *(s.points(notebook) for notebook in notebooks),
            s.points() + "".join(f" ({note})" for note in s.notes),
        ]
        for s in student_summaries(rows)
    ]
    return "\n".join(_render(["étudiant", *notebooks, "total"], lines))


def summary(rows: list[CellResult]) -> str:
    """Per graded cell: the class average and the most frequent named mistake."""
    lines = []
    for cell in cell_summaries(rows):
        common = cell.mistakes.most_common(1)
        lines.append(
            [
                cell.label,
                f"{cell.mean:.2f}/{cell.max_score:g}",
                f"{cell.full_marks}/{cell.count}",
                f"{common[0][0]} ({common[0][1]})" if common else "—",
            ]
        )
    return "\n".join(_render(["cellule", "moyenne", "réussie par", "erreur reconnue la plus fréquente"], lines))


def lost_points(rows: list[CellResult]) -> str:
    """One line per graded cell that lost points: who, where, and the message."""
    return "\n".join(
        f"{r.student} · {r.notebook} · {r.grade_id} ({r.score:g}/{r.max_score:g}) : " + r.message.replace("\n", " / ")
        for r in rows
        if r.score < r.max_score
    )


def intake(notes: dict[str, dict[str, list[str]]]) -> str:
    """What the intake repaired or refused, one line per note."""
    return "\n".join(
        f"{student} · {notebook} : {note}"
        for student, by_notebook in notes.items()
        for notebook, found in by_notebook.items()
        for note in found
    )
