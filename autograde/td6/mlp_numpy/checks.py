"""Hidden-test checks of TD 6, notebook 1 (multilayer perceptron in numpy, early stopping)."""

import numpy as np

from ...checking import Case, accuracy_verdict, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    "forward": {"dropout": ref.dropout},
    "train": {
        "forward": ref.forward,
        "backward": ref.backward,
        "loss": ref.loss,
        "dropout": ref.dropout,
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


def check_init_params(student, seed):
    rng = np.random.default_rng(seed)
    cases = [
        Case("petite couche", (3, 5, 2, int(rng.integers(1000)))),
        Case("couches moyennes", (int(rng.integers(10, 20)), int(rng.integers(24, 40)), 4, int(rng.integers(1000)))),
        Case("64 → 32 → 10", (64, 32, 10, int(rng.integers(1000)))),
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


def check_forward(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    d, h, k = 3, 4, 3
    cases.append(Case("un seul exemple, sans dropout", (rng.normal(size=(1, d)), _params(rng, d, h, k), 0.0, None)))
    n, d, h, k = int(rng.integers(5, 12)), int(rng.integers(4, 8)), int(rng.integers(5, 9)), 4
    cases.append(Case("sans dropout", (rng.normal(size=(n, d)), _params(rng, d, h, k), 0.0, None)))
    n = int(rng.integers(5, 12))
    cases.append(
        Case(
            "entraînement avec dropout",
            (rng.normal(size=(n, d)), _params(rng, d, h, k), 0.5, np.random.default_rng(int(rng.integers(1_000_000)))),
        )
    )
    n = int(rng.integers(3, 8))
    cases.append(
        Case("logits de l'ordre de 1000", (rng.normal(size=(n, d)), _params(rng, d, h, k, scale=800.0), 0.0, None))
    )
    n = int(rng.integers(3, 8))
    cases.append(Case("p_drop et rng omis (test, pas de dropout)", (rng.normal(size=(n, d)), _params(rng, d, h, k))))
    # Prediction with the training's p_drop: no generator, so no dropout (the mask is 1 everywhere).
    n = int(rng.integers(3, 8))
    cases.append(
        Case("prédiction : p_drop = 0,5 mais pas de rng", (rng.normal(size=(n, d)), _params(rng, d, h, k), 0.5, None))
    )
    return check_against_reference(
        student,
        ref.forward,
        cases,
        name="forward",
        arg_names=["X", "params", "p_drop", "rng"],
        mistakes=MISTAKES["forward"],
        fields=("P", ("le cache", ("le cache Z1", "le cache A1", "le cache mask"))),
        helpers=ISOLATED["forward"],
    )


def check_loss(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, lam in (
        (1, 0.1),
        (int(rng.integers(5, 15)), 0.0),
        (int(rng.integers(20, 60)), float(rng.uniform(0.01, 0.5))),
    ):
        d, h, k = int(rng.integers(2, 6)), int(rng.integers(3, 8)), 3
        X, Y = _classification(rng, n, d, k)
        params = _params(rng, d, h, k)
        label = "un seul exemple" if n == 1 else "avec L2" if lam else "sans L2"
        cases.append(Case(label, (Y, ref.forward(X, params)[0], params, lam)))
    # A confident wrong answer: the probability of the true class is exactly 0.
    Y = ref.one_hot(np.array([0, 1, 2, 1]), 3)
    P = np.array([[0.0, 1.0, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.5, 0.0]])
    cases.append(Case("une probabilité de la bonne classe vaut 0", (Y, P, _params(rng, 2, 3, 3), 0.05)))
    X, Y = _classification(rng, 6, 3, 3)
    params = _params(rng, 3, 4, 3)
    cases.append(Case("lam omis (0 par défaut)", (Y, ref.forward(X, params)[0], params)))
    return check_against_reference(
        student, ref.loss, cases, name="loss", arg_names=["Y", "P", "params", "lam"], mistakes=MISTAKES["loss"]
    )


def check_backward(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, lam, p_drop in (
        (1, 0.1, 0.0),
        (int(rng.integers(5, 15)), 0.0, 0.0),
        (int(rng.integers(20, 50)), float(rng.uniform(0.01, 0.3)), 0.5),
    ):
        d, h, k = int(rng.integers(2, 6)), int(rng.integers(4, 9)), 3
        X, Y = _classification(rng, n, d, k)
        params = _params(rng, d, h, k)
        drop_rng = np.random.default_rng(int(rng.integers(1_000_000))) if p_drop else None
        P, cache = ref.forward(X, params, p_drop, drop_rng)
        label = (
            "un seul exemple, sans dropout"
            if n == 1
            else f"avec un masque de dropout (p = {p_drop})"
            if p_drop
            else "sans dropout"
        )
        cases.append(Case(label, (X, Y, params, P, cache, lam)))
    # lam omitted; a row of X at 0 and biases at 0 make Z1 exactly 0 there, where ReLU's derivative is 0
    n, d, h, k = 8, 3, 5, 3
    X, Y = _classification(rng, n, d, k)
    X[2] = 0.0
    W1, b1, W2, b2 = _params(rng, d, h, k)
    b1[::2] = 0.0
    params = (W1, b1, W2, b2)
    P, cache = ref.forward(X, params)
    cases.append(Case("lam omis (0 par défaut), Z1 = 0 en quelques points", (X, Y, params, P, cache)))
    return check_against_reference(
        student,
        ref.backward,
        cases,
        name="backward",
        arg_names=["X", "Y", "params", "P", "cache", "lam"],
        fields=("dW1", "db1", "dW2", "db2"),
        mistakes=MISTAKES["backward"],
    )


QUALITY = {"hidden": 32, "eta": 0.1, "epochs": 10, "batch_size": 32}


def check_train(student, seed):
    """Trajectory on small synthetic problems against the reference, then the test accuracy of a
    full training on sklearn's load_digits; run with the reference forward/backward/loss/dropout
    so that only train's own mistakes cost train's points."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, epochs, batch_size, lam, p_drop in (
        (int(rng.integers(11, 19)), 1, 4, 0.0, 0.0),
        (int(rng.integers(25, 40)) * 2 + 1, int(rng.integers(2, 4)), 8, float(rng.uniform(0.01, 0.1)), 0.0),
        (int(rng.integers(20, 30)) * 3 + 1, 2, 6, 0.0, 0.3),
    ):
        d, h, k = int(rng.integers(3, 6)), int(rng.integers(4, 8)), 3
        X, Y = _classification(rng, n, d, k)
        params = ref.init_params(d, h, k, int(rng.integers(1000)))
        eta = float(rng.choice([0.05, 0.1, 0.5]))
        label = "avec dropout" if p_drop else "avec L2" if lam else "sans L2 ni dropout"
        cases.append(Case(label, (X, Y, params, eta, epochs, batch_size, lam, p_drop, int(rng.integers(1000)))))
    extra = np.random.default_rng([seed, 1])  # its own draws: the cases above and the quality run keep theirs
    X, Y = _classification(extra, 21, 4, 3)
    cases.append(
        Case(
            "lam, p_drop et seed omis (0, 0 et 0 par défaut)",
            (X, Y, ref.init_params(4, 5, 3, int(extra.integers(1000))), 0.1, 2, 5),
        )
    )
    verdict = check_against_reference(
        student,
        ref.train,
        cases,
        name="train",
        arg_names=["X", "Y", "params", "eta", "epochs", "batch_size", "lam", "p_drop", "seed"],
        fields=(("les paramètres appris", ("W1 appris", "b1 appris", "W2 appris", "b2 appris")), "losses"),
        mistakes=MISTAKES["train"],
        helpers=ISOLATED["train"],
    )
    if not verdict.passed:
        return verdict
    X_train, X_test, y_train, y_test = ref.digits_data(seed=int(rng.integers(1000)))
    args = (
        X_train,
        ref.one_hot(y_train, 10),
        ref.init_params(64, QUALITY["hidden"], 10, 0),
        QUALITY["eta"],
        QUALITY["epochs"],
        QUALITY["batch_size"],
        0.0,
        0.0,
        0,
    )
    params, _ = student.using(helpers=ISOLATED["train"])(*args)
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
