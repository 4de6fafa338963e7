"""Hidden-test checks of TD 8, notebook 2 (soft thresholding, and full-batch descent with L1 or L2)."""

from dataclasses import replace

import numpy as np

from ...checking import Case, ConvertedStudent, StudentRaised, Verdict, as_student, check_against_reference
from ..optimiseurs.checks import _history_as_arrays
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {"fit_penalized": {"soft_threshold": ref.soft_threshold}}


def check_soft_threshold(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for shape in ((1, 1), (3, 2), (int(rng.integers(5, 12)), int(rng.integers(2, 8)))):
        W = rng.normal(0, 1, size=shape)
        W[rng.random(size=shape) < 0.2] = 0.0
        cases.append(Case(f"W de forme {shape}", (W, float(rng.uniform(0.2, 0.8)))))
    # Exactly on the threshold (0 either way), and a bias vector: any shape.
    t = 0.5
    cases.append(Case("valeurs à ±t", (np.array([[t, -t, 2 * t], [-2 * t, 0.1, -0.1]]), t)))
    cases.append(Case("un vecteur", (rng.normal(0, 1, size=int(rng.integers(4, 9))), float(rng.uniform(0.1, 0.5)))))
    cases.append(Case("t = 0", (rng.normal(size=(3, 3)), 0.0)))
    return check_against_reference(
        student,
        ref.soft_threshold,
        cases,
        name="soft_threshold",
        arg_names=["W", "t"],
        mistakes=MISTAKES["soft_threshold"],
    )


def _problem(rng, n, d=4, k=3):
    def data(count):
        X = rng.normal(size=(count, d))
        labels = (X @ rng.normal(size=(d, k))).argmax(axis=1)
        labels[:k] = np.arange(k)
        return X, ref.one_hot(labels, k)

    X, Y = data(n)
    X_val, Y_val = data(int(rng.integers(5, 9)))
    return X, Y, X_val, Y_val, rng.normal(0, 0.3, size=(d, k)), rng.normal(0, 0.3, size=k)


def _shape_problem(answer):
    expected = 'le triplet (W, b, history), où history = {"train_loss": [...], "val_loss": [...]}'
    if not (isinstance(answer, tuple) and len(answer) == 3):
        return f"`fit_penalized` doit renvoyer {expected}"
    if not isinstance(answer[2], dict) or set(answer[2]) != {"train_loss", "val_loss"}:
        return f"`fit_penalized` doit renvoyer {expected} ; le 3e élément n'est pas un tel dictionnaire"
    return None


def _as_arrays(answer):
    """(W, b, history) with the history as a pair of arrays (see optimiseurs.checks)."""
    if isinstance(answer, tuple) and len(answer) == 3:
        params, curves = _history_as_arrays(((answer[0], answer[1]), answer[2]))
        return (*params, curves) if isinstance(curves, tuple) else answer
    return answer


def _converted(function):
    def converted(*args):
        return _as_arrays(function(*args))

    return converted


def check_fit_penalized(student, seed):
    """W, b and the history after a few full-batch steps on small problems, with the reference
    soft_threshold (its mistakes cost its own cell) and the notebook's given softmax, gradient, cross_entropy."""
    rng = np.random.default_rng(seed)
    cases = [
        # λ large enough that some weights end at 0 (L1) and the penalty shows in every history.
        Case("L1", (*_problem(rng, int(rng.integers(10, 15))), "L1", float(rng.uniform(0.1, 0.3)), 0.5, 3)),
        Case("L2", (*_problem(rng, int(rng.integers(10, 15))), "L2", float(rng.uniform(0.2, 0.5)), 0.5, 3)),
        Case("L1, petit pas", (*_problem(rng, int(rng.integers(10, 15))), "L1", float(rng.uniform(0.5, 1.0)), 0.1, 4)),
        Case("L1, λ = 0", (*_problem(rng, int(rng.integers(10, 15))), "L1", 0.0, 0.5, 2)),
    ]
    student = as_student(student)
    if student.callable:
        try:
            problem = _shape_problem(student.using(helpers=ISOLATED["fit_penalized"])(*cases[0].args))
        except StudentRaised:
            problem = None  # check_against_reference says what was raised
        if problem:
            return Verdict(False, problem + ".")
        student = ConvertedStudent.of(student, _as_arrays)
    mistakes = [replace(mistake, compute=_converted(mistake.compute)) for mistake in MISTAKES["fit_penalized"]]
    return check_against_reference(
        student,
        _converted(ref.fit_penalized),
        cases,
        name="fit_penalized",
        arg_names=["X", "Y", "X_val", "Y_val", "W", "b", "penalty", "lam", "eta", "epochs"],
        fields=("W appris", "b appris", ("history", ('history["train_loss"]', 'history["val_loss"]'))),
        mistakes=mistakes,
        helpers=ISOLATED["fit_penalized"],
    )
