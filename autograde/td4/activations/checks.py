"""Hidden-test checks of TD 4, notebook 2 (derivatives of the activation functions)."""
import numpy as np

from ...checking import Case
from ...checking import check_against_reference as compare_to_reference  # a check_* name would count as a check
from . import solution as ref
from .mistakes import MISTAKES


def _away_from_zero(values, margin=1e-3):
    """ReLU and leaky ReLU have no derivative at 0: the cases never evaluate there."""
    values = np.asarray(values, dtype=float)
    return np.where(np.abs(values) < margin, np.where(values < 0, -margin, margin), values)


def _cases(rng):
    return [
        Case("un nombre", (np.float64(_away_from_zero(rng.normal(0, 2))),)),
        Case("vecteur", (_away_from_zero(rng.normal(0, 3, size=int(rng.integers(4, 10)))),)),
        Case("matrice", (_away_from_zero(rng.normal(0, 3, size=(int(rng.integers(2, 5)), int(rng.integers(2, 5))))),)),
        Case("valeurs extrêmes", (np.array([-50.0, -5.0, -0.5, 0.5, 5.0, 50.0]),)),
    ]


def _compare(student, seed, name):
    return compare_to_reference(student, getattr(ref, name), _cases(np.random.default_rng(seed)), name=name,
                                arg_names=["z"], mistakes=MISTAKES[name])


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
    return compare_to_reference(student, ref.leaky_relu_prime, cases, name="leaky_relu_prime",
                                arg_names=["z", "alpha"], mistakes=MISTAKES["leaky_relu_prime"])
