"""Hidden-test checks of TD 7, notebook 1 (He initialisation, inverted dropout, the L2 penalty)."""

import numpy as np

from ...checking import Case, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES

PARAMS = ("W1", "b1", "W2", "b2")


def check_init_params(student, seed):
    rng = np.random.default_rng(seed)
    cases = [
        Case("petite couche", (3, 5, 2, int(rng.integers(1000)))),
        Case("couches moyennes", (int(rng.integers(10, 20)), int(rng.integers(24, 40)), 4, int(rng.integers(1000)))),
        Case("64 → 32 → 10", (64, 32, 10, int(rng.integers(1000)))),
        Case("seed omis (0 par défaut)", (int(rng.integers(4, 9)), int(rng.integers(5, 12)), 3)),
    ]
    return check_against_reference(
        student,
        ref.init_params,
        cases,
        name="init_params",
        arg_names=["n_in", "n_hidden", "n_out", "seed"],
        fields=PARAMS,
        mistakes=MISTAKES["init_params"],
    )


def check_dropout(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for label, shape, p, training in (
        ("p = 0,5", (1, 6), 0.5, True),
        ("p quelconque", (int(rng.integers(4, 9)), int(rng.integers(5, 12))), float(rng.uniform(0.1, 0.4)), True),
        ("p = 0 : rien n'est éteint", (3, 4), 0.0, True),
        ("test : training=False", (5, 7), 0.5, False),
    ):
        A = np.maximum(0.0, rng.normal(size=shape))
        cases.append(Case(label, (A, p, np.random.default_rng(int(rng.integers(1_000_000))), training)))
    A = np.maximum(0.0, rng.normal(size=(4, 5)))
    cases.append(
        Case("training omis (True par défaut), p = 0,3", (A, 0.3, np.random.default_rng(int(rng.integers(1000)))))
    )
    return check_against_reference(
        student,
        ref.dropout,
        cases,
        name="dropout",
        arg_names=["A", "p", "rng", "training"],
        fields=("A après dropout", "mask"),
        mistakes=MISTAKES["dropout"],
    )


def check_l2_penalty(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for label, lam in (("λ = 0,1", 0.1), ("λ quelconque", float(rng.uniform(0.01, 2.0))), ("λ = 0", 0.0)):
        d, h, k = int(rng.integers(2, 6)), int(rng.integers(3, 8)), int(rng.integers(2, 5))
        # Non-zero biases, so that a penalty or a gradient on the biases shows.
        params = (rng.normal(size=(d, h)), rng.normal(size=h), rng.normal(size=(h, k)), rng.normal(size=k))
        cases.append(Case(label, (params, lam)))
    return check_against_reference(
        student,
        ref.l2_penalty,
        cases,
        name="l2_penalty",
        arg_names=["params", "lam"],
        fields=("la pénalité", ("le gradient", ("dW1", "db1", "dW2", "db2"))),
        mistakes=MISTAKES["l2_penalty"],
    )
