"""TD 1, notebook 2: simple linear regression ŷ = w·x + b trained by gradient descent.

Shapes: ``x: (n,)``, ``y: (n,)``, ``y_hat: (n,)``; ``w`` and ``b`` are numbers.
The loss is half the mean squared error, L = 1/(2n) Σ (ŷᵢ − yᵢ)², whose gradient is
dL/dw = 1/n Σ (ŷᵢ − yᵢ) xᵢ and dL/db = 1/n Σ (ŷᵢ − yᵢ).
"""
import numpy as np

# The notebook fixes the starting point, so that training is deterministic and gradable.
W_INIT = 0.0
B_INIT = 0.0
ETA = 0.001
EPOCHS = 10_000


def make_data(n=100, seed=0):
    """The notebook's data set: x uniform on [-3, 3], y = 2x + 1 + Gaussian noise (σ = 0.8)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=n)
    y = 2.0 * x + 1.0 + rng.normal(0.0, 0.8, size=n)
    return x, y


def predict(x, w, b):
    """ŷ = w·x + b. x: (n,) -> (n,)."""
    return w * x + b


def loss(y, y_hat):
    """L = 1/(2n) Σ (ŷᵢ − yᵢ)². y, y_hat: (n,) -> number."""
    return float(np.mean((y_hat - y) ** 2) / 2.0)


def gradient(x, y_hat, y):
    """(dL/dw, dL/db) = (1/n Σ (ŷᵢ − yᵢ) xᵢ, 1/n Σ (ŷᵢ − yᵢ)). x, y_hat, y: (n,) -> two numbers."""
    residual = y_hat - y
    return float(np.mean(residual * x)), float(np.mean(residual))


def train(x, y, eta, epochs):
    """Batch gradient descent from (W_INIT, B_INIT).

    Each epoch: predict, record the loss (before the update), compute the gradient, step.
    x, y: (n,). Returns (w, b, losses) with losses: (epochs,).
    """
    w, b = W_INIT, B_INIT
    losses = np.empty(epochs)
    for epoch in range(epochs):
        y_hat = predict(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w -= eta * dw
        b -= eta * db
    return w, b, losses


def _mistakes():
    from ..checking import Mistake
    from .wrong_training import train_mistakes

    formula_loss = "Rappel : L = 1/(2n) Σ (ŷᵢ − yᵢ)²."
    formula_grad = "Rappel : dL/dw = 1/n Σ (ŷᵢ − yᵢ)·xᵢ et dL/db = 1/n Σ (ŷᵢ − yᵢ)."
    return {
        "loss": [
            Mistake("loss_forgot_half", "le facteur 1/2 a été oublié. " + formula_loss,
                    lambda y, y_hat: np.mean((y_hat - y) ** 2)),
            Mistake("loss_sum_not_mean", "la somme n'est pas divisée par n (somme au lieu de moyenne). "
                    + formula_loss, lambda y, y_hat: np.sum((y_hat - y) ** 2) / 2),
            Mistake("loss_sum_no_half", "ni la division par n ni le facteur 1/2 ne sont appliqués. "
                    + formula_loss, lambda y, y_hat: np.sum((y_hat - y) ** 2)),
            Mistake("loss_not_squared", "les écarts ne sont pas élevés au carré. " + formula_loss,
                    lambda y, y_hat: np.mean(y_hat - y) / 2),
        ],
        "gradient": [
            Mistake("gradient_sign", "le signe est inversé : on dérive (ŷ − y)², ce qui donne (ŷ − y), "
                    "pas (y − ŷ). " + formula_grad,
                    lambda x, y_hat, y: tuple(-g for g in gradient(x, y_hat, y))),
            Mistake("gradient_not_divided_by_n", "le gradient n'est pas divisé par le nombre d'exemples n. "
                    + formula_grad, lambda x, y_hat, y: tuple(len(y) * g for g in gradient(x, y_hat, y))),
            Mistake("gradient_factor_two", "un facteur 2 apparaît : avec le 1/2 de la perte, il se simplifie. "
                    + formula_grad, lambda x, y_hat, y: tuple(2 * g for g in gradient(x, y_hat, y))),
            Mistake("gradient_w_without_x", "dL/dw doit être multiplié par xᵢ dans la somme. " + formula_grad,
                    lambda x, y_hat, y: (float(np.mean(y_hat - y)), float(np.mean(y_hat - y)))),
            Mistake("gradient_swapped", "les deux composantes sont inversées : la fonction doit renvoyer "
                    "(dL/dw, dL/db), dans cet ordre.", lambda x, y_hat, y: gradient(x, y_hat, y)[::-1]),
        ],
        "train": train_mistakes("train", lambda x: (W_INIT, B_INIT), predict, loss, gradient),
    }


MISTAKES = _mistakes()
