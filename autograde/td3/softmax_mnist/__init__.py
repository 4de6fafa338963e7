"""TD 3, notebook 1 (01_softmax_mnist): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td3_mnist_softmax/01_softmax_mnist"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_stabilite: subtracting the row's maximum leaves the softmax unchanged
    r"\frac{e^{Z_{ik} - m_i}}{\sum_j e^{Z_{ij} - m_i}} = \frac{e^{-m_i}\, e^{Z_{ik}}}{e^{-m_i} \sum_j e^{Z_{ij}}}",
    # reponse_gradient: the softmax's derivative and the cross-entropy's gradient
    r"\frac{\partial p_k}{\partial z_j} = p_k (\delta_{jk} - p_j)",
    r"\frac{\partial \ell}{\partial z_j} = p_j - y_j",
    r"\frac{\partial L}{\partial Z} = \frac{1}{N} (P - Y)",
    r"\frac{\partial L}{\partial W} = \frac{1}{N} X^\top (P - Y)",
    r"\frac{\partial L}{\partial \mathbf{b}} = \frac{1}{N} \sum_{i=1}^{N} (P_i - Y_i)",
    "Xᵀ(P − Y)",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction("td3.softmax_mnist.one_hot", ref.one_hot, checks.check_one_hot, MISTAKES["one_hot"]),
    GradedFunction("td3.softmax_mnist.softmax", ref.softmax, checks.check_softmax, MISTAKES["softmax"]),
    GradedFunction(
        "td3.softmax_mnist.cross_entropy", ref.cross_entropy, checks.check_cross_entropy, MISTAKES["cross_entropy"]
    ),
    GradedFunction("td3.softmax_mnist.gradient", ref.gradient, checks.check_gradient, MISTAKES["gradient"]),
    GradedFunction(
        "td3.softmax_mnist.train", ref.train, checks.check_train, MISTAKES["train"], helpers=checks.ISOLATED["train"]
    ),
    GradedFunction(
        "td3.softmax_mnist.accuracy",
        ref.accuracy,
        checks.check_accuracy,
        MISTAKES["accuracy"],
        helpers=checks.ISOLATED["accuracy"],
    ),
    GradedFunction(
        "td3.softmax_mnist.best_setting", ref.best_setting, checks.check_best_setting, MISTAKES["best_setting"]
    ),
)
