"""The graded functions of the course, as each notebook's package declares them.

A notebook's package (``autograde/td6/mlp_numpy/``) says in its ``__init__.py`` which of its functions
are graded, and how: ``GRADED``, a tuple of :class:`GradedFunction` (the check id of the source
notebook's hidden region, the reference, the check, the catalogue of mistakes, the reference helpers it
is judged with). The grader, the mutation tests and the tests find a check here, by its id, never by
the name of a function::

    graded("td6.mlp_numpy.train").check(student, seed)
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from .checking import Mistake, Student, Verdict

__all__ = ["GradedFunction", "Notebook", "graded", "notebook", "notebook_packages", "notebooks"]


@dataclass(frozen=True)
class GradedFunction:
    """One graded function, or one aspect of a graded class (``td5.autograd.Value/backward``)."""

    check_id: str  # "td6.mlp_numpy.train": what the graded cell's hidden region names
    reference: Any  # the solution's function or class, of the student's name
    check: Callable[[Student, int], Verdict]  # (the student's object, the seed) -> the verdict
    mistakes: Sequence[Mistake]  # the catalogue of known wrong variants, each recognised by name
    helpers: dict[str, Any] | None = None  # the reference helpers it is judged with (checks.ISOLATED)
    methods: tuple[str, ...] = ()  # a class aspect: the methods it grades
    class_helpers: tuple[str, ...] = ()  # a class aspect: the reference methods given beside the student's

    def __post_init__(self):
        package, _, key = self.check_id.rpartition(".")
        if package.count(".") != 1 or not key:
            raise ValueError(f"a check id is td<k>.<notebook>.<function>, not {self.check_id!r}")
        if self.reference.__name__ != self.name:
            raise ValueError(f"{self.check_id}: the reference is {self.reference.__name__}, not {self.name}")
        if (self.aspect is None) != (not self.methods):
            raise ValueError(f"{self.check_id}: a class aspect, and only one, names the methods it grades")

    @property
    def package(self) -> str:
        """``"td6.mlp_numpy"``: the notebook's package, under ``autograde``."""
        return self.check_id.rsplit(".", 1)[0]

    @property
    def key(self) -> str:
        """``"train"``, ``"Value/backward"``: the id within its notebook (the key of its ``MISTAKES``)."""
        return self.check_id.rsplit(".", 1)[1]

    @property
    def name(self) -> str:
        """The name the student's code defines: ``"Value"`` for ``Value/backward``."""
        return self.key.split("/", 1)[0]

    @property
    def aspect(self) -> str | None:
        """``"backward"`` for ``Value/backward``; None for a function."""
        return self.key.split("/", 1)[1] if "/" in self.key else None


@dataclass(frozen=True)
class Notebook:
    """A notebook's package: the notebook it grades and its graded functions, in the notebook's order."""

    package: str  # "td6.mlp_numpy"
    notebook: str  # "td6_mlp_mnist/01_mlp_numpy": source/ and release/ hold it as <notebook>.ipynb
    hidden_formulas: tuple[str, ...]  # what the release must not state (tests/unit/test_release_hides_derivations.py)
    graded: tuple[GradedFunction, ...]

    def __post_init__(self):
        ids = [function.check_id for function in self.graded]
        if len(set(ids)) != len(ids) or any(function.package != self.package for function in self.graded):
            raise ValueError(f"{self.package}: its check ids are its own, each once: {ids}")


def notebook_packages() -> list[str]:
    """``["td1.neurone", "td1.regression_lineaire", …]``: the packages of autograde/td*/, one per notebook."""
    import autograde

    found = []
    for td in sorted(m.name for m in pkgutil.iter_modules(autograde.__path__) if m.name.startswith("td") and m.ispkg):
        package = importlib.import_module(f"autograde.{td}")
        found += [f"{td}.{m.name}" for m in pkgutil.iter_modules(package.__path__) if m.ispkg]
    return found


@functools.lru_cache(maxsize=None)
def notebook(package: str) -> Notebook:
    """The declaration of ``autograde.<package>`` (``"td6.mlp_numpy"``)."""
    module = importlib.import_module(f"autograde.{package}")
    return Notebook(package, module.NOTEBOOK, module.HIDDEN_FORMULAS, tuple(module.GRADED))


def notebooks() -> list[Notebook]:
    """Every notebook's declaration, TD by TD."""
    return [notebook(package) for package in notebook_packages()]


@functools.lru_cache(maxsize=None)
def _by_id(package: str) -> dict[str, GradedFunction]:
    return {function.check_id: function for function in notebook(package).graded}


def graded(check_id: str) -> GradedFunction:
    """The graded function of a check id: ``graded("td5.autograd.Value/backward")``. Only its notebook's
    package is imported. A KeyError names an id no package declares."""
    package = check_id.rsplit(".", 1)[0]
    if package.count(".") != 1:
        raise ValueError(f"a check id is td<k>.<notebook>.<function>, not {check_id!r}")
    try:
        declared = _by_id(package)
    except ModuleNotFoundError as error:
        if error.name not in (f"autograde.{package}", f"autograde.{package.split('.')[0]}"):
            raise
        declared = {}
    if check_id not in declared:
        raise KeyError(f"no notebook package declares the check {check_id!r}")
    return declared[check_id]
