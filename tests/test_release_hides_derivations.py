"""The student's version of a notebook asks for the derivations its written answers grade, and never
states their result: each notebook package lists, in ``HIDDEN_FORMULAS``, what its release must not say."""
import importlib

import pytest

from autograde.hidden_tests import notebook_packages
from conftest import RELEASE, SOURCE, read


def packages():
    return [pytest.param(importlib.import_module(f"autograde.{name}"), id=name) for name in notebook_packages()]


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
