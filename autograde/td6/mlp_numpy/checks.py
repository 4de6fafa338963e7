"""Hidden-test checks of TD 6, notebook 1 (multilayer perceptron in numpy, early stopping)."""

from dataclasses import replace

import numpy as np

from ...checking import Case, ConvertedStudent, Verdict, accuracy_verdict, as_student, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    "train": {
        "forward": ref.forward,
        "backward": ref.backward,
        "loss": ref.loss,
        "cross_entropy": ref.cross_entropy,
        "relu": ref.relu,
        "softmax": ref.softmax,
        "one_hot": ref.one_hot,
    },
}


PARAMS = ("W1", "b1", "W2", "b2")


def _params(rng, d, h, k, scale=1.0):
    """Random parameters with non-zero biases (so that a bias mistake shows)."""
    return (
        rng.normal(0, 1 / np.sqrt(d), size=(d, h)),
        rng.normal(0, 0.5, size=h),
        scale * rng.normal(0, 1 / np.sqrt(h), size=(h, k)),
        rng.normal(0, 0.5, size=k),
    )


def _classification(rng, n, d, k):
    """X: (n, d) Gaussian, Y: (n, k) one-hot labels of a random linear rule (with every class present when n ≥ k)."""
    X = rng.normal(size=(n, d))
    labels = (X @ rng.normal(size=(d, k))).argmax(axis=1)
    if n >= k:
        labels[:k] = np.arange(k)
    return X, ref.one_hot(labels, k)


def check_forward(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    d, h, k = 3, 4, 3
    cases.append(Case("un seul exemple", (rng.normal(size=(1, d)), _params(rng, d, h, k))))
    for _ in range(2):
        n, d, h, k = int(rng.integers(5, 12)), int(rng.integers(4, 8)), int(rng.integers(5, 9)), 4
        cases.append(Case("un mini-lot", (rng.normal(size=(n, d)), _params(rng, d, h, k))))
    # As many classes as hidden units and as inputs: a transposed convention gives arrays of the right shape.
    n = int(rng.integers(3, 8))
    cases.append(Case("D = H = K", (rng.normal(size=(n, 4)), _params(rng, 4, 4, 4))))
    return check_against_reference(
        student,
        ref.forward,
        cases,
        name="forward",
        arg_names=["X", "params"],
        mistakes=MISTAKES["forward"],
        fields=("P", ("le cache", ("le cache Z1", "le cache A1"))),
    )


def check_backward(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n in (1, int(rng.integers(5, 15)), int(rng.integers(20, 50))):
        d, h, k = int(rng.integers(2, 6)), int(rng.integers(4, 9)), 3
        X, Y = _classification(rng, n, d, k)
        params = _params(rng, d, h, k)
        P, cache = ref.forward(X, params)
        cases.append(Case("un seul exemple" if n == 1 else "un mini-lot", (X, Y, params, P, cache)))
    # A row of X at 0 and biases at 0 make Z1 exactly 0 there, where the notebook takes ReLU's derivative as 0.
    n, d, h, k = 8, 3, 5, 3
    X, Y = _classification(rng, n, d, k)
    X[2] = 0.0
    W1, b1, W2, b2 = _params(rng, d, h, k)
    b1[::2] = 0.0
    params = (W1, b1, W2, b2)
    cases.append(Case("Z1 = 0 en quelques points", (X, Y, params, *ref.forward(X, params))))
    return check_against_reference(
        student,
        ref.backward,
        cases,
        name="backward",
        arg_names=["X", "Y", "params", "P", "cache"],
        fields=("dW1", "db1", "dW2", "db2"),
        mistakes=MISTAKES["backward"],
    )


QUALITY = {"hidden": 32, "eta": 0.1, "epochs": 10, "batch_size": 32}
HISTORY_KEYS = ("train_loss", "val_loss")


def _history_as_arrays(answer):
    """``(params, history)`` with the history's two lists as arrays, so that they compare entry by entry
    (``history["train_loss"]`` in messages); any other answer as it is."""
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], dict):
        history = answer[1]
        if set(history) == set(HISTORY_KEYS):
            curves = []
            for key in HISTORY_KEYS:
                try:
                    curves.append(np.asarray(history[key], dtype=float))
                except (TypeError, ValueError):
                    curves.append(history[key])
            return answer[0], tuple(curves)
    return answer


def _converted(function):
    def converted(*args):
        return _history_as_arrays(function(*args))

    return converted


