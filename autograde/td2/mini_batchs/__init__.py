"""TD 2, notebook 2 (02_mini_batchs): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td2_descente_gradient/02_mini_batchs"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_taille_lot: the variance of the mean gradient of a mini-lot of B examples
    r"\frac{\sigma^2}{B}",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td2.mini_batchs.iterate_minibatches",
        ref.iterate_minibatches,
        checks.check_iterate_minibatches,
        MISTAKES["iterate_minibatches"],
    ),
    GradedFunction(
        "td2.mini_batchs.train_minibatch",
        ref.train_minibatch,
        checks.check_train_minibatch,
        MISTAKES["train_minibatch"],
        helpers=checks.ISOLATED["train_minibatch"],
    ),
)
