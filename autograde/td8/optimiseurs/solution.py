"""TD 8, notebook 1: three update rules (plain gradient descent, momentum, Adam), a learning-rate
schedule, and a driver that records the path of an optimizer.

Shapes: ``theta``, ``grad``, ``velocity``, ``m``, ``v``: (D,) float arrays; ``t``: the number of the
current step, 1 at the first step; a path: (n_steps + 1, D), row 0 the starting point.

Update rules (η the learning rate):
- gradient descent: θ ← θ − η g;
- momentum: v ← β v + g, then θ ← θ − η v (the velocity accumulates the gradients);
- Adam: m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ),
  θ ← θ − η m̂ / (√v̂ + ε);
- step decay: η_epoch = η₀ · drop^⌊epoch / every⌋, epochs numbered from 0.

Training of TD 6's MLP (``train``): parameters ``params = (W1, b1, W2, b2)``, one example per row,
``X: (N, D)``, ``Y: (N, K)`` one-hot; the forward pass, the loss and the backward pass are TD 6's (given in
the notebook, without dropout or penalty). ``train`` draws ``rng = np.random.default_rng(seed)`` once,
``rng.permutation(N)`` every epoch (the last, smaller mini-batch kept); the learning rate of epoch e
(from 0) is ``step_decay(eta, e, drop, every)``; each of the four arrays has its own velocity (momentum)
or moments (Adam), zero at the start and kept from one epoch to the next; Adam's counter t counts the
mini-batches from 1 over the whole training. The history holds, after each epoch, the data loss on the
whole training set and on the whole validation set, with the parameters of the end of the epoch.

The two test functions of the notebook: TD 2's quartic f(w) = 0.25 w⁴ − 1.5 w³ − 1.25 w² + 6 w
(local minimum ≈ −1.2604, local maximum at 1, global minimum ≈ 4.7604) and the elongated bowl
f(x, y) = (x² + 25 y²) / 2, whose curvatures are 1 along x and 25 along y.
"""

import numpy as np

# TD 3's selection on the validation loss, which the student copies in: (eta, epochs) of the smallest one.
from ...td3.softmax_mnist.solution import best_setting  # noqa: F401

METHODS = ("sgd", "momentum", "adam")

# The notebook's experiments.
QUARTIC_START = np.array([-3.0])  # left of the local minimum of the quartic
QUARTIC_STEPS = 100
QUARTIC_HYPER = {"sgd": {"eta": 0.01}, "momentum": {"eta": 0.01, "beta": 0.9}, "adam": {"eta": 0.3}}
BOWL_CURVATURES = np.array([1.0, 25.0])
BOWL_START = np.array([-9.0, 1.5])
BOWL_STEPS = 50
BOWL_HYPER = {"sgd": {"eta": 0.07}, "momentum": {"eta": 0.03, "beta": 0.7}, "adam": {"eta": 0.5}}


def quartic(w):
    """TD 2's f(w) = 0.25 w⁴ − 1.5 w³ − 1.25 w² + 6 w, element-wise."""
    return 0.25 * w**4 - 1.5 * w**3 - 1.25 * w**2 + 6 * w


def quartic_gradient(w):
    """f'(w) = w³ − 4.5 w² − 2.5 w + 6, element-wise (w: (1,) in the optimizers)."""
    return w**3 - 4.5 * w**2 - 2.5 * w + 6


def bowl(theta):
    """f(x, y) = (x² + 25 y²) / 2. theta: (2,) -> number."""
    return 0.5 * float(np.sum(BOWL_CURVATURES * theta**2))


def bowl_gradient(theta):
    """∇f(x, y) = (x, 25 y). theta: (2,) -> (2,)."""
    return BOWL_CURVATURES * theta


def sgd_momentum_step(theta, grad, velocity, eta, beta):
    """One momentum step: v ← β v + g, θ ← θ − η v.

    theta, grad, velocity: (D,); eta, beta: numbers. Returns (theta, velocity), both (D,), new arrays.
    """
    velocity = beta * velocity + grad
    theta = theta - eta * velocity
    return theta, velocity


def adam_step(theta, grad, m, v, t, eta, beta1, beta2, eps):
    """One Adam step, t the number of this step (1 at the first step).

    m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g² (element-wise square),
    m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), θ ← θ − η m̂ / (√v̂ + ε).
    theta, grad, m, v: (D,). Returns (theta, m, v), each (D,).
    """
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    theta = theta - eta * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v


