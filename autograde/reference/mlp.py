"""TD 6, notebook 1: a multilayer perceptron with one hidden layer, in numpy.

Shapes: ``X: (N, D)``, ``Y: (N, K)`` one-hot, hidden layer of ``H`` ReLU units.
Parameters are the tuple ``params = (W1, b1, W2, b2)`` with ``W1: (D, H)``, ``b1: (H,)``,
``W2: (H, K)``, ``b2: (K,)`` (row convention: one example per row, ``Z = X W + b``).

Forward pass (dropout on the hidden layer at training time only)::

    Z1 = X W1 + b1          (N, H)
    A1 = ReLU(Z1) * mask    (N, H)   mask = 1 at test time, inverted-dropout mask at training time
    P  = softmax(A1 W2 + b2)  (N, K)

Loss: mean cross-entropy plus L2 on the weights (not the biases),
L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ + λ/2 (‖W1‖² + ‖W2‖²), P clipped to [1e-12, 1].

Gradients: dZ2 = (P − Y)/N; dW2 = A1ᵀ dZ2 + λ W2; db2 = Σᵢ dZ2; dA1 = dZ2 W2ᵀ;
dZ1 = dA1 ⊙ mask ⊙ 1[Z1 > 0]; dW1 = Xᵀ dZ1 + λ W1; db1 = Σᵢ dZ1.

Constants the notebook fixes: He initialisation with ``rng = np.random.default_rng(seed)``, W1 drawn
before W2 (``rng.normal(0, sqrt(2 / fan_in), size)``), zero biases, seed 0; MNIST split
``train_test_split(images, labels, test_size=0.2, random_state=42)``, pixels / 255, H = 128, η = 0.1,
batch 32, EPOCHS epochs, λ = 0, no dropout, shuffling seed 0.
"""

NOTEBOOK = "td6_mlp_mnist/01_mlp_numpy"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_retropropagation: the gradients of backpropagation, through ReLU and the dropout mask, with L2
    r"\frac{1}{N} (P - Y)",
    r"\frac{\partial \ell_i}{\partial Z_{2,ik}} = P_{ik} - Y_{ik}",
    r"A_1^T \, dZ_2 + \lambda W_2",
    r"db_2 = \sum_{i=1}^{N} dZ_2[i, :]",
    r"dZ_2 \, W_2^T",
    r"dA_1 \odot \text{mask} \odot \mathbb{1}[Z_1 > 0]",
    r"X^T dZ_1 + \lambda W_1",
    r"db_1 = \sum_{i=1}^{N} dZ_1[i, :]",
    r"\lVert W \rVert^2 = \lambda W",
    # reponse_initialisation: why He's variance 2 / n_in suits ReLU
    r"\mathrm{Var}(z) = n_{\text{entrée}}\, \sigma^2\, \mathbb{E}[a^2]",
    r"\mathbb{E}[\mathrm{ReLU}(z)^2] = \frac{1}{2} \mathrm{Var}(z)",
    r"n_{\text{entrée}}\, \sigma^2 = 2",
)
import numpy as np

# The MNIST split (TD 3's, see softmax_regression.make_data), the one-hot labels, the stable softmax
# and the clipping of P are softmax regression's own.
from .softmax_regression import EPS, NUM_CLASSES, make_data, one_hot, softmax  # noqa: F401

HIDDEN = 128
INIT_SEED = 0
ETA = 0.1
BATCH_SIZE = 32
EPOCHS = 20
LAM = 0.0
P_DROP = 0.0
SEED = 0  # seed of the generator that shuffles the training set (and draws the dropout masks)


def relu(Z):
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
    """Inverted dropout. Returns (A * mask, mask), mask: A.shape.

    Training: ``u = rng.random(A.shape)``; a unit is kept where u >= p (p = probability of
    DROPPING it) and the kept ones are divided by 1 − p, so the expected value is unchanged:
    mask = (u >= p) / (1 − p). At test time (training=False): no draw, mask = 1, A unchanged.
    """
    if not training:
        return A, np.ones_like(A)
    mask = (rng.random(A.shape) >= p) / (1.0 - p)
    return A * mask, mask


