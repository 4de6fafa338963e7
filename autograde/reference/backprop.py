"""TD 4, notebook 1: back-propagation by hand in the 2→3→1 sigmoid network with the MSE loss.

The sheet's network, for a batch of N examples stored one per row (as in TD 1):

- ``x: (N, 2)``, ``y: (N, 1)`` (targets in [0, 1]);
- hidden layer ``W1: (3, 2)``, ``b1: (3,)``; output layer ``W2: (1, 3)`` (the sheet's W'), ``b2: (1,)`` (b');
- ``z1 = x W1ᵀ + b1: (N, 3)``, ``a1 = σ(z1): (N, 3)``, ``z2 = a1 W2ᵀ + b2: (N, 1)``, ``ŷ = σ(z2): (N, 1)``;
- ``L = 1/(2N) Σᵢ (ŷᵢ − yᵢ)²``, a number: the sheet's ½(ŷ − y)² averaged over the batch (equal for N = 1).

For one example (one row) these are exactly the sheet's column-vector equations z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾, ….
Gradients have the shapes of their parameters: dW1 (3, 2), db1 (3,), dW2 (1, 3), db2 (1,).
"""

NOTEBOOK = "td4_retropropagation/01_reseau_2_3_1"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_retropropagation: the gradients of the MSE, output layer then hidden layer, one example then a batch
    r"\frac{\partial L}{\partial \hat{y}} = \hat{y} - y",
    r"\delta^{(2)} = (\hat{y} - y)\, \hat{y}\,(1 - \hat{y})",
    r"\frac{\partial L}{\partial b'} = \delta^{(2)}",
    r"\frac{\partial L}{\partial W'_j} = \delta^{(2)} a_j^{(1)}",
    r"\frac{\partial L}{\partial a_j^{(1)}} = \delta^{(2)} W'_j",
    r"\delta_j^{(1)} = \delta^{(2)} W'_j \, a_j^{(1)}\big(1 - a_j^{(1)}\big)",
    r"\frac{\partial L}{\partial W^{(1)}_{jk}} = \delta_j^{(1)} x_k",
    r"\frac{\partial L}{\partial W^{(1)}} = \boldsymbol{\delta}^{(1)} \mathbf{x}^\top",
    r"\Delta_2 = \frac{1}{N}(\hat{Y} - Y) \odot \hat{Y} \odot (\mathbf{1} - \hat{Y})",
    r"\frac{\partial L}{\partial W_2} = \Delta_2^\top A_1",
    r"\Delta_1 = (\Delta_2 W_2) \odot A_1 \odot (\mathbf{1} - A_1)",
    r"\frac{\partial L}{\partial W_1} = \Delta_1^\top X",
    r"\sigma'(z) = \sigma(z)(1 - \sigma(z))",
    "(y_hat - y) / N * y_hat * (1 - y_hat)",
)
import numpy as np

from ..td1.neurone.solution import sigmoid

LAYER_SIZES = (2, 3, 1)
H = 1e-5  # default step of the centred difference
TOLERANCE = 1e-7  # the sheet's target for the relative error between hand and numerical gradients


