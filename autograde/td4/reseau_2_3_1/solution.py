"""TD 4, notebook 1: back-propagation by hand in the 2→3→1 sigmoid network with the MSE loss.

The sheet's network, for a batch of N examples stored one per row, with the course's convention
``Z = X @ W + b`` (W of shape (n_in, n_out), TD 1):

- ``X: (N, 2)``, ``y: (N, 1)`` (targets in [0, 1]);
- hidden layer ``W1: (2, 3)``, ``b1: (3,)``; output layer ``W2: (3, 1)`` (the sheet's W'), ``b2: (1,)`` (b');
- ``z1 = X W1 + b1: (N, 3)``, ``a1 = σ(z1): (N, 3)``, ``z2 = a1 W2 + b2: (N, 1)``, ``ŷ = σ(z2): (N, 1)``;
- ``L = 1/(2N) Σᵢ (ŷᵢ − yᵢ)²``, a number: the sheet's ½(ŷ − y)² averaged over the batch (equal for N = 1).

Gradients have the shapes of their parameters: dW1 (2, 3), db1 (3,), dW2 (3, 1), db2 (1,).
"""

import numpy as np

from ...td1.neurone.solution import sigmoid
from ...td1.regression_lineaire.solution import numerical_gradient  # TD 1's, recalled where used

LAYER_SIZES = (2, 3, 1)
TOLERANCE = 1e-7  # the sheet's target for the relative error between hand and numerical gradients
GUARD = 1e-12  # floor of the denominator of the relative error, for entries where both gradients are 0
XOR_SEED, XOR_ETA, XOR_EPOCHS = 1, 2.0, 5_000


def make_example(seed=0, N=8):
    """The notebook's batch and parameters for the gradient check: (X, y, W1, b1, W2, b2), drawn in this order."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 2))
    y = rng.uniform(size=(N, 1))
    W1 = rng.normal(size=(2, 3))
    b1 = rng.normal(size=3)
    W2 = rng.normal(size=(3, 1))
    b2 = rng.normal(size=1)
    return X, y, W1, b1, W2, b2


def forward(X, y, W1, b1, W2, b2):
    """Forward pass. Returns the tuple (z1, a1, z2, y_hat, L): (N, 3), (N, 3), (N, 1), (N, 1), number."""
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    y_hat = sigmoid(z2)
    L = float(np.mean((y_hat - y) ** 2) / 2.0)
    return z1, a1, z2, y_hat, L


def backward(X, y, W1, b1, W2, b2):
    """Gradients of L by the chain rule. Returns (dW1, db1, dW2, db2): (2, 3), (3,), (3, 1), (1,).

    dL/dŷ = (ŷ − y)/N; dL/dz2 = dL/dŷ · ŷ(1 − ŷ); dW2 = a1ᵀ dz2; db2 = Σ over the batch of dz2;
    dL/da1 = dz2 W2ᵀ; dL/dz1 = dL/da1 · a1(1 − a1); dW1 = Xᵀ dz1; db1 = Σ over the batch of dz1.
    """
    _, a1, _, y_hat, _ = forward(X, y, W1, b1, W2, b2)
    N = X.shape[0]
    dz2 = (y_hat - y) / N * y_hat * (1.0 - y_hat)
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2.T) * a1 * (1.0 - a1)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2


def count_parameters(layer_sizes):
    """Learnable parameters of a fully connected MLP with these layer sizes (input first, output last).

    Each layer n_k → n_{k+1} has n_k·n_{k+1} weights and n_{k+1} biases: Σ_k (n_k + 1)·n_{k+1}.
    (2, 3, 1) → 13.
    """
    sizes = list(layer_sizes)
    return int(sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))


def relative_error(analytic, numeric):
    """max over entries of |a − n| / max(GUARD, |a| + |n|): the worst entry, whatever the gradients' scale."""
    analytic, numeric = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    return float(np.max(np.abs(analytic - numeric) / np.maximum(GUARD, np.abs(analytic) + np.abs(numeric))))


def gradient_check(f, params, grads, h=1e-5):
    """The relative error between ``grads`` and the numerical gradient, one number per parameter.

    ``f(*params)`` is the loss; ``params`` and ``grads`` are tuples of arrays of the same shapes
    (``grads`` as ``backward`` returns them). Parameter k is checked alone: the other ones stay fixed.
    Returns a tuple of ``len(params)`` numbers.
    """
    errors = []
    for k, (param, grad) in enumerate(zip(params, grads)):

        def loss_of_one(theta, k=k):
            return f(*params[:k], theta, *params[k + 1 :])

        errors.append(relative_error(grad, numerical_gradient(loss_of_one, param, h)))
    return tuple(errors)


def train_xor(epochs=XOR_EPOCHS, eta=XOR_ETA, seed=XOR_SEED):
    """The notebook's closing demo: the 2→3→1 network trained on XOR with its hand gradients.

    Returns (W1, b1, W2, b2, losses)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    rng = np.random.default_rng(seed)
    W1, b1 = rng.normal(size=(2, 3)), np.zeros(3)
    W2, b2 = rng.normal(size=(3, 1)), np.zeros(1)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        losses[epoch] = forward(X, y, W1, b1, W2, b2)[-1]
        dW1, db1, dW2, db2 = backward(X, y, W1, b1, W2, b2)
        W1, b1, W2, b2 = W1 - eta * dW1, b1 - eta * db1, W2 - eta * dW2, b2 - eta * db2
    return W1, b1, W2, b2, losses
