"""Hidden-test checks of TD 1, notebook 3 (logistic regression)."""

import numpy as np

from ...checking import Case, accuracy_verdict, check_against_reference
from ..neurone import solution as neurone
from . import solution as ref
from .mistakes import MISTAKES


def _data(rng, n, d):
    x = rng.normal(size=(n, d))
    y = (x @ rng.normal(size=d) + 0.3 * rng.normal(size=n) > 0).astype(float)
    return x, y


# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    # The student's neuron and sigmoid, copied from notebook 1, are graded there.
    "predict_proba": {"neuron": neurone.neuron, "sigmoid": ref.sigmoid},
    "train": {"predict_proba": ref.predict_proba, "loss": ref.loss, "gradient": ref.gradient, "sigmoid": ref.sigmoid},
    "predict": {"predict_proba": ref.predict_proba, "sigmoid": ref.sigmoid},
}


def check_predict_proba(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in ((1, 2), (int(rng.integers(3, 10)), 2), (int(rng.integers(20, 60)), int(rng.integers(3, 6)))):
        x, _ = _data(rng, n, d)
        # |b| ≥ 1, so that a forgotten bias moves every output well beyond the tolerance.
        b = float(rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 2.0))
        cases.append(Case(f"N = {n}, D = {d}", (x, rng.normal(size=d), b)))
    return check_against_reference(
        student,
        ref.predict_proba,
        cases,
        name="predict_proba",
        arg_names=["X", "w", "b"],
        mistakes=MISTAKES["predict_proba"],
        helpers=ISOLATED["predict_proba"],
    )


def check_loss(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n in (1, int(rng.integers(3, 10)), int(rng.integers(50, 200))):
        cases.append(Case(f"n = {n}", (rng.integers(0, 2, size=n).astype(float), rng.uniform(0.05, 0.95, size=n))))
    # Confident and right: ŷ is exactly the label, the loss is ~0 and must not be nan.
    y = np.array([0.0, 1.0, 1.0, 0.0])
    cases.append(Case("ŷ vaut exactement 0 ou 1", (y, y.copy())))
    return check_against_reference(
        student, ref.loss, cases, name="loss", arg_names=["y", "y_hat"], mistakes=MISTAKES["loss"], atol=1e-8
    )


def check_gradient(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in ((1, 2), (int(rng.integers(3, 10)), 2), (int(rng.integers(50, 200)), int(rng.integers(3, 6)))):
        x, y = _data(rng, n, d)
        cases.append(Case(f"n = {n}, D = {d}", (x, ref.predict_proba(x, rng.normal(size=d), rng.normal()), y)))
    return check_against_reference(
        student,
        ref.gradient,
        cases,
        name="gradient",
        arg_names=["X", "y_hat", "y"],
        fields=("dL/dw", "dL/db"),
        mistakes=MISTAKES["gradient"],
    )


def check_train(student, seed):
    """Trajectory after a few epochs, then test accuracy of a full training; run with the reference
    helpers so that only train's own mistakes cost train's points."""
    rng = np.random.default_rng(seed)
    cases = []
    for epochs, eta in ((1, 0.1), (int(rng.integers(3, 8)), 0.5), (int(rng.integers(20, 60)), 0.1)):
        n, d = int(rng.integers(10, 60)), int(rng.integers(2, 4))
        cases.append(Case("depuis w = 0, b = 0", (*_data(rng, n, d), eta, epochs)))
    verdict = check_against_reference(
        student,
        ref.train,
        cases,
        name="train",
        arg_names=["X", "y", "eta", "epochs"],
        fields=("le w final", "le b final", "losses (la perte de chaque époque)"),
        mistakes=MISTAKES["train"],
        helpers=ISOLATED["train"],
    )
    if not verdict.passed:
        return verdict
    x_train, x_test, y_train, y_test = ref.make_data(seed=int(rng.integers(1_000_000)))
    w, b, _ = student.using(helpers=ISOLATED["train"])(x_train, y_train, ref.ETA, ref.EPOCHS)
    w_ref, b_ref, _ = ref.train(x_train, y_train, ref.ETA, ref.EPOCHS)
    acc = ref.accuracy(y_test, ref.predict(x_test, np.asarray(w, dtype=float), float(b)))
    acc_ref = ref.accuracy(y_test, ref.predict(x_test, w_ref, b_ref))
    return accuracy_verdict(verdict, acc, acc_ref, f"après {ref.EPOCHS} époques avec η = {ref.ETA}")


def check_predict(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in ((1, 2), (int(rng.integers(5, 30)), 2), (int(rng.integers(30, 100)), 3)):
        x, _ = _data(rng, n, d)
        cases.append(Case(f"n = {n}, D = {d}", (x, rng.normal(size=d), float(rng.normal()))))
    # Examples on the boundary: x = 0 and b = 0 give ŷ = 0,5 exactly, which the sheet classes as 1.
    x, _ = _data(rng, 6, 2)
    x[::2] = 0.0
    cases.append(Case("trois exemples sur la frontière (ŷ = 0,5 exactement)", (x, rng.normal(size=2), 0.0)))
    return check_against_reference(
        student,
        ref.predict,
        cases,
        name="predict",
        arg_names=["X", "w", "b"],
        mistakes=MISTAKES["predict"],
        helpers=ISOLATED["predict"],
    )
