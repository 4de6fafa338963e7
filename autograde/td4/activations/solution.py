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
VG_N = 128  # N, the examples in the batch
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


def mse_gradient(y_hat, y):
    """dL/dŷ for L = 1/(2N) Σ (ŷ − y)²: (ŷ − y)/N, shaped like y_hat (N, 1). The notebook's copy is the student's."""
    return (y_hat - y) / len(y)


def layer_backward(dA, Z, A_prev, W, activation_prime):
    """One layer Z = A_prev W, A = f(Z), crossed backwards: (dL/dW, dL/dA_prev) from dA = dL/dA.

    The student writes it from their own ``backward`` of notebook 1 (not graded again)."""
    dZ = dA * activation_prime(Z)
    return A_prev.T @ dZ, dZ @ W.T


def first_layer_gradient_norm(depth, activation, activation_prime, width=VG_WIDTH, N=VG_N, seed=VG_SEED):
    """‖dL/dW⁽¹⁾‖ (Frobenius norm) of an MLP with ``depth`` hidden layers, at initialisation.

    Network: input X: (N, width) ~ N(0, 1), ``depth`` hidden layers of ``width`` units with ``activation``
    (Z = A W, W: (n_in, n_out), no bias), a linear output unit, L = 1/(2N) Σ (ŷ − y)² with targets
    y ~ N(0, 1). Weights drawn from N(0, 1/n_in) for both activations (not He's 2/n_in: TD 7 asks for it). Drawn in this order from
    default_rng(seed): X, y, then the weight matrices from the first layer to the output one.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, width))
    y = rng.normal(size=(N, 1))
    sizes = [width] * (depth + 1) + [1]
    weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    pre_activations, inputs = [], [X]
    for W in weights[:-1]:
        pre_activations.append(inputs[-1] @ W)
        inputs.append(activation(pre_activations[-1]))
    y_hat = inputs[-1] @ weights[-1]
    _, grad_A = layer_backward(mse_gradient(y_hat, y), y_hat, inputs[-1], weights[-1], np.ones_like)
    for k in reversed(range(depth)):
        grad_W, grad_A = layer_backward(grad_A, pre_activations[k], inputs[k], weights[k], activation_prime)
    return float(np.linalg.norm(grad_W))


def vanishing_gradient(depths=VG_DEPTHS):
    """The notebook's curves: {"sigmoid": norms, "relu": norms}, one norm per depth."""
    return {
        "sigmoid": np.array([first_layer_gradient_norm(k, sigmoid, sigmoid_prime) for k in depths]),
        "relu": np.array([first_layer_gradient_norm(k, relu, relu_prime) for k in depths]),
    }
