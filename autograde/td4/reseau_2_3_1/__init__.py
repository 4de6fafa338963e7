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
    # reponse_passe_avant: the forward pass neuron by neuron, then on a batch
    r"z_j^{(1)} = x_1 W^{(1)}_{1j} + x_2 W^{(1)}_{2j} + b_j^{(1)}",
    r"z^{(2)} = a_1^{(1)} W'_1 + a_2^{(1)} W'_2 + a_3^{(1)} W'_3 + b'",
    r"Z_1 = X W_1 + \mathbf{b}_1",
    # reponse_parametres: the count of the sheet's network and the general formula
    r"6 + 3 + 3 + 1 = 13",
    r"\sum_{k=0}^{p} (n_k + 1)\, n_{k+1}",
    # reponse_retropropagation: the gradients of the MSE, output layer then hidden layer, one example then a batch
    # (σ' = σ(1 − σ) is recalled there from TD 1; notebook 2's reponse_derivees derives it)
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
