"""feedback.py: what a student gets back, from notebooks graded here by GuardedExecute on the fake kernel
(tests/fakes.py): the graded cells without their hidden region or any traceback, the verdict kept.
(The inert HTML of every rendered page is tests/unit/test_inert_html.py's.)"""

from __future__ import annotations

import copy

import pytest
from bs4 import BeautifulSoup
from fakes import code_cell, grade, graded_cell, hidden_region, notebook
from nbformat import NotebookNode

from autograde import feedback as feedback_module
from autograde import messages
from autograde.execution import RECORD, readable
from autograde.feedback import (
    FEEDBACK_POLICY,
    HIDDEN_NOTE,
    PLAIN_WORDS,
    FeedbackExporter,
    StripHiddenTests,
    strip_hidden_source,
)

GRADIENT_ID = "td1.regression_lineaire.gradient"
RIGHT = """def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
"""
SIGN = RIGHT.replace("residual = y_hat - y", "residual = y - y_hat")
SELF_CHECK = "dw, db = gradient(np.ones(3), np.ones(3), np.zeros(3))\nprint('auto-vérification faite')\n"


def graded_notebook(student: str, self_check: str = SELF_CHECK, *more):
    nb = notebook(
        "import numpy as np",
        code_cell(student, "gradient", solution=True),
        graded_cell(GRADIENT_ID, self_check, "test_gradient", 3),
        *more,
    )
    return grade(nb)[0]


def feedback(nb):
    stripped, _ = StripHiddenTests().preprocess(copy.deepcopy(nb), {})
    return stripped


def test_a_passed_cell_keeps_its_check_mark_and_self_check_without_the_hidden_region():
    graded = graded_notebook(RIGHT)
    cell = feedback(graded).cells[2]
    assert "hidden_test" not in cell.source and GRADIENT_ID not in cell.source
    assert cell.source == "# Cellule notée (3 points).\n" + HIDDEN_NOTE + SELF_CHECK
    assert [o.get("text") for o in cell.outputs] == [
        "✔ `gradient` : 3 cas vérifiés, tous corrects.\n",
        "auto-vérification faite\n",
    ]
    assert cell.metadata[RECORD] == graded.cells[2].metadata[RECORD]


def test_a_failed_cell_shows_the_french_verdict_as_one_line_and_no_traceback():
    graded = graded_notebook(SIGN)
    [output] = feedback(graded).cells[2].outputs
    verdict = graded.cells[2].metadata[RECORD]["checks"][0]["message"]
    assert output.ename == messages.CHECK_FAILED and output.evalue == readable(verdict)
    assert output.traceback == [f"{messages.CHECK_FAILED}: {readable(verdict)}"]


def test_the_students_own_traceback_in_a_graded_cell_is_cut_to_its_last_line():
    graded = graded_notebook(RIGHT, "raise ValueError('formes')\n")
    graded.cells[2].outputs[-1].traceback = [
        "Traceback (most recent call last):",
        "  File secret.py",
        "ValueError: formes",
    ]
    errors = [o for o in feedback(graded).cells[2].outputs if o.output_type == "error"]
    assert [(o.ename, o.evalue, o.traceback) for o in errors] == [("ValueError", "formes", ["ValueError: formes"])]


@pytest.mark.parametrize("ename", sorted(PLAIN_WORDS))
def test_an_error_without_words_gets_plain_words(ename):
    cell = graded_cell(GRADIENT_ID)
    cell.outputs = [NotebookNode(output_type="error", ename=ename, evalue="", traceback=["\x1b[0;31m..."])]
    nb = feedback(notebook(cell))
    assert nb.cells[0].outputs[0].evalue == PLAIN_WORDS[ename]
    assert nb.cells[0].outputs[0].traceback == [f"{ename}: {PLAIN_WORDS[ename]}"]


def test_cells_that_are_not_graded_tests_are_left_as_they_are():
    graded = graded_notebook(RIGHT, SELF_CHECK, "1 / 0")
    stripped = feedback(graded)
    for index in (0, 1, 3):
        assert stripped.cells[index] == graded.cells[index]
    assert stripped.cells[3].outputs[0].ename == "ZeroDivisionError"


def test_strip_hidden_source_keeps_what_surrounds_the_region():
    source = "# avant\n" + hidden_region(["td1.regression_lineaire.loss", GRADIENT_ID]) + "# après\n"
    assert strip_hidden_source(source) == "# avant\n" + HIDDEN_NOTE + "# après\n"


def test_the_feedback_page_has_the_verdict_and_not_the_hidden_tests():
    graded = graded_notebook(SIGN)
    page, _ = FeedbackExporter().from_notebook_node(feedback(graded))
    text = " ".join(page.split())
    assert "hidden_test" not in page and GRADIENT_ID not in page
    assert "erreur reconnue : le signe est inversé" in text
    policy = BeautifulSoup(page, "html.parser").head.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert policy is not None and policy["content"] == FEEDBACK_POLICY


def test_a_second_exporter_renders_the_same_page_from_the_templates_compiled_once():
    graded = graded_notebook("alice")
    first, _ = FeedbackExporter().from_notebook_node(feedback(graded))
    compiled = dict(feedback_module._COMPILED_TEMPLATES._code)
    second, _ = FeedbackExporter().from_notebook_node(feedback(graded))
    assert compiled, "the first exporter stored no compiled template"
    assert feedback_module._COMPILED_TEMPLATES._code == compiled  # nothing compiled again
    assert second == first


def test_the_rehearsal_renders_a_feedback_page_as_generate_feedback_does_with_the_repositorys_configuration():
    from autograde.course import load_config
    from autograde.settings import REPO_ROOT

    page = feedback_module.rehearse(load_config(REPO_ROOT))
    soup = BeautifulSoup(page, "html.parser")
    assert soup.head.find("meta").get("http-equiv") == "Content-Security-Policy"  # our exporter, first in <head>
    assert "Score: 0.0 / 1.0" in page  # nbgrader's feedback template
    assert soup.find("h1").get_text().startswith("Titre")  # the Markdown cell, rendered
