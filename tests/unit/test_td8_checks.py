"""TD 8's hidden-test checks on wrong functions the catalogue does not list: an optional argument ignored,
an input overwritten in place; and on correct functions written differently, which must pass."""

import copy

import numpy as np
import pytest

from autograde import run_check
from autograde.td8.optimiseurs import solution as ref
from autograde.td8.regularisation_mnist import solution as reg

SEEDS = range(8)
RTOL, ATOL = 1e-6, 1e-9  # check_against_reference's defaults, which TD 8's checks use


def recording(function):
    """``function``, and the list of (inputs, answer) of its calls, so that a test can measure how far
    from the reference an answer was."""
    calls = []

    def recorded(*args):
        inputs = copy.deepcopy(args)
        answer = function(*args)
        calls.append((inputs, answer))
        return answer

    recorded.__name__ = function.__name__
    return recorded, calls


def largest_difference(calls, reference):
    """The largest difference between an answer and the reference's, in tolerances (1 = at the tolerance;
    the tests ask for 1000, so that round-off or another seed cannot hide the mistake)."""
    largest = 0.0
    for inputs, answer in calls:
        expected, got = np.asarray(reference(*inputs), dtype=float), np.asarray(answer, dtype=float)
        if expected.shape == got.shape:
            largest = max(
                largest, float(np.nanmax(np.abs(got - expected) / (ATOL + RTOL * np.abs(expected)), initial=0.0))
            )
    return largest


