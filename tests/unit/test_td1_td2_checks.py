"""TD 1's and TD 2's hidden-test checks on answers the catalogue does not list, or lists under an
explanation that must hold for every way of producing them."""

import copy
import inspect

import numpy as np
import pytest

from autograde import run_check
from autograde.td1.neurone import solution as neuron
from autograde.td1.regression_lineaire import solution as linear
from autograde.td1.regression_logistique import solution as logistic
from autograde.td2.descente_1d import solution as descent
from autograde.td2.mini_lots import solution as minibatch


def test_predict_classes_an_example_on_the_boundary_as_one():
    """The sheet says 1 where ŷ ≥ 0,5: a strict threshold differs only where ŷ is exactly 0,5."""

    def strict(x, w, b):
        return (logistic.predict_proba(x, w, b) > 0.5).astype(int)

    def on_the_scores(x, w, b):  # z ≥ 0 is ŷ ≥ 0,5: right
        return (x @ w + b >= 0).astype(int)

    for seed in range(4):
        verdict = run_check("td1.regression_logistique.predict", strict, seed=seed)
        assert not verdict.passed and "frontière" in verdict.message, verdict
        assert run_check("td1.regression_logistique.predict", on_the_scores, seed=seed).passed


def test_predict_proba_is_judged_with_the_reference_neuron_and_sigmoid():
    """The student's copies of part 1's neuron and sigmoid are graded in part 1: predict_proba, which calls
    them, is judged with the reference ones, and a direct formula is right too."""

    def predict_proba(X, w, b):
        return neuron(X, w, b, sigmoid)  # noqa: F821 - bound to the reference helpers by the check

    assert run_check("td1.regression_logistique.predict_proba", predict_proba, seed=0).passed
    assert run_check(
        "td1.regression_logistique.predict_proba", lambda X, w, b: 1 / (1 + np.exp(-(X @ w + b))), seed=1
    ).passed


def test_batches_drawn_once_before_the_epochs_are_told_the_order_never_changes():
    """The same answers as a generator made again at every epoch, by another cause: the explanation
    names what the answers show (one order for every epoch), not a generator made again."""

    def train_minibatch(x, y, eta, epochs, batch_size):
        w, b = minibatch.W_INIT, minibatch.B_INIT
        batches = list(minibatch.iterate_minibatches(x, y, batch_size, np.random.default_rng(minibatch.SHUFFLE_SEED)))
        losses = np.empty(epochs)
        for epoch in range(epochs):
            for x_batch, y_batch in batches:
                dw, db = minibatch.gradient(x_batch, minibatch.predict(x_batch, w, b), y_batch)
                w, b = w - eta * dw, b - eta * db
            losses[epoch] = minibatch.loss(y, minibatch.predict(x, w, b))
        return w, b, losses

    verdict = run_check("td2.mini_lots.train_minibatch", train_minibatch, seed=0)
    assert verdict.mistake == "mini_lots.train_minibatch/rng_each_epoch"
    assert "même ordre" in verdict.message and "recréé" not in verdict.message


def test_tanh_of_half_the_argument_is_told_what_it_computes_whatever_the_formula():
    verdict = run_check("td1.neurone.tanh", lambda z: np.tanh(np.asarray(z) / 2), seed=0)
    assert verdict.mistake == "neurone.tanh/half"
    assert "tanh(z/2)" in verdict.message


def test_train_tells_which_result_differs():
    def train(x, y, eta, epochs):
        w, b, losses = logistic.train(x, y, eta, epochs)
        return w, b, losses + 0.01

    verdict = run_check("td1.regression_logistique.train", train, seed=0)
    assert not verdict.passed and "losses (la perte de chaque époque)" in verdict.message, verdict


# ------------------------------------------------------------------------------ inputs changed in place
def writing_into(function, name):
    """``function``'s right answer, after which the argument ``name`` is overwritten in place (when it is
    an array): only the caller's array tells it from a right function."""
    position = list(inspect.signature(function).parameters).index(name)

    def wrong(*args):
        answer = function(*args)
        answer = copy.deepcopy(list(answer) if inspect.isgenerator(answer) else answer)
        if isinstance(args[position], np.ndarray):
            args[position][...] = 2 * args[position] + 1
        return answer

    wrong.__name__ = function.__name__
    return wrong


# No function of TD 1 or TD 2 updates an argument in place by contract: every check keeps the default
# inputs-unchanged comparison. gradient_descent and step_decay receive numbers (and a function) only.
IN_PLACE = [
    *[(f"td1.neurone.{name}", getattr(neuron, name), "z") for name in ("id", "sigmoid", "relu", "tanh")],
    ("td1.neurone.neuron", neuron.neuron, "x"),
    ("td1.neurone.neuron", neuron.neuron, "w"),
    ("td1.regression_lineaire.loss", linear.loss, "y_hat"),
    ("td1.regression_lineaire.gradient", linear.gradient, "x"),
    ("td1.regression_lineaire.gradient", linear.gradient, "y"),
    ("td1.regression_lineaire.train", linear.train, "y"),
    ("td1.regression_logistique.predict_proba", logistic.predict_proba, "X"),
    ("td1.regression_logistique.loss", logistic.loss, "y"),
    ("td1.regression_logistique.gradient", logistic.gradient, "y_hat"),
    ("td1.regression_logistique.train", logistic.train, "X"),
    ("td1.regression_logistique.predict", logistic.predict, "w"),
    ("td2.descente_1d.f", descent.f, "w"),
    ("td2.descente_1d.df", descent.df, "w"),
    ("td2.mini_lots.iterate_minibatches", minibatch.iterate_minibatches, "x"),
    ("td2.mini_lots.train_minibatch", minibatch.train_minibatch, "y"),
]


@pytest.mark.parametrize("check_id, reference, name", IN_PLACE, ids=[f"{c}:{n}" for c, _, n in IN_PLACE])
def test_a_function_that_changes_its_inputs_in_place_fails_and_is_told_which(check_id, reference, name):
    verdict = run_check(check_id, writing_into(reference, name), seed=0)
    assert not verdict.passed and f"a modifié son argument `{name}` en place" in verdict.message, verdict


def test_relu_clipping_its_argument_in_place_is_told_so():
    def relu(z):
        if isinstance(z, np.ndarray):
            z[z < 0] = 0.0
            return z
        return max(z, 0.0)

    verdict = run_check("td1.neurone.relu", relu, seed=0)
    assert not verdict.passed and "a modifié son argument `z` en place" in verdict.message, verdict


def test_batches_of_data_shuffled_in_place_are_told_so():
    def iterate_minibatches(x, y, batch_size, rng):
        order = rng.permutation(len(x))
        x[:], y[:] = x[order], y[order]
        return [(x[s : s + batch_size], y[s : s + batch_size]) for s in range(0, len(x), batch_size)]

    verdict = run_check("td2.mini_lots.iterate_minibatches", iterate_minibatches, seed=0)
    assert not verdict.passed and "son argument `x` et son argument `y`" in verdict.message, verdict
