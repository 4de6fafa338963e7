"""TD 6, notebook 1: a multilayer perceptron with one hidden layer, in numpy, trained on MNIST.

Shapes: ``X: (N, D)``, ``Y: (N, K)`` one-hot, hidden layer of ``H`` ReLU units.
Parameters are the tuple ``params = (W1, b1, W2, b2)`` with ``W1: (D, H)``, ``b1: (H,)``,
``W2: (H, K)``, ``b2: (K,)`` (row convention: one example per row, ``Z = X W + b``).

Forward pass::

    Z1 = X W1 + b1            (N, H)
    A1 = ReLU(Z1)             (N, H)
    P  = softmax(A1 W2 + b2)  (N, K)

Loss: TD 3's mean cross-entropy, L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ, P clipped to [1e-12, 1] (given in the notebook).

Gradients: dZ2 = (P − Y)/N; dW2 = A1ᵀ dZ2; db2 = Σᵢ dZ2; dA1 = dZ2 W2ᵀ; dZ1 = dA1 ⊙ 1[Z1 > 0];
dW1 = Xᵀ dZ1; db1 = Σᵢ dZ1.

Training returns its per-epoch history, both curves measured the same way: the loss on the whole
training set and on the whole validation set with the parameters at the END of each epoch.

Model selection (the course's one way, TD 3's ``best_setting``): η and the number of epochs chosen
together, on the validation loss; early stopping then trains the retained η epoch by epoch and keeps
the weights of the first epoch of smallest validation loss; the test set is read once, at the end.

Initialisation: given, NOT He (TD 7 derives He's scale): weights normal with a small fixed standard
deviation ``INIT_STD``, zero biases. Small weights make the first logits almost zero, so that the loss
of the untrained network is close to log K, the first sanity check of the notebook.

Constants the notebook fixes: MNIST split ``train_test_split(images, labels, test_size=0.2,
random_state=42)`` (TD 3's), pixels / 255, validation split of the training images (20 %,
``random_state=0``, TD 3's); H = 128, mini-batches of 32, η ∈ ETAS over EPOCHS epochs each, shuffling
seed 0; early stopping with a patience of PATIENCE epochs and at most MAX_EPOCHS epochs.
"""

import numpy as np

from ...td1.regression_lineaire.solution import numerical_gradient  # noqa: F401 - TD 1's, recalled where used

# The MNIST split, its validation part, the one-hot labels, the stable softmax and the cross-entropy are
# TD 3's, taken up as they are.
from ...td3.softmax_mnist.solution import (  # noqa: F401
    EPS,
    NUM_CLASSES,
    SPLIT_SEED,
    TEST_SIZE,
    cross_entropy,
    make_data,
    one_hot,
    softmax,
    validation_split,
)

HIDDEN = 128
INIT_SEED = 0
INIT_STD = 0.01  # a small fixed scale, the same for both layers (TD 7 chooses it by layer: He)
BATCH_SIZE = 32
ETAS = (0.01, 0.1, 0.5)  # the learning rates the notebook compares
EPOCHS = 30  # the epochs of each learning rate's curve: beyond the minimum of the retained one
SEED = 0  # seed of the generator that shuffles the training set
# What the notebook's selection retains on the MNIST digits of data/mnist (asserted in tests/unit/test_td6_mlp.py;
# benchmarks/mnist_models.py trains it).
RETAINED_ON_DATA_MNIST = (0.5, 10)
PATIENCE = 5
MAX_EPOCHS = 60
SMALL_N = 50  # the tiny subset the network must learn by heart (sanity check)
SMALL_EPOCHS = 200
SMALL_ETA = 0.5


def init_params(n_in, n_hidden, n_out, seed=INIT_SEED):
    """The notebook's given initialisation: weights N(0, INIT_STD²), W1 drawn before W2 from
    ``np.random.default_rng(seed)``, zero biases. Returns (W1, b1, W2, b2)."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, INIT_STD, size=(n_in, n_hidden))
    W2 = rng.normal(0.0, INIT_STD, size=(n_hidden, n_out))
    return W1, np.zeros(n_hidden), W2, np.zeros(n_out)


def relu(Z):
    """max(0, Z), entry by entry."""
    return np.maximum(0.0, Z)


def forward(X, params):
    """Forward pass. X: (N, D). Returns (P (N, K), cache = (Z1, A1), each (N, H))."""
    W1, b1, W2, b2 = params
    Z1 = X @ W1 + b1
    A1 = relu(Z1)
    P = softmax(A1 @ W2 + b2)
    return P, (Z1, A1)


def loss(Y, P):
    """TD 3's mean cross-entropy, given in the notebook. Y, P: (N, K) -> number."""
    return cross_entropy(Y, P)


