"""Hidden-test checks of TD 5, notebook 1 (the computation graph of L = (w1·x + w2·y)², and the forward
difference)."""

import numpy as np

from ...checking import Case, Code, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES


def check_hand_gradients(student, seed):
    rng = np.random.default_rng(seed)
    cases = [Case("valeurs tirées au hasard", tuple(float(v) for v in rng.normal(0, 2, size=4))) for _ in range(3)]
    w1, w2, y = (float(v) for v in rng.uniform(0.5, 2, size=3))
    cases.append(Case("x = 0", (w1, w2, 0.0, y)))
    w1, w2, x = (float(v) for v in rng.uniform(0.5, 2, size=3))
    cases.append(Case("c = w1·x + w2·y = 0, donc L minimal", (w1, w2, x, -w1 * x / w2)))
    return check_against_reference(
        student,
        ref.hand_gradients,
        cases,
        name="hand_gradients",
        arg_names=["w1", "w2", "x", "y"],
        fields=("dL/dw1", "dL/dw2", "dL/dx", "dL/dy"),
        mistakes=MISTAKES["hand_gradients"],
    )


# Functions handed to forward_difference, as code the student's kernel may see.
LOSS_OF_THETA = Code("lambda p: (p[0] * p[2] + p[1] * p[3]) ** 2", "L(w1, w2, x, y) = (w1·x + w2·y)²")
# every variable interacts with the others: sin(p0·p1) + p1·p0² + … + Π cos pᵢ
PRODUCT_CHAIN = Code(
    "lambda p: float(np.sin(p[0] * p[1]) + np.sum(p[1:] * p[:-1] ** 2) + np.prod(np.cos(p)))",
    "f(p) = sin(p₀p₁) + Σ pᵢ₊₁pᵢ² + Π cos pᵢ",
)
SOFTPLUS_QUADRATIC = Code(
    "lambda p: float(np.log1p(np.exp(p @ np.arange(1, p.size + 1) / p.size)) + 0.5 * p @ p + p[0] * p[-1] ** 3)",
    "f(p) = softplus(moyenne pondérée de p) + ‖p‖²/2 + p₀p₋₁³",
)
# a matrix theta, as at TD 4: the result must keep its shape
MATRIX = Code(
    "lambda W: float(np.sum(np.tanh(W) * W[::-1]) + W[0, 0] * np.sum(W ** 2))",
    "f(W) = Σ tanh(W)·W (lignes inversées) + W₀₀·‖W‖²",
)


def check_forward_difference(student, seed):
    rng = np.random.default_rng(seed)
    # Steps from 1e-4 to 1e-2: the formula's error (of order h) then dwarfs the rounding, so that a
    # centred difference, or a step of 2h, shows.
    cases = [
        Case("θ = (w1, w2, x, y), h par défaut", (LOSS_OF_THETA, rng.normal(0, 1.5, size=4))),
        Case("h = 1e-2", (PRODUCT_CHAIN, rng.normal(size=int(rng.integers(3, 6))), 1e-2)),
        Case("h = 1e-3", (SOFTPLUS_QUADRATIC, rng.normal(size=int(rng.integers(2, 7))), 1e-3)),
        Case("θ matrice (2, 3), h = 1e-2", (MATRIX, rng.normal(size=(2, 3)), 1e-2)),
        Case("une seule variable, h = 1e-4", (SOFTPLUS_QUADRATIC, rng.normal(size=1), 1e-4)),
    ]
    return check_against_reference(
        student,
        ref.forward_difference,
        cases,
        name="forward_difference",
        arg_names=["f", "theta", "h"],
        mistakes=MISTAKES["forward_difference"],
        rtol=1e-6,
        atol=1e-8,
    )
