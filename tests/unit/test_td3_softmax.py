"""TD 3 (softmax regression on MNIST): the reference reaches the accuracy the course announces on the
MNIST digits of data/mnist, and the notebook's data, model selection and results are the reference's."""

import types

import numpy as np
import pytest
from conftest import MNIST_DIR, SOURCE, run_in_process

from autograde.td3.softmax_mnist import solution as ref

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
    Y_fit = ref.one_hot(y_fit, 10)
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
        return ref.cross_entropy(Y, ref.softmax(X @ p[: d * k].reshape(d, k) + p[d * k :]))

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
        ref.ETA,
        ref.BATCH_SIZE,
        ref.EPOCHS,
        ref.SEED,
    )
    assert tuple(namespace["ETAS"]) == ref.ETAS
    # The statement's training, on the fit part.
    W_fit, b_fit, losses_fit = ref.train(x_fit, ref.one_hot(y_fit, 10), ref.ETA, ref.EPOCHS, ref.BATCH_SIZE, ref.SEED)
    assert np.allclose(namespace["W_fit"], W_fit) and np.allclose(namespace["losses_fit"], losses_fit)
    # The choices, made on the validation set, and the curves they were made on.
    eta, epochs, W, b, losses = selection
    assert (namespace["BEST_ETA"], namespace["BEST_EPOCHS"]) == (eta, epochs)
    curves = ref.epoch_curves(
        x_fit, ref.one_hot(y_fit, 10), x_val, ref.one_hot(y_val, 10), eta, ref.EPOCHS, ref.BATCH_SIZE, ref.SEED
    )
    in_notebook = {
        "fit_loss": "fit_losses",
        "fit_accuracy": "fit_accuracies",
        "val_loss": "val_losses",
        "val_accuracy": "val_accuracies",
    }
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


# ------------------------------------------------------------------------------------ the hidden checks
def train_in_float32(X, Y, eta, epochs, batch_size, seed):
    """A correct train computed entirely in float32: its own softmax, loss and gradient, float32 arrays."""
    X, Y, eta = X.astype(np.float32), Y.astype(np.float32), np.float32(eta)
    rng = np.random.default_rng(seed)
    W = np.zeros((X.shape[1], Y.shape[1]), dtype=np.float32)
    b = np.zeros(Y.shape[1], dtype=np.float32)
    losses = np.zeros(epochs, dtype=np.float32)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            Z = X[batch] @ W + b
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            P = E / E.sum(axis=1, keepdims=True)
            batch_losses.append(
                -np.sum(Y[batch] * np.log(np.clip(P, np.float32(1e-12), np.float32(1.0)))) / np.float32(len(batch))
            )
            R = (P - Y[batch]) / np.float32(len(batch))
            W, b = W - eta * (X[batch].T @ R), b - eta * R.sum(axis=0)
        losses[epoch] = np.mean(np.array(batch_losses, dtype=np.float32))
    return W, b, losses


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_a_correct_train_computed_in_float32_gets_full_marks(seed):
    from autograde.hidden_tests import run_check

    verdict = run_check("td3.softmax_mnist.train", train_in_float32, seed=seed)
    assert verdict.passed and verdict.message.startswith(
        "`train` : 3 cas vérifiés, tous corrects. Entraînement complet sur les chiffres 8×8 de load_digits"
    ), verdict


def test_float32_round_off_of_train_is_far_below_the_derived_tolerance():
    """The tolerance comes from the computation (steps, sums, scale), not from this student: float32 uses
    a small part of it, so a float32 train written otherwise passes too."""
    from autograde.td3.softmax_mnist import checks

    for seed in range(20):
        cases = checks._train_cases(np.random.default_rng(seed))
        tolerance = checks.train_tolerance(cases)
        for case in cases:
            for expected, got in zip(ref.train(*case.args), train_in_float32(*case.args)):
                used = np.abs(got - expected) / (tolerance["atol"] + tolerance["rtol"] * np.abs(expected))
                assert used.max() < 0.05, (seed, case.label)


def test_every_catalogued_wrong_train_still_fails_and_is_named():
    from autograde.hidden_tests import run_check
    from autograde.td3.softmax_mnist.mistakes import MISTAKES

    for mistake in MISTAKES["train"]:
        verdict = run_check("td3.softmax_mnist.train", mistake.compute)
        assert not verdict.passed and verdict.mistake == mistake.name, (mistake.name, verdict.message)


def test_a_permutation_drawn_once_is_told_every_epoch_has_the_same_order():
    """The explanation holds for this train as for one that creates its generator again at every epoch."""
    from autograde.hidden_tests import run_check

    def train(X, Y, eta, epochs, batch_size, seed):
        W, b, losses = np.zeros((X.shape[1], Y.shape[1])), np.zeros(Y.shape[1]), []
        order = np.random.default_rng(seed).permutation(len(X))  # drawn once, for every epoch
        for _ in range(epochs):
            batch_losses = []
            for start in range(0, len(X), batch_size):
                batch = order[start : start + batch_size]
                P = softmax(X[batch] @ W + b)  # noqa: F821 - the reference softmax is substituted
                batch_losses.append(cross_entropy(Y[batch], P))  # noqa: F821
                dW, db = gradient(X[batch], P, Y[batch])  # noqa: F821
                W, b = W - eta * dW, b - eta * db
            losses.append(np.mean(batch_losses))
        return W, b, np.array(losses)

    verdict = run_check("td3.softmax_mnist.train", train)
    assert verdict.mistake == "softmax_mnist.train/same_order_every_epoch"
    assert "toutes les époques parcourent les exemples dans le même ordre" in verdict.message
    assert "une permutation tirée une seule fois" in verdict.message