def _shape_problem(answer):
    """A French sentence when ``answer`` is not ``(params, history)`` with the history's two keys, else None."""
    expected = 'le couple (params, history), où history = {"train_loss": [...], "val_loss": [...]}'
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return f"`train` doit renvoyer {expected}"
    if not isinstance(answer[1], dict):
        return f"`train` doit renvoyer {expected} ; le 2e élément n'est pas un dictionnaire"
    if set(answer[1]) != set(HISTORY_KEYS):
        keys = ", ".join(repr(key) for key in answer[1]) or "aucune"
        return f"`train` doit renvoyer {expected} ; les clés de history sont {keys}"
    return None


def _bound(function):
    """``function`` with the reference helpers (how the student's train is run) and the history as arrays."""
    from ...kernel_side import with_helpers

    return _converted(with_helpers(function, ISOLATED["train"]))


def check_train(student, seed):
    """Trajectory and per-epoch history on small synthetic problems against the reference, then the
    test accuracy of a full training on sklearn's load_digits; run with the reference forward, backward
    and loss, so that only train's own mistakes cost train's points."""
    from ...checking import StudentRaised

    rng = np.random.default_rng(seed)
    cases = []
    for n, epochs, batch_size in (
        (int(rng.integers(11, 19)), 1, 4),
        (int(rng.integers(25, 40)) * 2 + 1, int(rng.integers(3, 5)), 8),
        (int(rng.integers(20, 30)) * 3 + 1, 2, 6),
    ):
        d, h, k = int(rng.integers(3, 6)), int(rng.integers(4, 8)), 3
        X, Y = _classification(rng, n, d, k)
        X_val, Y_val = _classification(rng, int(rng.integers(5, 12)), d, k)
        params = _params(rng, d, h, k)
        eta = float(rng.choice([0.05, 0.1, 0.5]))
        cases.append(
            Case("petit problème", (X, Y, X_val, Y_val, params, eta, epochs, batch_size, int(rng.integers(1000))))
        )
    extra = np.random.default_rng([seed, 1])  # its own draws: the cases above and the quality run keep theirs
    X, Y = _classification(extra, 21, 4, 3)
    X_val, Y_val = _classification(extra, 7, 4, 3)
    cases.append(Case("seed omis (0 par défaut)", (X, Y, X_val, Y_val, _params(extra, 4, 5, 3), 0.1, 2, 5)))
    student = as_student(student)
    if student.callable:
        try:
            problem = _shape_problem(student.using(helpers=ISOLATED["train"])(*cases[0].args))
        except StudentRaised:
            problem = None  # check_against_reference says what was raised
        if problem:
            return Verdict(False, problem + ".")
        student = ConvertedStudent.of(student.using(helpers=ISOLATED["train"]), _history_as_arrays)
    mistakes = [replace(mistake, compute=_bound(mistake.compute)) for mistake in MISTAKES["train"]]
    verdict = check_against_reference(
        student,
        _bound(ref.train),
        cases,
        name="train",
        arg_names=["X", "Y", "X_val", "Y_val", "params", "eta", "epochs", "batch_size", "seed"],
        fields=(
            ("les paramètres appris", ("W1 appris", "b1 appris", "W2 appris", "b2 appris")),
            ("history", ('history["train_loss"]', 'history["val_loss"]')),
        ),
        mistakes=mistakes,
    )
    if not verdict.passed:
        return verdict
    X_train, X_test, y_train, y_test = ref.digits_data(seed=int(rng.integers(1000)))
    Y_train, Y_test = ref.one_hot(y_train, 10), ref.one_hot(y_test, 10)
    start = ref.init_params(64, QUALITY["hidden"], 10, 0)
    args = (X_train, Y_train, X_test, Y_test, start, QUALITY["eta"], QUALITY["epochs"], QUALITY["batch_size"], 0)
    params, _ = student(*args)
    params_ref, _ = ref.train(*args)
    try:
        acc = ref.accuracy(y_test, ref.predict(X_test, tuple(np.asarray(p, dtype=float) for p in params)))
    except Exception:  # noqa: BLE001 - parameters of the wrong shape: no accuracy
        acc = 0.0
    acc_ref = ref.accuracy(y_test, ref.predict(X_test, params_ref))
    where = (
        f"sur load_digits (couche cachée de {QUALITY['hidden']}, η = {QUALITY['eta']}, {QUALITY['epochs']} "
        f"époques, mini-lots de {QUALITY['batch_size']})"
    )
    return accuracy_verdict(verdict, acc, acc_ref, where)


def _noisy_curve(rng, n):
    """A validation curve as training gives it: a decreasing trend, noise, then a slow rise (n numbers)."""
    epochs = np.arange(n)
    trend = 0.2 + 1.5 * np.exp(-epochs / rng.uniform(2, 6)) + rng.uniform(0.0, 0.01) * epochs
    return [round(float(v), 4) for v in trend + rng.normal(0, 0.02, size=n)]


