"""The tables a teacher reads in the terminal after grading: grades, a summary per graded cell, every
lost point with its message, what the intake repaired or refused."""
from __future__ import annotations

from collections import Counter

from . import messages
from .results import CellResult


def _render(header: list[str], lines: list[list[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]

    def render(row):
        return "  ".join(str(value).ljust(width) for value, width in zip(row, widths)).rstrip()
    return [render(header), render(["-" * w for w in widths]), *map(render, lines)]


def grade_table(rows: list[CellResult]) -> str:
    """Students × notebooks, with totals: the table a teacher reads first."""
    notebooks = list(dict.fromkeys(r.notebook for r in rows))
    students = list(dict.fromkeys(r.student for r in rows))
    header = ["étudiant", *notebooks, "total"]
    lines = []
    for student in students:
        mine = [r for r in rows if r.student == student]
        cells = []
        for notebook in notebooks:
            nb_rows = [r for r in mine if r.notebook == notebook]
            cells.append(f"{sum(r.score for r in nb_rows):g}/{sum(r.max_score for r in nb_rows):g}")
        pending = sum(r.max_score for r in mine if r.needs_manual_grade)
        cells.append(f"{sum(r.score for r in mine):g}/{sum(r.max_score for r in mine):g}"
                     + (f" ({pending:g} pt {messages.MANUAL_PENDING})" if pending else "")
                     + ("" if all(r.verified for r in mine) else f" ({messages.UNVERIFIED})"))
        lines.append([student, *cells])
    return "\n".join(_render(header, lines))


def summary(rows: list[CellResult]) -> str:
    """Per graded cell: the class average and the most frequent named mistake."""
    cells = list(dict.fromkeys((r.notebook, r.grade_id) for r in rows))
    lines = []
    for notebook, grade_id in cells:
        mine = [r for r in rows if (r.notebook, r.grade_id) == (notebook, grade_id)]
        common = Counter(name for r in mine for name in r.mistakes).most_common(1)
        lines.append([f"{notebook} · {grade_id}", f"{sum(r.score for r in mine) / len(mine):.2f}/{mine[0].max_score:g}",
                      f"{sum(r.score == r.max_score for r in mine)}/{len(mine)}",
                      f"{common[0][0]} ({common[0][1]})" if common else "—"])
    return "\n".join(_render(["cellule", "moyenne", "réussie par", "erreur reconnue la plus fréquente"], lines))


def lost_points(rows: list[CellResult]) -> str:
    """One line per graded cell that lost points: who, where, and the message."""
    return "\n".join(f"{r.student} · {r.notebook} · {r.grade_id} ({r.score:g}/{r.max_score:g}) : "
                     + r.message.replace("\n", " / ") for r in rows if r.score < r.max_score)


def intake(notes: dict[str, dict[str, list[str]]]) -> str:
    """What the intake repaired or refused, one line per note."""
    return "\n".join(f"{student} · {notebook} : {note}" for student, by_notebook in notes.items()
                     for notebook, found in by_notebook.items() for note in found)
