"""The student's version of a notebook asks for the derivations its written answers grade, and never
states their result: each notebook package lists, in ``HIDDEN_FORMULAS``, what its release must not say."""

import importlib

import pytest
from conftest import RELEASE, SOURCE, nbgrader_meta, read

from autograde.hidden_tests import notebook_packages


def packages():
    """The notebook packages of autograde/td*/: each says ``NOTEBOOK`` and ``HIDDEN_FORMULAS``."""
    modules = [importlib.import_module(f"autograde.{name}") for name in notebook_packages()]
    return [pytest.param(module, id=module.__name__) for module in modules]


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("package", packages())
def test_each_notebook_package_names_its_notebook(package):
    assert (SOURCE / f"{package.NOTEBOOK}.ipynb").exists() and (RELEASE / f"{package.NOTEBOOK}.ipynb").exists()


@pytest.mark.parametrize("package", packages())
def test_the_release_does_not_state_what_a_written_answer_derives(package):
    release = squeezed("\n".join(cell.source for cell in read(RELEASE / f"{package.NOTEBOOK}.ipynb").cells))
    source = squeezed("\n".join(cell.source for cell in read(SOURCE / f"{package.NOTEBOOK}.ipynb").cells))
    for formula in package.HIDDEN_FORMULAS:
        assert squeezed(formula) in source, f"{formula!r} is no longer in the instructor's version: update the list"
        assert squeezed(formula) not in release, f"the release states {formula!r}"


def written_answers(nb) -> list:
    """The markdown cells nbgrader grades by hand: an answer the student writes (solution) and a grade."""
    return [
        cell
        for cell in nb.cells
        if cell.cell_type == "markdown" and nbgrader_meta(cell).get("solution") and nbgrader_meta(cell).get("grade")
    ]


@pytest.mark.parametrize("assignment", sorted(p.name for p in SOURCE.iterdir() if p.is_dir()))
def test_every_td_asks_for_written_answers_each_with_its_grading_guide(assignment):
    answers = [cell for path in sorted((SOURCE / assignment).glob("*.ipynb")) for cell in written_answers(read(path))]
    assert answers, f"{assignment} has no written answer graded by hand"
    for cell in answers:
        guide = cell.source.split("### BEGIN SOLUTION", 1)[-1]
        assert "### BEGIN SOLUTION" in cell.source and "Guide de correction" in guide and "Barème" in guide, (
            nbgrader_meta(cell)["grade_id"]
        )
