"""The reference module: its gradients agree with finite differences, training reaches the optimum,
and every catalogued wrong variant is recognised by name by the hidden-test checks."""

import importlib

import numpy as np
import pytest
from scipy.stats import linregress

from autograde import run_check
from autograde.registry import notebooks
from autograde.td1.neurone import solution as neuron
from autograde.td1.regression_lineaire import solution as linreg
from autograde.td1.regression_logistique import solution as logreg


def centred_difference(f, params, h=1e-6):
    grad = np.zeros_like(params)
    for j in range(len(params)):
        step = np.zeros_like(params)
        step[j] = h
        grad[j] = (f(params + step) - f(params - step)) / (2 * h)
    return grad


def relative_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)))


def test_linear_regression_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    x, y = linreg.make_data(n=30, seed=3)
    params = rng.normal(size=2)
    numeric = centred_difference(lambda p: linreg.loss(y, linreg.predict(x, p[0], p[1])), params)
    analytic = np.array(linreg.gradient(x, linreg.predict(x, *params), y))
    assert relative_error(analytic, numeric) < 1e-7


def test_logistic_regression_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(40, 3)), rng.integers(0, 2, size=40).astype(float)
    params = rng.normal(size=4)
    numeric = centred_difference(lambda p: logreg.loss(y, logreg.predict_proba(x, p[:3], p[3])), params)
    dw, db = logreg.gradient(x, logreg.predict_proba(x, params[:3], params[3]), y)
    assert relative_error(np.append(dw, db), numeric) < 1e-7


def test_linear_regression_training_reaches_linregress():
    x, y = linreg.make_data()
    w, b, losses = linreg.train(x, y, linreg.ETA, linreg.EPOCHS)
    fit = linregress(x, y)
    assert abs(w - fit.slope) < 1e-3 and abs(b - fit.intercept) < 1e-3
    assert losses.shape == (linreg.EPOCHS,) and np.all(np.diff(losses) <= 1e-12)


def test_logistic_regression_generalises():
    x_train, x_test, y_train, y_test = logreg.make_data()
    w, b, losses = logreg.train(x_train, y_train, logreg.ETA, logreg.EPOCHS)
    assert losses[-1] < losses[0] / 3
    assert logreg.accuracy(y_test, logreg.predict(x_test, w, b)) >= 0.9


def test_sigmoid_never_overflows():
    with np.errstate(all="raise"):
        values = neuron.sigmoid(np.array([-1e4, -50.0, 0.0, 50.0, 1e4]))
    assert np.allclose(values, [0, 0, 0.5, 1, 1])


def test_neuron_on_one_input_and_on_a_batch():
    w, b = np.array([0.5, -1.0]), 1.0
    assert np.isclose(neuron.neuron(np.array([1.0, 2.0]), w, b, neuron.id), -0.5)
    out = neuron.neuron(np.array([[1.0, 2.0], [0.0, 0.0]]), w, b, neuron.relu)
    assert out.shape == (2,) and np.allclose(out, [0.0, 1.0])


def graded_functions():
    """Every graded function (or class aspect) the notebooks' packages declare."""
    return [function for notebook in notebooks() for function in notebook.graded]


def catalogued_mistakes():
    for function in graded_functions():
        for mistake in function.mistakes:
            yield pytest.param(function.check_id, mistake, id=mistake.name)


@pytest.mark.parametrize("check_id, mistake", list(catalogued_mistakes()))
def test_each_catalogued_mistake_is_named(check_id, mistake):
    for seed in (0, 1, 2):
        verdict = run_check(check_id, mistake.compute, seed=seed)
        assert not verdict.passed
        assert verdict.mistake == mistake.name, verdict.message
        assert mistake.explanation in verdict.message


def graded_objects():
    """Every (check id, reference object) pair: ``"td1.regression_lineaire.loss"``, or
    ``"td5.autograd.Value/backward"`` (several checks of one class)."""
    for function in graded_functions():
        yield pytest.param(function.check_id, function.reference, id=function.check_id)


@pytest.mark.parametrize("check_id, function", list(graded_objects()))
def test_the_reference_passes_its_own_checks(check_id, function):
    for seed in (0, 1, 2):
        verdict = run_check(check_id, function, seed=seed)
        assert verdict.passed, verdict.message


def test_every_check_has_its_catalogue_of_mistakes():
    """A package declares one graded function per key of its ``MISTAKES``, with that very catalogue,
    each judged by its own check of the package's ``checks``."""
    for notebook in notebooks():
        catalogue = importlib.import_module(f"autograde.{notebook.package}.mistakes").MISTAKES
        assert {function.key: function.mistakes for function in notebook.graded} == catalogue, notebook.package
        assert all(function.mistakes is catalogue[function.key] for function in notebook.graded), notebook.package
        checks = [function.check for function in notebook.graded]
        assert len(set(checks)) == len(checks), notebook.package
        assert {check.__module__ for check in checks} == {f"autograde.{notebook.package}.checks"}, notebook.package


def test_every_function_has_at_least_three_known_mistakes():
    for function in graded_functions():
        assert len(function.mistakes) >= 3, function.check_id
        assert len({m.name for m in function.mistakes}) == len(function.mistakes)


def test_mistake_ids_are_notebook_function_what_and_unique_in_the_course():
    """``<notebook>.<function>/<what>``: the notebook's folder, the graded function, the mistake."""
    import re

    seen = set()
    for function in graded_functions():
        notebook = function.package.split(".")[1]
        for mistake in function.mistakes:
            assert re.fullmatch(rf"{notebook}\.{function.name}/[a-z0-9_]+", mistake.name), mistake.name
            assert mistake.name not in seen, mistake.name
            seen.add(mistake.name)


def wrong_variant_factories():
    """(check id, factory): one per check of what the factory makes; a class graded in several cells
    (``wrong_Value``, for ``Value/arithmetic``, ``Value/unary``, ``Value/backward``) is run by each."""
    for notebook in notebooks():
        mistakes = importlib.import_module(f"autograde.{notebook.package}.mistakes")
        for name, factory in sorted(vars(mistakes).items()):
            if name.startswith("wrong_") and callable(factory):
                aspects = [f for f in notebook.graded if f.name == name[len("wrong_") :]]
                for function in aspects:
                    yield pytest.param(
                        function.check_id,
                        factory,
                        id=f"{notebook.package}.{name}" + (f"[{function.key}]" if function.aspect else ""),
                    )


@pytest.mark.parametrize("check_id, factory", list(wrong_variant_factories()))
def test_each_factory_of_wrong_variants_with_its_default_flags_is_the_solution(check_id, factory):
    """``wrong_<function>(**flags)`` makes the catalogue's variants; without flags, it is right."""
    for seed in (0, 1):
        verdict = run_check(check_id, factory(), seed=seed)
        assert verdict.passed, verdict.message
