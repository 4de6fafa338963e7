"""TD 3 (softmax regression on MNIST): the reference reaches the accuracy the course announces on the
MNIST digits of data/mnist, and the notebook's data, model selection and results are the reference's."""
import types

import numpy as np
import pytest

from autograde.td3.softmax_mnist import solution as ref
from conftest import MNIST_DIR, SOURCE, run_in_process

NOTEBOOK = SOURCE / "td3_mnist_softmax" / "01_softmax_mnist.ipynb"


@pytest.fixture(scope="module")
def mnist_split():
    assert MNIST_DIR.is_dir(), f"the MNIST digits of data/mnist are missing: {MNIST_DIR}"
    return ref.make_data(MNIST_DIR)


@pytest.fixture(scope="module")
def reference_fit(mnist_split):
    x_train, _, y_train, _ = mnist_split
    return ref.train(x_train, ref.one_hot(y_train, ref.NUM_CLASSES), ref.ETA, ref.EPOCHS, ref.BATCH_SIZE, ref.SEED)


@pytest.fixture(scope="module")
def selection(mnist_split):
    """(eta, epochs, W, b, losses): the notebook's model selection and final model, by the reference."""
    x_train, _, y_train, _ = mnist_split
    return ref.select_and_train(x_train, y_train)


def test_the_split_is_8000_train_and_2000_test_digits_in_0_1(mnist_split):
    x_train, x_test, y_train, y_test = mnist_split
    assert x_train.shape == (8000, 784) and x_test.shape == (2000, 784)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert sorted(np.unique(y_train)) == list(range(10))


def test_the_validation_split_takes_a_fifth_of_the_training_digits(mnist_split):
    x_train, x_test, y_train, _ = mnist_split
    x_fit, x_val, y_fit, y_val = ref.validation_split(x_train, y_train)
    assert x_fit.shape == (6400, 784) and x_val.shape == (1600, 784) and y_val.shape == (1600,)
    # Every validation digit is a training digit, none is a test digit.
    train_rows = {row.tobytes() for row in x_train}
    assert all(row.tobytes() in train_rows for row in x_val)
    assert not {row.tobytes() for row in x_val} & {row.tobytes() for row in x_test}


def test_train_for_fewer_epochs_gives_the_weights_a_longer_run_has_after_them():
    # The notebook's validation curves rest on it: one generator, the same orders whatever `epochs` is.
    rng = np.random.default_rng(5)
    X, Y = rng.uniform(size=(37, 4)), ref.one_hot(rng.integers(0, 3, size=37), 3)
    W3, b3, losses3 = ref.train(X, Y, 0.3, 3, 8, 11)
    W5, b5, losses5 = ref.train(X, Y, 0.3, 5, 8, 11)
    curves = ref.epoch_curves(X, Y, X, Y, 0.3, 5, 8, 11)
    assert np.allclose(losses5[:3], losses3) and np.isclose(curves["fit_loss"][2], ref.evaluate(X, Y, W3, b3)[0])
    assert np.isclose(curves["fit_loss"][4], ref.evaluate(X, Y, W5, b5)[0])


@pytest.mark.slow
def test_the_validation_does_not_choose_the_step_that_learns_the_fit_part_best(mnist_split, selection):
    eta, epochs, _, _, _ = selection
    assert eta in ref.ETAS and 1 <= epochs <= ref.EPOCHS
    # On data/mnist the largest step has the smallest loss on the fit part, not on the validation set.
    x_fit, x_val, y_fit, y_val = ref.validation_split(*mnist_split[::2])
    Y_fit, Y_val = ref.one_hot(y_fit, 10), ref.one_hot(y_val, 10)
    fits = {eta: ref.train(x_fit, Y_fit, eta, ref.EPOCHS, ref.BATCH_SIZE, ref.SEED)[:2] for eta in ref.ETAS}
    fit_losses = {eta: ref.evaluate(x_fit, Y_fit, *fits[eta])[0] for eta in ref.ETAS}
    assert min(fit_losses, key=fit_losses.get) == max(ref.ETAS) != eta


@pytest.mark.slow
def test_reference_reaches_090_test_accuracy_on_the_mnist_of_the_repository(mnist_split, reference_fit):
    _, x_test, _, y_test = mnist_split
    W, b, losses = reference_fit
    assert W.shape == (784, 10) and b.shape == (10,) and losses.shape == (ref.EPOCHS,)
    assert losses[-1] < losses[0] / 2 and np.all(np.diff(losses) < 0)
    test_accuracy = ref.accuracy(ref.one_hot(y_test, 10), ref.softmax(x_test @ W + b))
    assert test_accuracy >= 0.90


