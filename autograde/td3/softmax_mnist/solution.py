"""TD 3, notebook 1: softmax regression on MNIST (784 → 10), trained by mini-batch gradient descent,
its learning rate and number of epochs chosen on a validation split, the test set used once at the end.

Shapes: ``X: (N, D)`` pixels in [0, 1] (D = 784 for MNIST, 64 for the load_digits fallback),
``labels: (N,)`` integers in 0..K−1, ``Y: (N, K)`` one-hot, ``W: (D, K)``, ``b: (K,)``,
logits ``Z = X W + b: (N, K)``, probabilities ``P = softmax(Z): (N, K)`` (each row sums to 1).

The loss is the mean cross-entropy L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ (P clipped to [1e-12, 1]), whose
gradient is dL/dW = Xᵀ(P − Y)/N, shape (D, K), and dL/db = Σᵢ (Pᵢ − Yᵢ)/N, shape (K,).

Constants the notebook fixes: the split ``train_test_split(images, labels, test_size=0.2,
random_state=42)`` (8,000 / 2,000 on the 10,000 digits of data/mnist), pixels / 255; the validation
split taken from the training digits, ``train_test_split(X_train, y_train, test_size=0.2,
random_state=0)`` (6,400 / 1,600); K = 10, η = 0.1 for the statement, batch 32, 20 epochs, W = 0 and
b = 0 at the start, shuffling seed 0; the model selection compares the learning rates 0.01, 0.1 and 1
after 20 epochs, then the numbers of epochs 1 to 20 for the chosen one, on the validation set.
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
EPOCHS = 20  # also the largest number of epochs the model selection tries
SEED = 0  # seed of the generator that shuffles the training set at every epoch
ETAS = (0.01, 0.1, 1.0)  # learning rates compared on the validation set


def make_data(path=None):
    """The notebook's data: (X_train, X_test, y_train, y_test), X in [0, 1] of shape (N, D), y labels (N,).

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


def validation_split(X_train, y_train):
    """(X_fit, X_val, y_fit, y_val): the training digits split 80 % / 20 % with ``random_state=0``.

    The model learns on the fit part; the validation part judges the settings; the test set is kept
    for the end. X_train: (N, D), y_train: (N,).
    """
    from sklearn.model_selection import train_test_split

    return train_test_split(X_train, y_train, test_size=VAL_SIZE, random_state=VAL_SEED)


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

    The generator draws the same orders whatever ``epochs`` is, so ``train(..., epochs=e, ...)``
    returns the weights a longer run with the same seed has after its e-th epoch.
    """
    n, d = X.shape
    W, b = np.zeros((d, Y.shape[1])), np.zeros(Y.shape[1])
    rng = np.random.default_rng(seed)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        batch_losses = []
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
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


def evaluate(X, Y, W, b):
    """(mean cross-entropy, accuracy) of the model (W, b) on (X, Y). X: (N, D), Y: (N, K) -> two numbers."""
    P = softmax(X @ W + b)
    return cross_entropy(Y, P), accuracy(Y, P)


def epoch_curves(X_fit, Y_fit, X_val, Y_val, eta, epochs, batch_size, seed):
    """Loss and accuracy on the fit and validation parts after each epoch 1..epochs.

    The weights after epoch e are those of ``train`` run for e epochs with the same seed.
    Returns a dict of arrays of shape (epochs,): fit_loss, fit_accuracy, val_loss, val_accuracy.
    """
    curves = {name: np.empty(epochs) for name in ("fit_loss", "fit_accuracy", "val_loss", "val_accuracy")}
    for e in range(1, epochs + 1):
        W, b, _ = train(X_fit, Y_fit, eta, e, batch_size, seed)
        curves["fit_loss"][e - 1], curves["fit_accuracy"][e - 1] = evaluate(X_fit, Y_fit, W, b)
        curves["val_loss"][e - 1], curves["val_accuracy"][e - 1] = evaluate(X_val, Y_val, W, b)
    return curves


def choose_eta(X_fit, Y_fit, X_val, Y_val, etas=ETAS, epochs=EPOCHS, batch_size=BATCH_SIZE, seed=SEED):
    """The learning rate of ``etas`` whose model, after ``epochs`` epochs, has the smallest validation loss."""
    val_losses = [evaluate(X_val, Y_val, *train(X_fit, Y_fit, eta, epochs, batch_size, seed)[:2])[0] for eta in etas]
    return etas[int(np.argmin(val_losses))]


def best_epochs(val_losses):
    """The number of epochs (1-based) with the smallest validation loss; the first one on a tie."""
    return int(np.argmin(val_losses)) + 1


def select_and_train(X_train, y_train):
    """The notebook's model selection, then its final model: η chosen among ETAS and the number of
    epochs on the validation curves, then a training on all the training digits with them.

    X_train: (N, D), y_train: (N,). Returns (eta, epochs, W (D, K), b (K,), losses (epochs,)).
    """
    X_fit, X_val, y_fit, y_val = validation_split(X_train, y_train)
    Y_fit, Y_val = one_hot(y_fit, NUM_CLASSES), one_hot(y_val, NUM_CLASSES)
    eta = choose_eta(X_fit, Y_fit, X_val, Y_val)
    epochs = best_epochs(epoch_curves(X_fit, Y_fit, X_val, Y_val, eta, EPOCHS, BATCH_SIZE, SEED)["val_loss"])
    W, b, losses = train(X_train, one_hot(y_train, NUM_CLASSES), eta, epochs, BATCH_SIZE, SEED)
    return eta, epochs, W, b, losses


def predict(X, W, b):
    """The most probable class of each row. X: (N, D) -> (N,) integers."""
    return (X @ W + b).argmax(axis=1)


def confusion_matrix(y_true, y_pred, num_classes=NUM_CLASSES):
    """C[i, j] = number of examples of true class i predicted as j. -> (K, K) integers."""
    counts = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