def optimize_with_default(name):
    """A right `optimize` that always uses the signature's default for ``name`` (β, β₂ or ε), whatever
    value it is given."""
    defaults = {"beta": 0.9, "beta2": 0.999, "eps": 1e-8}

    def optimize(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
        given = {"beta": beta, "beta2": beta2, "eps": eps, name: defaults[name]}
        return ref.optimize(grad_f, theta0, method, n_steps, eta, given["beta"], given["beta2"], given["eps"])

    return optimize


@pytest.mark.parametrize("argument", ["beta", "beta2", "eps"])
def test_optimize_ignoring_an_optional_argument_fails_far_above_the_tolerance(argument):
    for seed in SEEDS:
        student, calls = recording(optimize_with_default(argument))
        verdict = run_check("td8.optimiseurs.optimize", student, seed=seed)
        assert not verdict.passed and verdict.mistake is None, (seed, verdict)
        assert largest_difference(calls, ref.optimize) > 1e3, (argument, seed)


@pytest.mark.parametrize("argument, wrong_default", [("beta", 0.5), ("beta2", 0.9), ("eps", 0.0)])
def test_optimize_with_another_default_fails(argument, wrong_default):
    """Some cases leave the optional arguments out: the signature's defaults must be the sheet's."""

    def with_defaults(beta, beta2, eps):
        def optimize(grad_f, theta0, method, n_steps, eta, beta=beta, beta2=beta2, eps=eps):
            return ref.optimize(grad_f, theta0, method, n_steps, eta, beta, beta2, eps)

        return optimize

    sheet = {"beta": 0.9, "beta2": 0.999, "eps": 1e-8}
    for seed in SEEDS:
        assert run_check("td8.optimiseurs.optimize", with_defaults(**sheet), seed=seed).passed, seed
        wrong = with_defaults(**{**sheet, argument: wrong_default})
        assert not run_check("td8.optimiseurs.optimize", wrong, seed=seed).passed, seed


def test_reworded_step_decay_mistake_says_what_the_schedule_does():
    def step_decay(eta0, epoch, drop, every):
        return eta0 * drop ** ((epoch + 1) // every)

    verdict = run_check("td8.optimiseurs.step_decay", step_decay, seed=0)
    assert verdict.mistake == "optimiseurs.step_decay/epoch_from_one"
    assert "une époque trop tôt" in verdict.message


# ------------------------------------------------------------------------------ inputs changed in place
def momentum_in_place(theta, grad, velocity, eta, beta):
    velocity *= beta
    velocity += grad
    theta -= eta * velocity
    return theta, velocity


def adam_moments_in_place(theta, grad, m, v, t, eta, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - eta * m_hat / (np.sqrt(v_hat) + eps), m, v


def optimize_moving_theta0(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
    theta = np.asarray(theta0, dtype=float)  # no copy: theta is the caller's array
    path = [theta.copy()]
    velocity, m, v = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, n_steps + 1):
        grad = grad_f(theta)
        if method == "sgd":
            theta -= eta * grad
        elif method == "momentum":
            new_theta, velocity = ref.sgd_momentum_step(theta, grad, velocity, eta, beta)
            theta[...] = new_theta
        else:
            new_theta, m, v = ref.adam_step(theta, grad, m, v, t, eta, beta, beta2, eps)
            theta[...] = new_theta
        path.append(theta.copy())
    return np.array(path)


def soft_threshold_in_place(W, t):
    """Right values, but the caller's weights are overwritten by their thresholded values."""
    G = W
    G[...] = np.sign(G) * np.maximum(np.abs(G) - t, 0.0)
    return G


def fit_penalized_in_place(X, Y, X_val, Y_val, W, b, penalty, lam, eta, epochs):
    """Right values, but W and b are the caller's arrays, updated step by step."""
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        dW, db = reg.gradient(X, reg.softmax(X @ W + b), Y)
        if penalty == "L1":
            W[...] = reg.soft_threshold(W - eta * dW, eta * lam)
        else:
            W -= eta * (dW + lam * W)
        b -= eta * db
        history["train_loss"].append(reg.cross_entropy(Y, reg.softmax(X @ W + b)))
        history["val_loss"].append(reg.cross_entropy(Y_val, reg.softmax(X_val @ W + b)))
    return W.copy(), b.copy(), history


def train_in_place(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size=32, drop=1.0, every=1, seed=0):
    """Right values, but the four arrays of the caller's params are trained in place."""
    learnt, history = ref.train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size, drop, every, seed)
    for theta, new in zip(params, learnt):
        theta[...] = new
    return tuple(p.copy() for p in params), history


@pytest.mark.parametrize(
    "check_id, student, changed",
    [
        ("td8.optimiseurs.sgd_momentum_step", momentum_in_place, "son argument `theta` et son argument `velocity`"),
        ("td8.optimiseurs.adam_step", adam_moments_in_place, "son argument `m` et son argument `v`"),
        ("td8.optimiseurs.optimize", optimize_moving_theta0, "son argument `theta0`"),
        (
            "td8.optimiseurs.train",
            train_in_place,
            "`params[0]`, `params[1]`, `params[2]` et `params[3]` (dans son argument `params`)",
        ),
        ("td8.regularisation_mnist.soft_threshold", soft_threshold_in_place, "son argument `W`"),
        ("td8.regularisation_mnist.fit_penalized", fit_penalized_in_place, "son argument `W` et son argument `b`"),
    ],
)
def test_a_function_that_changes_its_inputs_in_place_fails_and_is_told_which(check_id, student, changed):
    """Each returns the right values: only the caller's arrays, written into, tell it from a right one.
    (No function of TD 8 updates an argument in place by contract: each returns new arrays.)"""
    for seed in SEEDS:
        verdict = run_check(check_id, student, seed=seed)
        assert not verdict.passed, (seed, verdict)
        assert f"a modifié {changed} en place" in verdict.message, verdict.message


def test_right_functions_that_write_only_into_their_own_arrays_pass():
    def momentum(theta, grad, velocity, eta, beta):
        velocity = velocity.copy()
        velocity *= beta
        velocity += grad
        return theta - eta * velocity, velocity

    def soft_threshold(W, t):
        G = W.copy()
        G[np.abs(G) <= t] = 0.0
        G[G > t] -= t
        G[G < -t] += t
        return G

    def train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size=32, drop=1.0, every=1, seed=0):
        """Its own copies, trained in place; the history as arrays."""
        copies = [np.array(p, dtype=float) for p in params]
        learnt, history = ref.train(
            X, Y, X_val, Y_val, tuple(copies), method, eta, epochs, batch_size, drop, every, seed
        )
        for theta, new in zip(copies, learnt):
            theta[...] = new
        return tuple(copies), {key: np.array(values) for key, values in history.items()}

    def optimize(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
        theta = np.array(theta0, dtype=float)
        return optimize_moving_theta0(grad_f, theta, method, n_steps, eta, beta, beta2, eps)

    for seed in SEEDS:
        assert run_check("td8.optimiseurs.sgd_momentum_step", momentum, seed=seed).passed
        assert run_check("td8.regularisation_mnist.soft_threshold", soft_threshold, seed=seed).passed
        assert run_check("td8.optimiseurs.train", train, seed=seed).passed
        assert run_check("td8.optimiseurs.optimize", optimize, seed=seed).passed


def test_optimize_whose_copy_of_theta0_keeps_integers_fails():
    """The sheet: « faites-en une copie en réels ». A copy in theta0's own dtype cannot step in place."""

    def optimize(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
        theta = theta0.copy()
        path = [theta.copy()]
        velocity, m, v = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
        for t in range(1, n_steps + 1):
            grad = grad_f(theta)
            if method == "sgd":
                theta -= eta * grad
            elif method == "momentum":
                theta, velocity = ref.sgd_momentum_step(theta, grad, velocity, eta, beta)
            else:
                theta, m, v = ref.adam_step(theta, grad, m, v, t, eta, beta, beta2, eps)
            path.append(theta.copy())
        return np.array(path)

    verdict = run_check("td8.optimiseurs.optimize", optimize, seed=0)
    assert not verdict.passed and "θ₀ en entiers" in verdict.message, verdict


# ------------------------------------------------------------------------------ train and fit_penalized
def test_train_that_ignores_its_seed_or_decay_fails():
    def with_fixed(**fixed):
        def train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size=32, drop=1.0, every=1, seed=0):
            given = {"batch_size": batch_size, "drop": drop, "every": every, "seed": seed, **fixed}
            return ref.train(X, Y, X_val, Y_val, params, method, eta, epochs, **given)

        return train

    for fixed in ({"seed": 0}, {"drop": 1.0}, {"every": 1}, {"batch_size": 32}):
        for seed in SEEDS:
            assert not run_check("td8.optimiseurs.train", with_fixed(**fixed), seed=seed).passed, (fixed, seed)


def test_train_returning_a_history_without_its_keys_is_told_what_to_return():
    def train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size=32, drop=1.0, every=1, seed=0):
        learnt, history = ref.train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size, drop, every, seed)
        return learnt, {"train": history["train_loss"], "val": history["val_loss"]}

    verdict = run_check("td8.optimiseurs.train", train, seed=0)
    assert not verdict.passed and "les clés de history sont 'train', 'val'" in verdict.message, verdict


def test_fit_penalized_with_the_l2_step_written_as_a_decay_factor_passes():
    def fit(X, Y, X_val, Y_val, W, b, penalty, lam, eta, epochs):
        history = {"train_loss": [], "val_loss": []}
        for _ in range(epochs):
            dW, db = reg.gradient(X, reg.softmax(X @ W + b), Y)
            if penalty == "L2":
                W = (1 - eta * lam) * W - eta * dW
            else:
                W = reg.soft_threshold(W - eta * dW, eta * lam)
            b = b - eta * db
            history["train_loss"].append(reg.cross_entropy(Y, reg.softmax(X @ W + b)))
            history["val_loss"].append(reg.cross_entropy(Y_val, reg.softmax(X_val @ W + b)))
        return W, b, history

    for seed in SEEDS:
        assert run_check("td8.regularisation_mnist.fit_penalized", fit, seed=seed).passed, seed
