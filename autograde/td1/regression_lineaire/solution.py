"""TD 1, notebook 2: simple linear regression ŷ = w·x + b trained by gradient descent.

Shapes: ``x: (N,)``, ``y: (N,)``, ``y_hat: (N,)``; ``w`` and ``b`` are numbers.
The loss is half the mean squared error, L = 1/(2N) Σ (ŷᵢ − yᵢ)², whose gradient is
dL/dw = 1/N Σ (ŷᵢ − yᵢ) xᵢ and dL/db = 1/N Σ (ŷᵢ − yᵢ).
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
    """ŷ = w·x + b. x: (N,) -> (N,)."""
    return w * x + b


def loss(y, y_hat):
    """L = 1/(2N) Σ (ŷᵢ − yᵢ)². y, y_hat: (N,) -> number."""
    return float(np.mean((y_hat - y) ** 2) / 2.0)


def gradient(x, y_hat, y):
    """(dL/dw, dL/db) = (1/N Σ (ŷᵢ − yᵢ) xᵢ, 1/N Σ (ŷᵢ − yᵢ)). x, y_hat, y: (N,) -> two numbers."""
    residual = y_hat - y
    return float(np.mean(residual * x)), float(np.mean(residual))


def train(x, y, eta, epochs):
    """Batch gradient descent from (W_INIT, B_INIT).

    Each epoch: predict, record the loss (before the update), compute the gradient, step.
    x, y: (N,). Returns (w, b, losses) with losses: (epochs,).
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


def numerical_gradient(f, theta, h=1e-5):
    """The course's numerical gradient, given to the students in this notebook and recalled by TD 2 to 7.

    f takes an array shaped like theta and returns a number; theta: any shape, left as it was given.
    Returns an array shaped like theta whose entry i is (f(θ + h eᵢ) − f(θ − h eᵢ)) / (2h).
    """
    grad = np.zeros(np.shape(theta))
    for i in np.ndindex(grad.shape):
        step = np.zeros(grad.shape)
        step[i] = h
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * h)
    return grad
