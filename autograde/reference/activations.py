"""TD 4, notebook 2: activation functions, their derivatives, and the vanishing gradient.

Every function applies element-wise: ``z`` is a number or an array of any shape, the result has its
shape. Derivatives are taken with respect to the pre-activation ``z``. At z = 0, where ReLU and leaky
ReLU have no derivative, the notebook's convention is the left one (0, and α); the hidden tests never
evaluate exactly at 0.
"""

NOTEBOOK = "td4_retropropagation/02_activations"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_derivees: the derivatives in terms of the functions themselves, ReLU's piecewise
    r"\sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big)",
    r"\tanh'(z) = 1 - \tanh^2(z)",
    r"1 - \tanh^2(z)",
    r"\text{ReLU}'(z) = \begin{cases} 1 & \text{si } z > 0 \\ 0 & \text{si } z < 0 \end{cases}",
    # reponse_saturation: the maximum of σ', the product over K layers
    r"\sigma'(0) = \frac{1}{4}",
    r"\sigma'(z) \le \frac{1}{4}",
    "10^{-3K}",
    r"\left(\tfrac{1}{4}\right)^K",
)
import numpy as np

from ..td1.neurone.solution import relu, sigmoid, tanh

LEAKY_ALPHA = 0.01  # default slope of leaky ReLU for z < 0

# The vanishing-gradient experiment of the notebook.
VG_DEPTHS = tuple(range(1, 21))  # numbers of hidden layers
VG_WIDTH = 64  # input dimension and width of every hidden layer
VG_N = 128  # examples in the batch
VG_SEED = 0  # the same seed for every depth: sigmoid and ReLU get the same weights and data


def leaky_relu(z, alpha=LEAKY_ALPHA):
    """z for z > 0, αz otherwise."""
    return np.where(np.asarray(z) > 0, z, alpha * np.asarray(z))


def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z)), in ]0, 1/4]."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_prime(z):
    """tanh'(z) = 1 − tanh²(z), in ]0, 1]."""
    return 1.0 - np.tanh(z) ** 2


def relu_prime(z):
    """ReLU'(z) = 1 for z > 0, 0 for z < 0 (0 at z = 0 by convention)."""
    return np.where(np.asarray(z) > 0, 1.0, 0.0)


def leaky_relu_prime(z, alpha=LEAKY_ALPHA):
    """1 for z > 0, α for z < 0 (α at z = 0 by convention)."""
    return np.where(np.asarray(z) > 0, 1.0, alpha)


def first_layer_gradient_norm(depth, activation, activation_prime, width=VG_WIDTH, n=VG_N, seed=VG_SEED):
    """‖dL/dW⁽¹⁾‖ (Frobenius norm) of an MLP with ``depth`` hidden layers, at initialisation.

    Network: input (n, width) ~ N(0, 1), ``depth`` hidden layers of ``width`` units with ``activation``,
    a linear output unit, L = 1/(2n) Σ (ŷ − y)² with targets y ~ N(0, 1). Weights He-initialised
    (N(0, 2/fan_in)) for both activations, biases 0. Drawn in this order from default_rng(seed):
    x, y, then the weight matrices from the first layer to the output one.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, width))
    y = rng.normal(size=(n, 1))
    sizes = [width] * (depth + 1) + [1]
    weights = [rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
               for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    pre_activations, inputs = [], [x]
    a = x
    for W in weights[:-1]:
        z = a @ W.T
        pre_activations.append(z)
        a = activation(z)
        inputs.append(a)
    y_hat = a @ weights[-1].T
    grad_a = ((y_hat - y) / n) @ weights[-1]
    for k in reversed(range(depth)):
        grad_z = grad_a * activation_prime(pre_activations[k])
        grad_W = grad_z.T @ inputs[k]
        grad_a = grad_z @ weights[k]
    return float(np.linalg.norm(grad_W))


def vanishing_gradient(depths=VG_DEPTHS):
    """The notebook's curves: {"sigmoid": norms, "relu": norms}, one norm per depth."""
    return {
        "sigmoid": np.array([first_layer_gradient_norm(k, sigmoid, sigmoid_prime) for k in depths]),
        "relu": np.array([first_layer_gradient_norm(k, relu, relu_prime) for k in depths]),
    }


