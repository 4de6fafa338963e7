"""TD 7, notebook 2 (02_frontieres_moons): its solution, its catalogue of mistakes and its checks;
``GRADED``, its graded functions in the notebook's order (:mod:`autograde.registry`)."""

from ...registry import GradedFunction
from . import checks
from . import solution as ref
from .mistakes import MISTAKES

NOTEBOOK = "td7_regularisation/02_frontieres_moons"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/unit/test_release_hides_derivations.py. Its written answers (reponse_choix_hyperparametres,
# reponse_representation_cachee) ask for conclusions, not formulas.
HIDDEN_FORMULAS: tuple[str, ...] = ()

# The graded cells' check ids: how each function is judged, with what catalogue and reference helpers.
GRADED: tuple[GradedFunction, ...] = (
    GradedFunction(
        "td7.frontieres_moons.grid_points", ref.grid_points, checks.check_grid_points, MISTAKES["grid_points"]
    ),
)