def backward(X, Y, params, P, cache):
    """Gradients of ``loss`` with respect to (W1, b1, W2, b2), same shapes as params.

    X: (N, D), Y, P: (N, K), cache = (Z1, A1) of ``forward``.
    """
    _, _, W2, _ = params
    Z1, A1 = cache
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2


def train(X, Y, X_val, Y_val, params, eta, epochs, batch_size, seed=SEED):
    """Mini-batch gradient descent from ``params`` (not modified). X: (N, D), Y: (N, K); X_val, Y_val alike.

    ``rng = np.random.default_rng(seed)`` is created once; every epoch draws
    ``order = rng.permutation(N)`` and visits the mini-batches ``order[start:start + batch_size]`` for
    ``start`` in ``range(0, N, batch_size)`` (the last one may be smaller); for each: forward, backward,
    then θ ← θ − η dL/dθ for the four arrays. At the END of each epoch, the loss on the whole of (X, Y)
    and on the whole of (X_val, Y_val), with the parameters as they are then.
    Returns (params, history), history = {"train_loss": [one number per epoch], "val_loss": [...]}.
    """
    n = len(X)
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            P, cache = forward(X[batch], params)
            grads = backward(X[batch], Y[batch], params, P, cache)
            params = tuple(theta - eta * g for theta, g in zip(params, grads))
        history["train_loss"].append(loss(Y, forward(X, params)[0]))
        history["val_loss"].append(loss(Y_val, forward(X_val, params)[0]))
    return params, history


def predict(X, params):
    """The most probable class of each row. X: (N, D) -> (N,) integers."""
    return forward(X, params)[0].argmax(axis=1)


def accuracy(y_true, y_pred):
    """The fraction of right predictions. y_true, y_pred: (N,) -> number."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def best_setting(val_losses):
    """TD 3's model selection, recalled: val_losses = {eta: [loss after epoch 1, 2, …]} -> (eta, epochs)
    of the smallest validation loss, epochs counted from 1; ties: the fewest epochs, then the first η
    in the dict's order."""
    best = None
    for eta, losses in val_losses.items():
        for epochs, value in enumerate(losses, start=1):
            if best is None or (value, epochs) < (best[0], best[2]):
                best = (value, eta, epochs)
    return best[1], best[2]


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


def model_selection(X_train, Y_train, X_val, Y_val, etas=ETAS, epochs=EPOCHS, hidden=HIDDEN):
    """The notebook's grid: one training per η from the same start; returns {eta: history}."""
    start = init_params(X_train.shape[1], hidden, Y_train.shape[1], INIT_SEED)
    return {eta: train(X_train, Y_train, X_val, Y_val, start, eta, epochs, BATCH_SIZE, SEED)[1] for eta in etas}


def early_stopping_run(X_train, Y_train, X_val, Y_val, eta, hidden=HIDDEN):
    """The notebook's early stopping on the retained η: one epoch per call of ``train`` (shuffling seed =
    the epoch's index), at most MAX_EPOCHS. Returns (best_epoch, val_losses, the weights of the best epoch)."""
    params = init_params(X_train.shape[1], hidden, Y_train.shape[1], INIT_SEED)
    val_losses, best_params = [], params
    for epoch in range(MAX_EPOCHS):
        params, history = train(X_train, Y_train, X_val, Y_val, params, eta, 1, BATCH_SIZE, seed=epoch)
        val_losses += history["val_loss"]
        best_epoch, stop = early_stopping(val_losses, PATIENCE)
        if best_epoch == epoch:
            best_params = params
        if stop:
            break
    return best_epoch, val_losses, best_params


def digits_data(seed=0):
    """Small fast data set for the hidden quality check of train: load_digits / 16, 75 % / 25 %."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    return train_test_split(digits.data / 16.0, digits.target, test_size=0.25, random_state=seed)
