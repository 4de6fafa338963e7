"""TD 8, notebook 2: L1 by its proximal step (soft thresholding) against L2, on TD 3's softmax regression.

Model: ``Z = X W + b`` with ``X: (N, D)``, ``W: (D, K)``, ``b: (K,)``, ``P = softmax(Z)``, the data loss
the mean cross-entropy; ``Y: (N, K)`` one-hot. A penalty on W only (never on b):
- L2: R(W) = (λ/2) Σ W², one step W ← W − η (dL/dW + λ W) (weight decay);
- L1: R(W) = λ Σ |W|, by its proximal step W ← S(W − η dL/dW, ηλ), where the soft thresholding
  S(w, t) = sign(w) · max(|w| − t, 0) puts every weight whose gradient step lands within t of 0 exactly at 0.
  (A sub-gradient step W − η (dL/dW + λ sign W) never does: the weight oscillates within ηλ of 0.)

``fit_penalized`` runs full-batch gradient descent (one step per epoch, on the whole training set) and
records, after each step, the data loss (no penalty) on the training and on the validation set.

Data: TD 8's subset of at most N_SUBSET images, 60 / 20 / 20 % (``optimiseurs.solution.split``), of which
the first N_FIT training images are used, so that over-fitting shows within EPOCHS steps. (λ, epochs) of
each penalty are chosen on the validation loss with TD 3's ``best_setting``; the test set is read once.
"""

import numpy as np

from ...td3.softmax_mnist.solution import best_setting  # noqa: F401 - copied in by the student
from ..optimiseurs.solution import N_SUBSET, NUM_CLASSES, one_hot, softmax, split  # noqa: F401

N_FIT = 500  # training images used
ETA = 1.0
EPOCHS = 150
INIT_SEED, INIT_SCALE = 0, 0.01  # W starts normal of this standard deviation (not 0: no weight is 0 by chance)
LAMBDAS = {"L1": (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2), "L2": (0.0, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)}


def cross_entropy(Y, P):
    """Mean cross-entropy, P clipped to [1e-12, 1]. Y, P: (N, K) -> number."""
    return float(-np.sum(Y * np.log(np.clip(P, 1e-12, 1.0))) / len(Y))


def gradient(X, P, Y):
    """TD 3's (dL/dW, dL/db) = (Xᵀ(P − Y)/N, Σᵢ (Pᵢ − Yᵢ)/N)."""
    G = (P - Y) / len(X)
    return X.T @ G, G.sum(axis=0)


def soft_threshold(W, t):
    """S(W, t) = sign(W) · max(|W| − t, 0), entry by entry. W: any shape, t ≥ 0 -> same shape."""
    return np.sign(W) * np.maximum(np.abs(W) - t, 0.0)


def fit_penalized(X, Y, X_val, Y_val, W, b, penalty, lam, eta, epochs):
    """Full-batch gradient descent on the cross-entropy with the ``penalty`` ("L1" or "L2") of weight λ.

    Each epoch: P = softmax(X W + b), (dW, db) = gradient(X, P, Y); L2: W ← W − η (dW + λ W); L1:
    W ← soft_threshold(W − η dW, η λ); b ← b − η db. W (D, K), b (K,) are not modified.
    Returns (W, b, history), history = {"train_loss": [...], "val_loss": [...]}: the cross-entropy
    (without penalty) on X and on X_val after each epoch.
    """
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        dW, db = gradient(X, softmax(X @ W + b), Y)
        if penalty == "L1":
            W = soft_threshold(W - eta * dW, eta * lam)
        elif penalty == "L2":
            W = W - eta * (dW + lam * W)
        else:
            raise ValueError(f"unknown penalty {penalty!r}")
        b = b - eta * db
        history["train_loss"].append(cross_entropy(Y, softmax(X @ W + b)))
        history["val_loss"].append(cross_entropy(Y_val, softmax(X_val @ W + b)))
    return W, b, history
