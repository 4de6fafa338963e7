"""TD 6: the reference MLP reaches the announced accuracy on the MNIST digits of data/mnist, its gradients
agree with finite differences (TD 1's numerical_gradient), early stopping picks the epochs the final training
uses, and the notebooks' data, constants and results are the reference's."""
import numpy as np
import pytest

from autograde.td6.frontieres_moons import solution as moons
from autograde.td6.mlp_numpy import solution as ref
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


def early_stopping_run(X_train, y_train):
    """The notebook's early stopping, with the reference: the base network learnt on the "apprentissage" part one
    epoch at a time (shuffling seed = epoch), the validation cross-entropy after each. Returns (best_epoch,
    val_losses, the weights of the best epoch)."""
    from threadpoolctl import threadpool_limits

    X_fit, X_val, y_fit, y_val = ref.validation_split(X_train, y_train)
    Y_fit, Y_val = ref.one_hot(y_fit, ref.NUM_CLASSES), ref.one_hot(y_val, ref.NUM_CLASSES)
    params = ref.init_params(X_fit.shape[1], ref.HIDDEN, ref.NUM_CLASSES, ref.INIT_SEED)
    val_losses = []
    with threadpool_limits(1):
        for epoch in range(ref.MAX_EPOCHS):
            params, _ = ref.train(X_fit, Y_fit, params, ref.ETA, 1, ref.BATCH_SIZE, seed=epoch)
            val_losses.append(ref.loss(Y_val, ref.forward(X_val, params)[0], params))
            best_epoch, stop = ref.early_stopping(val_losses, ref.PATIENCE)
            if best_epoch == epoch:
                best = params
            if stop:
                break
    return best_epoch, val_losses, best


@pytest.mark.slow
def test_mnist_notebook_result_is_the_reference_one(reference_mnist_run):
    namespace = run_in_process(NOTEBOOKS / "01_mlp_numpy.ipynb")
    X_train, X_test, y_train, y_test = reference_mnist_run["data"]
    assert np.array_equal(namespace["X_train"], X_train) and np.array_equal(namespace["y_test"], y_test)
    assert (namespace["HIDDEN"], namespace["ETA"], namespace["BATCH_SIZE"], namespace["EPOCHS"],
            namespace["LAM"], namespace["P_DROP"]) == (ref.HIDDEN, ref.ETA, ref.BATCH_SIZE, ref.EPOCHS, ref.LAM, ref.P_DROP)
    assert (namespace["PATIENCE"], namespace["MAX_EPOCHS"]) == (ref.PATIENCE, ref.MAX_EPOCHS)
    # Early stopping, on the validation part: its best epoch, the losses it watched, the weights it kept.
    best_epoch, val_losses, best = early_stopping_run(X_train, y_train)
    assert namespace["best_epoch"] == best_epoch and np.allclose(namespace["val_losses"], val_losses, rtol=1e-9)
    assert len(val_losses) == best_epoch + 1 + ref.PATIENCE < ref.MAX_EPOCHS, "it stopped, patience epochs after the best"
    for got, want in zip(namespace["best_params"], best):
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12)
    # On the digits of data/mnist, it keeps EPOCHS epochs: the final training is the reference one.
    assert namespace["EPOCHS_FINAL"] == best_epoch + 1 == ref.EPOCHS
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

    def loss_with(k, theta):
        """The loss with params[k] replaced by theta, the same dropout mask every time."""
        replaced = params[:k] + (theta,) + params[k + 1:]
        P, _ = ref.forward(X, replaced, 0.4, np.random.default_rng(5))
        return ref.loss(Y, P, replaced, 0.2)

    P, cache = ref.forward(X, params, 0.4, np.random.default_rng(5))
    assert 0 < (cache[2] == 0).sum() < cache[2].size, "the dropout mask really drops some units"
    for k, (theta, grad) in enumerate(zip(params, ref.backward(X, Y, params, P, cache, 0.2))):
        before = theta.copy()
        numeric = ref.numerical_gradient(lambda t: loss_with(k, t), theta)
        assert np.array_equal(theta, before), "numerical_gradient leaves theta as it was given"
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
    # The hidden representation drawn is the one of the MLP of section 3, learnt on the "apprentissage" part.
    X_fit, y_fit = namespace["X_fit"], namespace["y_fit"]
    z, second = moons.hidden_view(moons.models()["mlp"].fit(X_fit, y_fit), X_fit)
    assert np.allclose(namespace["z_fit"], z) and np.allclose(namespace["second_axis"], second)
    assert np.mean((z > 0) == y_fit) >= 0.95, "a threshold on z separates the classes of the points it learnt"
    xx, yy, grid = moons.grid_points(X_test)
    assert grid.shape == (moons.N_STEPS ** 2, 2) and np.array_equal(grid[:, 0], xx.ravel())


def test_numerical_gradient_is_td1s_contract():
    """f takes an array shaped like theta; the result has theta's shape (TD 1's numerical_gradient)."""
    from autograde.td1.regression_lineaire import solution as td1

    theta = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    numeric = ref.numerical_gradient(lambda t: float(np.sum(t ** 3)), theta)
    assert numeric.shape == theta.shape and np.allclose(numeric, 3 * theta ** 2, atol=1e-8)
    x, y = td1.make_data(n=20, seed=1)
    grad = ref.numerical_gradient(lambda t: td1.loss(y, td1.predict(x, t[0], t[1])), np.array([0.3, -0.2]))
    assert np.allclose(grad, td1.gradient(x, td1.predict(x, 0.3, -0.2), y), atol=1e-7)


def test_early_stopping_keeps_the_first_minimum_and_counts_the_patience_after_it():
    assert ref.early_stopping([0.5], 1) == (0, False)
    assert ref.early_stopping([0.9, 0.4, 0.6, 0.4, 0.5], 3) == (1, True)
    assert ref.early_stopping([0.9, 0.4, 0.6, 0.5], 3) == (1, False)
    assert ref.early_stopping([0.9, 0.4, 0.6, 0.5, 0.45], 3) == (1, True)


def test_hidden_representation_makes_the_moons_linearly_separable_for_the_output_neuron():
    X_train, _, y_train, _ = moons.make_data()
    mlp = moons.models()["mlp"].fit(X_train, y_train)
    z, second = moons.hidden_view(mlp, X_train)
    assert z.shape == second.shape == (len(X_train),) and abs(second.mean()) < 1e-9
    assert np.array_equal(z > 0, mlp.predict(X_train) == 1), "the output neuron thresholds z at 0"
