"""TD 8, notebook 1 (01_optimiseurs): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td8_optimiseurs/01_optimiseurs"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = ("2/25",)  # reponse_zigzag: the largest step of plain descent in the bowl

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td8.optimiseurs.sgd_momentum_step",
        ref.sgd_momentum_step,
        checks.check_sgd_momentum_step,
        MISTAKES["sgd_momentum_step"],
    ),
    GradedFunction("td8.optimiseurs.adam_step", ref.adam_step, checks.check_adam_step, MISTAKES["adam_step"]),
    GradedFunction("td8.optimiseurs.step_decay", ref.step_decay, checks.check_step_decay, MISTAKES["step_decay"]),
    GradedFunction(
        "td8.optimiseurs.optimize",
        ref.optimize,
        checks.check_optimize,
        MISTAKES["optimize"],
        helpers=checks.ISOLATED["optimize"],
    ),
    GradedFunction(
        "td8.optimiseurs.train", ref.train, checks.check_train, MISTAKES["train"], helpers=checks.ISOLATED["train"]
    ),
)
