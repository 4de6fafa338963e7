"""tables.py: the tables a teacher reads after grading, from result rows written here and from the rows
of a small course graded in-process (tests/fakes.py)."""

from __future__ import annotations

import pytest
from fakes import autograded_course, code_cell, fast_gradebook, graded_cell, notebook, written_answer

from autograde import tables
from autograde.results import CellResult as Row
from autograde.results import read_results

ROWS = [
    Row("alice", "01_neurone", "test_forward", 2, 2, ""),
    Row("alice", "01_neurone", "test_backward", 3, 3, ""),
    Row("alice", "02_regression", "test_gradient", 3, 3, ""),
    Row("alice", "02_regression", "reponse", 0, 1, "à corriger à la main", manual=True, needs_manual_grade=True),
    Row(
        "bob", "01_neurone", "test_forward", 0, 2, "`forward` — erreur reconnue : x\nligne 2", ("neurone.forward/sign",)
    ),
    Row("bob", "01_neurone", "test_backward", 3, 3, ""),
    Row(
        "bob",
        "02_regression",
        "test_gradient",
        0,
        3,
        "`gradient` — erreur reconnue : signe",
        ("regression_lineaire.gradient/sign",),
        verified=False,
    ),
    Row("bob", "02_regression", "reponse", 1, 1, "", manual=True),
]


def test_the_grade_table_has_a_column_per_notebook_and_totals_with_their_notes():
    assert tables.grade_table(ROWS).split("\n") == [
        "étudiant  01_neurone  02_regression  total",
        "--------  ----------  -------------  -------------------------------",
        "alice     5/5         3/4            8/9 (1 pt à corriger à la main)",
        "bob       3/5         1/4            4/9 (non vérifié)",
    ]


def test_the_summary_has_the_average_the_successes_and_the_most_frequent_mistake_per_cell():
    assert tables.summary(ROWS).split("\n") == [
        "cellule                        moyenne  réussie par  erreur reconnue la plus fréquente",
        "-----------------------------  -------  -----------  -------------------------------------",
        "01_neurone · test_forward      1.00/2   1/2          neurone.forward/sign (1)",
        "01_neurone · test_backward     3.00/3   2/2          —",
        "02_regression · test_gradient  1.50/3   1/2          regression_lineaire.gradient/sign (1)",
        "02_regression · reponse        0.50/1   1/2          —",
    ]


def test_lost_points_are_one_line_each_with_the_message_on_that_line():
    assert tables.lost_points(ROWS).split("\n") == [
        "alice · 02_regression · reponse (0/1) : à corriger à la main",
        "bob · 01_neurone · test_forward (0/2) : `forward` — erreur reconnue : x / ligne 2",
        "bob · 02_regression · test_gradient (0/3) : `gradient` — erreur reconnue : signe",
    ]
    assert tables.lost_points([r for r in ROWS if r.score == r.max_score]) == ""


def test_the_intake_notes_are_one_line_each():
    notes = {"bob": {"01_neurone": ["réparé : a", "b"]}, "carol": {"02_regression": ["refusé"]}}
    assert tables.intake(notes) == "bob · 01_neurone : réparé : a\nbob · 01_neurone : b\ncarol · 02_regression : refusé"
    assert tables.intake({}) == ""


# ------------------------------------------------------------------------ from a graded course
IMPORTS = "import numpy as np"
GRADIENT = """def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
"""
SIGN = GRADIENT.replace("residual = y_hat - y", "residual = y - y_hat")


def td1(gradient: str, answer: str | None = None):
    return notebook(
        IMPORTS,
        code_cell(gradient, "gradient", solution=True),
        graded_cell("td1.regression_lineaire.gradient", "", "test_gradient", points=3),
        written_answer("reponse", 1, answer),
    )


@pytest.fixture(scope="module")
def course_rows(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast_gradebook(monkeypatch)
        course, _ = autograded_course(
            tmp_path_factory.mktemp("tables") / "course",
            td1(GRADIENT),
            {
                "ana": td1(GRADIENT, "Une réponse."),
                "ben": td1(SIGN),
                "cyd": td1(SIGN),
                "dan": "not handed in",
            },
            notebook_name="02_regression_lineaire",
            sandboxed=("ana", "ben", "cyd"),
        )
        return read_results(course, "td1")


def test_the_tables_of_a_graded_class(course_rows):
    assert tables.grade_table(course_rows).split("\n")[2:] == [
        "ana       3/4                     3/4 (1 pt à corriger à la main)",
        "ben       0/4                     0/4",
        "cyd       0/4                     0/4",
        "dan       0/4                     0/4",
    ]
    summary = tables.summary(course_rows).split("\n")
    assert summary[2].split() == [
        "02_regression_lineaire",
        "·",
        "test_gradient",
        "0.75/3",
        "1/4",
        "regression_lineaire.gradient/sign",
        "(2)",
    ]
    lost = tables.lost_points(course_rows).split("\n")
    assert lost[0] == "ana · 02_regression_lineaire · reponse (0/1) : à corriger à la main"
    assert lost[1].startswith(
        "ben · 02_regression_lineaire · test_gradient (0/3) : `gradient` — erreur reconnue : le signe est inversé"
    )
    assert (
        "dan · 02_regression_lineaire · test_gradient (0/3) : Notebook 02_regression_lineaire.ipynb non rendu." in lost
    )