def step_decay(eta0, epoch, drop, every):
    """Learning rate of epoch ``epoch`` (numbered from 0): η₀ · drop^⌊epoch / every⌋.

    The rate is multiplied by ``drop`` (0 < drop < 1) every ``every`` epochs: epochs 0 … every − 1
    use η₀, the next ``every`` epochs η₀·drop, and so on. eta0, drop: numbers; epoch, every: ints.
    """
    return eta0 * drop ** (epoch // every)


def optimize(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
    """The path of ``method`` ("sgd", "momentum" or "adam") from theta0, n_steps steps.

    grad_f: a function of a (D,) array returning the gradient, (D,); theta0: (D,) (copied, as floats).
    ``beta`` is momentum's β and Adam's β₁; ``beta2`` and ``eps`` are Adam's. The velocity and the
    moments start at zero; Adam's step counter t runs from 1 to n_steps.
    Returns the path, a float array (n_steps + 1, D) whose row 0 is theta0.
    """
    theta = np.array(theta0, dtype=float)
    path = [theta.copy()]
    velocity = np.zeros_like(theta)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, n_steps + 1):
        grad = grad_f(theta)
        if method == "sgd":
            theta = theta - eta * grad
        elif method == "momentum":
            theta, velocity = sgd_momentum_step(theta, grad, velocity, eta, beta)
        elif method == "adam":
            theta, m, v = adam_step(theta, grad, m, v, t, eta, beta, beta2, eps)
        else:
            raise ValueError(f"unknown method {method!r}")
        path.append(theta.copy())
    return np.array(path)


# ---------------------------------------------------------------- TD 6's MLP, trained by each optimizer
NUM_CLASSES = 10
N_SUBSET = 5000  # images kept out of the data set (all of them when there are fewer)
SPLIT_SEED = 0  # the subset, then 60 / 20 / 20 % stratified
HIDDEN = 32
INIT_SEED = 0
BATCH_SIZE = 32
EPOCHS = 20  # every setting is trained this long; the model selection chooses the epoch
BETA, BETA2, EPS = 0.9, 0.999, 1e-8  # momentum's β, Adam's β₁ (the same), β₂ and ε
ETAS = {"sgd": (0.03, 0.1, 0.3, 1.0), "momentum": (0.003, 0.01, 0.03), "adam": (0.0003, 0.001, 0.003)}
DECAY = {"drop": 0.5, "every": 5}
TINY = 20  # the sanity check: a training set this small must be learnt by heart
TINY_EPOCHS, TINY_ETA = 100, 0.01  # with Adam


def one_hot(labels, num_classes=NUM_CLASSES):
    """labels: (N,) integers -> (N, num_classes), 1 in the column of each label."""
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


def softmax(Z):
    """Row-wise softmax, shifted by the row maximum. Z: (N, K) -> (N, K)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def init_params(n_in, n_hidden, n_out, seed=INIT_SEED):
    """TD 6's He initialisation (W1 drawn before W2), zero biases. Returns (W1, b1, W2, b2)."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_hidden))
    W2 = rng.normal(0.0, np.sqrt(2.0 / n_hidden), size=(n_hidden, n_out))
    return W1, np.zeros(n_hidden), W2, np.zeros(n_out)


def forward(X, params):
    """TD 6's forward pass, without dropout. Returns (P (N, K), cache = (Z1, A1))."""
    W1, b1, W2, b2 = params
    Z1 = X @ W1 + b1
    A1 = np.maximum(0.0, Z1)
    return softmax(A1 @ W2 + b2), (Z1, A1)


def loss(Y, P):
    """Mean cross-entropy, P clipped to [1e-12, 1]. Y, P: (N, K) -> number."""
    return float(-np.sum(Y * np.log(np.clip(P, 1e-12, 1.0))) / len(Y))


def backward(X, Y, params, P, cache):
    """TD 6's backward pass of ``loss``: (dW1, db1, dW2, db2), shaped like params."""
    _, _, W2, _ = params
    Z1, A1 = cache
    dZ2 = (P - Y) / len(X)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    return X.T @ dZ1, dZ1.sum(axis=0), A1.T @ dZ2, dZ2.sum(axis=0)


def train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size=BATCH_SIZE, drop=1.0, every=1, seed=0):
    """Mini-batch training of the MLP from ``params`` (not modified) with ``method``.

    X: (N, D), Y: (N, K) one-hot, likewise X_val, Y_val; params = (W1, b1, W2, b2); method "sgd",
    "momentum" (β = BETA) or "adam" (BETA, BETA2, EPS); the rate of epoch e is step_decay(eta, e, drop,
    every) (the defaults keep it constant). Returns (params, history), history = {"train_loss": [...],
    "val_loss": [...]}, one value per epoch: ``loss`` on the whole set after the epoch.
    """
    rng = np.random.default_rng(seed)
    velocities = [np.zeros_like(p) for p in params]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    history = {"train_loss": [], "val_loss": []}
    t = 0
    for epoch in range(epochs):
        rate = step_decay(eta, epoch, drop, every)
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            P, cache = forward(X[batch], params)
            grads = backward(X[batch], Y[batch], params, P, cache)
            t += 1
            new_params = []
            for i, (theta, grad) in enumerate(zip(params, grads)):
                if method == "sgd":
                    theta = theta - rate * grad
                elif method == "momentum":
                    theta, velocities[i] = sgd_momentum_step(theta, grad, velocities[i], rate, BETA)
                elif method == "adam":
                    theta, ms[i], vs[i] = adam_step(theta, grad, ms[i], vs[i], t, rate, BETA, BETA2, EPS)
                else:
                    raise ValueError(f"unknown method {method!r}")
                new_params.append(theta)
            params = tuple(new_params)
        history["train_loss"].append(loss(Y, forward(X, params)[0]))
        history["val_loss"].append(loss(Y_val, forward(X_val, params)[0]))
    return params, history


def split(images, labels, seed=SPLIT_SEED):
    """(X_train, X_val, X_test, y_train, y_val, y_test): a random subset of at most N_SUBSET images,
    pixels / 255, split 60 / 20 / 20 % stratified by label."""
    from sklearn.model_selection import train_test_split

    keep = np.random.default_rng(seed).permutation(len(images))[: min(N_SUBSET, len(images))]
    X, y = images[keep] / 255.0, labels[keep]
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.25, random_state=seed, stratify=y_rest
    )
    return X_train, X_val, X_test, y_train, y_val, y_test
