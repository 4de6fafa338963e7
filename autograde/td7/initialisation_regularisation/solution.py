"""TD 7, notebook 1: He initialisation, inverted dropout and the L2 penalty on TD 6's multilayer perceptron,
and the setting chosen on the validation loss.

Shapes: ``X: (N, D)``, ``Y: (N, K)`` one-hot, hidden layer of ``H`` ReLU units; ``params = (W1, b1, W2, b2)``
with ``W1: (D, H)``, ``b1: (H,)``, ``W2: (H, K)``, ``b2: (K,)`` (one example per row, ``Z = X W + b``).

TD 6's network (given in the notebook, its deadline passed)::

    Z1 = X W1 + b1            (N, H)
    A1 = ReLU(Z1) * mask      (N, H)   mask = 1 at prediction, inverted-dropout mask at training time
    P  = softmax(A1 W2 + b2)  (N, K)

Training minimises the mean cross-entropy plus the L2 penalty λ/2 (‖W1‖² + ‖W2‖²) (biases not penalised),
whose gradient λW is added to the weights' gradients. ``train`` returns the per-epoch history
``{"train_loss": [...], "val_loss": [...]}``: the cross-entropy alone (no penalty, no dropout) on the whole
set, with the parameters at the end of each epoch.

Why He: for z = Σⱼ wⱼ aⱼ with n_in independent, centred weights of variance σ², Var(z) = n_in σ² E[a²]; for a
z symmetric about 0, E[ReLU(z)²] = Var(z) / 2; the scale is kept from layer to layer when n_in σ² = 2.
"""

import numpy as np

NUM_CLASSES = 10
TEST_SIZE = 0.2  # TD 3's split of the digits: 80 % training, 20 % test, random_state=42
SPLIT_SEED = 42
VAL_SIZE = 0.2  # TD 3's validation part of the training digits, random_state=0
VAL_SEED = 0
EPS = 1e-12  # P is clipped to [EPS, 1] so that log never sees 0

HIDDEN = 128
INIT_SEED = 0
ETA = 0.1
BATCH_SIZE = 32
MAX_EPOCHS = 30  # the grid of epochs: beyond the smallest validation loss of every setting
SEED = 0  # seed of the generator that shuffles the training set (and draws the dropout masks)
# The settings compared on the validation loss: (λ, p_drop).
SETTINGS = {
    "sans régularisation": (0.0, 0.0),
    "L2, λ = 1e-3": (1e-3, 0.0),
    "L2, λ = 1e-2": (1e-2, 0.0),
    "dropout, p = 0,2": (0.0, 0.2),
}


def one_hot(labels, num_classes):
    """Y[i, k] = 1 if labels[i] == k else 0. labels: (N,) integers -> (N, num_classes)."""
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


def relu(Z):
    """max(0, Z), entry by entry."""
    return np.maximum(0.0, Z)


def softmax(Z):
    """Row-wise softmax, the row's maximum subtracted first. Z: (N, K) -> (N, K)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


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


def l2_penalty(params, lam):
    """The L2 penalty λ/2 (‖W1‖² + ‖W2‖²) and its gradient with respect to (W1, b1, W2, b2).

    Returns (penalty, (λ W1, 0, λ W2, 0)), each gradient shaped like its parameter: the biases are not
    penalised.
    """
    W1, b1, W2, b2 = params
    penalty = lam / 2.0 * (np.sum(W1**2) + np.sum(W2**2))
    return float(penalty), (lam * W1, np.zeros_like(b1), lam * W2, np.zeros_like(b2))


def forward(X, params, p_drop=0.0, rng=None):
    """TD 6's forward pass. X: (N, D). Returns (P (N, K), cache = (Z1, A1, mask), each (N, H)).

    A generator is given only at training time, so it also says whether dropout applies.
    """
    W1, b1, W2, b2 = params
    Z1 = X @ W1 + b1
    A1, mask = dropout(relu(Z1), p_drop, rng, training=rng is not None)
    return softmax(A1 @ W2 + b2), (Z1, A1, mask)


def cross_entropy(Y, P):
    """Mean cross-entropy, P clipped to [EPS, 1]. Y, P: (N, K) -> number."""
    return float(-np.sum(Y * np.log(np.clip(P, EPS, 1.0))) / len(Y))


def backward(X, Y, params, P, cache):
    """TD 6's gradients of the mean cross-entropy with respect to (W1, b1, W2, b2), through the mask."""
    _, _, W2, _ = params
    Z1, A1, mask = cache
    dZ2 = (P - Y) / len(X)
    dZ1 = (dZ2 @ W2.T) * mask * (Z1 > 0)
    return X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)


