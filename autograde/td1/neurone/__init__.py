"""TD 1, notebook 1 (01_neurone): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td1_neurone_regression/01_neurone"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_elements, question 2: the bias of a threshold unit
    r"b = -\theta",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction("td1.neurone.id", ref.id, checks.check_id, MISTAKES["id"]),
    GradedFunction("td1.neurone.sigmoid", ref.sigmoid, checks.check_sigmoid, MISTAKES["sigmoid"]),
    GradedFunction("td1.neurone.relu", ref.relu, checks.check_relu, MISTAKES["relu"]),
    GradedFunction("td1.neurone.tanh", ref.tanh, checks.check_tanh, MISTAKES["tanh"]),
    GradedFunction("td1.neurone.neuron", ref.neuron, checks.check_neuron, MISTAKES["neuron"]),
)