def forward(X, params, p_drop=0.0, rng=None):
    """Forward pass. X: (N, D). Returns (P, cache) with P: (N, K), cache = (Z1, A1, mask).

    Dropout is applied to the hidden layer only at training time, i.e. when ``rng`` is given:
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
    return float(data + lam / 2.0 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)))


def backward(X, Y, params, P, cache, lam=0.0):
    """Gradients of ``loss`` with respect to (W1, b1, W2, b2), same shapes as params."""
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
    """Mini-batch gradient descent from ``params`` (not modified). Returns (params, losses).

    ``rng = np.random.default_rng(seed)`` is created once; every epoch draws
    ``order = rng.permutation(N)`` and visits the batches ``order[start:start + batch_size]`` for
    ``start`` in ``range(0, N, batch_size)`` (the last one may be smaller). For each batch:
    ``forward(Xb, params, p_drop, rng)`` (training mode: dropout masks from the same rng), its loss
    (recorded before the update), ``backward``, then θ ← θ − η dL/dθ for the four arrays.
    ``losses[epoch]`` is the plain mean of the epoch's batch losses. losses: (epochs,).
    """
    n = len(X)
    rng = np.random.default_rng(seed)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        batch_losses = []
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
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
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def numerical_gradient(f, theta, h=1e-5):
    """Centred differences of the scalar function f at the array theta (modified then restored)."""
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        old = theta[index]
        theta[index] = old + h
        plus = f()
        theta[index] = old - h
        minus = f()
        theta[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def digits_data(seed=0):
    """Small fast data set for the hidden quality check of train: load_digits / 16, 75 % / 25 %."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    return train_test_split(digits.data / 16.0, digits.target, test_size=0.25, random_state=seed)


# ------------------------------------------------------------------ wrong variants

def _init(std_rule="he", random_biases=False):
    def wrong(n_in, n_hidden, n_out, seed=INIT_SEED):
        rng = np.random.default_rng(seed)
        layers = []
        for fan_in, fan_out in ((n_in, n_hidden), (n_hidden, n_out)):
            std = {"he": np.sqrt(2.0 / fan_in), "xavier": np.sqrt(2.0 / (fan_in + fan_out)),
                   "variance": 2.0 / fan_in, "fan_out": np.sqrt(2.0 / fan_out)}[std_rule]
            W = rng.normal(0.0, std, size=(fan_in, fan_out))
            b = rng.normal(0.0, std, size=fan_out) if random_biases else np.zeros(fan_out)
            layers += [W, b]
        return tuple(layers)
    return wrong


def _dropout(scale=True, keep_is_p=False, ignore_training=False):
    def wrong(A, p, rng, training=True):
        if not training and not ignore_training:
            return A, np.ones_like(A)
        u = rng.random(A.shape)
        keep = (u < p) if keep_is_p else (u >= p)
        mask = (keep / (p if keep_is_p else 1.0 - p)) if scale else keep * 1.0
        return A * mask, mask
    return wrong


def _forward(naive_softmax=False, relu_output=False, columns=False, softmax_axis=1):
    def wrong(X, params, p_drop=0.0, rng=None):
        W1, b1, W2, b2 = params
        if columns:  # W1ᵀ Xᵀ as on the slides: one example per column, every array transposed
            Z1 = W1.T @ X.T + b1[:, None]
            A1, mask = dropout(relu(Z1), p_drop, rng, training=rng is not None)
            P = softmax((W2.T @ A1 + b2[:, None]).T).T
            return P, (Z1, A1, mask)
        Z1 = X @ W1 + b1
        A1, mask = dropout(relu(Z1), p_drop, rng, training=rng is not None)
        Z2 = A1 @ W2 + b2
        if relu_output:
            Z2 = relu(Z2)
        if naive_softmax:
            E = np.exp(Z2)
        else:
            E = np.exp(Z2 - Z2.max(axis=softmax_axis, keepdims=True))
        P = E / E.sum(axis=softmax_axis, keepdims=True)
        return P, (Z1, A1, mask)
    return wrong


def _loss(l2_factor=0.5, with_biases=False, mean=True, clip=True):
    def wrong(Y, P, params, lam=0.0):
        W1, b1, W2, b2 = params
        logs = np.log(np.clip(P, EPS, 1.0)) if clip else np.log(P)
        data = -np.sum(Y * logs) / (len(Y) if mean else 1)
        penalty = np.sum(W1 ** 2) + np.sum(W2 ** 2)
        if with_biases:
            penalty += np.sum(b1 ** 2) + np.sum(b2 ** 2)
        return float(data + l2_factor * lam * penalty)
    return wrong


