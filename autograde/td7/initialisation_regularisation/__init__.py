"""TD 7, notebook 1 (01_initialisation_regularisation): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td7_regularisation/01_initialisation_regularisation"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_initialisation: why He's variance 2 / n_in suits ReLU
    r"\mathrm{Var}(z) = n_{\text{entrée}}\, \sigma^2\, \mathbb{E}[a^2]",
    r"\mathbb{E}[\mathrm{ReLU}(z)^2] = \frac{1}{2} \mathrm{Var}(z)",
    r"n_{\text{entrée}}\, \sigma^2 = 2",
    # reponse_regularisation: what the L2 term does to the weights at every step
    r"(1 - \eta \lambda)",
)

# The graded cells' check ids: how each function is judged, with what catalogue.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td7.initialisation_regularisation.init_params",
        ref.init_params,
        checks.check_init_params,
        MISTAKES["init_params"],
    ),
    GradedFunction("td7.initialisation_regularisation.dropout", ref.dropout, checks.check_dropout, MISTAKES["dropout"]),
    GradedFunction(
        "td7.initialisation_regularisation.l2_penalty",
        ref.l2_penalty,
        checks.check_l2_penalty,
        MISTAKES["l2_penalty"],
    ),
)
