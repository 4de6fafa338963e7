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

The two test functions of the notebook: TD 2's quartic f(w) = 0.25 w⁴ − 1.5 w³ − 1.25 w² + 6 w
(local minimum ≈ −1.2604, local maximum at 1, global minimum ≈ 4.7604) and the elongated bowl
f(x, y) = (x² + 25 y²) / 2, whose curvatures are 1 along x and 25 along y.
"""

import numpy as np

METHODS = ("sgd", "momentum", "adam")

# The notebook's experiments.
QUARTIC_START = np.array([-3.0])  # left of the local minimum of the quartic
QUARTIC_STEPS = 100
QUARTIC_HYPER = {"sgd": {"eta": 0.01}, "momentum": {"eta": 0.01, "beta": 0.9}, "adam": {"eta": 0.3}}
BOWL_CURVATURES = np.array([1.0, 25.0])
BOWL_START = np.array([-9.0, 1.5])
BOWL_STEPS = 50
BOWL_HYPER = {"sgd": {"eta": 0.075}, "momentum": {"eta": 0.03, "beta": 0.7}, "adam": {"eta": 0.5}}


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
