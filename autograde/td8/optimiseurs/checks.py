"""Hidden-test checks of TD 8, notebook 1 (optimizers)."""

import numpy as np

from ...checking import Case, Code, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {"optimize": {"sgd_momentum_step": ref.sgd_momentum_step, "adam_step": ref.adam_step}}


def check_sgd_momentum_step(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for d in (1, 2, int(rng.integers(3, 8))):
        theta, grad, velocity = rng.normal(0, 2, size=d), rng.normal(0, 2, size=d), rng.normal(0, 1, size=d)
        cases.append(
            Case(f"D = {d}", (theta, grad, velocity, float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.95))))
        )
    d = int(rng.integers(2, 6))
    cases.append(Case("premier pas, vitesse nulle", (rng.normal(size=d), rng.normal(size=d), np.zeros(d), 0.1, 0.9)))
    return check_against_reference(
        student,
        ref.sgd_momentum_step,
        cases,
        name="sgd_momentum_step",
        arg_names=["theta", "grad", "velocity", "eta", "beta"],
        fields=("la nouvelle position θ", "la nouvelle vitesse v"),
        mistakes=MISTAKES["sgd_momentum_step"],
    )


def check_adam_step(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    d = int(rng.integers(2, 6))
    cases.append(
        Case(
            "premier pas, moments nuls",
            (rng.normal(size=d), rng.normal(size=d), np.zeros(d), np.zeros(d), 1, 0.1, 0.9, 0.999, 1e-8),
        )
    )
    for d, t in ((1, int(rng.integers(2, 5))), (3, int(rng.integers(5, 30))), (int(rng.integers(4, 8)), 2)):
        # A large ε, so that its place (under the root or after it) changes the result.
        cases.append(
            Case(
                f"D = {d}",
                (
                    rng.normal(0, 2, size=d),
                    rng.normal(0, 2, size=d),
                    rng.normal(0, 0.5, size=d),
                    rng.uniform(0.1, 1.0, size=d),
                    t,
                    float(rng.uniform(0.01, 0.3)),
                    float(rng.uniform(0.5, 0.9)),
                    float(rng.uniform(0.9, 0.99)),
                    float(rng.uniform(0.05, 0.5)),
                ),
            )
        )
    return check_against_reference(
        student,
        ref.adam_step,
        cases,
        name="adam_step",
        arg_names=["theta", "grad", "m", "v", "t", "eta", "beta1", "beta2", "eps"],
        fields=("la nouvelle position θ", "le moment m", "le moment v"),
        mistakes=MISTAKES["adam_step"],
    )


def check_step_decay(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(2):
        every = int(rng.integers(2, 6))
        eta0, drop = float(rng.uniform(0.05, 1.0)), float(rng.uniform(0.2, 0.8))
        for where, epoch in (
            ("première époque", 0),
            ("dernière époque du premier palier", every - 1),
            ("première époque du deuxième palier", every),
            ("plus loin", int(rng.integers(2 * every + 1, 6 * every))),
        ):
            cases.append(Case(where, (eta0, epoch, drop, every)))
    return check_against_reference(
        student,
        ref.step_decay,
        cases,
        name="step_decay",
        arg_names=["eta0", "epoch", "drop", "every"],
        mistakes=MISTAKES["step_decay"],
    )


def check_optimize(student, seed):
    """The path of each method on a quadratic bowl and on TD 2's quartic, with the reference steps
    (a mistake in ``sgd_momentum_step`` or ``adam_step`` costs their own points, not these)."""
    rng = np.random.default_rng(seed)
    curvatures = rng.uniform(0.5, 5.0, size=2)
    bowl = Code("lambda theta: h * theta", "(θ ↦ h·θ)", h=curvatures)
    quartic = Code("lambda w: w**3 - 4.5 * w**2 - 2.5 * w + 6", "(w ↦ w³ − 4,5w² − 2,5w + 6)")
    cases = [
        Case("descente simple, cuvette", (bowl, rng.normal(0, 2, size=2), "sgd", int(rng.integers(3, 8)), 0.1)),
        # The sheet has theta0 copied as floats: a copy that keeps integers cannot take a step in place.
        Case(
            "descente simple, cuvette, θ₀ en entiers",
            (bowl, rng.integers(-3, 4, size=2) | 1, "sgd", int(rng.integers(3, 8)), 0.1),
        ),
        Case(
            "momentum, cuvette",
            (bowl, rng.normal(0, 2, size=2), "momentum", int(rng.integers(4, 10)), 0.05, float(rng.uniform(0.5, 0.8))),
        ),
        # β₂ far from its default (a path that ignores it drifts away), then a large ε (one that ignores it
        # takes steps of η at once).
        Case(
            "Adam, cuvette",
            (
                bowl,
                rng.normal(0, 2, size=2),
                "adam",
                int(rng.integers(6, 12)),
                0.1,
                float(rng.uniform(0.6, 0.8)),
                float(rng.uniform(0.5, 0.8)),
                1e-6,
            ),
        ),
        Case(
            "Adam, cuvette, grand ε",
            (
                bowl,
                rng.normal(0, 2, size=2),
                "adam",
                int(rng.integers(4, 10)),
                0.1,
                0.9,
                0.999,
                float(rng.uniform(0.2, 1.0)),
            ),
        ),
        # The defaults (β = 0,9, β₂ = 0,999, ε = 1e-8) are those of the signature: these cases omit them.
        Case(
            "momentum, quartique du TD 2, β par défaut",
            (quartic, np.array([float(rng.uniform(-2.5, -1.5))]), "momentum", int(rng.integers(5, 15)), 0.01),
        ),
        # A coordinate at the minimum has a zero gradient: without ε, Adam divides 0 by 0 there.
        Case(
            "Adam, cuvette, β, β₂ et ε par défaut, une coordonnée déjà au minimum",
            (bowl, np.array([float(rng.uniform(1, 3)), 0.0]), "adam", int(rng.integers(20, 40)), 0.1),
        ),
        Case(
            "Adam, quartique du TD 2, β, β₂ et ε par défaut",
            (quartic, np.array([float(rng.uniform(-2.5, -1.5))]), "adam", int(rng.integers(5, 15)), 0.1),
        ),
        Case("zéro pas", (bowl, rng.normal(size=2), "momentum", 0, 0.1, 0.9)),
    ]
    return check_against_reference(
        student,
        ref.optimize,
        cases,
        name="optimize",
        arg_names=["grad_f", "theta0", "method", "n_steps", "eta", "beta", "beta2", "eps"],
        mistakes=MISTAKES["optimize"],
        helpers=ISOLATED["optimize"],
    )
