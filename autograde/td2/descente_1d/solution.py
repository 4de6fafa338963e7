"""TD 2, notebook 1: gradient descent in one dimension on the sheet's polynomial.

f(w) = 0.25 w⁴ − 1.5 w³ − 1.25 w² + 6 w, f'(w) = w³ − 4.5 w² − 2.5 w + 6 = (w − 1)(w² − 3.5 w − 6).
Critical points: a local maximum at w = 1, a local minimum at w = (3.5 − √36.25)/2 ≈ −1.2604 and the
global minimum at w = (3.5 + √36.25)/2 ≈ 4.7604. f''(4.7604) ≈ 22.6 and f''(−1.2604) ≈ 13.6, so a fixed
step η converges to them only when η < 2/f'' (≈ 0.088 and ≈ 0.147).

Shapes: ``f`` and ``df`` take a number or a numpy array (any shape) and work element-wise;
``gradient_descent`` returns the path, a float array of shape ``(n_steps + 1,)`` starting with ``w0``.
"""

import numpy as np

# The sheet's experiments (the notebook uses these numbers).
W0 = 2.0
ETA = 0.05  # section 4: three first iterates 2.45, 3.07151, 3.82928
ETA_LARGE = 0.5  # section 5: 2 -> 6.5 -> -30.625 -> 16 399.8 -> ... diverges
ETA_SMALL = 0.01  # section 5: 2 -> 2.09 -> ... slow
INITS = (6.0, -2.0)  # section 6, with a small (0.01) and a large (0.12) step
ETA_JUMP = 0.12  # from 6 the first step jumps over the hill at w = 1 and ends at the local minimum
W_LOCAL_MIN = (3.5 - np.sqrt(36.25)) / 2
W_GLOBAL_MIN = (3.5 + np.sqrt(36.25)) / 2
W_LOCAL_MAX = 1.0


def f(w):
    """f(w) = 0.25 w⁴ − 1.5 w³ − 1.25 w² + 6 w, element-wise. w: number or array -> same shape."""
    return 0.25 * w**4 - 1.5 * w**3 - 1.25 * w**2 + 6 * w


def df(w):
    """f'(w) = w³ − 4.5 w² − 2.5 w + 6, element-wise. w: number or array -> same shape."""
    return w**3 - 4.5 * w**2 - 2.5 * w + 6


def gradient_descent(df, w0, eta, n_steps):
    """w_{t+1} = w_t − η·df(w_t), n_steps times from w0.

    df: the derivative (a function of one number); w0, eta: numbers; n_steps: int ≥ 0.
    Returns the path [w_0, w_1, …, w_{n_steps}], a float array of shape (n_steps + 1,).
    """
    path = np.empty(n_steps + 1)
    path[0] = w0
    for t in range(n_steps):
        path[t + 1] = path[t] - eta * df(path[t])
    return path
