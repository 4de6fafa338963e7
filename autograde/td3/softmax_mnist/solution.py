"""TD 3, notebook 1: softmax regression on MNIST (784 → 10), trained by mini-batch gradient descent,
its learning rate and number of epochs chosen together on a validation split, the test set used once
at the end.

Shapes: ``X: (N, D)`` pixels in [0, 1] (D = 784 for MNIST, 64 for the load_digits fallback),
``labels: (N,)`` integers in 0..K−1, ``Y: (N, K)`` one-hot, ``W: (D, K)``, ``b: (K,)``,
logits ``Z = X W + b: (N, K)``, probabilities ``P = softmax(Z): (N, K)`` (each row sums to 1).

The loss is the mean cross-entropy L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ (P clipped to [1e-12, 1]), whose
gradient is dL/dW = Xᵀ(P − Y)/N, shape (D, K), and dL/db = Σᵢ (Pᵢ − Yᵢ)/N, shape (K,).

Constants the notebook fixes: the split ``train_test_split(images, labels, test_size=0.2,
random_state=42)`` (8,000 / 2,000 on the 10,000 digits of data/mnist), pixels / 255; the 8,000 split
again ``train_test_split(X_rest, y_rest, test_size=0.2, random_state=0)`` into the training set the
weights learn from and the validation set (6,400 / 1,600); K = 10, η = 0.1 for the statement, batch
32, 20 epochs, W = 0 and b = 0 at the start, shuffling seed 0. The model selection trains once per
learning rate of ETAS for MAX_EPOCHS epochs and picks (η, epochs) together on the validation loss
after each epoch (:func:`best_setting`); the retained model is trained again with them (the same
seed: the same weights) and measured once on the test set.
"""

import numpy as np

NUM_CLASSES = 10
TEST_SIZE = 0.2
SPLIT_SEED = 42
VAL_SIZE = 0.2  # fraction of the training digits set aside for validation
VAL_SEED = 0
EPS = 1e-12  # P is clipped to [EPS, 1] so that log never sees 0
ETA = 0.1
BATCH_SIZE = 32
EPOCHS = 20  # the statement's number of epochs
MAX_EPOCHS = 40  # the model selection tries 1…MAX_EPOCHS epochs for every learning rate
SEED = 0  # seed of the generator that shuffles the training set at every epoch
ETAS = (0.01, 0.1, 1.0)  # learning rates compared on the validation set


def make_data(path=None):
    """The notebook's first split: (X_rest, X_test, y_rest, y_test), X in [0, 1] of shape (N, D), y labels (N,);
    X_rest is split again by :func:`validation_split`.

    MNIST from ``path`` or ``MNIST_DIR`` (load_digits when none is found), split 80 % / 20 %
    with ``random_state=42``, pixels divided by 255.
    """
    from sklearn.model_selection import train_test_split

    from ...mnist import load_mnist

    images, labels = load_mnist(path)
    images_train, images_test, y_train, y_test = train_test_split(
        images, labels, test_size=TEST_SIZE, random_state=SPLIT_SEED
    )
    return images_train / 255.0, images_test / 255.0, y_train, y_test


def validation_split(X_rest, y_rest):
    """(X_train, X_val, y_train, y_val): the digits left beside the test set, split 80 % / 20 % with
    ``random_state=0``.

    The weights learn on the training set; the validation set judges the settings; the test set is
    kept for the end. X_rest: (N, D), y_rest: (N,).
    """
    from sklearn.model_selection import train_test_split

    return train_test_split(X_rest, y_rest, test_size=VAL_SIZE, random_state=VAL_SEED)


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


def train(X, Y, X_val, Y_val, eta, epochs, batch_size, seed):
    """Mini-batch gradient descent from W = 0 (D, K) and b = 0 (K,), with its per-epoch history.

    ``rng = np.random.default_rng(seed)`` is created once; every epoch draws
    ``order = rng.permutation(N)`` and visits the batches ``order[start:start + batch_size]`` for
    ``start`` in ``range(0, N, batch_size)`` (the last one may be smaller). For each batch: P, the
    gradient, W ← W − η dL/dW, b ← b − η dL/db. At the end of each epoch, the mean cross-entropy of
    the current (W, b) on the whole training set and on the whole validation set.
    X: (N, D), Y: (N, K) one-hot; X_val: (N_val, D), Y_val: (N_val, K).
    Returns (W (D, K), b (K,), history), history = {"train_loss": [...], "val_loss": [...]}, one
    number per epoch.
    """
    n, d = X.shape
    W, b = np.zeros((d, Y.shape[1])), np.zeros(Y.shape[1])
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            dW, db = gradient(X[batch], softmax(X[batch] @ W + b), Y[batch])
            W = W - eta * dW
            b = b - eta * db
        history["train_loss"].append(cross_entropy(Y, softmax(X @ W + b)))
        history["val_loss"].append(cross_entropy(Y_val, softmax(X_val @ W + b)))
    return W, b, history


def accuracy(Y, P):
    """Fraction of rows whose most probable class is the true one. Y: (N, K) one-hot, P: (N, K) -> number."""
    return float(np.mean(P.argmax(axis=1) == Y.argmax(axis=1)))


def best_setting(val_losses):
    """The (eta, epochs) of the smallest validation loss over a grid.

    val_losses = {eta: [loss after epoch 1, 2, …]}. Epochs are counted from 1. Ties go to the fewest
    epochs, then to the first eta in the dict's order (hence the dict's position in each candidate:
    the tuples never compare two etas).
    """
    candidates = [
        (loss, epoch, position, eta)
        for position, (eta, losses) in enumerate(val_losses.items())
        for epoch, loss in enumerate(losses, start=1)
    ]
    _, epochs, _, eta = min(candidates)
    return eta, epochs


def evaluate(X, Y, W, b):
    """(mean cross-entropy, accuracy) of the model (W, b) on (X, Y). X: (N, D), Y: (N, K) -> two numbers."""
    P = softmax(X @ W + b)
    return cross_entropy(Y, P), accuracy(Y, P)


def grid_histories(X_train, Y_train, X_val, Y_val, etas=ETAS, max_epochs=MAX_EPOCHS):
    """{eta: history} of one training of ``max_epochs`` epochs per learning rate of ``etas``: the whole
    grid (eta, 1…max_epochs), each curve from one training."""
    return {eta: train(X_train, Y_train, X_val, Y_val, eta, max_epochs, BATCH_SIZE, SEED)[2] for eta in etas}


def select_and_train(X_train, y_train, X_val, y_val):
    """The notebook's model selection, then its retained model: (eta, epochs) of the smallest validation
    loss over the grid, then the training with them (the same seed: the very model the validation
    measured).

    Returns (histories {eta: history}, eta, epochs, W (D, K), b (K,), history).
    """
    Y_train, Y_val = one_hot(y_train, NUM_CLASSES), one_hot(y_val, NUM_CLASSES)
    histories = grid_histories(X_train, Y_train, X_val, Y_val)
    eta, epochs = best_setting({eta: history["val_loss"] for eta, history in histories.items()})
    W, b, history = train(X_train, Y_train, X_val, Y_val, eta, epochs, BATCH_SIZE, SEED)
    return histories, eta, epochs, W, b, history


def predict(X, W, b):
    """The most probable class of each row. X: (N, D) -> (N,) integers."""
    return (X @ W + b).argmax(axis=1)


def confusion_matrix(y_true, y_pred, num_classes=NUM_CLASSES):
    """C[i, j] = number of examples of true class i predicted as j. -> (K, K) integers."""
    counts = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
