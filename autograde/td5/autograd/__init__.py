"""TD 5, notebook 2 (02_autograd): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td5_autograd/02_autograd"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py. This notebook has no written answer.
HIDDEN_FORMULAS: tuple[str, ...] = ()

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td5.autograd.Value/arithmetic",
        ref.Value,
        checks.check_Value_arithmetic,
        MISTAKES["Value/arithmetic"],
        methods=checks.GRADED_METHODS["Value_arithmetic"],
    ),
    GradedFunction(
        "td5.autograd.Value/unary",
        ref.Value,
        checks.check_Value_unary,
        MISTAKES["Value/unary"],
        methods=checks.GRADED_METHODS["Value_unary"],
        class_helpers=checks.CLASS_HELPERS["Value_unary"],
    ),
    GradedFunction(
        "td5.autograd.Value/backward",
        ref.Value,
        checks.check_Value_backward,
        MISTAKES["Value/backward"],
        methods=checks.GRADED_METHODS["Value_backward"],
        class_helpers=checks.CLASS_HELPERS["Value_backward"],
    ),
)
