"""TD 4, notebook 1 (01_reseau_2_3_1): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td4_retropropagation/01_reseau_2_3_1"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_retropropagation: the gradients of the MSE, output layer then hidden layer, one example then a batch
    r"\frac{\partial L}{\partial \hat{y}} = \hat{y} - y",
    r"\delta^{(2)} = (\hat{y} - y)\, \hat{y}\,(1 - \hat{y})",
    r"\frac{\partial L}{\partial b'} = \delta^{(2)}",
    r"\frac{\partial L}{\partial W'_j} = a_j^{(1)} \delta^{(2)}",
    r"\frac{\partial L}{\partial a_j^{(1)}} = \delta^{(2)} W'_j",
    r"\delta_j^{(1)} = \delta^{(2)} W'_j \, a_j^{(1)}\big(1 - a_j^{(1)}\big)",
    r"\frac{\partial L}{\partial W^{(1)}_{kj}} = x_k \delta_j^{(1)}",
    r"\frac{\partial L}{\partial W^{(1)}} = \mathbf{x}^\top \boldsymbol{\delta}^{(1)}",
    r"\Delta_2 = \frac{1}{N}(\hat{Y} - Y) \odot \hat{Y} \odot (\mathbf{1} - \hat{Y})",
    r"\frac{\partial L}{\partial W_2} = A_1^\top \Delta_2",
    r"\Delta_1 = (\Delta_2 W_2^\top) \odot A_1 \odot (\mathbf{1} - A_1)",
    r"\frac{\partial L}{\partial W_1} = X^\top \Delta_1",
    r"\sigma'(z) = \sigma(z)(1 - \sigma(z))",
    "(y_hat - y) / N * y_hat * (1 - y_hat)",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td4.reseau_2_3_1.forward",
        ref.forward,
        checks.check_forward,
        MISTAKES["forward"],
        helpers=checks.ISOLATED["forward"],
    ),
    GradedFunction(
        "td4.reseau_2_3_1.count_parameters",
        ref.count_parameters,
        checks.check_count_parameters,
        MISTAKES["count_parameters"],
    ),
    GradedFunction(
        "td4.reseau_2_3_1.backward",
        ref.backward,
        checks.check_backward,
        MISTAKES["backward"],
        helpers=checks.ISOLATED["backward"],
    ),
    GradedFunction(
        "td4.reseau_2_3_1.gradient_check",
        ref.gradient_check,
        checks.check_gradient_check,
        MISTAKES["gradient_check"],
        helpers=checks.ISOLATED["gradient_check"],
    ),
)
