"""TD 1, notebook 3: logistic regression, one sigmoid neuron for binary classification.

Shapes: ``X: (N, D)``, one example per row, ``y: (N,)`` with labels in {0, 1}, ``y_hat: (N,)``
probabilities; ``w: (D,)``, ``b`` a number. The loss is the binary cross-entropy
L = −1/N Σ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)], whose gradient is
dL/dw = 1/N Xᵀ(ŷ − y) and dL/db = 1/N Σ (ŷᵢ − yᵢ).
"""

import numpy as np

from ..neurone.solution import sigmoid

EPS = 1e-12  # ŷ is clipped to [EPS, 1 − EPS] so that log never sees 0
ETA = 0.1
EPOCHS = 1_000


def make_data(seed=0):
    """The notebook's data: 2-D make_classification, split 75 % train / 25 % test."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=400,
        n_features=2,
        n_redundant=0,
        n_informative=2,
        n_clusters_per_class=1,
        class_sep=1.5,
        random_state=seed,
    )
    return train_test_split(X, y, test_size=0.25, random_state=seed)


def predict_proba(X, w, b):
    """ŷ = σ(X w + b), the neuron of notebook 1 with the sigmoid. X: (N, D) -> (N,)."""
    return sigmoid(X @ w + b)


def loss(y, y_hat):
    """Binary cross-entropy, mean over the N examples. y, y_hat: (N,) -> number."""
    p = np.clip(y_hat, EPS, 1.0 - EPS)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def gradient(X, y_hat, y):
    """(dL/dw, dL/db) = (Xᵀ(ŷ − y)/N, mean(ŷ − y)). X: (N, D) -> ((D,), number)."""
    residual = y_hat - y
    return X.T @ residual / len(y), float(np.mean(residual))


def train(X, y, eta, epochs):
    """Batch gradient descent from w = 0 (D zeros), b = 0.

    Each epoch: predict, record the loss (before the update), compute the gradient, step.
    Returns (w, b, losses) with w: (D,), losses: (epochs,).
    """
    w, b = np.zeros(X.shape[1]), 0.0
    losses = np.empty(epochs)
    for epoch in range(epochs):
        y_hat = predict_proba(X, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(X, y_hat, y)
        w = w - eta * dw
        b = b - eta * db
    return w, b, losses


def predict(X, w, b):
    """Class labels: 1 where ŷ ≥ 0.5, else 0. X: (N, D) -> (N,) of ints."""
    return (predict_proba(X, w, b) >= 0.5).astype(int)


def accuracy(y_true, y_pred):
    """Fraction of correct labels. y_true, y_pred: (N,) -> number in [0, 1]."""
    return float(np.mean(y_true == y_pred))
