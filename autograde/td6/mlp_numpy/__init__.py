"""TD 6, notebook 1 (01_mlp_numpy): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from typing import cast

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td6_mlp_mnist/01_mlp_numpy"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_retropropagation: the gradients of backpropagation through ReLU
    r"\frac{1}{N} (P - Y)",
    r"\frac{\partial \ell_i}{\partial Z_{2,ik}} = P_{ik} - Y_{ik}",
    r"dW_2 = A_1^T \, dZ_2",
    r"db_2 = \sum_{i=1}^{N} dZ_2[i, :]",
    r"dZ_2 \, W_2^T",
    r"dA_1 \odot \mathbb{1}[Z_1 > 0]",
    r"dW_1 = X^T dZ_1",
    r"db_1 = \sum_{i=1}^{N} dZ_1[i, :]",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
# (cast: mypy types checks.ISOLATED's helper set as dict[str, object].)
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction("td6.mlp_numpy.forward", ref.forward, checks.check_forward, MISTAKES["forward"]),
    GradedFunction("td6.mlp_numpy.backward", ref.backward, checks.check_backward, MISTAKES["backward"]),
    GradedFunction(
        "td6.mlp_numpy.train",
        ref.train,
        checks.check_train,
        MISTAKES["train"],
        helpers=cast(dict, checks.ISOLATED["train"]),
    ),
    GradedFunction(
        "td6.mlp_numpy.early_stopping", ref.early_stopping, checks.check_early_stopping, MISTAKES["early_stopping"]
    ),
)
