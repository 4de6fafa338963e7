"""TD 5, notebook 1: the computation graph of L = (w1·x + w2·y)², differentiated by hand, and the
forward difference set against TD 1's centred one.

The graph of the sheet: a = w1·x, b = w2·y, c = a + b, L = c². By the chain rule, with dL/dc = 2c,
dL/dw1 = 2c·x, dL/dw2 = 2c·y, dL/dx = 2c·w1, dL/dy = 2c·w2. All inputs are numbers.

``numerical_gradient`` is TD 1's, recalled as given code; ``forward_difference`` keeps its contract
(``f`` takes an array shaped like ``theta``, the result has ``theta``'s shape, ``theta`` is left as it
was) with the one-sided difference (f(θ + h eᵢ) − f(θ)) / h, whose error is of order h.
"""

import numpy as np

from ...td1.regression_lineaire.solution import numerical_gradient  # noqa: F401 - TD 1's, recalled where used

# The notebook's working point: c = 2·1.5 + (−1)·0.5 = 2.5, L = 6.25.
EXAMPLE = {"w1": 2.0, "w2": -1.0, "x": 1.5, "y": 0.5}
H = 1e-5  # the default step of TD 1's numerical_gradient


def forward(w1, w2, x, y):
    """The values of the graph's nodes: (a, b, c, L)."""
    a = w1 * x
    b = w2 * y
    c = a + b
    return a, b, c, c**2


def hand_gradients(w1, w2, x, y):
    """(dL/dw1, dL/dw2, dL/dx, dL/dy) of L = (w1·x + w2·y)², four numbers, in this order."""
    c = w1 * x + w2 * y
    dL_dc = 2.0 * c  # computed once, shared by the four leaves: the saving of the backward pass
    return dL_dc * x, dL_dc * y, dL_dc * w1, dL_dc * w2


def loss_of(theta):
    """L as a function of the array theta = (w1, w2, x, y), for the finite differences."""
    w1, w2, x, y = theta
    return (w1 * x + w2 * y) ** 2


def forward_difference(f, theta, h=H):
    """The gradient by forward differences: (f(θ + h eᵢ) − f(θ)) / h, entry by entry.

    f: a function of an array shaped like theta, returning a number. Returns an array shaped like theta.
    """
    f_theta = f(theta)  # the same for every entry: evaluated once
    gradient = np.zeros(np.shape(theta))
    for index in np.ndindex(gradient.shape):
        shifted = np.array(theta, dtype=float)  # a copy: theta itself never moves
        shifted[index] += h
        gradient[index] = (f(shifted) - f_theta) / h
    return gradient
