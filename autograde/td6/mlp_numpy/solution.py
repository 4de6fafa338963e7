"""TD 6, notebook 1: a multilayer perceptron with one hidden layer, in numpy, trained on MNIST.

Shapes: ``X: (N, D)``, ``Y: (N, K)`` one-hot, hidden layer of ``H`` ReLU units.
Parameters are the tuple ``params = (W1, b1, W2, b2)`` with ``W1: (D, H)``, ``b1: (H,)``,
``W2: (H, K)``, ``b2: (K,)`` (row convention: one example per row, ``Z = X W + b``).

Forward pass (dropout on the hidden layer at training time only)::

    Z1 = X W1 + b1            (N, H)
    A1 = ReLU(Z1) * mask      (N, H)   mask = 1 at test time, inverted-dropout mask at training time
    P  = softmax(A1 W2 + b2)  (N, K)

Loss: mean cross-entropy plus L2 on the weights (not the biases),
L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ + λ/2 (‖W1‖² + ‖W2‖²), P clipped to [1e-12, 1].

Gradients: dZ2 = (P − Y)/N; dW2 = A1ᵀ dZ2 + λ W2; db2 = Σᵢ dZ2; dA1 = dZ2 W2ᵀ;
dZ1 = dA1 ⊙ mask ⊙ 1[Z1 > 0]; dW1 = Xᵀ dZ1 + λ W1; db1 = Σᵢ dZ1.

Early stopping watches the validation loss after every epoch: the best epoch is the first one of
smallest validation loss, and training stops once ``patience`` epochs have followed it without a
smaller one; the weights of the best epoch are kept.

Constants the notebook fixes: He initialisation with ``rng = np.random.default_rng(seed)``, W1 drawn
before W2 (``rng.normal(0, sqrt(2 / fan_in), size)``), zero biases, seed 0; MNIST split
``train_test_split(images, labels, test_size=0.2, random_state=42)`` (TD 3's), pixels / 255, H = 128,
η = 0.1, mini-batches of 32, EPOCHS epochs, λ = 0, no dropout, shuffling seed 0; the validation split
carved from the training set (20 %, ``random_state=0``); early stopping with a patience of PATIENCE epochs
and at most MAX_EPOCHS epochs.
"""

import numpy as np

from ...td1.regression_lineaire.solution import numerical_gradient  # noqa: F401 - TD 1's, recalled where used

# The MNIST split, its validation part, the one-hot labels and the stable softmax are TD 3's, taken up as they are.
from ...td3.softmax_mnist.solution import (  # noqa: F401
    EPS,
    NUM_CLASSES,
    SPLIT_SEED,
    TEST_SIZE,
    make_data,
    one_hot,
    softmax,
    validation_split,
)

HIDDEN = 128
INIT_SEED = 0
ETA = 0.1
BATCH_SIZE = 32
EPOCHS = 20
LAM = 0.0
P_DROP = 0.0
SEED = 0  # seed of the generator that shuffles the training set (and draws the dropout masks)
PATIENCE = 5
MAX_EPOCHS = 40


def relu(Z):
    """max(0, Z), entry by entry."""
    return np.maximum(0.0, Z)


def init_params(n_in, n_hidden, n_out, seed=INIT_SEED):
    """He initialisation: W ~ N(0, 2 / fan_in) (std sqrt(2 / fan_in)), biases 0.

    ``rng = np.random.default_rng(seed)``; W1 (n_in, n_hidden) is drawn first, then W2 (n_hidden, n_out).
    Returns (W1, b1, W2, b2).
    """
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_hidden))
    W2 = rng.normal(0.0, np.sqrt(2.0 / n_hidden), size=(n_hidden, n_out))
    return W1, np.zeros(n_hidden), W2, np.zeros(n_out)


def dropout(A, p, rng, training=True):
    """Inverted dropout. A: (N, H). Returns (A * mask, mask), mask: (N, H).

    Training: ``u = rng.random(A.shape)``; a unit is kept where u >= p (p = probability of
    DROPPING it) and the kept ones are divided by 1 − p, so that the expected activation is unchanged:
    mask = (u >= p) / (1 − p). At test time (training=False): no draw, mask = 1, A unchanged.
    """
    if not training:
        return A, np.ones_like(A)
    mask = (rng.random(A.shape) >= p) / (1.0 - p)
    return A * mask, mask


