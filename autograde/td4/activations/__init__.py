"""TD 4, notebook 2 (02_activations): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td4_retropropagation/02_activations"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_non_lineaire: without a hidden activation, the network is one neuron
    r"W^{(1)} W'",
    r"\mathbf{b}^{(1)} W' + b'",
    # reponse_derivees: the derivatives in terms of the functions themselves, ReLU's piecewise
    r"\sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big)",
    r"\tanh'(z) = 1 - \tanh^2(z)",
    r"1 - \tanh^2(z)",
    r"\text{ReLU}'(z) = \begin{cases} 1 & \text{si } z > 0 \\ 0 & \text{si } z < 0 \end{cases}",
    # reponse_saturation: the maximum of σ', the product over K layers
    r"\sigma'(0) = \frac{1}{4}",
    r"\sigma'(z) \le \frac{1}{4}",
    "10^{-3K}",
    r"\left(\tfrac{1}{4}\right)^K",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td4.activations.sigmoid_prime", ref.sigmoid_prime, checks.check_sigmoid_prime, MISTAKES["sigmoid_prime"]
    ),
    GradedFunction("td4.activations.tanh_prime", ref.tanh_prime, checks.check_tanh_prime, MISTAKES["tanh_prime"]),
    GradedFunction("td4.activations.relu_prime", ref.relu_prime, checks.check_relu_prime, MISTAKES["relu_prime"]),
    GradedFunction(
        "td4.activations.leaky_relu_prime",
        ref.leaky_relu_prime,
        checks.check_leaky_relu_prime,
        MISTAKES["leaky_relu_prime"],
        helpers=checks.ISOLATED["leaky_relu_prime"],
    ),
)
