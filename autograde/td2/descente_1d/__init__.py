"""TD 2, notebook 1 (01_descente_1d): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td2_descente_gradient/01_descente_1d"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_derivee: the derivative of the quartic
    r"f'(w) = w^3 - 4{,}5\,w^2 - 2{,}5\,w + 6",
    # reponse_iterations: the first three iterates, computed by hand
    r"w^{(1)} = 2{,}45",
    # reponse_pas: why a step diverges (the stability bound near a minimum, in its grading guide)
    r"\eta < 2 / f''(w^\star)",
)

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction("td2.descente_1d.f", ref.f, checks.check_f, MISTAKES["f"]),
    GradedFunction("td2.descente_1d.df", ref.df, checks.check_df, MISTAKES["df"]),
    GradedFunction(
        "td2.descente_1d.gradient_descent",
        ref.gradient_descent,
        checks.check_gradient_descent,
        MISTAKES["gradient_descent"],
    ),
)
