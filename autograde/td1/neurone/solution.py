"""TD 1, notebook 1: a formal neuron and its activation functions.

Shapes: a batch of N inputs of dimension D is ``x: (N, D)``; a single input is ``x: (D,)``;
``w: (D,)``; ``b`` is a number. ``neuron`` returns ``(N,)`` for a batch, a number for one input.
"""

import numpy as np


def id(z):  # noqa: A001 - the TD sheet names it `id`; it shadows the builtin only in this module
    """Identity activation: id(z) = z, element-wise. z: any shape -> same shape."""
    return z


def sigmoid(z):
    """Logistic function 1 / (1 + e^{-z}), element-wise. z: any shape -> same shape, in (0, 1).

    Written with tanh because it never overflows, for any z; it equals 1/(1+exp(-z)) exactly.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def relu(z):
    """ReLU(z) = max(0, z), element-wise. z: any shape -> same shape."""
    return np.maximum(0.0, z)


def tanh(z):
    """Hyperbolic tangent, element-wise. z: any shape -> same shape, in (-1, 1)."""
    return np.tanh(z)


def neuron(x, w, b, f):
    """Output f(x·w + b) of one neuron.

    x: (D,) or (N, D); w: (D,); b: number; f: an activation applied element-wise.
    Returns a number for x: (D,), an array (N,) for x: (N, D).
    """
    return f(np.dot(x, w) + b)
