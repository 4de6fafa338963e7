"""TD 1, notebook 2 (02_regression_lineaire): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td1_neurone_regression/02_regression_lineaire"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_gradient: the gradient of the half mean squared error
    r"\frac{\partial L}{\partial w} = \frac{1}{N} \sum_{i=1}^{N} (\hat{y}_i - y_i)\, x_i",
    r"\frac{\partial L}{\partial b} = \frac{1}{N} \sum_{i=1}^{N} (\hat{y}_i - y_i)",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction("td1.regression_lineaire.loss", ref.loss, checks.check_loss, MISTAKES["loss"]),
    GradedFunction("td1.regression_lineaire.gradient", ref.gradient, checks.check_gradient, MISTAKES["gradient"]),
    GradedFunction(
        "td1.regression_lineaire.train",
        ref.train,
        checks.check_train,
        MISTAKES["train"],
        helpers=checks.ISOLATED["train"],
    ),
)
