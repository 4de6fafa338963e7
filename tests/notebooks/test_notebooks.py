"""Every source notebook runs headless with all its self-checks and hidden tests passing, every cell that
draws shows a drawn figure, its given cells print no key fact of a written answer of its TD or a later one,
and its solution cells give the same results as the reference module."""

import re

import numpy as np
import pytest
from conftest import SOURCE, execute, nbgrader_meta, notebook_id, notebooks, read, run_in_process
from figures import colours, figure_cells, kernel_env, png_outputs
from keyfacts import output_leaks

from autograde import run_check, student_name

SOURCE_NOTEBOOKS = notebooks(SOURCE)
CHECK_CALL = re.compile(r'hidden_test\((\[[^\]]*\]|"[^"]+")')


# Each notebook is executed once, as JupyterLab runs it (inline figures), for the three tests that read its
# outputs (`make test` gives a whole file to one worker: --dist loadfile). The last of them frees it.
EXECUTED: dict = {}


def executed(path):
    """The executed notebook (outputs kept) and the errors of its cells."""
    if path not in EXECUTED:
        nb = read(path)
        EXECUTED[path] = (nb, execute(nb, path.parent, kernel_env()))
    return EXECUTED[path]


def test_there_are_source_notebooks():
    assert len(SOURCE_NOTEBOOKS) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_source_notebook_runs_with_every_test_passing(path):
    nb, errors = executed(path)
    assert errors == []
    # The automatically graded cells (a written answer, a graded Markdown cell, is graded by hand).
    graded = [c for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
    assert graded, "a source notebook has graded cells"
    for cell in graded:
        stderr = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert stderr == [], f"{nbgrader_meta(cell)['grade_id']} writes to stderr, which nbgrader scores 0"
        assert any("✔" in o.get("text", "") for o in cell.outputs), "a passing hidden test says so"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_every_figure_cell_shows_a_drawn_image(path):
    """Each cell whose code draws (tests/figures.py) shows an image/png, no other cell does, and no image is
    a single uniform colour."""
    nb, errors = executed(path)
    assert errors == []
    expected = figure_cells(nb)
    assert expected, "every notebook of the course draws at least one figure"
    shown = [i for i, cell in enumerate(nb.cells) if png_outputs(cell)]
    assert shown == expected, "cells with an image/png output differ from the cells whose code draws"
    blank = [i for i in expected if any(colours(png) <= 1 for png in png_outputs(nb.cells[i]))]
    assert blank == [], "these cells show a uniform, empty image"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_given_cells_print_no_key_fact_of_their_td_or_a_later_one(path):
    """What the student sees printed by the given cells (self-checks included: their output shows once the
    answer is right) must not answer a written question (docs/course-conventions.md#key-facts-and-the-leak-test)."""
    leaks = output_leaks(executed(path)[0], path)
    EXECUTED.pop(path)  # the last test to read it: its outputs freed
    if leaks:
        pytest.fail("a given cell prints a key fact:\n" + "\n".join(leaks), pytrace=False)


def checked_functions(path):
    found = []
    for cell in read(path).cells:
        for match in CHECK_CALL.finditer(cell.source):
            found += re.findall(r'"([^"]+)"', match.group(1))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_solution_cells_agree_with_the_reference(path):
    namespace = run_in_process(path)
    check_ids = checked_functions(path)
    assert check_ids
    for check_id in check_ids:
        function = namespace[student_name(check_id)]
        for seed in (11, 12, 13):
            verdict = run_check(check_id, function, seed=seed)
            assert verdict.passed, f"{check_id} (seed {seed}): {verdict.message}"


@pytest.mark.slow
def test_linear_regression_notebook_data_and_fit_are_the_reference_ones():
    from autograde.td1.regression_lineaire import solution as ref

    namespace = run_in_process(SOURCE / "td1_neurone_regression" / "02_regression_lineaire.ipynb")
    x, y = ref.make_data()
    assert np.array_equal(namespace["x"], x) and np.array_equal(namespace["y"], y)
    w, b, losses = ref.train(x, y, ref.ETA, ref.EPOCHS)
    assert np.isclose(namespace["w"], w) and np.isclose(namespace["b"], b)
    assert np.allclose(namespace["losses"], losses)
    assert (namespace["W_INIT"], namespace["B_INIT"]) == (ref.W_INIT, ref.B_INIT)
    assert (namespace["ETA"], namespace["EPOCHS"]) == (ref.ETA, ref.EPOCHS)


@pytest.mark.slow
def test_logistic_regression_notebook_data_and_fit_are_the_reference_ones():
    from autograde.td1.regression_logistique import solution as ref

    namespace = run_in_process(SOURCE / "td1_neurone_regression" / "03_regression_logistique.ipynb")
    x_train, x_test, y_train, y_test = ref.make_data()
    assert np.array_equal(namespace["X_train"], x_train) and np.array_equal(namespace["y_test"], y_test)
    w, b, _ = ref.train(x_train, y_train, ref.ETA, ref.EPOCHS)
    assert np.allclose(namespace["w"], w) and np.isclose(namespace["b"], b)
    assert np.isclose(namespace["test_accuracy"], ref.accuracy(y_test, ref.predict(x_test, w, b)))