def train(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=SEED, X_val=None, Y_val=None):
    """TD 6's mini-batch gradient descent, with the L2 penalty and dropout. Returns (params, history).

    One ``rng = np.random.default_rng(seed)`` shuffles every epoch and draws the dropout masks. After each
    epoch, history["train_loss"] and history["val_loss"] get the cross-entropy of the whole (X, Y) and
    (X_val, Y_val) with the current parameters (no penalty, no dropout; val_loss stays empty without X_val).
    """
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            P, cache = forward(X[batch], params, p_drop, rng)
            grads = backward(X[batch], Y[batch], params, P, cache)
            _, penalty_grads = l2_penalty(params, lam)
            params = tuple(theta - eta * (g + r) for theta, g, r in zip(params, grads, penalty_grads))
        history["train_loss"].append(cross_entropy(Y, forward(X, params)[0]))
        if X_val is not None:
            history["val_loss"].append(cross_entropy(Y_val, forward(X_val, params)[0]))
    return params, history


def predict(X, params):
    """The most probable class of each row (no dropout). X: (N, D) -> (N,) integers."""
    return forward(X, params)[0].argmax(axis=1)


def accuracy(y_true, y_pred):
    """The fraction of right predictions."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def best_setting(val_losses):
    """TD 3's selection: {setting: [validation loss after epoch 1, 2, …]} -> (setting, epochs) of the smallest
    loss, epochs counted from 1; ties: the fewest epochs, then the first setting in the dict's order."""
    best = None
    for setting, losses in val_losses.items():
        for epochs, value in enumerate(losses, start=1):
            if best is None or value < best[0] or (value == best[0] and epochs < best[2]):
                best = (value, setting, epochs)
    return best[1], best[2]


def make_data(path=None):
    """(X_rest, X_test, y_rest, y_test) as in TD 3: MNIST (or its fallback), 80 % / 20 %, pixels / 255."""
    from sklearn.model_selection import train_test_split

    from ...mnist import load_mnist

    images, labels = load_mnist(path)
    X_rest, X_test, y_rest, y_test = train_test_split(images, labels, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    return X_rest / 255.0, X_test / 255.0, y_rest, y_test


def validation_split(X_rest, y_rest):
    """(X_train, X_val, y_train, y_val): TD 3's validation part, 20 % of the rest, random_state=0. ``X_train`` is
    what the weights learn on, in every TD."""
    from sklearn.model_selection import train_test_split

    return train_test_split(X_rest, y_rest, test_size=VAL_SIZE, random_state=VAL_SEED)


def select_and_train(path=None):
    """The notebook's experiment: every setting trained MAX_EPOCHS epochs on X_train, the (setting, epochs) of
    smallest validation loss trained again from the same start and seed (the very weights validated), its test
    accuracy read once. Returns (histories, setting, epochs, test accuracy)."""
    X_rest, X_test, y_rest, y_test = make_data(path)
    X_train, X_val, y_train, y_val = validation_split(X_rest, y_rest)
    Y_train, Y_val = one_hot(y_train, NUM_CLASSES), one_hot(y_val, NUM_CLASSES)
    histories = {}
    for name, (lam, p_drop) in SETTINGS.items():
        start = init_params(X_train.shape[1], HIDDEN, NUM_CLASSES, INIT_SEED)
        _, histories[name] = train(
            X_train, Y_train, start, ETA, MAX_EPOCHS, BATCH_SIZE, lam, p_drop, SEED, X_val, Y_val
        )
    name, epochs = best_setting({name: h["val_loss"] for name, h in histories.items()})
    lam, p_drop = SETTINGS[name]
    start = init_params(X_train.shape[1], HIDDEN, NUM_CLASSES, INIT_SEED)
    params, _ = train(X_train, Y_train, start, ETA, epochs, BATCH_SIZE, lam, p_drop, SEED)
    return histories, name, epochs, accuracy(y_test, predict(X_test, params))
