"""Hidden-test checks of TD 7, notebook 2 (decision boundaries on make_moons)."""

import numpy as np

from ...checking import Case, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES


def check_grid_points(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, n_steps, margin, wide_first in (
        (5, 3, 0.5, True),
        (int(rng.integers(10, 40)), int(rng.integers(4, 9)), float(rng.uniform(0.1, 1)), True),
        (int(rng.integers(40, 100)), int(rng.integers(20, 50)), float(rng.uniform(0.1, 1)), False),
    ):
        # Columns with clearly different ranges, so that mixing the axes shows; the wide one second in
        # the last case, so that its range is not inside the first column's and one range for the whole
        # array differs from the first column's.
        wide, narrow = rng.uniform(-1, 2, size=n) * rng.uniform(1, 3), rng.uniform(-0.5, 1, size=n) + rng.normal()
        X = np.column_stack([wide, narrow] if wide_first else [narrow, wide])
        cases.append(Case(f"n_steps = {n_steps}, margin = {margin:.3g}", (X, n_steps, margin)))
    return check_against_reference(
        student,
        ref.grid_points,
        cases,
        name="grid_points",
        arg_names=["X", "n_steps", "margin"],
        fields=("xx", "yy", "grid"),
        mistakes=MISTAKES["grid_points"],
    )
