"""TD 4, notebook 2: activation functions, their derivatives, and the vanishing gradient.

Every function applies element-wise: ``z`` is a number or an array of any shape, the result has its
shape. Derivatives are taken with respect to the pre-activation ``z``. At z = 0, where ReLU and leaky
ReLU have no derivative, the notebook's convention is the left one (0, and α), stated in the answer
cells' docstrings; the hidden tests check it once, at exactly 0.
"""

import numpy as np

from ...td1.neurone.solution import relu, sigmoid, tanh  # noqa: F401 - the notebook's activations

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

    Network: input x: (n, width) ~ N(0, 1), ``depth`` hidden layers of ``width`` units with ``activation``
    (z = a W, W: (n_in, n_out), no bias), a linear output unit, L = 1/(2n) Σ (ŷ − y)² with targets
    y ~ N(0, 1). Weights He-initialised (N(0, 2/n_in)) for both activations. Drawn in this order from
    default_rng(seed): x, y, then the weight matrices from the first layer to the output one.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, width))
    y = rng.normal(size=(n, 1))
    sizes = [width] * (depth + 1) + [1]
    weights = [rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    pre_activations, inputs = [], [x]
    a = x
    for W in weights[:-1]:
        z = a @ W
        pre_activations.append(z)
        a = activation(z)
        inputs.append(a)
    y_hat = a @ weights[-1]
    grad_a = ((y_hat - y) / n) @ weights[-1].T
    for k in reversed(range(depth)):
        grad_z = grad_a * activation_prime(pre_activations[k])
        grad_W = inputs[k].T @ grad_z
        grad_a = grad_z @ weights[k].T
    return float(np.linalg.norm(grad_W))


def vanishing_gradient(depths=VG_DEPTHS):
    """The notebook's curves: {"sigmoid": norms, "relu": norms}, one norm per depth."""
    return {
        "sigmoid": np.array([first_layer_gradient_norm(k, sigmoid, sigmoid_prime) for k in depths]),
        "relu": np.array([first_layer_gradient_norm(k, relu, relu_prime) for k in depths]),
    }
