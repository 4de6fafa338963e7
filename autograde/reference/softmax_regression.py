"""TD 3: softmax regression on MNIST (784 → 10), trained by mini-batch gradient descent.

Shapes: ``X: (N, D)`` pixels in [0, 1] (D = 784 for MNIST, 64 for the load_digits fallback),
``labels: (N,)`` integers in 0..K−1, ``Y: (N, K)`` one-hot, ``W: (D, K)``, ``b: (K,)``,
logits ``Z = X W + b: (N, K)``, probabilities ``P = softmax(Z): (N, K)`` (each row sums to 1).

The loss is the mean cross-entropy L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ (P clipped to [1e-12, 1]), whose
gradient is dL/dW = Xᵀ(P − Y)/N, shape (D, K), and dL/db = Σᵢ (Pᵢ − Yᵢ)/N, shape (K,).

Constants the notebook fixes: the split ``train_test_split(images, labels, test_size=0.2,
random_state=42)`` (8,000 / 2,000 on the 10,000 digits of data/mnist), pixels / 255, K = 10, η = 0.1,
batch 32, 20 epochs, W = 0 and b = 0 at the start, shuffling seed 0.
"""

NOTEBOOK = "td3_mnist_softmax/01_softmax_mnist"
# What the written answers reponse_stabilite and reponse_gradient derive: only their grading guides state it.
HIDDEN_FORMULAS: tuple[str, ...] = (
    r"\frac{e^{Z_{ik} - m_i}}{\sum_j e^{Z_{ij} - m_i}} = \frac{e^{-m_i}\, e^{Z_{ik}}}{e^{-m_i} \sum_j e^{Z_{ij}}}",
    r"\frac{\partial p_k}{\partial z_j} = p_k (\delta_{jk} - p_j)",
    r"\frac{\partial \ell}{\partial z_j} = p_j - y_j",
    r"\frac{\partial L}{\partial Z} = \frac{1}{N} (P - Y)",
    r"\frac{\partial L}{\partial W} = \frac{1}{N} X^\top (P - Y)",
    r"\frac{\partial L}{\partial \mathbf{b}} = \frac{1}{N} \sum_{i=1}^{N} (P_i - Y_i)",
    "Xᵀ(P − Y)",
)

import numpy as np

NUM_CLASSES = 10
TEST_SIZE = 0.2
SPLIT_SEED = 42
EPS = 1e-12  # P is clipped to [EPS, 1] so that log never sees 0
ETA = 0.1
BATCH_SIZE = 32
EPOCHS = 20
SEED = 0  # seed of the generator that shuffles the training set at every epoch


