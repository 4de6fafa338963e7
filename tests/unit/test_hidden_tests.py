"""The hidden region of every graded cell is the one line the grader knows how to run, and no check
sends into the student's kernel the reference code of a function graded after it."""

import pytest
from conftest import SOURCE, nbgrader_meta, notebook_id, notebooks, read

from autograde.hidden_tests import HiddenRegionError, hidden_region, isolated_helpers
from autograde.judge import helper_bundle
from autograde.kernel_side import decode, helper_namespace
from autograde.registry import graded
from autograde.registry import notebooks as declared_notebooks

SOURCE_NOTEBOOKS = notebooks(SOURCE)


def graded_check_ids(path):
    """The check ids of a source notebook's graded cells, in cell order."""
    ids = []
    for cell in read(path).cells:
        if nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"):
            region = hidden_region(cell.source)
            assert region is not None, f"{nbgrader_meta(cell)['grade_id']} has no hidden test"
            ids += region[0]
    return ids


def graded_names(check_id):
    """What a check grades: the student's function, or the methods of a class aspect."""
    return set(graded(check_id).methods) or {graded(check_id).name}


def helper_names(check_id):
    return set(isolated_helpers(check_id) or ()) | set(graded(check_id).class_helpers)


def test_a_hidden_region_gives_its_check_ids_and_the_visible_part():
    source = (
        "# Cellule notée\n### BEGIN HIDDEN TESTS\nfrom autograde import hidden_test\n"
        'hidden_test(["a.f", "a.g"], globals())\n### END HIDDEN TESTS\nassert f(1) == 1\n'
    )
    assert hidden_region(source) == (["a.f", "a.g"], "# Cellule notée\nassert f(1) == 1\n")
    assert hidden_region("assert f(1) == 1\n") is None


@pytest.mark.parametrize(
    "region",
    [
        "import os\nos.system('x')\n",
        "from autograde import hidden_test\nprint(1)\n",
        "from autograde import hidden_test\nhidden_test(name, globals())\n",
    ],
)
def test_any_other_hidden_region_is_refused(region):
    with pytest.raises(HiddenRegionError):
        hidden_region(f"### BEGIN HIDDEN TESTS\n{region}### END HIDDEN TESTS\n")


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_every_graded_cell_has_a_hidden_region_the_grader_reads(path):
    for check_id in graded_check_ids(path):
        assert callable(graded(check_id).check), check_id


def test_the_registry_declares_exactly_the_checks_of_the_graded_cells():
    """Every check id of a source notebook's hidden regions is declared by its notebook's package, and
    every declared graded function is checked by exactly one graded cell of that notebook, in order."""
    declared = {
        notebook.notebook: [function.check_id for function in notebook.graded] for notebook in declared_notebooks()
    }
    in_cells = {str(path.relative_to(SOURCE).with_suffix("")): graded_check_ids(path) for path in SOURCE_NOTEBOOKS}
    assert declared == in_cells


def test_an_undeclared_check_id_is_refused():
    with pytest.raises(KeyError, match="td6.mlp_numpy.nothing"):
        graded("td6.mlp_numpy.nothing")
    with pytest.raises(KeyError, match="td9.nothing.f"):
        graded("td9.nothing.f")
    with pytest.raises(ValueError, match="td<k>.<notebook>.<function>"):
        graded("td6.train")


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_helpers_are_only_functions_graded_in_earlier_cells(path):
    """A function judged alone runs with reference helpers, whose code enters the student's kernel
    for that check: it may only be the code of functions already graded (or not graded at all)."""
    order = graded_check_ids(path)
    for position, check_id in enumerate(order):
        for name in helper_names(check_id):
            graded_at = [i for i, other in enumerate(order) if name in graded_names(other)]
            assert all(i < position for i in graded_at), f"{check_id} sends {name}, graded at cell {graded_at}"


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_every_helper_bundle_is_complete_data(path):
    """The helpers' source, with the constants it reads, defines every helper in a fresh namespace."""
    for check_id in graded_check_ids(path):
        helpers = isolated_helpers(check_id)
        if helpers:
            bundle = helper_bundle(helpers)
            assert set(helper_namespace(bundle["functions"], decode(bundle["values"], inputs=True))) >= set(helpers)


def test_a_helper_calling_an_undeclared_reference_function_is_refused():
    from autograde.td1.regression_logistique import solution as ref

    with pytest.raises(TypeError, match="not a declared helper"):
        helper_bundle({"predict_proba": ref.predict_proba})  # it calls sigmoid, not declared
