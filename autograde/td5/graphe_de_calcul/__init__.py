"""TD 5, notebook 1 (01_graphe_de_calcul): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td5_autograd/01_graphe_de_calcul"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_derivees_locales: the local derivatives of the nodes, then the chain rule
    r"\frac{\partial L}{\partial c} = 2c",
    r"\frac{\partial a}{\partial w_1} = x",
    r"\frac{\partial a}{\partial x} = w_1",
    r"\frac{\partial b}{\partial w_2} = y",
    r"\frac{\partial b}{\partial y} = w_2",
    r"\frac{\partial L}{\partial w_1} = 2c\,x",
    r"\frac{\partial L}{\partial w_2} = 2c\,y",
    r"\frac{\partial L}{\partial x} = 2c\,w_1",
    r"\frac{\partial L}{\partial y} = 2c\,w_2",
    r"(7{,}5 ;\ 2{,}5 ;\ 10 ;\ -5)",
    # reponse_precision: L is quadratic in w1, so the forward difference errs by x²h, the centred one not at all
    r"L(w_1 + h) = L(w_1) + h\,\frac{\partial L}{\partial w_1} + h^2 x^2",
    r"L(w_1 + h) - L(w_1 - h) = 2h\,\frac{\partial L}{\partial w_1}",
    r"x^2 h",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td5.graphe_de_calcul.hand_gradients",
        ref.hand_gradients,
        checks.check_hand_gradients,
        MISTAKES["hand_gradients"],
    ),
    GradedFunction(
        "td5.graphe_de_calcul.forward_difference",
        ref.forward_difference,
        checks.check_forward_difference,
        MISTAKES["forward_difference"],
    ),
)
