"""TD 1, notebook 3: logistic regression, one sigmoid neuron for binary classification.

Shapes: ``x: (n, D)``, ``y: (n,)`` with labels in {0, 1}, ``y_hat: (n,)`` probabilities;
``w: (D,)``, ``b`` a number. The loss is the binary cross-entropy
L = −1/n Σ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)], whose gradient is
dL/dw = 1/n xᵀ(ŷ − y) and dL/db = 1/n Σ (ŷᵢ − yᵢ).
"""
import numpy as np

from .neuron import sigmoid

EPS = 1e-12  # ŷ is clipped to [EPS, 1 − EPS] so that log never sees 0
ETA = 0.1
EPOCHS = 1_000


def make_data(seed=0):
    """The notebook's data: 2-D make_classification, split 75 % train / 25 % test."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    x, y = make_classification(n_samples=400, n_features=2, n_redundant=0, n_informative=2,
                               n_clusters_per_class=1, class_sep=1.5, random_state=seed)
    return train_test_split(x, y, test_size=0.25, random_state=seed)


def predict_proba(x, w, b):
    """ŷ = σ(x·w + b). x: (n, D) -> (n,)."""
    return sigmoid(x @ w + b)


def loss(y, y_hat):
    """Binary cross-entropy, mean over the n examples. y, y_hat: (n,) -> number."""
    p = np.clip(y_hat, EPS, 1.0 - EPS)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def gradient(x, y_hat, y):
    """(dL/dw, dL/db) = (xᵀ(ŷ − y)/n, mean(ŷ − y)). x: (n, D) -> ((D,), number)."""
    residual = y_hat - y
    return x.T @ residual / len(y), float(np.mean(residual))


def train(x, y, eta, epochs):
    """Batch gradient descent from w = 0 (D zeros), b = 0.

    Each epoch: predict, record the loss (before the update), compute the gradient, step.
    Returns (w, b, losses) with w: (D,), losses: (epochs,).
    """
    w, b = np.zeros(x.shape[1]), 0.0
    losses = np.empty(epochs)
    for epoch in range(epochs):
        y_hat = predict_proba(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w = w - eta * dw
        b = b - eta * db
    return w, b, losses


def predict(x, w, b):
    """Class labels: 1 where ŷ ≥ 0.5, else 0. x: (n, D) -> (n,) of ints."""
    return (predict_proba(x, w, b) >= 0.5).astype(int)


def accuracy(y_true, y_pred):
    """Fraction of correct labels. y_true, y_pred: (n,) -> number in [0, 1]."""
    return float(np.mean(y_true == y_pred))


def _mistakes():
    from ..checking import Mistake
    from .wrong_training import train_mistakes

    formula_loss = "Rappel : L = −1/n Σ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)]."
    formula_grad = "Rappel : dL/dw = 1/n xᵀ(ŷ − y) (forme (D,)) et dL/db = 1/n Σ (ŷᵢ − yᵢ) (un nombre)."

    def unclipped(y, y_hat):
        return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))

    return {
        "loss": [
            Mistake("bce_log_zero", "log(0) n'est pas évité : quand ŷ vaut exactement 0 ou 1, la perte "
                    "devient nan ou inf. Bornez ŷ avec np.clip(y_hat, 1e-12, 1 - 1e-12).", unclipped),
            Mistake("bce_sign", "le signe moins a été oublié : la perte doit être positive. " + formula_loss,
                    lambda y, y_hat: -loss(y, y_hat)),
            Mistake("bce_sum_not_mean", "la somme n'est pas divisée par n (somme au lieu de moyenne). "
                    + formula_loss, lambda y, y_hat: len(y) * loss(y, y_hat)),
            Mistake("bce_only_positive_term", "le terme (1 − yᵢ) log(1 − ŷᵢ) manque. " + formula_loss,
                    lambda y, y_hat: float(-np.mean(y * np.log(np.clip(y_hat, EPS, 1 - EPS))))),
        ],
        "gradient": [
            Mistake("logistic_gradient_sign", "le signe est inversé : c'est (ŷ − y), pas (y − ŷ). " + formula_grad,
                    lambda x, y_hat, y: (-gradient(x, y_hat, y)[0], -gradient(x, y_hat, y)[1])),
            Mistake("logistic_gradient_not_divided_by_n", "le gradient n'est pas divisé par n. " + formula_grad,
                    lambda x, y_hat, y: (len(y) * gradient(x, y_hat, y)[0], len(y) * gradient(x, y_hat, y)[1])),
            Mistake("logistic_bias_not_summed", "dL/db n'est pas sommé sur les exemples : c'est un nombre, "
                    "la moyenne des (ŷᵢ − yᵢ). " + formula_grad,
                    lambda x, y_hat, y: (gradient(x, y_hat, y)[0], (y_hat - y) / len(y))),
            Mistake("logistic_bias_not_averaged_vector", "dL/db doit être un nombre (la moyenne des ŷᵢ − yᵢ), "
                    "pas le vecteur des écarts. " + formula_grad,
                    lambda x, y_hat, y: (gradient(x, y_hat, y)[0], y_hat - y)),
        ],
        "train": train_mistakes("logistic_train", lambda x: (np.zeros(x.shape[1]), 0.0), predict_proba, loss, gradient),
        "predict": [
            Mistake("predict_probabilities", "predict doit renvoyer des classes 0 ou 1, pas les probabilités ŷ : "
                    "seuil à 0,5.", lambda x, w, b: predict_proba(x, w, b)),
            Mistake("predict_inverted", "les classes sont inversées : la classe 1 correspond à ŷ ≥ 0,5.",
                    lambda x, w, b: 1 - predict(x, w, b)),
            Mistake("predict_threshold_zero", "le seuil 0 est appliqué à la probabilité ŷ, toujours positive : "
                    "tout est classé 1. Sur ŷ, le seuil est 0,5.",
                    lambda x, w, b: (predict_proba(x, w, b) >= 0).astype(int)),
        ],
    }


MISTAKES = _mistakes()
