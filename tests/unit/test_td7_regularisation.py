"""TD 7: the reference's He scale, inverted dropout and L2 penalty; the MLP the notebook gives is TD 6's with the
reference's history; the selection on the validation loss (the retained epoch is not the last one tried, on the
MNIST digits of data/mnist); the moons' pair (H, λ) computed from the validated grid; and the notebooks' data,
constants and results are the reference's."""

import numpy as np
import pytest
from conftest import SOURCE, read, run_in_process

from autograde.td7.frontieres_moons import solution as moons
from autograde.td7.initialisation_regularisation import solution as ref

NOTEBOOKS = SOURCE / "td7_regularisation"


def _cell(notebook, cell_id):
    [cell] = [c for c in read(NOTEBOOKS / notebook).cells if c.get("id") == cell_id]
    return cell.source


def test_he_initialisation_has_the_announced_scale():
    W1, b1, W2, b2 = ref.init_params(784, 128, 10, 0)
    assert abs(W1.std() - np.sqrt(2 / 784)) < 0.02 * np.sqrt(2 / 784)
    assert abs(W2.std() - np.sqrt(2 / 128)) < 0.1 * np.sqrt(2 / 128)
    assert not b1.any() and not b2.any()


def test_he_keeps_the_scale_of_relu_layers_where_xavier_halves_the_variance():
    """The written answer's factor n σ² / 2 per layer, measured on 10 layers of 256 units as the figure draws them."""
    rng = np.random.default_rng(0)
    n = 256
    for variance, factor in ((2 / n, 1.0), (2 / (n + n), 0.5)):
        a = rng.normal(size=(2000, n))
        ratios = []
        for _ in range(10):
            z = a @ rng.normal(0.0, np.sqrt(variance), size=(n, n))
            ratios.append(z.var() / np.mean(a**2) / (n * variance))
            a = np.maximum(0.0, z)
        assert np.allclose(ratios, 1.0, atol=0.1)  # Var(z) = n σ² E[a²], up to the draw of one W per layer
        assert abs(np.mean(a**2) / z.var() - 0.5) < 0.05  # E[ReLU(z)²] = Var(z) / 2
        assert abs(n * variance / 2 - factor) < 1e-12


def test_inverted_dropout_keeps_the_expected_activation():
    A = np.ones((400, 300))
    out, mask = ref.dropout(A, 0.3, np.random.default_rng(0))
    assert set(np.unique(mask)) == {0.0, 1 / 0.7}
    assert abs(out.mean() - 1.0) < 0.01 and abs((mask == 0).mean() - 0.3) < 0.01
    same, ones = ref.dropout(A, 0.3, np.random.default_rng(0), training=False)
    assert same is A and np.all(ones == 1)


def test_l2_penalty_gradient_is_the_numerical_one_and_leaves_the_biases():
    rng = np.random.default_rng(3)
    params = tuple(rng.normal(size=shape) for shape in [(4, 3), (3,), (3, 2), (2,)])
    penalty, grads = ref.l2_penalty(params, 0.7)
    assert np.isclose(penalty, 0.35 * (np.sum(params[0] ** 2) + np.sum(params[2] ** 2)))
    for k in range(4):

        def f(theta, k=k):
            return ref.l2_penalty(params[:k] + (theta,) + params[k + 1 :], 0.7)[0]

        assert np.allclose(grads[k], _numerical_gradient(f, params[k]), atol=1e-7)
    assert not grads[1].any() and not grads[3].any()


def _numerical_gradient(f, theta, h=1e-5):
    from autograde.td1.regression_lineaire.solution import numerical_gradient

    return numerical_gradient(f, theta, h)


def test_the_notebooks_given_mlp_is_the_references():
    """The locked cell, run with the reference dropout and l2_penalty, gives the reference's parameters and history."""
    namespace = {"np": np, "dropout": ref.dropout, "l2_penalty": ref.l2_penalty}
    exec(_cell("01_initialisation_regularisation.ipynb", "mlp"), namespace)
    rng = np.random.default_rng(0)
    X, X_val = rng.normal(size=(37, 5)), rng.normal(size=(11, 5))
    Y, Y_val = ref.one_hot(rng.integers(0, 3, 37), 3), ref.one_hot(rng.integers(0, 3, 11), 3)
    for lam, p_drop in ((0.0, 0.0), (0.05, 0.0), (0.0, 0.3)):
        args = (X, Y, ref.init_params(5, 6, 3, 1), 0.1, 4, 8, lam, p_drop, 2, X_val, Y_val)
        params, history = namespace["train"](*args)
        params_ref, history_ref = ref.train(*args)
        assert all(np.allclose(a, b, rtol=0, atol=1e-12) for a, b in zip(params, params_ref))
        assert history.keys() == history_ref.keys() and all(len(history[k]) == 4 for k in history)
        assert all(np.allclose(history[k], history_ref[k], rtol=0, atol=1e-12) for k in history)
    # Both losses are the cross-entropy alone, with the parameters at the end of each epoch.
    one_epoch, history = ref.train(X, Y, ref.init_params(5, 6, 3, 1), 0.1, 1, 8, 0.5, 0.0, 2, X_val, Y_val)
    assert np.isclose(history["val_loss"][0], ref.cross_entropy(Y_val, ref.forward(X_val, one_epoch)[0]))
    assert np.isclose(history["train_loss"][0], ref.cross_entropy(Y, ref.forward(X, one_epoch)[0]))


def test_best_setting_keeps_the_fewest_epochs_then_the_first_setting():
    assert ref.best_setting({"a": [0.5, 0.3, 0.4], "b": [0.6, 0.35]}) == ("a", 2)
    assert ref.best_setting({"a": [0.5, 0.3, 0.3], "b": [0.6, 0.2, 0.1]}) == ("b", 3)
    assert ref.best_setting({"a": [0.5, 0.4, 0.3], "b": [0.3, 0.9]}) == ("b", 1)  # equal: the fewest epochs
    assert ref.best_setting({"a": [0.5, 0.3], "b": [0.4, 0.3]}) == ("a", 2)  # then the first setting


