"""Hidden-test checks of TD 4, notebook 2 (derivatives of the activation functions)."""

import numpy as np

from ...checking import Case, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: leaky_relu_prime may be written with relu_prime, graded in the same cell.
ISOLATED = {"leaky_relu_prime": {"relu_prime": ref.relu_prime}}


def _away_from_zero(values, margin=1e-3):
    """The random values stay away from 0, where ReLU and leaky ReLU have no derivative; the value the
    notebook fixes there (0, and α) is checked once, at exactly 0, in the last case."""
    values = np.asarray(values, dtype=float)
    return np.where(np.abs(values) < margin, np.where(values < 0, -margin, margin), values)


def _cases(rng):
    return [
        Case("un nombre", (np.float64(_away_from_zero(rng.normal(0, 2))),)),
        Case("vecteur", (_away_from_zero(rng.normal(0, 3, size=int(rng.integers(4, 10)))),)),
        Case("matrice", (_away_from_zero(rng.normal(0, 3, size=(int(rng.integers(2, 5)), int(rng.integers(2, 5))))),)),
        # Not sorted: a step function wrong at 0 alone is then told the one value that differs.
        Case("valeurs extrêmes, et z = 0 exactement", (np.array([-5.0, 50.0, 0.0, -50.0, 0.5, -0.5, 5.0]),)),
    ]


# What each function returns, as messages name it.
RESULTS = {
    "sigmoid_prime": "σ'(z)",
    "tanh_prime": "tanh'(z)",
    "relu_prime": "ReLU'(z)",
    "leaky_relu_prime": "leaky ReLU'(z)",
}


def _compare(student, seed, name):
    return check_against_reference(
        student,
        getattr(ref, name),
        _cases(np.random.default_rng(seed)),
        name=name,
        arg_names=["z"],
        fields=(RESULTS[name],),
        mistakes=MISTAKES[name],
    )


def check_sigmoid_prime(student, seed):
    return _compare(student, seed, "sigmoid_prime")


def check_tanh_prime(student, seed):
    return _compare(student, seed, "tanh_prime")


def check_relu_prime(student, seed):
    return _compare(student, seed, "relu_prime")


def check_leaky_relu_prime(student, seed):
    """With the default slope, then with slopes passed as the argument ``alpha``."""
    rng = np.random.default_rng(seed)
    cases = _cases(rng)[:2]
    for case in _cases(rng)[2:]:
        alpha = float(np.round(rng.uniform(0.05, 0.3), 3))
        cases.append(Case(f"{case.label}, alpha = {alpha}", (*case.args, alpha)))
    return check_against_reference(
        student,
        ref.leaky_relu_prime,
        cases,
        name="leaky_relu_prime",
        arg_names=["z", "alpha"],
        fields=(RESULTS["leaky_relu_prime"],),
        mistakes=MISTAKES["leaky_relu_prime"],
        helpers=ISOLATED["leaky_relu_prime"],
    )