def _worse(rng, best, size, low=0.01, high=0.2):
    """``size`` losses above ``best`` (none of them an improvement on it)."""
    return [round(best + float(v), 3) for v in rng.uniform(low, high, size=size)]


def _bumpy_descent(rng, n_bumps, best):
    """A descent to just above ``best`` in which ``n_bumps`` epochs do not improve on the best so far."""
    losses = [round(best + float(rng.uniform(0.8, 1.2)), 3)]
    for _ in range(n_bumps):
        lower = round(losses[-1] - float(rng.uniform(0.05, 0.15)), 3)
        losses += [round(losses[-1] + float(rng.uniform(0.01, 0.1)), 3), max(lower, round(best + 0.02, 3))]
    return losses


def _early_stopping_cases(rng):
    """Plain lists of validation losses (one per epoch) and patiences, each case built to tell a
    mistake from the right answer: equal minima, a loss that goes down again without beating the best,
    epochs without progress BEFORE the best (a counter of epochs without progress that is not set back to
    0 at the best counts them), the epoch just before the patience runs out and the one it runs out."""
    built = [("une seule époque", [round(float(rng.uniform(0.5, 2.0)), 3)], 1)]
    n = int(rng.integers(4, 9))
    built.append(
        (
            "une perte qui baisse à chaque époque",
            [round(float(v), 3) for v in np.sort(rng.uniform(0.1, 2.0, size=n))[::-1]],
            int(rng.integers(2, n)),
        )
    )
    # Equal minima: the first one is the best, and the patience has run out since it, not since the second.
    patience = int(rng.integers(3, 6))
    best = round(float(rng.uniform(0.2, 0.5)), 3)
    before = [round(best + float(v), 3) for v in np.sort(rng.uniform(0.1, 1.0, size=2))[::-1]]
    after = _worse(rng, best, patience)
    after[patience - 2] = best  # the second minimum, at least two epochs after the first
    built.append(("deux fois la même plus petite perte", before + [best] + after, patience))
    # Up, then down again but not below the best: no progress for the patience's epochs.
    patience = int(rng.integers(3, 6))
    best = round(float(rng.uniform(0.2, 0.5)), 3)
    rising = [round(best + 0.05 * (k + 1) + float(rng.uniform(0, 0.02)), 3) for k in range(patience - 1)]
    built.append(
        (
            "la perte remonte, puis redescend sans battre le minimum",
            [round(best + 0.5, 3), best] + rising + [round(best + 0.01, 3)],
            patience,
        )
    )
    # Epochs without progress before the best, as many as the patience or more, then fewer than the
    # patience after it: training goes on. Then the same with exactly the patience after it: it stops.
    for after_best in ("fewer", "exactly"):
        patience = int(rng.integers(2, 5))
        best = round(float(rng.uniform(0.2, 0.5)), 3)
        descent = _bumpy_descent(rng, int(rng.integers(patience, patience + 3)), best)
        n_after = int(rng.integers(1, patience)) if after_best == "fewer" else patience
        label = (
            "des époques sans progrès avant le minimum, moins de `patience` après"
            if after_best == "fewer"
            else "des époques sans progrès avant le minimum, `patience` après"
        )
        built.append((label, descent + [best] + _worse(rng, best, n_after), patience))
    # The patience is one epoch from running out.
    patience = int(rng.integers(2, 6))
    best = round(float(rng.uniform(0.2, 0.5)), 3)
    built.append(
        (
            "une époque avant la fin de la patience",
            [round(best + 0.3, 3), round(best + 0.1, 3), best] + _worse(rng, best, patience - 1, high=0.1),
            patience,
        )
    )
    # The first epoch is the best, and exactly the patience's epochs follow it: stop.
    patience = int(rng.integers(2, 5))
    best = round(float(rng.uniform(0.2, 0.5)), 3)
    built.append(
        ("le minimum dès la première époque, puis `patience` époques", [best] + _worse(rng, best, patience), patience)
    )
    for _ in range(2):
        built.append(
            ("une courbe de validation", _noisy_curve(rng, int(rng.integers(10, 30))), int(rng.integers(2, 7)))
        )
    return [
        Case(
            f"{label} : val_losses = [{', '.join(f'{v:g}' for v in losses)}], patience = {patience}", (losses, patience)
        )
        for label, losses, patience in built
    ]


def check_early_stopping(student, seed):
    rng = np.random.default_rng(seed)
    return check_against_reference(
        student,
        ref.early_stopping,
        _early_stopping_cases(rng),
        name="early_stopping",
        mistakes=MISTAKES["early_stopping"],
        fields=("best_epoch", "stop"),
    )
