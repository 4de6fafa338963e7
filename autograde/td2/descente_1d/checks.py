"""Hidden-test checks of TD 2, notebook 1 (gradient descent in one dimension)."""

import numpy as np

from ...checking import Case, Code, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES


def _polynomial_cases(rng):
    """A number, a vector, a matrix, and the critical points of f."""
    return [
        Case("un nombre", (float(rng.uniform(-3, 7)),)),
        Case("vecteur", (rng.uniform(-3, 7, size=int(rng.integers(3, 9))),)),
        Case("matrice", (rng.uniform(-3, 7, size=(int(rng.integers(2, 4)), int(rng.integers(2, 4)))),)),
        Case("points remarquables", (np.array([ref.W_LOCAL_MIN, 0.0, ref.W_LOCAL_MAX, 2.0, ref.W_GLOBAL_MIN]),)),
    ]


def check_f(student, seed):
    return check_against_reference(
        student,
        ref.f,
        _polynomial_cases(np.random.default_rng(seed)),
        name="f",
        arg_names=["w"],
        mistakes=MISTAKES["f"],
    )


def check_df(student, seed):
    return check_against_reference(
        student,
        ref.df,
        _polynomial_cases(np.random.default_rng(seed)),
        name="df",
        arg_names=["w"],
        mistakes=MISTAKES["df"],
        atol=1e-8,
    )


def _quadratic_derivative(a, c):
    """The derivative a·(w − c) of f(w) = a/2·(w − c)², named by its formula in the messages."""
    shift = f"w − {c:.3g}" if c >= 0 else f"w + {-c:.3g}"
    return Code("lambda w: a * (w - c)", f"(w ↦ {a:.3g}·({shift}))", a=a, c=c)


# Derivatives handed to the student's descent, as code the kernel may see: not the sheet's f' (the
# answer of `df`), but a quartic's as steep, and a sine.
QUARTIC_DERIVATIVE = Code("lambda w: w**3 - 3 * w**2 - w + 3", "(w ↦ w³ − 3w² − w + 3)")
SINE = Code("lambda w: np.sin(w)", "(w ↦ sin w)")


def check_gradient_descent(student, seed):
    """A quartic's derivative (few steps: ignoring η makes it explode), other derivatives (the function
    must use its argument ``df``), and zero steps. Every case stays finite for every catalogued mistake."""
    rng = np.random.default_rng(seed)
    cases = [
        Case(
            "dérivée d'une quartique, 3 pas",
            (QUARTIC_DERIVATIVE, float(rng.uniform(1.5, 3.0)), float(rng.uniform(0.02, 0.06)), 3),
        ),
        Case(
            "dérivée d'une parabole",
            (
                _quadratic_derivative(float(rng.uniform(0.5, 1.5)), float(rng.uniform(-3, 3))),
                float(rng.uniform(-4, 4)),
                float(rng.uniform(0.05, 0.3)),
                int(rng.integers(5, 20)),
            ),
        ),
        Case(
            "dérivée de −cos",
            (SINE, float(rng.uniform(-2.5, 2.5)), float(rng.uniform(0.1, 0.5)), int(rng.integers(10, 40))),
        ),
        Case("zéro pas", (SINE, float(rng.uniform(-2, 2)), 0.1, 0)),
    ]
    return check_against_reference(
        student,
        ref.gradient_descent,
        cases,
        name="gradient_descent",
        arg_names=["df", "w0", "eta", "n_steps"],
        mistakes=MISTAKES["gradient_descent"],
    )