def make_data(path=None):
    """The notebook's data: (X_train, X_test, y_train, y_test), X in [0, 1] of shape (N, D), y labels (N,).

    MNIST from ``path`` or ``MNIST_DIR`` (load_digits when none is found), split 80 % / 20 %
    with ``random_state=42``, pixels divided by 255.
    """
    from sklearn.model_selection import train_test_split

    from ..mnist import load_mnist

    images, labels = load_mnist(path)
    images_train, images_test, y_train, y_test = train_test_split(
        images, labels, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    return images_train / 255.0, images_test / 255.0, y_train, y_test


def one_hot(labels, num_classes):
    """Y[i, k] = 1 if labels[i] == k else 0. labels: (N,) integers -> (N, num_classes) floats."""
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


def softmax(Z):
    """Row-wise softmax, stable: exp(Z − max of the row) / sum of the row. Z: (N, K) -> (N, K)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cross_entropy(Y, P):
    """Mean cross-entropy −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ, P clipped to [EPS, 1]. Y, P: (N, K) -> number."""
    return float(-np.sum(Y * np.log(np.clip(P, EPS, 1.0))) / len(Y))


def gradient(X, P, Y):
    """(dL/dW, dL/db) = (Xᵀ(P − Y)/N, Σᵢ (Pᵢ − Yᵢ)/N). X: (N, D), P, Y: (N, K) -> ((D, K), (K,))."""
    residual = P - Y
    return X.T @ residual / len(X), residual.sum(axis=0) / len(X)


def train(X, Y, eta, epochs, batch_size, seed):
    """Mini-batch gradient descent from W = 0 (D, K) and b = 0 (K,).

    ``rng = np.random.default_rng(seed)`` is created once; every epoch draws
    ``order = rng.permutation(N)`` and visits the batches ``order[start:start + batch_size]`` for
    ``start`` in ``range(0, N, batch_size)`` (the last one may be smaller). For each batch: P,
    its loss (recorded before the update), the gradient, W ← W − η dL/dW, b ← b − η dL/db.
    ``losses[epoch]`` is the plain mean of the epoch's batch losses.
    X: (N, D), Y: (N, K) one-hot. Returns (W (D, K), b (K,), losses (epochs,)).
    """
    n, d = X.shape
    W, b = np.zeros((d, Y.shape[1])), np.zeros(Y.shape[1])
    rng = np.random.default_rng(seed)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        batch_losses = []
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            P = softmax(X[batch] @ W + b)
            batch_losses.append(cross_entropy(Y[batch], P))
            dW, db = gradient(X[batch], P, Y[batch])
            W = W - eta * dW
            b = b - eta * db
        losses[epoch] = np.mean(batch_losses)
    return W, b, losses


def accuracy(Y, P):
    """Fraction of rows whose most probable class is the true one. Y: (N, K) one-hot, P: (N, K) -> number."""
    return float(np.mean(P.argmax(axis=1) == Y.argmax(axis=1)))


def predict(X, W, b):
    """The most probable class of each row. X: (N, D) -> (N,) integers."""
    return (X @ W + b).argmax(axis=1)


def confusion_matrix(y_true, y_pred, num_classes=NUM_CLASSES):
    """C[i, j] = number of examples of true class i predicted as j. -> (K, K) integers."""
    counts = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


# ------------------------------------------------------------------ wrong variants

def _wrong_train(sign=-1.0, use_eta=True, shuffle=True, reseed_every_epoch=False, drop_last=False):
    """A `train` that makes the chosen mistake (everything else as the reference)."""
    def wrong(X, Y, eta, epochs, batch_size, seed):
        n, d = X.shape
        W, b = np.zeros((d, Y.shape[1])), np.zeros(Y.shape[1])
        rng = np.random.default_rng(seed)
        losses = np.empty(epochs)
        step = eta if use_eta else 1.0
        for epoch in range(epochs):
            if reseed_every_epoch:
                rng = np.random.default_rng(seed)
            order = rng.permutation(n) if shuffle else np.arange(n)
            batch_losses = []
            stop = n - batch_size + 1 if drop_last else n
            for start in range(0, stop, batch_size):
                batch = order[start:start + batch_size]
                P = softmax(X[batch] @ W + b)
                batch_losses.append(cross_entropy(Y[batch], P))
                dW, db = gradient(X[batch], P, Y[batch])
                W = W + sign * step * dW
                b = b + sign * step * db
            losses[epoch] = np.mean(batch_losses)
        return W, b, losses
    return wrong


def _mistakes():
    from ..checking import Mistake

    formula_softmax = "Rappel : softmax(Z)ᵢₖ = exp(Zᵢₖ − maxⱼ Zᵢⱼ) / Σⱼ exp(Zᵢⱼ − maxⱼ Zᵢⱼ), ligne par ligne (axis=1)."
    formula_ce = "Rappel : L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ, avec P bornée par np.clip(P, 1e-12, 1)."
    formula_grad = ("Rappel : dL/dW = Xᵀ(P − Y)/N, de forme (D, K), et dL/db = Σᵢ (Pᵢ − Yᵢ)/N, de forme (K,), "
                    "où N est le nombre de lignes de X.")
    formula_acc = "Rappel : exactitude = proportion des lignes où argmax(P, axis=1) == argmax(Y, axis=1), entre 0 et 1."

    def ce_unclipped(Y, P):
        return -np.sum(Y * np.log(P)) / len(Y)

    def one_hot_columns(labels, num_classes):
        Y = np.zeros((len(labels), num_classes))
        Y[:, labels] = 1.0
        return Y

    return {
        "one_hot": [
            Mistake("one_hot_transposed", "le tableau est transposé : il faut une ligne par exemple et une colonne "
                    "par classe, forme (N, K).", lambda labels, num_classes: one_hot(labels, num_classes).T),
            Mistake("one_hot_classes_from_data", "le nombre de classes est déduit des étiquettes (max + 1) au lieu "
                    "d'utiliser num_classes : une classe absente du lot fait perdre une colonne. La forme doit être "
                    "(N, num_classes).", lambda labels, num_classes: one_hot(labels, int(np.max(labels)) + 1)),
            Mistake("one_hot_whole_columns", "Y[:, labels] = 1 remplit des colonnes entières (toutes les lignes) : "
                    "il faut un seul 1 par ligne, Y[np.arange(N), labels] = 1.", one_hot_columns),
        ],
        "softmax": [
            Mistake("softmax_no_max_shift", "le maximum de chaque ligne n'est pas soustrait avant l'exponentielle : "
                    "exp(1000) vaut inf et le résultat devient nan pour de grands logits. " + formula_softmax,
                    lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
            Mistake("softmax_wrong_axis", "la normalisation est faite par colonne (axis=0) : ce sont les lignes "
                    "(une par exemple) qui doivent sommer à 1. " + formula_softmax,
                    lambda Z: np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)),
            Mistake("softmax_not_normalised", "les exponentielles ne sont pas divisées par leur somme : chaque ligne "
                    "doit sommer à 1. " + formula_softmax, lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True))),
            Mistake("softmax_global_max_and_sum", "le maximum et la somme sont pris sur tout le tableau au lieu de "
                    "chaque ligne : les lignes ne somment plus à 1. " + formula_softmax,
                    lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum()),
        ],
        "cross_entropy": [
            Mistake("cross_entropy_log_zero", "log(0) n'est pas évité : quand une probabilité vaut exactement 0, "
                    "la perte devient nan (0 × log 0) ou inf. Bornez P avec np.clip(P, 1e-12, 1). " + formula_ce,
                    ce_unclipped),
            Mistake("cross_entropy_sum_not_mean", "la somme n'est pas divisée par le nombre d'exemples N "
                    "(somme au lieu de moyenne). " + formula_ce, lambda Y, P: len(Y) * cross_entropy(Y, P)),
            Mistake("cross_entropy_no_minus", "le signe moins a été oublié : la perte doit être positive. "
                    + formula_ce, lambda Y, P: -cross_entropy(Y, P)),
            Mistake("cross_entropy_mean_over_classes", "np.mean sur tout le tableau divise par N × K au lieu de N : "
                    "on somme sur les classes, on moyenne sur les exemples. " + formula_ce,
                    lambda Y, P: cross_entropy(Y, P) / Y.shape[1]),
        ],
        "gradient": [
            Mistake("softmax_gradient_not_divided_by_n", "le gradient n'est pas divisé par la taille N du lot. "
                    + formula_grad, lambda X, P, Y: tuple(len(X) * g for g in gradient(X, P, Y))),
            Mistake("softmax_gradient_transposed", "dL/dW est transposé : (P − Y)ᵀ X a la forme (K, D) ; "
                    "c'est Xᵀ (P − Y), de la forme (D, K) de W. " + formula_grad,
                    lambda X, P, Y: (gradient(X, P, Y)[0].T, gradient(X, P, Y)[1])),
            Mistake("softmax_gradient_sign", "le signe est inversé : c'est (P − Y), pas (Y − P). " + formula_grad,
                    lambda X, P, Y: tuple(-g for g in gradient(X, P, Y))),
            Mistake("softmax_gradient_bias_not_summed", "dL/db n'est pas sommé sur les exemples du lot : il a la "
                    "forme (K,) de b, pas (N, K). " + formula_grad,
                    lambda X, P, Y: (gradient(X, P, Y)[0], (P - Y) / len(X))),
        ],
        "train": [
            Mistake("softmax_train_plus_update", "la mise à jour monte le gradient au lieu de le descendre : "
                    "W ← W − η·dL/dW et b ← b − η·dL/db (signe moins).", _wrong_train(sign=+1.0)),
            Mistake("softmax_train_ignores_eta", "le pas d'apprentissage η n'est pas utilisé : "
                    "W ← W − η·dL/dW et b ← b − η·dL/db.", _wrong_train(use_eta=False)),
            Mistake("softmax_train_no_shuffle", "les exemples ne sont pas mélangés : à chaque époque, parcourez "
                    "les lots dans l'ordre order = rng.permutation(N), avec rng = np.random.default_rng(seed) créé "
                    "une seule fois au début de train.", _wrong_train(shuffle=False)),
            Mistake("softmax_train_same_order_every_epoch", "le générateur est recréé à chaque époque, donc toutes "
                    "les époques voient le même ordre : créez rng = np.random.default_rng(seed) une seule fois, "
                    "avant la boucle des époques.", _wrong_train(reseed_every_epoch=True)),
            Mistake("softmax_train_drops_last_batch", "le dernier lot, plus petit, est oublié : quand N n'est pas "
                    "un multiple de batch_size, il reste order[start:start + batch_size] avec moins d'exemples, "
                    "à utiliser aussi (start parcourt range(0, N, batch_size)).", _wrong_train(drop_last=True)),
        ],
        "accuracy": [
            Mistake("accuracy_count_not_fraction", "le nombre de bonnes réponses n'est pas divisé par N : "
                    "l'exactitude est une proportion. " + formula_acc,
                    lambda Y, P: float(np.sum(P.argmax(axis=1) == Y.argmax(axis=1)))),
            Mistake("accuracy_wrong_axis", "argmax est pris par colonne (axis=0) : la classe prédite d'un exemple "
                    "est l'argmax de sa ligne (axis=1). " + formula_acc,
                    lambda Y, P: float(np.mean(P.argmax(axis=0) == Y.argmax(axis=0)))),
            Mistake("accuracy_argmax_without_axis", "np.argmax sans axis renvoie un seul indice, celui du maximum "
                    "du tableau aplati, et l'exactitude ne vaut plus que 0 ou 1 : précisez axis=1. " + formula_acc,
                    lambda Y, P: float(np.mean(np.argmax(P) == np.argmax(Y)))),
            Mistake("accuracy_percent", "le résultat est en pourcentage : l'exactitude attendue est une proportion "
                    "entre 0 et 1. " + formula_acc, lambda Y, P: 100.0 * accuracy(Y, P)),
        ],
    }


MISTAKES = _mistakes()
