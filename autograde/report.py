"""The class report of one assignment: one HTML page, its figures embedded, for the teacher.

It reads the rows of :mod:`autograde.results` (scores, recognised mistake ids, verified or not) and the
intake's notes; it never searches a message for a fact a row carries. The page lives in
``<course>/reports/<assignment>.html`` and links each student to their feedback pages, which nbgrader
writes in ``<course>/feedback/<student>/<assignment>/``.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from urllib.parse import quote

from . import messages
from .course import Course
from .feedback import policy_meta
from .intake import FLAG_PREFIX, SET_ASIDE_SUFFIX
from .results import CellResult, cell_summaries, max_points, student_summaries

FOLDER = "reports"
TOP_MISTAKES = 5  # per graded cell: enough to plan a correction session, short enough to read


def _figure_png(figure) -> str:
    """The figure as an <img> whose PNG is embedded, so that the page is one file a teacher can mail."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _totals_figure(totals: list[float], max_points: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3))
    bins = max(1, min(20, int(max_points) or 1))
    axis.hist(totals, bins=bins, range=(0, max_points or 1), color="#3b6ea8", edgecolor="white")
    axis.set_xlabel(f"total (sur {max_points:g})")
    axis.set_ylabel("étudiants")
    axis.set_title("Répartition des totaux")
    axis.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]  # the default one, a MaxNLocator
    return _figure_png(figure)


def _success_figure(cells: list[tuple[str, float]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 0.35 * len(cells) + 1))
    names, rates = [name for name, _ in cells], [100 * rate for _, rate in cells]
    axis.barh(range(len(cells)), rates, color="#5a9e6f")
    axis.set_yticks(range(len(cells)), names)
    axis.invert_yaxis()
    axis.set_xlim(0, 100)
    axis.set_xlabel("% des étudiants ayant tous les points")
    axis.set_title("Réussite par cellule notée")
    return _figure_png(figure)


def _table(header: list[str], lines: list[list[str]]) -> str:
    """An HTML table; every cell is already HTML (escape text before)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in line) + "</tr>" for line in lines)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _feedback_links(course: Course, student: str, assignment: str, notebooks: list[str]) -> str:
    links = []
    for notebook in notebooks:
        page = course.folder("feedback", student, assignment) / f"{notebook}.html"
        if page.exists():
            href = "../feedback/" + "/".join(quote(part, safe="") for part in (student, assignment, f"{notebook}.html"))
            links.append(f'<a href="{html.escape(href)}">{html.escape(notebook)}</a>')
    return " · ".join(links) or "—"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f0f0f0; text-align: left; } td.n { text-align: right; } .figures img { max-width: 48%; }
.warn { color: #a33; }
"""


def render(course: Course, assignment: str, rows: list[CellResult]) -> str:
    """The page's HTML."""
    students = student_summaries(rows)
    notebooks = list(dict.fromkeys(r.notebook for r in rows))
    cells = cell_summaries(rows)
    out_of = max_points(students)
    notes = course.intake_notes(assignment)
    escape = html.escape

    # The policy first: no script at all, images embedded, nothing loaded from elsewhere.
    parts = [
        f"<!doctype html><html lang='fr'><head>{policy_meta()}<meta charset='utf-8'>"
        f"<title>{escape(assignment)} — "
        f"rapport de classe</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(assignment)} — rapport de classe</h1>",
    ]
    if not rows:
        parts.append("<p>Aucune copie corrigée.</p></body></html>")
        return "".join(parts)
    mean = sum(s.score for s in students) / len(students)
    parts.append(
        f"<p>{len(students)} étudiant(s), moyenne {mean:.2f}/{out_of:g} "
        f"({mean / out_of * 20 if out_of else 0:.1f}/20).</p>"
    )
    if not all(s.verified for s in students):
        parts.append(f"<p class='warn'>Correction faite sans bac à sable : notes {messages.UNVERIFIED}.</p>")

    success, pending_cells = [], []
    for cell in cells:
        # A written answer is out of the rate until the teacher has graded every copy of it: a rate over
        # the few blank answers that nbgrader scores 0 by itself would read as a class that failed it.
        if cell.pending:
            pending_cells.append(cell.label)
        else:
            success.append((cell.label, cell.full_marks / cell.count))
    parts.append(
        "<div class='figures'>"
        + _totals_figure([s.score for s in students], out_of)
        + (_success_figure(success) if success else "")
        + "</div>"
    )
    if pending_cells:
        parts.append(
            f"<p>Pas encore dans la réussite par cellule ({messages.MANUAL_PENDING}) : "
            f"{escape(', '.join(pending_cells))}.</p>"
        )

    parts.append("<h2>Erreurs reconnues, par cellule</h2>")
    lines = []
    for cell in cells:
        common = cell.mistakes.most_common(TOP_MISTAKES)
        if common:
            lines.append(
                [escape(cell.label), "<br>".join(f"<code>{escape(name)}</code> ({count})" for name, count in common)]
            )
    parts.append(
        _table(["cellule", "erreur (nombre d'étudiants)"], lines)
        if lines
        else "<p>Aucune erreur du catalogue reconnue.</p>"
    )

    parts.append("<h2>Copies signalées ou réparées à la réception</h2>")
    lines = []
    for student, by_notebook in notes.items():
        for notebook, found in by_notebook.items():
            for note in found:
                if note.startswith(FLAG_PREFIX):
                    kind = "<span class='warn'>signalé</span>"
                elif (course.folder("submitted", student, assignment) / f"{notebook}.ipynb{SET_ASIDE_SUFFIX}").exists():
                    kind = "<span class='warn'>refusé</span>"  # set aside unread: nbgrader counts it not handed in
                else:
                    kind = "réparé"
                lines.append([escape(student), escape(notebook), kind, escape(note)])
    parts.append(_table(["étudiant", "notebook", "", "note"], lines) if lines else "<p>Aucune.</p>")

    parts.append("<h2>Étudiants</h2>")
    lines = []
    for summary in sorted(students, key=lambda s: (-s.score, s.student)):
        lines.append(
            [
                escape(summary.student),
                *(summary.points(n) for n in notebooks),
                summary.points(),
                escape(" ; ".join(summary.notes)),
                _feedback_links(course, summary.student, assignment, notebooks),
            ]
        )
    parts.append(_table(["étudiant", *map(escape, notebooks), "total", "état", "retour"], lines))
    parts.append("</body></html>")
    return "".join(parts)


def write_report(course: Course, assignment: str, rows: list[CellResult]) -> Path:
    """Write ``<course>/reports/<assignment>.html``; return its path."""
    path = course.root / FOLDER / f"{assignment}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(course, assignment, rows), encoding="utf-8")
    return path
