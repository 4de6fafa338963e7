"""Hidden-test checks of TD 6, notebook 1 (multilayer perceptron in numpy, early stopping)."""
import numpy as np

from ...checking import Case, accuracy_verdict
from ...checking import check_against_reference as compare_to_reference  # a check_* name would count as a check
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    "forward": {"dropout": ref.dropout},
    "train": {"forward": ref.forward, "backward": ref.backward, "loss": ref.loss, "dropout": ref.dropout,
              "relu": ref.relu, "softmax": ref.softmax, "one_hot": ref.one_hot},
}


def _params(rng, d, h, k, scale=1.0):
    """Random parameters with non-zero biases (so that a bias mistake shows)."""
    return (rng.normal(0, 1 / np.sqrt(d), size=(d, h)), rng.normal(0, 0.5, size=h),
            scale * rng.normal(0, 1 / np.sqrt(h), size=(h, k)), rng.normal(0, 0.5, size=k))


def _classification(rng, n, d, k):
    """X: (n, d) Gaussian, Y: (n, k) one-hot labels of a random linear rule (with every class present when n ≥ k)."""
    X = rng.normal(size=(n, d))
    labels = (X @ rng.normal(size=(d, k))).argmax(axis=1)
    if n >= k:
        labels[:k] = np.arange(k)
    return X, ref.one_hot(labels, k)


def check_init_params(student, seed):
    rng = np.random.default_rng(seed)
    cases = [Case("petite couche", (3, 5, 2, int(rng.integers(1000)))),
             Case("couches moyennes", (int(rng.integers(10, 20)), int(rng.integers(24, 40)), 4, int(rng.integers(1000)))),
             Case("64 → 32 → 10", (64, 32, 10, int(rng.integers(1000))))]
    return compare_to_reference(student, ref.init_params, cases, name="init_params",
                                   arg_names=["n_in", "n_hidden", "n_out", "seed"],
                                   mistakes=MISTAKES["init_params"])


