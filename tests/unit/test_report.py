"""The class report (autograde/report.py) on hand-made results: figures embedded, mistakes counted per
cell, states and feedback links per student, the student's own text escaped."""

from conftest import REPO

from autograde.course import Course
from autograde.report import render, write_report
from autograde.results import CellResult

TD = "td1_neurone_regression"
NB = "02_regression_lineaire"


def rows():
    wrong = "regression_lineaire.gradient/sign"
    return [
        CellResult("ana", NB, "test_loss", 2, 2, ""),
        CellResult("ana", NB, "test_gradient", 3, 3, ""),
        CellResult("ben", NB, "test_loss", 2, 2, ""),
        CellResult("ben", NB, "test_gradient", 0, 3, "signe", (wrong,)),
        CellResult("<b>zoé</b>", NB, "test_loss", 0, 2, "non rendu"),
        CellResult("<b>zoé</b>", NB, "test_gradient", 0, 3, "signe", (wrong,), verified=False),
        CellResult("<b>zoé</b>", NB, "reponse_gradient", 0, 2, "à corriger", manual=True, needs_manual_grade=True),
    ]


def test_the_report_counts_mistakes_and_says_each_students_state(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    text = render(course, TD, rows())
    assert text.count('src="data:image/png;base64,') == 2
    assert "<code>regression_lineaire.gradient/sign</code> (2)" in text
    assert "&lt;b&gt;zoé&lt;/b&gt;" in text and "<b>zoé</b>" not in text, "a student id is text, not HTML"
    assert "2 pt à corriger à la main ; non vérifié" in text
    assert "notes non vérifié" in text, "a run without the sandbox is said at the top"
    assert text.count("<td>—</td>") == 3, "no feedback page was written, so no link"
    assert f"Pas encore dans la réussite par cellule (à corriger à la main) : {NB} · reponse_gradient." in text


def test_the_report_links_the_feedback_pages_that_exist(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    page = course.folder("feedback", "ana", TD) / f"{NB}.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    path = write_report(course, TD, rows())
    assert path == course.root / "reports" / f"{TD}.html"
    assert f'<a href="../feedback/ana/{TD}/{NB}.html">{NB}</a>' in path.read_text(encoding="utf-8")


def test_a_report_with_no_graded_copy_says_so(tmp_path):
    assert "Aucune copie corrigée." in render(Course.init(tmp_path / "course", REPO), TD, [])