def test_the_notebook_compares_the_references_settings_with_its_constants():
    source = _cell("01_initialisation_regularisation.ipynb", "fit-setting")
    assert f"ETA = {ref.ETA}" in source and f"BATCH_SIZE = {ref.BATCH_SIZE}" in source
    assert f"MAX_EPOCHS = {ref.MAX_EPOCHS}" in source
    calls = [
        _cell("01_initialisation_regularisation.ipynb", i)
        for i in ("fit-base", "fit-l2-small", "fit-l2-large", "fit-dropout")
    ]
    namespace = {}
    exec("def fit_setting(name, lam=0.0, p_drop=0.0):\n    found[name] = (lam, p_drop)\n", namespace)
    namespace["found"] = {}
    for call in calls:
        exec(call, namespace)
    assert namespace["found"] == ref.SETTINGS


@pytest.mark.slow
def test_on_the_repository_digits_the_selection_retains_an_inner_epoch_and_reads_the_test_once():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        histories, setting, epochs, test_accuracy = ref.select_and_train()
    assert 1 <= epochs < ref.MAX_EPOCHS, "the grid of epochs goes beyond the retained one"
    assert histories[setting]["val_loss"][epochs - 1] == min(min(h["val_loss"]) for h in histories.values())
    # The unregularised network over-fits: its validation loss rises after its minimum, its training loss goes on falling.
    base = histories["sans régularisation"]
    assert base["val_loss"][-1] > min(base["val_loss"]) and base["train_loss"][-1] < 0.05
    assert test_accuracy >= 0.95


@pytest.mark.slow
def test_moons_notebook_computes_its_pair_from_the_validated_grid():
    namespace = run_in_process(NOTEBOOKS / "02_frontieres_moons.ipynb")
    X_rest, X_test, y_rest, y_test = moons.make_data()
    assert np.array_equal(namespace["X_rest"], X_rest) and np.array_equal(namespace["y_test"], y_test)
    X_train, X_val, y_train, y_val = moons.validation_split(X_rest, y_rest)
    pair, losses = moons.retained_pair(X_train, y_train, X_val, y_val)
    assert (namespace["HIDDEN"], namespace["LAM"]) == pair and pair in losses
    assert set(namespace["val_losses"]) == set(losses)
    assert all(np.isclose(namespace["val_losses"][key], loss) for key, loss in losses.items())
    models = {name: model.fit(X_train, y_train) for name, model in moons.models(len(X_train), *pair).items()}
    expected = {"régression logistique": models["logistic"], f"MLP ({pair[0]} ReLU)": models["mlp"]}
    for name, model in expected.items():
        assert namespace["accuracies"][name] == (model.score(X_train, y_train), model.score(X_test, y_test))
    # The point of the figure: no line separates the moons, the MLP's curved boundary does.
    assert models["mlp"].score(X_test, y_test) >= models["logistic"].score(X_test, y_test) + 0.05
    # The hidden representation drawn is the one of the MLP of section 3, learnt on the "apprentissage" part.
    z, second = moons.hidden_view(moons.models(len(X_train))["mlp"].fit(X_train, y_train), X_train)
    assert np.allclose(namespace["z_fit"], z) and np.allclose(namespace["second_axis"], second)
    assert np.mean((z > 0) == y_train) >= 0.95, "a threshold on z separates the classes of the points it learnt"


def test_hidden_view_is_what_the_output_neuron_thresholds():
    X_rest, _, y_rest, _ = moons.make_data()
    mlp = moons.models(len(X_rest))["mlp"].fit(X_rest, y_rest)
    z, second = moons.hidden_view(mlp, X_rest)
    assert z.shape == second.shape == (len(X_rest),) and abs(second.mean()) < 1e-9
    assert np.array_equal(z > 0, mlp.predict(X_rest) == 1), "the output neuron thresholds z at 0"


def test_grid_points_over_the_whole_arrays_range_is_not_told_it_used_the_first_column():
    """Both axes over X.min() … X.max(): the same outputs as the first column's range only when the second
    column's range is inside the first's, which one case avoids."""
    from autograde import run_check

    def grid_points(X, n_steps=200, margin=0.5):
        axis = np.linspace(X.min() - margin, X.max() + margin, n_steps)
        xx, yy = np.meshgrid(axis, axis)
        return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])

    for seed in range(5):
        verdict = run_check("td7.frontieres_moons.grid_points", grid_points, seed=seed)
        assert not verdict.passed and verdict.mistake is None, verdict.message


@pytest.mark.parametrize(
    "check_id, function, argument, default",
    [
        ("td7.initialisation_regularisation.init_params", ref.init_params, "seed", 0),
        ("td7.initialisation_regularisation.dropout", ref.dropout, "training", True),
        ("td7.frontieres_moons.grid_points", moons.grid_points, "n_steps", moons.N_STEPS),
        ("td7.frontieres_moons.grid_points", moons.grid_points, "margin", moons.MARGIN),
    ],
    ids=["init_params-seed", "dropout-training", "grid_points-n_steps", "grid_points-margin"],
)
def test_a_function_that_ignores_an_optional_argument_fails(check_id, function, argument, default):
    import functools
    import inspect

    from autograde import run_check

    signature = inspect.signature(function)

    @functools.wraps(function)
    def ignoring(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.arguments[argument] = default
        return function(*bound.args, **bound.kwargs)

    for seed in range(3):
        assert not run_check(check_id, ignoring, seed=seed).passed
