"""TD 8, notebook 2: L1 and L2 penalties, and SGD, momentum and Adam compared on MNIST.

Model: softmax regression, ``Z = X W + b`` with ``X: (N, D)``, ``W: (D, K)``, ``b: (K,)``; loss the
mean cross-entropy, plus a penalty on W only (never on b):
- L2: R(W) = (λ/2) Σ W², gradient λ W;
- L1: R(W) = λ Σ |W|, gradient λ sign(W), taken as 0 where W is exactly 0.

Data: a subset of MNIST (``N_SUBSET`` images, fewer with the load_digits fallback), pixels / 255, split
into training, validation and test sets (``split``). Hyperparameters are chosen on the validation set;
the test set is used once, at the end.
"""

import numpy as np

NUM_CLASSES = 10
N_SUBSET = 5000  # images kept out of the data set (all of them when there are fewer)
VAL_SIZE = 0.2  # of the subset
TEST_SIZE = 0.2  # of the subset
SPLIT_SEED = 0
BATCH_SIZE = 100
EPOCHS = 10
SEED = 0  # initial weights and the order of the mini-batches
INIT_SCALE = 0.01  # initial weights: normal, this standard deviation
ETAS = {"sgd": (0.1, 0.3, 1.0), "momentum": (0.03, 0.1, 0.3), "adam": (0.003, 0.01, 0.03)}
BETA, BETA2, EPS = 0.9, 0.999, 1e-8
LAMBDAS = {"l1": 1e-3, "l2": 1e-2}  # the sparsity experiment, with plain SGD
ETA_PENALTY = 0.1
NEAR_ZERO = 1e-3  # |w| below this counts as a zero weight


def l2_penalty_gradient(W, lam):
    """Gradient of (λ/2) Σ W²: λ W. W: (D, K) (any shape) -> same shape."""
    return lam * W


def l1_penalty_gradient(W, lam):
    """(Sub)gradient of λ Σ |W|: λ sign(W), 0 where W is exactly 0. W: any shape -> same shape."""
    return lam * np.sign(W)


def split(images, labels, seed=SPLIT_SEED):
    """(X_train, X_val, X_test, y_train, y_val, y_test): a random subset of at most N_SUBSET images,
    pixels divided by 255, split 60 / 20 / 20 % (stratified by label)."""
    from sklearn.model_selection import train_test_split

    n = min(N_SUBSET, len(images))
    keep = np.random.default_rng(seed).permutation(len(images))[:n]
    X, y = images[keep] / 255.0, labels[keep]
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=VAL_SIZE / (1 - TEST_SIZE), random_state=seed, stratify=y_rest
    )
    return X_train, X_val, X_test, y_train, y_val, y_test


def softmax(Z):
    """Row-wise softmax, shifted by the row maximum. Z: (N, K) -> (N, K)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cross_entropy(P, y):
    """Mean of −log P[i, y_i]. P: (N, K), y: (N,) integer labels -> number."""
    return float(-np.mean(np.log(np.clip(P[np.arange(len(y)), y], 1e-12, None))))


def loss_and_gradients(X, y, W, b):
    """(loss, dL/dW (D, K), dL/db (K,)) of the mean cross-entropy, without penalty."""
    P = softmax(X @ W + b)
    P_minus_Y = P.copy()
    P_minus_Y[np.arange(len(y)), y] -= 1.0
    return cross_entropy(P, y), X.T @ P_minus_Y / len(X), P_minus_Y.mean(axis=0)


def accuracy(X, y, W, b):
    return float(np.mean(np.argmax(X @ W + b, axis=1) == y))


def sgd_momentum_step(theta, grad, velocity, eta, beta):
    """The step of notebook 1: v ← β v + g, θ ← θ − η v. Returns (theta, velocity)."""
    velocity = beta * velocity + grad
    return theta - eta * velocity, velocity


def adam_step(theta, grad, m, v, t, eta, beta1, beta2, eps):
    """The step of notebook 1, with bias correction. Returns (theta, m, v)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - eta * m_hat / (np.sqrt(v_hat) + eps), m, v


def train(X, y, method, eta, epochs=EPOCHS, penalty_gradient=None, lam=0.0, seed=SEED):
    """Softmax regression trained by mini-batches of BATCH_SIZE with ``method`` ("sgd", "momentum",
    "adam"); the penalty's gradient, when given, is added to dL/dW. W starts normal (INIT_SCALE), b at 0.
    Returns (W, b, losses): losses[e] is the mean cross-entropy of the batches of epoch e (no penalty)."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    params = [rng.normal(0.0, INIT_SCALE, size=(d, NUM_CLASSES)), np.zeros(NUM_CLASSES)]
    state = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    losses, t = [], 0
    for _ in range(epochs):
        order, batch_losses = rng.permutation(len(X)), []
        for start in range(0, len(X), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            loss, dW, db = loss_and_gradients(X[batch], y[batch], *params)
            if penalty_gradient is not None:
                dW = dW + penalty_gradient(params[0], lam)
            batch_losses.append(loss)
            t += 1
            for i, grad in enumerate((dW, db)):
                if method == "sgd":
                    params[i] = params[i] - eta * grad
                elif method == "momentum":
                    params[i], state[i][0] = sgd_momentum_step(params[i], grad, state[i][0], eta, BETA)
                else:
                    params[i], state[i][0], state[i][1] = adam_step(
                        params[i], grad, state[i][0], state[i][1], t, eta, BETA, BETA2, EPS
                    )
        losses.append(np.mean(batch_losses))
    return params[0], params[1], np.array(losses)