def make_example(seed=0, n=8):
    """The notebook's batch and parameters for the gradient check: (x, y, W1, b1, W2, b2), drawn in this order."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = rng.uniform(size=(n, 1))
    W1 = rng.normal(size=(3, 2))
    b1 = rng.normal(size=3)
    W2 = rng.normal(size=(1, 3))
    b2 = rng.normal(size=1)
    return x, y, W1, b1, W2, b2


def forward(x, y, W1, b1, W2, b2):
    """Forward pass. Returns the tuple (z1, a1, z2, y_hat, L): (N, 3), (N, 3), (N, 1), (N, 1), number."""
    z1 = x @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    y_hat = sigmoid(z2)
    L = float(np.mean((y_hat - y) ** 2) / 2.0)
    return z1, a1, z2, y_hat, L


def backward(x, y, W1, b1, W2, b2):
    """Gradients of L by the chain rule. Returns (dW1, db1, dW2, db2): (3, 2), (3,), (1, 3), (1,).

    dL/dŷ = (ŷ − y)/N; dL/dz2 = dL/dŷ · ŷ(1 − ŷ); dW2 = dz2ᵀ a1; db2 = Σ over the batch of dz2;
    dL/da1 = dz2 W2; dL/dz1 = dL/da1 · a1(1 − a1); dW1 = dz1ᵀ x; db1 = Σ over the batch of dz1.
    """
    _, a1, _, y_hat, _ = forward(x, y, W1, b1, W2, b2)
    n = x.shape[0]
    dz2 = (y_hat - y) / n * y_hat * (1.0 - y_hat)
    dW2 = dz2.T @ a1
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2) * a1 * (1.0 - a1)
    dW1 = dz1.T @ x
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2


def count_parameters(layer_sizes):
    """Learnable parameters of a fully connected MLP with these layer sizes (input first, output last).

    Each layer n_k → n_{k+1} has n_k·n_{k+1} weights and n_{k+1} biases: Σ_k (n_k + 1)·n_{k+1}.
    (2, 3, 1) → 13.
    """
    sizes = list(layer_sizes)
    return int(sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))


def numerical_gradient(f, theta, h=H):
    """Centred differences (f(θ + h·eᵢ) − f(θ − h·eᵢ)) / 2h for every entry i of ``theta``.

    ``f(theta)`` returns a number; ``theta`` is an array of any shape, modified in place during the
    computation and restored entry by entry. Returns an array of the shape of ``theta``.
    """
    grad = np.zeros(theta.shape)
    for index in np.ndindex(theta.shape):
        saved = theta[index]
        theta[index] = saved + h
        f_plus = f(theta)
        theta[index] = saved - h
        f_minus = f(theta)
        theta[index] = saved
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0: the notebook's measure of agreement of two gradients."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(1e-300, np.linalg.norm(a) + np.linalg.norm(b)))


def train_xor(epochs=5_000, eta=2.0, seed=1):
    """The notebook's closing demo: the 2→3→1 network trained on XOR with its hand gradients.

    Returns (W1, b1, W2, b2, losses)."""
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    rng = np.random.default_rng(seed)
    W1, b1 = rng.normal(size=(3, 2)), np.zeros(3)
    W2, b2 = rng.normal(size=(1, 3)), np.zeros(1)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        losses[epoch] = forward(x, y, W1, b1, W2, b2)[-1]
        dW1, db1, dW2, db2 = backward(x, y, W1, b1, W2, b2)
        W1, b1, W2, b2 = W1 - eta * dW1, b1 - eta * db1, W2 - eta * dW2, b2 - eta * db2
    return W1, b1, W2, b2, losses


# ---------------------------------------------------------------- known wrong variants
def _forward_variant(hidden_activation=True, output_activation=True, half=True, mean=True):
    def wrong_forward(x, y, W1, b1, W2, b2):
        z1 = x @ W1.T + b1
        a1 = sigmoid(z1) if hidden_activation else z1
        z2 = a1 @ W2.T + b2
        y_hat = sigmoid(z2) if output_activation else z2
        total = np.sum((y_hat - y) ** 2) / (len(y) if mean else 1)
        return z1, a1, z2, y_hat, float(total / 2 if half else total)
    return wrong_forward


def _backward_variant(transposed=False, sum_bias=True, output_derivative=True, derivative="sigma_prime",
                      divide_by_n=True):
    def wrong_backward(x, y, W1, b1, W2, b2):
        _, a1, _, y_hat, _ = forward(x, y, W1, b1, W2, b2)

        def local(a):
            return a * (1.0 - a) if derivative == "sigma_prime" else a

        dy = (y_hat - y) / (x.shape[0] if divide_by_n else 1)
        dz2 = dy * local(y_hat) if output_derivative else dy
        dz1 = (dz2 @ W2) * local(a1)
        if transposed:
            dW1, dW2 = x.T @ dz1, a1.T @ dz2
        else:
            dW1, dW2 = dz1.T @ x, dz2.T @ a1
        if sum_bias:
            db1, db2 = dz1.sum(axis=0), dz2.sum(axis=0)
        else:
            db1, db2 = dz1, dz2
        return dW1, db1, dW2, db2
    return wrong_backward


def _numerical_variant(one_sided=False, denominator=2.0, restore=True):
    def wrong_numerical_gradient(f, theta, h=H):
        grad = np.zeros(theta.shape)
        for index in np.ndindex(theta.shape):
            saved = theta[index]
            theta[index] = saved + h
            f_plus = f(theta)
            if one_sided:
                theta[index] = saved
            else:
                theta[index] = saved - h
            f_minus = f(theta)
            if restore:
                theta[index] = saved
            grad[index] = (f_plus - f_minus) / (denominator * h)
        return grad
    return wrong_numerical_gradient


def _mistakes():
    from ..checking import Mistake

    forward_formulas = "Rappel : z1 = x W1ᵀ + b1, a1 = σ(z1), z2 = a1 W2ᵀ + b2, ŷ = σ(z2), L = 1/(2N) Σ (ŷᵢ − yᵢ)²."
    backward_formulas = ("Rappel : dL/dz2 = (ŷ − y)/N · ŷ(1 − ŷ), dW2 = dz2ᵀ a1, db2 = Σ dz2 (sur le lot), "
                         "dL/dz1 = (dz2 W2) · a1(1 − a1), dW1 = dz1ᵀ x, db1 = Σ dz1.")
    count_formula = "Rappel : une couche nₖ → nₖ₊₁ a nₖ·nₖ₊₁ poids et nₖ₊₁ biais, soit Σₖ (nₖ + 1)·nₖ₊₁."
    centred = "Rappel : dérivée ≈ (f(θ + h·eᵢ) − f(θ − h·eᵢ)) / (2h)."
    return {
        "forward": [
            Mistake("forward_no_output_sigmoid", "la sigmoïde de la couche de sortie est oubliée : ŷ = σ(z2), pas z2. "
                    + forward_formulas, _forward_variant(output_activation=False)),
            Mistake("forward_loss_no_half", "le facteur 1/2 de la perte est oublié. " + forward_formulas,
                    _forward_variant(half=False)),
            Mistake("forward_loss_sum", "la perte est sommée sur le lot au lieu d'être moyennée (division par N "
                    "oubliée). " + forward_formulas, _forward_variant(mean=False)),
            Mistake("forward_no_hidden_sigmoid", "la sigmoïde de la couche cachée est oubliée : a1 = σ(z1), pas z1. "
                    + forward_formulas, _forward_variant(hidden_activation=False)),
        ],
        "backward": [
            Mistake("backward_transposed_weights", "les gradients des poids sont transposés (xᵀ dz1 au lieu de "
                    "dz1ᵀ x) : dL/dW doit avoir la forme de W, (3, 2) pour W1 et (1, 3) pour W2. " + backward_formulas,
                    _backward_variant(transposed=True)),
            Mistake("backward_bias_not_summed", "le gradient d'un biais n'est pas sommé sur les exemples du lot : "
                    "db1 doit avoir la forme (3,) et db2 la forme (1,). " + backward_formulas,
                    _backward_variant(sum_bias=False)),
            Mistake("backward_no_output_derivative", "la dérivée de la sigmoïde de sortie est oubliée : "
                    "dL/dz2 = dL/dŷ · σ'(z2) = dL/dŷ · ŷ(1 − ŷ). " + backward_formulas,
                    _backward_variant(output_derivative=False)),
            Mistake("backward_sigma_not_derivative", "σ(z) est utilisée à la place de sa dérivée "
                    "σ'(z) = σ(z)(1 − σ(z)), c'est-à-dire a au lieu de a(1 − a). " + backward_formulas,
                    _backward_variant(derivative="sigma")),
            Mistake("backward_not_divided_by_n", "la dérivée de la perte n'est pas divisée par N : "
                    "L est une moyenne, dL/dŷ = (ŷ − y)/N. " + backward_formulas,
                    _backward_variant(divide_by_n=False)),
        ],
        "count_parameters": [
            Mistake("count_parameters_no_biases", "les biais ne sont pas comptés : chaque neurone (hors entrée) a "
                    "aussi un biais. " + count_formula,
                    lambda layer_sizes: int(sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])))),
            Mistake("count_parameters_bias_per_input", "un biais est compté par entrée de la couche au lieu d'un par "
                    "neurone de sortie de la couche (nₖ au lieu de nₖ₊₁). " + count_formula,
                    lambda layer_sizes: int(sum(a * b + a for a, b in zip(layer_sizes[:-1], layer_sizes[1:])))),
            Mistake("count_parameters_input_biases", "des biais sont comptés pour la couche d'entrée, qui n'en a pas "
                    "(les entrées sont des données, pas des neurones). " + count_formula,
                    lambda layer_sizes: count_parameters(layer_sizes) + int(layer_sizes[0])),
        ],
        "numerical_gradient": [
            Mistake("numerical_gradient_one_sided", "la différence est décentrée, (f(θ + h) − f(θ)) / h : son erreur "
                    "est de l'ordre de h, celle des différences centrées de l'ordre de h². " + centred,
                    _numerical_variant(one_sided=True, denominator=1.0)),
            Mistake("numerical_gradient_divided_by_h", "la différence f(θ + h) − f(θ − h) est divisée par h au lieu "
                    "de 2h : l'écart entre les deux points vaut 2h. " + centred, _numerical_variant(denominator=1.0)),
            Mistake("numerical_gradient_not_restored", "le paramètre n'est pas remis à sa valeur après la "
                    "perturbation : θᵢ reste décalé de h, les dérivées suivantes sont calculées au mauvais point et "
                    "le tableau passé en argument est modifié. Remettez θᵢ à sa valeur d'origine. " + centred,
                    _numerical_variant(restore=False)),
        ],
    }


MISTAKES = _mistakes()
