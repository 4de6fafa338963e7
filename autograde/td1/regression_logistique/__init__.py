"""TD 1, notebook 3 (03_regression_logistique): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td1_neurone_regression/03_regression_logistique"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_gradient: the gradient of the binary cross-entropy after a sigmoid
    r"\frac{\partial L}{\partial \mathbf{w}} = \frac{1}{N} \mathbf{X}^\top (\hat{\mathbf{y}} - \mathbf{y})",
    r"\frac{\partial L}{\partial w_j} = \frac{1}{N} \sum_{i=1}^{N} (\hat{y}_i - y_i)\, x_{ij}",
    r"\frac{\partial L}{\partial b} = \frac{1}{N} \sum_{i=1}^{N} (\hat{y}_i - y_i)",
    r"\frac{\partial \ell_i}{\partial z_i} = \hat{y}_i - y_i",
    # reponse_gradient, question 1: the sigmoid's derivative, asked and not given
    r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
    # reponse_expressions: what the neuron computes for one example
    r"z_i = \mathbf{x}_i \cdot \mathbf{w} + b",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td1.regression_logistique.predict_proba",
        ref.predict_proba,
        checks.check_predict_proba,
        MISTAKES["predict_proba"],
        helpers=checks.ISOLATED["predict_proba"],
    ),
    GradedFunction("td1.regression_logistique.loss", ref.loss, checks.check_loss, MISTAKES["loss"]),
    GradedFunction("td1.regression_logistique.gradient", ref.gradient, checks.check_gradient, MISTAKES["gradient"]),
    GradedFunction(
        "td1.regression_logistique.train",
        ref.train,
        checks.check_train,
        MISTAKES["train"],
        helpers=checks.ISOLATED["train"],
    ),
    GradedFunction(
        "td1.regression_logistique.predict",
        ref.predict,
        checks.check_predict,
        MISTAKES["predict"],
        helpers=checks.ISOLATED["predict"],
    ),
)