def _mistakes():
    from ..checking import Mistake

    return {
        "sigmoid_prime": [
            Mistake("sigmoid_prime_is_sigmoid", "c'est σ(z) qui est renvoyée, pas sa dérivée "
                    "σ'(z) = σ(z)(1 − σ(z)).", sigmoid),
            Mistake("sigmoid_prime_of_z", "la formule a(1 − a) est appliquée à z au lieu de a = σ(z) : "
                    "σ'(z) = σ(z)(1 − σ(z)), pas z(1 − z).", lambda z: np.asarray(z) * (1.0 - np.asarray(z))),
            Mistake("sigmoid_prime_sign", "le signe est inversé : la sigmoïde est croissante, sa dérivée "
                    "σ'(z) = σ(z)(1 − σ(z)) est positive.", lambda z: -sigmoid_prime(z)),
        ],
        "tanh_prime": [
            Mistake("tanh_prime_not_squared", "le carré est oublié : tanh'(z) = 1 − tanh²(z), pas 1 − tanh(z).",
                    lambda z: 1.0 - np.tanh(z)),
            Mistake("tanh_prime_of_z", "la formule 1 − a² est appliquée à z au lieu de a = tanh(z) : "
                    "tanh'(z) = 1 − tanh²(z), pas 1 − z².", lambda z: 1.0 - np.asarray(z) ** 2),
            Mistake("tanh_prime_sign", "le signe est inversé : tanh est croissante, sa dérivée "
                    "tanh'(z) = 1 − tanh²(z) est positive.", lambda z: np.tanh(z) ** 2 - 1.0),
        ],
        "relu_prime": [
            Mistake("relu_prime_is_relu", "c'est ReLU elle-même qui est renvoyée : sa dérivée vaut 1 pour z > 0 "
                    "et 0 pour z < 0, pas z.", relu),
            Mistake("relu_prime_reversed", "les deux cas sont inversés : ReLU'(z) = 1 pour z > 0 et 0 pour z < 0.",
                    lambda z: np.where(np.asarray(z) < 0, 1.0, 0.0)),
            Mistake("relu_prime_sign", "c'est le signe de z qui est renvoyé : pour z < 0, ReLU est constante, "
                    "sa dérivée vaut 0 (pas −1).", lambda z: np.sign(z)),
        ],
        "leaky_relu_prime": [
            Mistake("leaky_relu_prime_no_slope", "la pente α est oubliée pour z < 0 : la dérivée de leaky ReLU vaut "
                    "1 pour z > 0 et α (pas 0) pour z < 0.", lambda z, alpha=LEAKY_ALPHA: relu_prime(z)),
            Mistake("leaky_relu_prime_is_leaky_relu", "c'est leaky ReLU elle-même qui est renvoyée : sa dérivée vaut "
                    "1 pour z > 0 et α pour z < 0.", leaky_relu),
            Mistake("leaky_relu_prime_slope_swapped", "les deux pentes sont inversées : la dérivée vaut 1 pour z > 0 "
                    "et α pour z < 0.", lambda z, alpha=LEAKY_ALPHA: np.where(np.asarray(z) > 0, alpha, 1.0)),
            Mistake("leaky_relu_prime_alpha_ignored", "le paramètre alpha est ignoré (0.01 écrit en dur) : pour "
                    "z < 0, la dérivée vaut alpha, la pente passée en argument.",
                    lambda z, alpha=LEAKY_ALPHA: leaky_relu_prime(z)),
        ],
    }


MISTAKES = _mistakes()
