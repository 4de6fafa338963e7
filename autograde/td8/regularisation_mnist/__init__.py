"""TD 8, notebook 2 (02_regularisation_mnist): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td8_optimiseurs/02_regularisation_mnist"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = ()

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td8.regularisation_mnist.soft_threshold",
        ref.soft_threshold,
        checks.check_soft_threshold,
        MISTAKES["soft_threshold"],
    ),
    GradedFunction(
        "td8.regularisation_mnist.fit_penalized",
        ref.fit_penalized,
        checks.check_fit_penalized,
        MISTAKES["fit_penalized"],
        helpers=checks.ISOLATED["fit_penalized"],
    ),
)
