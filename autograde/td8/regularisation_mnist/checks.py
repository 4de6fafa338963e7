"""Hidden-test checks of TD 8, notebook 2 (penalties of the weights)."""

import numpy as np

from ...checking import Case, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES


def _cases(rng):
    """Weight matrices of several shapes, some entries exactly 0 (as after L1), and a few λ."""
    cases = []
    for shape in ((1, 1), (3, 2), (int(rng.integers(5, 20)), int(rng.integers(2, 11)))):
        W = rng.normal(0, 1, size=shape)
        W[rng.random(size=shape) < 0.3] = 0.0
        cases.append(Case(f"W de forme {shape}", (W, float(rng.uniform(0.01, 2.0)))))
    W = rng.normal(0, 1, size=(4, 3))
    W[0] = 0.0
    cases.append(Case("une ligne de poids nuls", (W, 0.5)))
    cases.append(Case("λ = 0", (rng.normal(size=(3, 3)), 0.0)))
    return cases


def check_l2_penalty_gradient(student, seed):
    rng = np.random.default_rng(seed)
    return check_against_reference(
        student,
        ref.l2_penalty_gradient,
        _cases(rng),
        name="l2_penalty_gradient",
        arg_names=["W", "lam"],
        mistakes=MISTAKES["l2_penalty_gradient"],
    )


def check_l1_penalty_gradient(student, seed):
    rng = np.random.default_rng(seed)
    return check_against_reference(
        student,
        ref.l1_penalty_gradient,
        _cases(rng),
        name="l1_penalty_gradient",
        arg_names=["W", "lam"],
        mistakes=MISTAKES["l1_penalty_gradient"],
    )