def _backward(divide=True, l2_factor=1.0, relu_derivative=True, sum_bias=True, use_mask=True):
    def wrong(X, Y, params, P, cache, lam=0.0):
        W1, _, W2, _ = params
        Z1, A1, mask = cache
        dZ2 = (P - Y) / (len(X) if divide else 1)
        dW2 = A1.T @ dZ2 + l2_factor * lam * W2
        db2 = dZ2.sum(axis=0) if sum_bias else dZ2
        dZ1 = dZ2 @ W2.T
        if use_mask:
            dZ1 = dZ1 * mask
        if relu_derivative:
            dZ1 = dZ1 * (Z1 > 0)
        dW1 = X.T @ dZ1 + l2_factor * lam * W1
        db1 = dZ1.sum(axis=0) if sum_bias else dZ1
        return dW1, db1, dW2, db2
    return wrong


def _train(sign=-1.0, use_eta=True, shuffle=True, drop_last=False, use_lam=True):
    def wrong(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=SEED):
        n = len(X)
        rng = np.random.default_rng(seed)
        losses = np.empty(epochs)
        step = eta if use_eta else 1.0
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            batch_losses = []
            stop = n - batch_size + 1 if drop_last else n
            for start in range(0, stop, batch_size):
                batch = order[start:start + batch_size]
                P, cache = forward(X[batch], params, p_drop, rng)
                batch_losses.append(loss(Y[batch], P, params, lam))
                grads = backward(X[batch], Y[batch], params, P, cache, lam if use_lam else 0.0)
                params = tuple(theta + sign * step * g for theta, g in zip(params, grads))
            losses[epoch] = np.mean(batch_losses)
        return params, losses
    return wrong