def test_train_with_a_weighted_mean_of_the_batch_losses_is_told_losses_differ():
    """Not catalogued: the message names the output that differs."""
    from autograde.hidden_tests import run_check

    def train(X, Y, eta, epochs, batch_size, seed):
        W, b, losses = np.zeros((X.shape[1], Y.shape[1])), np.zeros(Y.shape[1]), []
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            order, total = rng.permutation(len(X)), 0.0
            for start in range(0, len(X), batch_size):
                batch = order[start : start + batch_size]
                P = softmax(X[batch] @ W + b)  # noqa: F821
                total += cross_entropy(Y[batch], P) * len(batch)  # noqa: F821
                dW, db = gradient(X[batch], P, Y[batch])  # noqa: F821
                W, b = W - eta * dW, b - eta * db
            losses.append(total / len(X))
        return W, b, np.array(losses)

    verdict = run_check("td3.softmax_mnist.train", train)
    assert not verdict.passed and verdict.mistake is None
    assert "batch_size = 4 (dernier lot de 1)" in verdict.message and ") : losses : " in verdict.message


def test_gradient_writing_into_P_is_told_it_changed_P_in_place():
    from autograde.hidden_tests import run_check

    def gradient(X, P, Y):
        residual = P  # an alias of the caller's P…
        residual -= Y  # …which this line changes
        return X.T @ residual / len(X), residual.sum(axis=0) / len(X)

    verdict = run_check("td3.softmax_mnist.gradient", gradient)
    assert not verdict.passed and "`gradient` a modifié son argument `P` en place — cas 1/3" in verdict.message


def test_gradient_with_a_wrong_bias_is_told_db_differs():
    from autograde.hidden_tests import run_check

    verdict = run_check(
        "td3.softmax_mnist.gradient", lambda X, P, Y: (X.T @ (P - Y) / len(X), (P - Y).mean(axis=0) / len(X))
    )
    assert not verdict.passed and verdict.mistake is None and ") : db : " in verdict.message


def test_accuracy_is_judged_with_the_reference_one_hot():
    """An accuracy written with one_hot keeps its point when the student's one_hot is wrong."""
    from autograde.hidden_tests import run_check

    namespace = {"np": np}
    exec(
        "def one_hot(labels, num_classes):\n"  # transposed: the catalogue's first mistake
        "    return np.eye(num_classes)[labels].T\n"
        "def accuracy(Y, P):\n"
        "    predicted = one_hot(np.argmax(P, axis=1), Y.shape[1])\n"
        "    return float(np.mean(np.all(predicted == Y, axis=1)))\n",
        namespace,
    )
    assert not run_check("td3.softmax_mnist.one_hot", namespace["one_hot"]).passed
    verdict = run_check("td3.softmax_mnist.accuracy", namespace["accuracy"])
    assert verdict.passed, verdict.message


def test_softmax_shifted_by_the_minimum_overflows_on_a_wide_row():
    from autograde.hidden_tests import run_check

    def softmax(Z):
        E = np.exp(Z - Z.min(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    verdict = run_check("td3.softmax_mnist.softmax", softmax)
    assert not verdict.passed and "grands logits" in verdict.message


@pytest.mark.parametrize("last", ["n + 1", "n - 1"])
def test_train_whose_loop_bound_is_off_by_one_fails(last):
    """N a multiple of the batch size (an empty batch more) and a last batch of one example (left out)."""
    from autograde.hidden_tests import run_check

    namespace = {"np": np}
    exec(
        f"def train(X, Y, eta, epochs, batch_size, seed):\n"
        f"    n = len(X)\n"
        f"    W, b, losses = np.zeros((X.shape[1], Y.shape[1])), np.zeros(Y.shape[1]), []\n"
        f"    rng = np.random.default_rng(seed)\n"
        f"    for _ in range(epochs):\n"
        f"        order, batch_losses = rng.permutation(n), []\n"
        f"        for start in range(0, {last}, batch_size):\n"
        f"            batch = order[start:start + batch_size]\n"
        f"            P = softmax(X[batch] @ W + b)\n"
        f"            batch_losses.append(cross_entropy(Y[batch], P))\n"
        f"            dW, db = gradient(X[batch], P, Y[batch])\n"
        f"            W, b = W - eta * dW, b - eta * db\n"
        f"        losses.append(np.mean(batch_losses))\n"
        f"    return W, b, np.array(losses)\n",
        namespace,
    )
    assert not run_check("td3.softmax_mnist.train", namespace["train"]).passed
