"""Hidden-test checks of TD 2, notebook 2 (mini-batch gradient descent)."""

import math

import numpy as np

from ...checking import Case, Verdict, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES


def _data(rng, n, d=None):
    x = rng.uniform(-3, 3, size=n if d is None else (n, d))
    line = x if d is None else x @ rng.normal(size=d)
    return x, rng.normal(1.5, 1.0) * line + rng.normal() + rng.normal(0, 0.5, size=n)


def _batch_names(case):
    """The names of a case's batches in messages: « le lot n°2 », holding « x_lot du lot n°2 » and
    « y_lot du lot n°2 »."""
    x, _, batch_size, _ = case.args
    return [
        (f"le lot n°{k}", (f"x_lot du lot n°{k}", f"y_lot du lot n°{k}"))
        for k in range(1, math.ceil(len(x) / batch_size) + 1)
    ]


def check_iterate_minibatches(student, seed):
    """Batches of one epoch for a generator seeded like the case says: order, sizes, pairs (xᵢ, yᵢ).
    The function may return a list or be a generator, and a batch may be a tuple or a list."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, batch_size, d in (
        (10, 4, None),
        (int(rng.integers(20, 40)), int(rng.integers(3, 8)), None),
        (12, 3, None),
        (5, 8, None),
        (int(rng.integers(5, 9)), 1, None),
        (int(rng.integers(7, 15)), 3, 2),
    ):
        if batch_size not in (1, 3) and n % batch_size == 0:
            n += 1  # the random case always ends with an incomplete batch
        x, y = _data(rng, n, d)
        seed_case = int(rng.integers(1000))
        shape = f"x de forme {x.shape}"
        cases.append(
            Case(
                f"{shape}, batch_size = {batch_size} → {math.ceil(n / batch_size)} lot(s) (x_lot, y_lot), "
                f"rng = np.random.default_rng({seed_case})",
                (x, y, batch_size, np.random.default_rng(seed_case)),
            )
        )
    return check_against_reference(
        student,
        ref.iterate_minibatches,
        cases,
        name="iterate_minibatches",
        arg_names=["x", "y", "batch_size"],
        fields=_batch_names,
        mistakes=MISTAKES["iterate_minibatches"],
        driver="batches",
    )


# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    "train_minibatch": {
        "predict": ref.predict,
        "loss": ref.loss,
        "gradient": ref.gradient,
        "iterate_minibatches": ref.iterate_minibatches,
        "W_INIT": ref.W_INIT,
        "B_INIT": ref.B_INIT,
        "SHUFFLE_SEED": ref.SHUFFLE_SEED,
    }
}


def check_train_minibatch(student, seed):
    """Trajectory (w, b, losses) after a few epochs against the reference, then the quality of the
    notebook's training; run with the reference helpers so only train_minibatch's own mistakes count."""
    rng = np.random.default_rng(seed)
    cases = []
    for epochs, eta, n, batch_size in (
        (1, 0.05, int(rng.integers(20, 40)), 8),
        (int(rng.integers(3, 7)), 0.1, int(rng.integers(25, 45)), int(rng.integers(5, 11))),
        (int(rng.integers(8, 15)), 0.02, int(rng.integers(30, 60)), 1),
        (5, 0.1, 20, 20),
    ):
        x, y = _data(rng, n)
        cases.append(
            Case(
                f"depuis w = {ref.W_INIT}, b = {ref.B_INIT}, SHUFFLE_SEED = {ref.SHUFFLE_SEED}",
                (x, y, eta, epochs, batch_size),
            )
        )
    verdict = check_against_reference(
        student,
        ref.train_minibatch,
        cases,
        name="train_minibatch",
        arg_names=["x", "y", "eta", "epochs", "batch_size"],
        fields=("le w final", "le b final", "losses (la perte de chaque époque)"),
        mistakes=MISTAKES["train_minibatch"],
        helpers=ISOLATED["train_minibatch"],
    )
    if not verdict.passed:
        return verdict
    # Quality: the notebook's setting (η, epochs, batches of 32) reaches the least-squares loss.
    x, y = ref.make_data(n=100, seed=int(rng.integers(1_000_000)))
    w, b, _ = student.using(helpers=ISOLATED["train_minibatch"])(x, y, ref.ETA, ref.EPOCHS, 32)
    slope, intercept = np.polyfit(x, y, 1)
    best, reached = ref.loss(y, ref.predict(x, slope, intercept)), ref.loss(y, ref.predict(x, float(w), float(b)))
    if not reached <= 1.05 * best:
        return Verdict(
            False,
            f"`train_minibatch` : après {ref.EPOCHS} époques avec η = {ref.ETA} et des lots de 32, "
            f"la perte vaut {reached:.4f}, loin du minimum des moindres carrés ({best:.4f}).",
        )
    return Verdict(
        True, verdict.message + f" Entraînement complet (lots de 32) : perte {reached:.4f}, minimum {best:.4f}."
    )