def check_dropout(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for label, shape, p, training in (("p = 0,5", (1, 6), 0.5, True),
                                      ("p quelconque", (int(rng.integers(4, 9)), int(rng.integers(5, 12))),
                                       float(rng.uniform(0.1, 0.4)), True),
                                      ("p = 0 : rien n'est éteint", (3, 4), 0.0, True),
                                      ("test : training=False", (5, 7), 0.5, False)):
        A = np.maximum(0.0, rng.normal(size=shape))
        cases.append(Case(label, (A, p, np.random.default_rng(int(rng.integers(1_000_000))), training)))
    return compare_to_reference(student, ref.dropout, cases, name="dropout",
                                   arg_names=["A", "p", "rng", "training"], mistakes=MISTAKES["dropout"])


def check_forward(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    d, h, k = 3, 4, 3
    cases.append(Case("N = 1, sans dropout", (rng.normal(size=(1, d)), _params(rng, d, h, k), 0.0, None)))
    n, d, h, k = int(rng.integers(5, 12)), int(rng.integers(4, 8)), int(rng.integers(5, 9)), 4
    cases.append(Case(f"N = {n}, sans dropout", (rng.normal(size=(n, d)), _params(rng, d, h, k), 0.0, None)))
    n = int(rng.integers(5, 12))
    cases.append(Case(f"N = {n}, entraînement avec dropout p = 0,5", (
        rng.normal(size=(n, d)), _params(rng, d, h, k), 0.5, np.random.default_rng(int(rng.integers(1_000_000))))))
    n = int(rng.integers(3, 8))
    cases.append(Case(f"N = {n}, logits de l'ordre de 1000", (
        rng.normal(size=(n, d)), _params(rng, d, h, k, scale=800.0), 0.0, None)))
    return compare_to_reference(student, ref.forward, cases, name="forward",
                                arg_names=["X", "params", "p_drop", "rng"], mistakes=MISTAKES["forward"],
                                helpers=ISOLATED["forward"])


def check_loss(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, lam in ((1, 0.1), (int(rng.integers(5, 15)), 0.0), (int(rng.integers(20, 60)), float(rng.uniform(0.01, 0.5)))):
        d, h, k = int(rng.integers(2, 6)), int(rng.integers(3, 8)), 3
        X, Y = _classification(rng, n, d, k)
        params = _params(rng, d, h, k)
        cases.append(Case(f"N = {n}, λ = {lam:.3g}", (Y, ref.forward(X, params)[0], params, lam)))
    # A confident wrong answer: the probability of the true class is exactly 0.
    Y = ref.one_hot(np.array([0, 1, 2, 1]), 3)
    P = np.array([[0.0, 1.0, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.5, 0.0]])
    cases.append(Case("une probabilité de la bonne classe vaut 0", (Y, P, _params(rng, 2, 3, 3), 0.05)))
    return compare_to_reference(student, ref.loss, cases, name="loss",
                                   arg_names=["Y", "P", "params", "lam"], mistakes=MISTAKES["loss"])


def check_backward(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, lam, p_drop in ((1, 0.1, 0.0), (int(rng.integers(5, 15)), 0.0, 0.0),
                           (int(rng.integers(20, 50)), float(rng.uniform(0.01, 0.3)), 0.5)):
        d, h, k = int(rng.integers(2, 6)), int(rng.integers(4, 9)), 3
        X, Y = _classification(rng, n, d, k)
        params = _params(rng, d, h, k)
        drop_rng = np.random.default_rng(int(rng.integers(1_000_000))) if p_drop else None
        P, cache = ref.forward(X, params, p_drop, drop_rng)
        label = f"N = {n}, λ = {lam:.3g}" + (f", dropout p = {p_drop}" if p_drop else ", sans dropout")
        cases.append(Case(label, (X, Y, params, P, cache, lam)))
    return compare_to_reference(student, ref.backward, cases, name="backward",
                                   arg_names=["X", "Y", "params", "P", "cache", "lam"],
                                   mistakes=MISTAKES["backward"])


QUALITY = {"hidden": 32, "eta": 0.1, "epochs": 10, "batch_size": 32}


def check_train(student, seed):
    """Trajectory on small synthetic problems against the reference, then the test accuracy of a
    full training on sklearn's load_digits; run with the reference forward/backward/loss/dropout
    so that only train's own mistakes cost train's points."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, epochs, batch_size, lam, p_drop in ((int(rng.integers(11, 19)), 1, 4, 0.0, 0.0),
                                               (int(rng.integers(25, 40)) * 2 + 1, int(rng.integers(2, 4)), 8,
                                                float(rng.uniform(0.01, 0.1)), 0.0),
                                               (int(rng.integers(20, 30)) * 3 + 1, 2, 6, 0.0, 0.3)):
        d, h, k = int(rng.integers(3, 6)), int(rng.integers(4, 8)), 3
        X, Y = _classification(rng, n, d, k)
        params = ref.init_params(d, h, k, int(rng.integers(1000)))
        eta = float(rng.choice([0.05, 0.1, 0.5]))
        label = f"N = {n}, {epochs} époque(s), mini-lots de {batch_size}, λ = {lam:.3g}, dropout p = {p_drop}"
        cases.append(Case(label, (X, Y, params, eta, epochs, batch_size, lam, p_drop, int(rng.integers(1000)))))
    verdict = compare_to_reference(
        student, ref.train, cases, name="train",
        arg_names=["X", "Y", "params", "eta", "epochs", "batch_size", "lam", "p_drop", "seed"],
        mistakes=MISTAKES["train"], helpers=ISOLATED["train"])
    if not verdict.passed:
        return verdict
    X_train, X_test, y_train, y_test = ref.digits_data(seed=int(rng.integers(1000)))
    args = (X_train, ref.one_hot(y_train, 10), ref.init_params(64, QUALITY["hidden"], 10, 0), QUALITY["eta"],
            QUALITY["epochs"], QUALITY["batch_size"], 0.0, 0.0, 0)
    params, _ = student.using(helpers=ISOLATED["train"])(*args)
    params_ref, _ = ref.train(*args)
    try:
        acc = ref.accuracy(y_test, ref.predict(X_test, tuple(np.asarray(p, dtype=float) for p in params)))
    except Exception:  # noqa: BLE001 - parameters of the wrong shape: no accuracy
        acc = 0.0
    acc_ref = ref.accuracy(y_test, ref.predict(X_test, params_ref))
    where = (f"sur load_digits (couche cachée de {QUALITY['hidden']}, η = {QUALITY['eta']}, {QUALITY['epochs']} "
             f"époques, mini-lots de {QUALITY['batch_size']})")
    return accuracy_verdict(verdict, acc, acc_ref, where)


def _noisy_curve(rng, n):
    """A validation curve as training gives it: a decreasing trend, noise, then a slow rise (n numbers)."""
    epochs = np.arange(n)
    trend = 0.2 + 1.5 * np.exp(-epochs / rng.uniform(2, 6)) + rng.uniform(0.0, 0.01) * epochs
    return [round(float(v), 4) for v in trend + rng.normal(0, 0.02, size=n)]


def _early_stopping_cases(rng):
    """Plain lists of validation losses (one per epoch) and patiences, each case built to tell a
    catalogued mistake from the right answer: equal minima, a loss that goes down again without beating
    the best, the epoch just before the patience runs out."""
    built = [("une seule époque", [round(float(rng.uniform(0.5, 2.0)), 3)], 1)]
    n = int(rng.integers(4, 9))
    built.append(("une perte qui baisse à chaque époque",
                  [round(float(v), 3) for v in np.sort(rng.uniform(0.1, 2.0, size=n))[::-1]], int(rng.integers(2, n))))
    # Equal minima: the first one is the best, and the patience has run out since it, not since the second.
    patience = int(rng.integers(3, 6))
    best = round(float(rng.uniform(0.2, 0.5)), 3)
    before = [round(best + float(v), 3) for v in np.sort(rng.uniform(0.1, 1.0, size=2))[::-1]]
    after = [round(best + float(v), 3) for v in rng.uniform(0.01, 0.2, size=patience)]
    after[patience - 2] = best  # the second minimum, at least two epochs after the first
    built.append(("deux fois la même plus petite perte", before + [best] + after, patience))
    # Up, then down again but not below the best: no progress for the patience's epochs.
    patience = int(rng.integers(3, 6))
    best = round(float(rng.uniform(0.2, 0.5)), 3)
    rising = [round(best + 0.05 * (k + 1) + float(rng.uniform(0, 0.02)), 3) for k in range(patience - 1)]
    built.append(("la perte remonte, puis redescend sans battre le minimum",
                  [round(best + 0.5, 3), best] + rising + [round(best + 0.01, 3)], patience))
    # The patience is one epoch from running out.
    patience = int(rng.integers(2, 6))
    best = round(float(rng.uniform(0.2, 0.5)), 3)
    built.append(("une époque avant la fin de la patience",
                  [round(best + 0.3, 3), round(best + 0.1, 3), best]
                  + [round(best + float(v), 3) for v in rng.uniform(0.01, 0.1, size=patience - 1)], patience))
    cases = [Case(f"{label} : val_losses = [{', '.join(f'{v:g}' for v in losses)}]", (losses, patience))
             for label, losses, patience in built]
    for _ in range(2):
        curve = _noisy_curve(rng, int(rng.integers(10, 30)))
        cases.append(Case(f"une courbe de validation de {len(curve)} époques", (curve, int(rng.integers(2, 7)))))
    return cases


def check_early_stopping(student, seed):
    rng = np.random.default_rng(seed)
    return compare_to_reference(student, ref.early_stopping, _early_stopping_cases(rng), name="early_stopping",
                                arg_names=["val_losses", "patience"], mistakes=MISTAKES["early_stopping"])
