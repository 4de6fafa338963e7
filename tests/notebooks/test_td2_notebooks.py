"""TD 2's notebooks compute what the reference computes, and what their prose says is true."""

import contextlib
import io

import numpy as np
import pytest
from conftest import SOURCE, run_in_process

from autograde.td2.descente_1d import solution as gd
from autograde.td2.mini_lots import solution as mb

TD2 = SOURCE / "td2_descente_gradient"


@pytest.fixture(scope="module")
def descente():
    return run_in_process(TD2 / "01_descente_1d.ipynb")


@pytest.fixture(scope="module")
def mini_lots():
    return run_in_process(TD2 / "02_mini_lots.ipynb")


def test_critical_points_of_f():
    assert np.allclose(gd.df(np.array([gd.W_LOCAL_MIN, gd.W_LOCAL_MAX, gd.W_GLOBAL_MIN])), 0, atol=1e-12)
    assert gd.f(gd.W_GLOBAL_MIN) < gd.f(gd.W_LOCAL_MIN) < gd.f(gd.W_LOCAL_MAX)
    h = 1e-6
    grid = np.linspace(-3, 7, 101)
    assert np.allclose(gd.df(grid), (gd.f(grid + h) - gd.f(grid - h)) / (2 * h), atol=1e-5)


def test_three_first_iterates_are_the_guides_and_no_cell_prints_them():
    """reponse_iterations asks for them by hand: the guide's values are the reference's, and no given cell
    of the notebook prints them (nor w(2) of η = 0.5, which reponse_pas asks for)."""
    assert np.allclose(gd.gradient_descent(gd.df, gd.W0, gd.ETA, 3), [2.0, 2.45, 3.0715, 3.8293], atol=5e-5)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        namespace = run_in_process(TD2 / "01_descente_1d.ipynb")
    assert (namespace["W0"], namespace["ETA"]) == (gd.W0, gd.ETA)
    for value in ("2.45", "3.07", "3.83", "30.6"):
        assert value not in printed.getvalue(), value


def test_learning_rate_experiments_say_what_the_prose_says(descente):
    assert np.isclose(descente["path_005"][-1], gd.W_GLOBAL_MIN, atol=1e-6)
    assert np.allclose(descente["path_05"][:3], [2.0, 6.5, -30.625])
    assert abs(descente["path_05"][-1]) > 1e12, "η = 0.5 diverges"
    assert np.isclose(descente["path_001"][1], 2.09)
    assert abs(descente["path_001"][-1] - gd.W_GLOBAL_MIN) > 10 * abs(descente["path_005"][-1] - gd.W_GLOBAL_MIN)


def test_initialisation_experiments_end_where_the_prose_says(descente):
    assert {key: round(w, 4) for key, w in descente["final"].items()} == {
        (6.0, 0.01): round(gd.W_GLOBAL_MIN, 4),
        (6.0, gd.ETA_JUMP): round(gd.W_LOCAL_MIN, 4),
        (-2.0, 0.01): round(gd.W_LOCAL_MIN, 4),
        (-2.0, gd.ETA_JUMP): round(gd.W_LOCAL_MIN, 4),
    }
    assert np.isclose(gd.gradient_descent(gd.df, 6.0, gd.ETA_JUMP, 1)[1], 0.6)
    # Stability bound quoted in the notebook: η < 2 / f''(w*).
    second = 3 * gd.W_GLOBAL_MIN**2 - 9 * gd.W_GLOBAL_MIN - 2.5
    assert np.isclose(second, 22.6, atol=0.05) and 2 / second < gd.ETA_JUMP


def test_minibatch_notebook_data_model_and_constants_are_the_reference_ones(mini_lots):
    x, y = mb.make_data()
    assert np.array_equal(mini_lots["x"], x) and np.array_equal(mini_lots["y"], y)
    assert (mini_lots["W_INIT"], mini_lots["B_INIT"], mini_lots["SHUFFLE_SEED"]) == (
        mb.W_INIT,
        mb.B_INIT,
        mb.SHUFFLE_SEED,
    )
    assert (mini_lots["ETA"], mini_lots["EPOCHS"], mini_lots["BATCH_SIZES"]) == (mb.ETA, mb.EPOCHS, mb.BATCH_SIZES)
    y_hat = mb.predict(x, 1.7, 0.4)
    assert np.isclose(mini_lots["loss"](y, y_hat), mb.loss(y, y_hat))
    assert np.allclose(mini_lots["gradient"](x, y_hat, y), mb.gradient(x, y_hat, y))


def test_minibatch_curves_are_the_reference_ones(mini_lots):
    x, y = mb.make_data()
    best = mini_lots["best_loss"]
    for batch_size in mb.BATCH_SIZES:
        w, b, losses = mb.train_minibatch(x, y, mb.ETA, mb.EPOCHS, batch_size)
        got_w, got_b, got_losses = mini_lots["results"][batch_size]
        assert np.isclose(got_w, w) and np.isclose(got_b, b) and np.allclose(got_losses, losses)
    # What the notebook says about them: B = 1 is nearly there after one epoch, B = n is far after 30.
    assert mini_lots["results"][1][2][0] < 1.1 * best
    assert mini_lots["results"][32][2][-1] < 1.05 * best
    assert mini_lots["results"][len(x)][2][-1] > 1.3 * best


def test_each_epoch_has_a_new_order_and_every_example_once():
    x, y = np.arange(11.0), 10 * np.arange(11.0)
    rng = np.random.default_rng(mb.SHUFFLE_SEED)
    epochs = [list(mb.iterate_minibatches(x, y, 4, rng)) for _ in range(2)]
    for batches in epochs:
        assert [len(xb) for xb, _ in batches] == [4, 4, 3]
        assert sorted(np.concatenate([xb for xb, _ in batches])) == list(x)
        assert all(np.array_equal(yb, 10 * xb) for xb, yb in batches)
    assert not np.array_equal(epochs[0][0][0], epochs[1][0][0])


def test_numerical_check_agrees_with_the_derivative(descente):
    """The notebook checks df with TD 1's numerical_gradient at every point of its grid; the prose says the
    gap is of the order of 1e-6 or less."""
    assert descente["numeric"].shape == descente["grid"].shape
    assert np.max(np.abs(gd.df(descente["grid"]) - descente["numeric"])) < 1e-6
