"""Hidden-test checks of TD 1, notebook 1 (the neuron)."""

import numpy as np

from ...checking import Case, Code, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES


def _activation_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        Case("un nombre", (float(rng.normal()),)),
        Case("vecteur", (rng.normal(0, 3, size=int(rng.integers(3, 9))),)),
        Case("matrice", (rng.normal(0, 3, size=(int(rng.integers(2, 5)), int(rng.integers(2, 5)))),)),
        Case("valeurs extrêmes", (np.array([-50.0, -5.0, 0.0, 5.0, 50.0]),)),
    ]


def _check_activation(name):
    def check(student, seed):
        return check_against_reference(
            student, getattr(ref, name), _activation_cases(seed), name=name, arg_names=["z"], mistakes=MISTAKES[name]
        )

    check.__name__ = f"check_{name}"
    return check


check_id = _check_activation("id")
check_sigmoid = _check_activation("sigmoid")
check_relu = _check_activation("relu")
check_tanh = _check_activation("tanh")


# Activations handed to `neuron`, written as code the student's kernel may see: none is an answer of
# this notebook (sigmoid, ReLU and tanh are), and each is non-linear where it matters.
ACTIVATIONS = (
    Code("lambda z: np.logaddexp(0.0, z)", "softplus"),
    Code("lambda z: z", "id"),
    Code("lambda z: np.where(z > 0, z, 0.1 * z)", "leaky ReLU de pente 0,1"),
)


def check_neuron(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for f in ACTIVATIONS:
        d = int(rng.integers(1, 6))
        n = int(rng.integers(2, 20))
        w, b = rng.normal(size=d), float(rng.normal())
        cases.append(Case(f"une entrée, activation {f.__name__}", (rng.normal(size=d), w, b, f)))
        cases.append(Case(f"lot de {n} entrées, activation {f.__name__}", (rng.normal(size=(n, d)), w, b, f)))
    return check_against_reference(
        student, ref.neuron, cases, name="neuron", arg_names=["x", "w", "b", "f"], mistakes=MISTAKES["neuron"]
    )
