"""TD 6: the reference MLP reaches the announced accuracy on the MNIST digits of data/mnist, its gradients
agree with finite differences, and the notebooks' data, constants and results are the reference's."""
import numpy as np
import pytest

from autograde.reference import mlp as ref
from autograde.reference import moons
from conftest import SOURCE, run_in_process

NOTEBOOKS = SOURCE / "td6_mlp_mnist"


@pytest.fixture(scope="module")
def reference_mnist_run():
    """The reference trained on MNIST exactly as the notebook does: split, pixels / 255, He init, η, batch, epochs."""
    from threadpoolctl import threadpool_limits

    X_train, X_test, y_train, y_test = ref.make_data()
    params0 = ref.init_params(X_train.shape[1], ref.HIDDEN, ref.NUM_CLASSES, ref.INIT_SEED)
    with threadpool_limits(1):
        params, losses = ref.train(X_train, ref.one_hot(y_train, ref.NUM_CLASSES), params0, ref.ETA, ref.EPOCHS,
                                   ref.BATCH_SIZE, ref.LAM, ref.P_DROP, ref.SEED)
    return {"data": (X_train, X_test, y_train, y_test), "params": params, "losses": losses,
            "test_accuracy": ref.accuracy(y_test, ref.predict(X_test, params))}


@pytest.mark.slow
def test_reference_reaches_095_on_the_mnist_of_the_repository(reference_mnist_run):
    X_train, X_test, _, _ = reference_mnist_run["data"]
    assert X_train.shape == (8000, 784) and X_test.shape == (2000, 784), "the MNIST digits of data/mnist, not the fallback"
    assert reference_mnist_run["test_accuracy"] >= 0.95
    losses = reference_mnist_run["losses"]
    assert losses.shape == (ref.EPOCHS,) and losses[-1] < losses[0] / 5


@pytest.mark.slow
def test_mnist_notebook_result_is_the_reference_one(reference_mnist_run):
    namespace = run_in_process(NOTEBOOKS / "01_mlp_numpy.ipynb")
    X_train, X_test, y_train, y_test = reference_mnist_run["data"]
    assert np.array_equal(namespace["X_train"], X_train) and np.array_equal(namespace["y_test"], y_test)
    assert (namespace["HIDDEN"], namespace["ETA"], namespace["BATCH_SIZE"], namespace["EPOCHS"],
            namespace["LAM"], namespace["P_DROP"]) == (ref.HIDDEN, ref.ETA, ref.BATCH_SIZE, ref.EPOCHS, ref.LAM, ref.P_DROP)
    for got, want in zip(namespace["params0"], ref.init_params(784, ref.HIDDEN, 10, ref.INIT_SEED)):
        assert np.array_equal(got, want)
    for got, want in zip(namespace["params"], reference_mnist_run["params"]):
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12)
    assert np.allclose(namespace["losses"], reference_mnist_run["losses"], rtol=1e-9)
    assert namespace["test_accuracy"] == reference_mnist_run["test_accuracy"] >= 0.95


def test_backward_matches_finite_differences_with_l2_and_dropout():
    rng = np.random.default_rng(3)
    X, labels = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    Y = ref.one_hot(labels, 3)
    params = tuple(rng.normal(size=shape) for shape in [(4, 6), (6,), (6, 3), (3,)])

    def objective():
        P, _ = ref.forward(X, params, 0.4, np.random.default_rng(5))
        return ref.loss(Y, P, params, 0.2)

    P, cache = ref.forward(X, params, 0.4, np.random.default_rng(5))
    assert 0 < (cache[2] == 0).sum() < cache[2].size, "the dropout mask really drops some units"
    for theta, grad in zip(params, ref.backward(X, Y, params, P, cache, 0.2)):
        numeric = ref.numerical_gradient(objective, theta)
        assert np.max(np.abs(grad - numeric) / np.maximum(1e-12, np.abs(grad) + np.abs(numeric))) < 1e-6


def test_inverted_dropout_keeps_the_expected_activation():
    A = np.ones((400, 300))
    out, mask = ref.dropout(A, 0.3, np.random.default_rng(0))
    assert set(np.unique(mask)) == {0.0, 1 / 0.7}
    assert abs(out.mean() - 1.0) < 0.01 and abs((mask == 0).mean() - 0.3) < 0.01
    same, ones = ref.dropout(A, 0.3, np.random.default_rng(0), training=False)
    assert same is A and np.all(ones == 1)


def test_he_initialisation_has_the_announced_scale():
    W1, b1, W2, b2 = ref.init_params(784, 128, 10, 0)
    assert abs(W1.std() - np.sqrt(2 / 784)) < 0.02 * np.sqrt(2 / 784)
    assert abs(W2.std() - np.sqrt(2 / 128)) < 0.1 * np.sqrt(2 / 128)
    assert not b1.any() and not b2.any()


@pytest.mark.slow
def test_moons_notebook_uses_the_reference_data_and_models():
    namespace = run_in_process(NOTEBOOKS / "02_frontieres_moons.ipynb")
    X_train, X_test, y_train, y_test = moons.make_data()
    assert np.array_equal(namespace["X_train"], X_train) and np.array_equal(namespace["y_test"], y_test)
    models = {name: model.fit(X_train, y_train) for name, model in moons.models().items()}
    expected = {"régression logistique": models["logistic"], "MLP (32 ReLU)": models["mlp"]}
    for name, model in expected.items():
        assert namespace["accuracies"][name] == (model.score(X_train, y_train), model.score(X_test, y_test))
    # The point of the figure: no line separates the moons, the MLP's curved boundary does.
    assert models["mlp"].score(X_test, y_test) >= models["logistic"].score(X_test, y_test) + 0.05
    xx, yy, grid = moons.grid_points(X_test)
    assert grid.shape == (moons.N_STEPS ** 2, 2) and np.array_equal(grid[:, 0], xx.ravel())