def _mistakes():
    from ..checking import Mistake

    init = "Rappel (He) : W ~ N(0, 2/n_entrée), écart-type √(2/n_entrée), biais nuls."
    drop = ("Rappel (dropout inversé) : u = rng.random(A.shape), masque = (u ≥ p) / (1 − p) où p est la "
            "probabilité d'ÉTEINDRE un neurone ; en test, pas de dropout.")
    fwd = ("Rappel : Z1 = X·W1 + b1 (N, H), A1 = ReLU(Z1), P = softmax(A1·W2 + b2) (N, K), "
           "softmax par ligne après soustraction du maximum de la ligne.")
    cost = "Rappel : L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ + λ/2 (‖W1‖² + ‖W2‖²), P bornée à [1e-12, 1]."
    back = ("Rappel : dZ2 = (P − Y)/N, dW2 = A1ᵀ·dZ2 + λW2, db2 = Σᵢ dZ2, dZ1 = (dZ2·W2ᵀ) ⊙ masque ⊙ 1[Z1 > 0], "
            "dW1 = Xᵀ·dZ1 + λW1, db1 = Σᵢ dZ1.")
    return {
        "init_params": [
            Mistake("mlp_init_xavier_instead_of_he", "l'écart-type de Xavier √(2/(n_entrée + n_sortie)) est utilisé ; "
                    "avec ReLU, on prend celui de He, √(2/n_entrée), car ReLU annule la moitié des activations. "
                    + init, _init("xavier")),
            Mistake("mlp_init_variance_as_std", "2/n_entrée est la VARIANCE ; rng.normal attend l'écart-type "
                    "√(2/n_entrée). " + init, _init("variance")),
            Mistake("mlp_init_random_biases", "les biais doivent être initialisés à zéro (np.zeros), pas tirés "
                    "au hasard : ce sont les poids aléatoires qui brisent la symétrie. " + init,
                    _init(random_biases=True)),
            Mistake("mlp_init_fan_out", "l'écart-type dépend du nombre d'ENTRÉES de la couche (n_entrée), "
                    "pas de son nombre de sorties. " + init, _init("fan_out")),
        ],
        "dropout": [
            Mistake("mlp_dropout_not_rescaled", "le masque n'est pas divisé par 1 − p (dropout non inversé) : "
                    "l'espérance des activations baisse à l'entraînement et plus au test. " + drop, _dropout(scale=False)),
            Mistake("mlp_dropout_keep_drop_confused", "p est pris pour la probabilité de GARDER un neurone "
                    "(u < p, division par p) alors que c'est celle de l'éteindre. " + drop, _dropout(keep_is_p=True)),
            Mistake("mlp_dropout_at_test_time", "le dropout est appliqué aussi quand training=False : au test, "
                    "A doit être renvoyé tel quel avec un masque de 1. " + drop, _dropout(ignore_training=True)),
        ],
        "forward": [
            Mistake("mlp_forward_softmax_no_max_shift", "la softmax déborde sur de grands logits (exp(1000) = inf, "
                    "inf/inf = nan) : soustrayez le maximum de chaque ligne avant np.exp. " + fwd,
                    _forward(naive_softmax=True)),
            Mistake("mlp_forward_relu_on_output", "ReLU est appliquée aussi aux logits de sortie : la couche de sortie "
                    "n'a pas d'autre activation que la softmax. " + fwd, _forward(relu_output=True)),
            Mistake("mlp_forward_transposed", "les poids sont transposés (convention « une colonne par exemple », "
                    "W1ᵀ·Xᵀ) : ici chaque exemple est une LIGNE, Z1 = X·W1 + b1 est de forme (N, H). " + fwd,
                    _forward(columns=True)),
            Mistake("mlp_forward_softmax_wrong_axis", "la softmax normalise chaque colonne (axis=0, sur les exemples) "
                    "au lieu de chaque ligne : ce sont les K probabilités d'un exemple qui somment à 1. " + fwd,
                    _forward(softmax_axis=0)),
        ],
        "loss": [
            Mistake("mlp_loss_l2_no_half", "le terme L2 est λ‖W‖² au lieu de λ/2 ‖W‖². " + cost, _loss(l2_factor=1.0)),
            Mistake("mlp_loss_l2_with_biases", "les biais ne sont pas pénalisés par L2 : seulement W1 et W2. " + cost,
                    _loss(with_biases=True)),
            Mistake("mlp_loss_sum_not_mean", "l'entropie croisée n'est pas divisée par N (somme au lieu de moyenne). "
                    + cost, _loss(mean=False)),
            Mistake("mlp_loss_log_zero", "log(0) n'est pas évité : si une probabilité vaut 0, la perte vaut inf. "
                    "Bornez P avec np.clip(P, 1e-12, 1). " + cost, _loss(clip=False)),
        ],
        "backward": [
            Mistake("mlp_backward_bias_not_summed", "les gradients des biais ne sont pas sommés sur les exemples du "
                    "batch : db1 a la forme (H,), db2 la forme (K,). " + back, _backward(sum_bias=False)),
            Mistake("mlp_backward_not_divided_by_n", "le gradient n'est pas divisé par la taille N du batch "
                    "(la perte est une moyenne). " + back, _backward(divide=False)),
            Mistake("mlp_backward_l2_forgotten", "le terme λW de la régularisation L2 manque dans dW1 et dW2. " + back,
                    _backward(l2_factor=0.0)),
            Mistake("mlp_backward_relu_derivative_forgotten", "la dérivée de ReLU (1 si Z1 > 0, 0 sinon) est oubliée "
                    "dans dZ1. " + back, _backward(relu_derivative=False)),
            Mistake("mlp_backward_l2_factor_two", "la dérivée de λ/2 ‖W‖² est λW, pas 2λW. " + back,
                    _backward(l2_factor=2.0)),
            Mistake("mlp_backward_mask_forgotten", "le masque de dropout est oublié dans dZ1 : un neurone éteint "
                    "ne reçoit pas de gradient, et les autres sont multipliés par 1/(1 − p). " + back,
                    _backward(use_mask=False)),
        ],
        "train": [
            Mistake("mlp_train_plus_update", "la mise à jour monte le gradient : θ ← θ − η·dL/dθ (signe moins).",
                    _train(sign=+1.0)),
            Mistake("mlp_train_ignores_eta", "le pas d'apprentissage η n'est pas utilisé : θ ← θ − η·dL/dθ.",
                    _train(use_eta=False)),
            Mistake("mlp_train_no_shuffle", "les exemples ne sont pas mélangés : au début de chaque époque, "
                    "order = rng.permutation(N), et les mini-batchs sont order[k:k + batch_size].",
                    _train(shuffle=False)),
            Mistake("mlp_train_drops_last_batch", "le dernier mini-batch, plus petit, est oublié : parcourez "
                    "range(0, N, batch_size).", _train(drop_last=True)),
            Mistake("mlp_train_lam_ignored", "λ n'est pas transmis à backward : la régularisation "
                    "L2 n'agit pas.", _train(use_lam=False)),
        ],
    }


MISTAKES = _mistakes()