def forward(X, params, p_drop=0.0, rng=None):
    """Forward pass. X: (N, D). Returns (P (N, K), cache = (Z1, A1, mask), each (N, H)).

    A generator is given only at training time, so it also says whether dropout applies:
    ``A1, mask = dropout(ReLU(Z1), p_drop, rng, training=rng is not None)``.
    """
    W1, b1, W2, b2 = params
    Z1 = X @ W1 + b1
    A1, mask = dropout(relu(Z1), p_drop, rng, training=rng is not None)
    P = softmax(A1 @ W2 + b2)
    return P, (Z1, A1, mask)


def loss(Y, P, params, lam=0.0):
    """Mean cross-entropy + λ/2 (‖W1‖² + ‖W2‖²) (biases not penalised). Y, P: (N, K) -> number."""
    W1, _, W2, _ = params
    data = -np.sum(Y * np.log(np.clip(P, EPS, 1.0))) / len(Y)
    return float(data + lam / 2.0 * (np.sum(W1**2) + np.sum(W2**2)))


def backward(X, Y, params, P, cache, lam=0.0):
    """Gradients of ``loss`` with respect to (W1, b1, W2, b2), same shapes as params.

    X: (N, D), Y, P: (N, K), cache = (Z1, A1, mask) of ``forward``.
    """
    W1, _, W2, _ = params
    Z1, A1, mask = cache
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2 + lam * W2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ W2.T) * mask * (Z1 > 0)
    dW1 = X.T @ dZ1 + lam * W1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2


def train(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=SEED):
    """Mini-batch gradient descent from ``params`` (not modified). X: (N, D), Y: (N, K).

    ``rng = np.random.default_rng(seed)`` is created once; every epoch draws
    ``order = rng.permutation(N)`` and visits the mini-batches ``order[start:start + batch_size]`` for
    ``start`` in ``range(0, N, batch_size)`` (the last one may be smaller). For each mini-batch:
    ``forward(Xb, params, p_drop, rng)`` (training mode: dropout masks from the same rng), its loss
    (recorded before the update), ``backward``, then θ ← θ − η dL/dθ for the four arrays.
    Returns (params, losses), ``losses[epoch]`` the plain mean of the epoch's mini-batch losses: (epochs,).
    """
    n = len(X)
    rng = np.random.default_rng(seed)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        batch_losses = []
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            P, cache = forward(X[batch], params, p_drop, rng)
            batch_losses.append(loss(Y[batch], P, params, lam))
            grads = backward(X[batch], Y[batch], params, P, cache, lam)
            params = tuple(theta - eta * g for theta, g in zip(params, grads))
        losses[epoch] = np.mean(batch_losses)
    return params, losses


def predict(X, params):
    """The most probable class of each row (no dropout). X: (N, D) -> (N,) integers."""
    return forward(X, params)[0].argmax(axis=1)


def accuracy(y_true, y_pred):
    """The fraction of right predictions. y_true, y_pred: (N,) -> number."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def early_stopping(val_losses, patience):
    """(best_epoch, stop) after the epochs whose validation losses are ``val_losses`` (a sequence, one
    number per epoch, at least one).

    best_epoch: the index of the smallest validation loss so far, the first one when several are equal
    (a later equal loss is no improvement). stop: True once the ``patience`` epochs after best_epoch
    have all gone by without a smaller loss, i.e. len(val_losses) − 1 − best_epoch ≥ patience.
    """
    best_epoch = 0
    wait = 0  # epochs since best_epoch, none of them better
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best_epoch]:  # strictly: an equal loss is no improvement
            best_epoch = epoch
            wait = 0
        else:
            wait += 1
    return best_epoch, wait >= patience


def digits_data(seed=0):
    """Small fast data set for the hidden quality check of train: load_digits / 16, 75 % / 25 %."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    return train_test_split(digits.data / 16.0, digits.target, test_size=0.25, random_state=seed)
