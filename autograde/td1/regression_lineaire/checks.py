"""Hidden-test checks of TD 1, notebook 2 (linear regression)."""

import numpy as np

from ...checking import Case, Verdict, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES


def _data(rng, n):
    x = rng.uniform(-3, 3, size=n)
    return x, rng.normal(1.5, 1.0) * x + rng.normal() + rng.normal(0, 0.5, size=n)


# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    "train": {
        "predict": ref.predict,
        "loss": ref.loss,
        "gradient": ref.gradient,
        "W_INIT": ref.W_INIT,
        "B_INIT": ref.B_INIT,
    }
}


def check_loss(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n in (1, int(rng.integers(3, 10)), int(rng.integers(50, 200))):
        y = rng.normal(0, 2, size=n)
        cases.append(Case(f"n = {n}", (y, y + rng.normal(0, 1, size=n))))
    y = rng.normal(size=5)
    cases.append(Case("prédiction parfaite", (y, y.copy())))
    return check_against_reference(
        student, ref.loss, cases, name="loss", arg_names=["y", "y_hat"], mistakes=MISTAKES["loss"]
    )


def check_gradient(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n in (1, int(rng.integers(3, 10)), int(rng.integers(50, 200))):
        x, y = _data(rng, n)
        cases.append(Case(f"n = {n}", (x, ref.predict(x, rng.normal(), rng.normal()), y)))
    return check_against_reference(
        student,
        ref.gradient,
        cases,
        name="gradient",
        arg_names=["x", "y_hat", "y"],
        fields=("dL/dw", "dL/db"),
        mistakes=MISTAKES["gradient"],
    )


def check_train(student, seed):
    """Trajectory after a few epochs against the reference, then the quality of a full training.

    ``train`` runs with the reference ``predict``/``loss``/``gradient`` and starting point, so a
    mistake in the student's ``gradient`` costs the gradient's points, not train's as well.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for epochs, eta in ((1, 0.01), (int(rng.integers(3, 8)), 0.05), (int(rng.integers(20, 60)), 0.001)):
        x, y = _data(rng, int(rng.integers(10, 60)))
        cases.append(Case(f"depuis w = {ref.W_INIT}, b = {ref.B_INIT}", (x, y, eta, epochs)))
    verdict = check_against_reference(
        student,
        ref.train,
        cases,
        name="train",
        arg_names=["x", "y", "eta", "epochs"],
        fields=("le w final", "le b final", "losses (la perte de chaque époque)"),
        mistakes=MISTAKES["train"],
        helpers=ISOLATED["train"],
    )
    if not verdict.passed:
        return verdict
    # Quality: with the sheet's η and number of epochs, the line must reach the least-squares fit.
    x, y = ref.make_data(n=80, seed=int(rng.integers(1_000_000)))
    w, b, _ = student.using(helpers=ISOLATED["train"])(x, y, ref.ETA, ref.EPOCHS)
    slope, intercept = np.polyfit(x, y, 1)
    if not (
        abs(float(w) - slope) < 1e-2 * (1 + abs(slope)) and abs(float(b) - intercept) < 1e-2 * (1 + abs(intercept))
    ):
        return Verdict(
            False,
            f"`train` : après {ref.EPOCHS} époques avec η = {ref.ETA}, la droite obtenue "
            f"(w = {float(w):.4f}, b = {float(b):.4f}) est loin de la droite des moindres carrés "
            f"(w = {slope:.4f}, b = {intercept:.4f}).",
        )
    return Verdict(
        True,
        verdict.message + f" Entraînement complet : w = {float(w):.4f}, b = {float(b):.4f}, égal aux moindres carrés.",
    )