def test_reference_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    n, d, k = 12, 5, 4
    X, labels = rng.uniform(0, 1, size=(n, d)), rng.integers(0, k, size=n)
    Y = ref.one_hot(labels, k)
    W, b = rng.normal(size=(d, k)), rng.normal(size=k)
    dW, db = ref.gradient(X, ref.softmax(X @ W + b), Y)
    params = np.concatenate([W.ravel(), b])

    def loss(p):
        return ref.cross_entropy(Y, ref.softmax(X @ p[:d * k].reshape(d, k) + p[d * k:]))

    h = 1e-6
    numeric = np.array([(loss(params + h * e) - loss(params - h * e)) / (2 * h) for e in np.eye(params.size)])
    analytic = np.concatenate([dW.ravel(), db])
    assert np.max(np.abs(analytic - numeric) / np.maximum(1e-12, np.abs(analytic) + np.abs(numeric))) < 1e-7


def test_reference_softmax_and_cross_entropy_never_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is harmless
        P = ref.softmax(np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1002.0]]))
        assert np.allclose(P.sum(axis=1), 1.0) and np.all(np.isfinite(P))
        Y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
        assert np.isclose(ref.cross_entropy(Y, np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])), -np.log(1e-12) / 2)


@pytest.mark.slow
def test_notebook_data_and_fit_are_the_reference_ones(mnist_split, selection):
    namespace = run_in_process(NOTEBOOK)
    x_train, x_test, y_train, y_test = mnist_split
    assert np.array_equal(namespace["X_train"], x_train) and np.array_equal(namespace["X_test"], x_test)
    assert np.array_equal(namespace["y_train"], y_train) and np.array_equal(namespace["y_test"], y_test)
    assert np.array_equal(namespace["Y_train"], ref.one_hot(y_train, 10))
    x_fit, x_val, y_fit, y_val = ref.validation_split(x_train, y_train)
    assert np.array_equal(namespace["X_fit"], x_fit) and np.array_equal(namespace["X_val"], x_val)
    assert np.array_equal(namespace["y_fit"], y_fit) and np.array_equal(namespace["y_val"], y_val)
    assert (namespace["ETA"], namespace["BATCH_SIZE"], namespace["EPOCHS"], namespace["SEED"]) == (
        ref.ETA, ref.BATCH_SIZE, ref.EPOCHS, ref.SEED)
    assert tuple(namespace["ETAS"]) == ref.ETAS
    # The statement's training, on the fit part.
    W_fit, b_fit, losses_fit = ref.train(x_fit, ref.one_hot(y_fit, 10), ref.ETA, ref.EPOCHS, ref.BATCH_SIZE, ref.SEED)
    assert np.allclose(namespace["W_fit"], W_fit) and np.allclose(namespace["losses_fit"], losses_fit)
    # The choices, made on the validation set, and the curves they were made on.
    eta, epochs, W, b, losses = selection
    assert (namespace["BEST_ETA"], namespace["BEST_EPOCHS"]) == (eta, epochs)
    curves = ref.epoch_curves(x_fit, ref.one_hot(y_fit, 10), x_val, ref.one_hot(y_val, 10), eta, ref.EPOCHS,
                              ref.BATCH_SIZE, ref.SEED)
    in_notebook = {"fit_loss": "fit_losses", "fit_accuracy": "fit_accuracies", "val_loss": "val_losses",
                   "val_accuracy": "val_accuracies"}
    for name, values in curves.items():
        assert np.allclose(namespace[in_notebook[name]], values), name
    # The final model, trained on all the training digits with the chosen values, measured once on the test set.
    assert np.allclose(namespace["W"], W) and np.allclose(namespace["b"], b)
    assert np.allclose(namespace["losses"], losses)
    test_accuracy = ref.accuracy(ref.one_hot(y_test, 10), ref.softmax(x_test @ W + b))
    assert np.isclose(namespace["test_accuracy"], test_accuracy) and namespace["test_accuracy"] >= 0.90
    confusion = ref.confusion_matrix(y_test, ref.predict(x_test, W, b))
    assert np.array_equal(namespace["confusion"], confusion) and confusion.sum() == 2000
    assert namespace["SIDE"] == 28


@pytest.mark.slow
def test_notebook_runs_on_the_load_digits_fallback():
    from autograde import mnist

    fallback = types.ModuleType("mnist")
    fallback.load_mnist = lambda *args, **kwargs: mnist._from_digits()
    namespace = run_in_process(NOTEBOOK, fallback)
    assert namespace["SIDE"] == 8 and namespace["W"].shape == (64, 10)
    assert namespace["X_train"].shape == (1437, 64)
    assert namespace["X_fit"].shape == (1149, 64) and namespace["X_val"].shape == (288, 64)
    assert namespace["BEST_ETA"] in namespace["ETAS"] and 1 <= namespace["BEST_EPOCHS"] <= namespace["EPOCHS"]
    assert namespace["test_accuracy"] > 0.85
