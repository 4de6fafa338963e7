"""TD 2, notebook 2 (02_mini_lots): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td2_descente_gradient/02_mini_lots"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_taille_lot: the noise of a mini-lot's gradient (the notebook recalls σ²/B, the variance of a
    # mean of B independent draws; the student derives the standard deviation)
    r"\frac{\sigma}{\sqrt{B}}",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td2.mini_lots.iterate_minibatches",
        ref.iterate_minibatches,
        checks.check_iterate_minibatches,
        MISTAKES["iterate_minibatches"],
    ),
    GradedFunction(
        "td2.mini_lots.train_minibatch",
        ref.train_minibatch,
        checks.check_train_minibatch,
        MISTAKES["train_minibatch"],
        helpers=checks.ISOLATED["train_minibatch"],
    ),
)
