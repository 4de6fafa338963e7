"""Hidden-test checks of TD 6, notebook 2 (decision boundaries on make_moons)."""
import numpy as np

from ...checking import Case
from ...checking import check_against_reference as compare_to_reference  # a check_* name would count as a check
from . import solution as ref
from .mistakes import MISTAKES


def check_grid_points(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, n_steps, margin in ((5, 3, 0.5), (int(rng.integers(10, 40)), int(rng.integers(4, 9)), float(rng.uniform(0.1, 1))),
                               (int(rng.integers(40, 100)), int(rng.integers(20, 50)), float(rng.uniform(0.1, 1)))):
        # Columns with clearly different ranges, so that mixing the axes shows.
        X = np.column_stack([rng.uniform(-1, 2, size=n) * rng.uniform(1, 3), rng.uniform(-0.5, 1, size=n) + rng.normal()])
        cases.append(Case(f"N = {n}, n_steps = {n_steps}, margin = {margin:.3g}", (X, n_steps, margin)))
    return compare_to_reference(student, ref.grid_points, cases, name="grid_points",
                                arg_names=["X", "n_steps", "margin"], mistakes=MISTAKES["grid_points"])
