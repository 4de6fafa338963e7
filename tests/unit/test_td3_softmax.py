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
    """(X_rest, X_test, y_rest, y_test): the first split; X_rest is split again into training and validation."""
    assert MNIST_DIR.is_dir(), f"the MNIST digits of data/mnist are missing: {MNIST_DIR}"
    return ref.make_data(MNIST_DIR)


@pytest.fixture(scope="module")
def selection(mnist_split):
    """(histories, eta, epochs, W, b, history): the notebook's model selection and retained model, by the reference."""
    x_rest, _, y_rest, _ = mnist_split
    x_train, x_val, y_train, y_val = ref.validation_split(x_rest, y_rest)
    return ref.select_and_train(x_train, y_train, x_val, y_val)


def test_the_split_is_8000_and_2000_test_digits_in_0_1(mnist_split):
    x_rest, x_test, y_rest, y_test = mnist_split
    assert x_rest.shape == (8000, 784) and x_test.shape == (2000, 784)
    assert y_rest.shape == (8000,) and y_test.shape == (2000,)
    assert x_rest.min() == 0.0 and x_rest.max() == 1.0
    assert sorted(np.unique(y_rest)) == list(range(10))


def test_the_validation_split_takes_a_fifth_of_the_digits_left_beside_the_test_set(mnist_split):
    x_rest, x_test, y_rest, _ = mnist_split
    x_train, x_val, y_train, y_val = ref.validation_split(x_rest, y_rest)
    assert x_train.shape == (6400, 784) and x_val.shape == (1600, 784) and y_val.shape == (1600,)
    # Every validation digit is one of the digits left beside the test set, none is a test digit.
    rest_rows = {row.tobytes() for row in x_rest}
    assert all(row.tobytes() in rest_rows for row in x_val)
    assert not {row.tobytes() for row in x_val} & {row.tobytes() for row in x_test}


def test_the_history_after_e_epochs_is_the_loss_of_the_model_trained_e_epochs():
    """One training gives the whole curve: history[...][e - 1] is measured on the weights a run of e epochs
    returns, on the whole training and validation sets."""
    rng = np.random.default_rng(5)
    X, Y = rng.uniform(size=(37, 4)), ref.one_hot(rng.integers(0, 3, size=37), 3)
    X_val, Y_val = rng.uniform(size=(11, 4)), ref.one_hot(rng.integers(0, 3, size=11), 3)
    _, _, history = ref.train(X, Y, X_val, Y_val, 0.3, 5, 8, 11)
    assert set(history) == {"train_loss", "val_loss"} and all(len(v) == 5 for v in history.values())
    for epochs in (1, 3, 5):
        W, b, _ = ref.train(X, Y, X_val, Y_val, 0.3, epochs, 8, 11)
        assert np.isclose(history["train_loss"][epochs - 1], ref.evaluate(X, Y, W, b)[0])
        assert np.isclose(history["val_loss"][epochs - 1], ref.evaluate(X_val, Y_val, W, b)[0])


def test_best_setting_chooses_eta_and_epochs_together():
    # η = 0.05 is the best after the last epoch, η = 0.5 at its second: the pair is (0.5, 2).
    assert ref.best_setting({0.5: [0.9, 0.6, 0.7, 0.8], 0.05: [1.2, 0.8, 0.65, 0.62]}) == (0.5, 2)
    # Ties: the fewest epochs, then the first η in the dict's order.
    assert ref.best_setting({0.5: [0.9, 0.8, 0.7, 0.6], 0.05: [1.0, 0.6, 0.7, 0.8], 0.2: [0.9, 0.6, 0.6]}) == (0.05, 2)
    assert ref.best_setting({1.0: [0.3]}) == (1.0, 1)


@pytest.mark.slow
def test_the_validation_retains_an_inner_point_of_the_grid_and_not_the_step_that_learns_best(selection):
    histories, eta, epochs, _, _, history = selection
    assert (eta, epochs) == (0.1, 24) and epochs < ref.MAX_EPOCHS
    assert np.isclose(history["val_loss"][-1], min(histories[eta]["val_loss"]))
    # After the statement's 20 epochs, the largest step has the smallest training loss and not the smallest
    # validation loss: it over-fits (the grading guide of reponse_courbes).
    at_20 = {eta: (h["train_loss"][ref.EPOCHS - 1], h["val_loss"][ref.EPOCHS - 1]) for eta, h in histories.items()}
    assert min(at_20, key=lambda e: at_20[e][0]) == max(ref.ETAS)
    assert min(at_20, key=lambda e: at_20[e][1]) == eta
    # η = 1: the validation loss is lowest early, then rises while the training loss keeps falling.
    large = histories[max(ref.ETAS)]
    best = int(np.argmin(large["val_loss"]))
    assert best < 5 and large["val_loss"][-1] > large["val_loss"][best] + 0.05
    assert large["train_loss"][-1] < large["train_loss"][best] / 2
    # η = 0.01 has not finished learning: both losses still fall at the last epoch.
    small = histories[min(ref.ETAS)]
    assert small["train_loss"][-1] < small["train_loss"][-2] and small["val_loss"][-1] < small["val_loss"][-2]


@pytest.mark.slow
def test_the_retained_model_reaches_090_test_accuracy_on_the_mnist_of_the_repository(mnist_split, selection):
    _, x_test, _, y_test = mnist_split
    _, _, epochs, W, b, history = selection
    assert W.shape == (784, 10) and b.shape == (10,) and len(history["train_loss"]) == epochs
    assert history["train_loss"][-1] < history["train_loss"][0] / 2
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
    x_rest, x_test, y_rest, y_test = mnist_split
    assert np.array_equal(namespace["X_rest"], x_rest) and np.array_equal(namespace["X_test"], x_test)
    assert np.array_equal(namespace["y_rest"], y_rest) and np.array_equal(namespace["y_test"], y_test)
    x_train, x_val, y_train, y_val = ref.validation_split(x_rest, y_rest)
    assert np.array_equal(namespace["X_train"], x_train) and np.array_equal(namespace["X_val"], x_val)
    assert np.array_equal(namespace["y_train"], y_train) and np.array_equal(namespace["y_val"], y_val)
    assert np.array_equal(namespace["Y_train"], ref.one_hot(y_train, 10))
    assert (namespace["ETA"], namespace["BATCH_SIZE"], namespace["EPOCHS"], namespace["SEED"]) == (
        ref.ETA,
        ref.BATCH_SIZE,
        ref.EPOCHS,
        ref.SEED,
    )
    assert tuple(namespace["ETAS"]) == ref.ETAS and namespace["MAX_EPOCHS"] == ref.MAX_EPOCHS
    # The statement's training.
    Y_train, Y_val = ref.one_hot(y_train, 10), ref.one_hot(y_val, 10)
    W_statement, _, history_statement = ref.train(
        x_train, Y_train, x_val, Y_val, ref.ETA, ref.EPOCHS, ref.BATCH_SIZE, ref.SEED
    )
    assert np.allclose(namespace["W_statement"], W_statement)
    assert np.allclose(namespace["history_statement"]["val_loss"], history_statement["val_loss"])
    # The grid's curves, one training per η, and the setting chosen on them by the notebook's best_setting.
    histories, eta, epochs, W, b, history = selection
    assert list(namespace["histories"]) == list(ref.ETAS)
    for key in ref.ETAS:
        for curve in ("train_loss", "val_loss"):
            assert np.allclose(namespace["histories"][key][curve], histories[key][curve]), (key, curve)
    assert (namespace["BEST_ETA"], namespace["BEST_EPOCHS"]) == (eta, epochs)
    # The retained model, the very one the validation measured, measured once on the test set.
    assert np.allclose(namespace["W"], W) and np.allclose(namespace["b"], b)
    assert np.allclose(namespace["history"]["val_loss"], history["val_loss"])
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
    assert namespace["X_rest"].shape == (1437, 64)
    assert namespace["X_train"].shape == (1149, 64) and namespace["X_val"].shape == (288, 64)
    assert (namespace["BEST_ETA"], namespace["BEST_EPOCHS"]) == (1.0, 35)
    assert namespace["test_accuracy"] > 0.85


# ------------------------------------------------------------------------------------ the hidden checks
def train_in_float32(X, Y, X_val, Y_val, eta, epochs, batch_size, seed):
    """A correct train computed entirely in float32: its own softmax, loss and gradient, float32 arrays,
    and a history of float32 arrays rather than lists."""
    X, Y, X_val, Y_val, eta = (a.astype(np.float32) for a in (X, Y, X_val, Y_val, np.asarray(eta)))
    rng = np.random.default_rng(seed)
    W = np.zeros((X.shape[1], Y.shape[1]), dtype=np.float32)
    b = np.zeros(Y.shape[1], dtype=np.float32)

    def probabilities(X):
        Z = X @ W + b
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    def loss(X, Y):
        return -np.sum(Y * np.log(np.clip(probabilities(X), np.float32(1e-12), np.float32(1.0)))) / np.float32(len(X))

    history = {"train_loss": np.zeros(epochs, dtype=np.float32), "val_loss": np.zeros(epochs, dtype=np.float32)}
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            R = (probabilities(X[batch]) - Y[batch]) / np.float32(len(batch))
            W, b = W - eta * (X[batch].T @ R), b - eta * R.sum(axis=0)
        history["train_loss"][epoch], history["val_loss"][epoch] = loss(X, Y), loss(X_val, Y_val)
    return W, b, history


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
            expected = checks._flat(ref.train(*case.args))
            got = checks._flat(train_in_float32(*case.args))
            used = np.abs(got - expected) / (tolerance["atol"] + tolerance["rtol"] * np.abs(expected))
            assert used.max() < 0.05, (seed, case.label)


@pytest.mark.parametrize("function", ["train", "best_setting"])
def test_every_catalogued_mistake_still_fails_and_is_named(function):
    from autograde.hidden_tests import run_check
    from autograde.td3.softmax_mnist.mistakes import MISTAKES

    for mistake in MISTAKES[function]:
        for seed in (None, 1, 2):
            verdict = run_check(f"td3.softmax_mnist.{function}", mistake.compute, seed=seed)
            assert not verdict.passed and verdict.mistake == mistake.name, (mistake.name, seed, verdict.message)


def _train_source(epoch_start: str = "", order: str = "rng.permutation(n)", stop: str = "n", history: str = "") -> str:
    """A train written as a student would, with the given lines changed (the reference helpers are substituted)."""
    return (
        "def train(X, Y, X_val, Y_val, eta, epochs, batch_size, seed):\n"
        "    n = len(X)\n"
        "    W, b = np.zeros((X.shape[1], Y.shape[1])), np.zeros(Y.shape[1])\n"
        "    history = {'train_loss': [], 'val_loss': []}\n"
        "    rng = np.random.default_rng(seed)\n"
        "    once = np.random.default_rng(seed).permutation(n)  # the first epoch's order\n"
        "    for _ in range(epochs):\n"
        f"        {epoch_start or 'pass'}\n"
        f"        order, total = {order}, 0.0\n"
        f"        for start in range(0, {stop}, batch_size):\n"
        "            batch = order[start:start + batch_size]\n"
        "            P = softmax(X[batch] @ W + b)\n"
        "            total += cross_entropy(Y[batch], P) * len(batch)\n"
        "            dW, db = gradient(X[batch], P, Y[batch])\n"
        "            W, b = W - eta * dW, b - eta * db\n"
        f"        history['train_loss'].append({history or 'cross_entropy(Y, softmax(X @ W + b))'})\n"
        "        history['val_loss'].append(cross_entropy(Y_val, softmax(X_val @ W + b)))\n"
        "    return W, b, history\n"
    )


def _student(source: str, name: str):
    namespace = {"np": np}
    exec(source, namespace)  # noqa: S102 - the test's own sample answer
    return namespace[name]


def test_the_sample_train_of_these_tests_is_right():
    from autograde.hidden_tests import run_check

    assert run_check("td3.softmax_mnist.train", _student(_train_source(), "train")).passed


def test_a_permutation_drawn_once_is_told_every_epoch_has_the_same_order():
    """The explanation holds for this train as for one that creates its generator again at every epoch."""
    from autograde.hidden_tests import run_check

    verdict = run_check("td3.softmax_mnist.train", _student(_train_source(order="once"), "train"))
    assert verdict.mistake == "softmax_mnist.train/same_order_every_epoch"
    assert "toutes les époques parcourent les exemples dans le même ordre" in verdict.message
    assert "une permutation tirée une seule fois" in verdict.message


def test_train_with_a_weighted_mean_of_the_batch_losses_is_told_the_training_loss_differs():
    """Not catalogued: the message names the curve of the history that differs."""
    from autograde.hidden_tests import run_check

    verdict = run_check("td3.softmax_mnist.train", _student(_train_source(history="total / n"), "train"))
    assert not verdict.passed and verdict.mistake is None
    assert "batch_size = 4 (dernier lot de 1)" in verdict.message and ") : history['train_loss'] : " in verdict.message


def test_train_without_a_history_dict_is_told_what_to_return():
    from autograde.hidden_tests import run_check

    verdict = run_check("td3.softmax_mnist.train", lambda *args: ref.train(*args)[:2] + ([0.0],))
    assert not verdict.passed and "un dictionnaire de deux clés, 'train_loss' et 'val_loss'" in verdict.message
    verdict = run_check(
        "td3.softmax_mnist.train", lambda *args: (*ref.train(*args)[:2], {"train_loss": [], "val_loss": []})
    )
    assert not verdict.passed and "une liste de 1 nombres, un par époque" in verdict.message


def test_best_setting_written_with_numpy_on_the_transposed_grid_gets_full_marks():
    """argmin over the (epochs, η) array meets the fewest epochs first: the spec's tie rule."""
    from autograde.hidden_tests import run_check

    def best_setting(val_losses):
        etas = list(val_losses)
        grid = np.array([val_losses[eta] for eta in etas]).T  # (epochs, η)
        epoch, column = np.unravel_index(np.argmin(grid), grid.shape)
        return etas[column], int(epoch) + 1

    assert run_check("td3.softmax_mnist.best_setting", best_setting).passed


def test_best_setting_cases_cross_the_wire_with_their_number_keys_in_order():
    from autograde.kernel_side import dumps, loads
    from autograde.td3.softmax_mnist import checks

    for case in checks._best_setting_cases(np.random.default_rng(0)):
        (val_losses,) = case.args
        back = loads(dumps(case.args, strict=True), inputs=True)[0]
        assert back == val_losses and list(back) == list(val_losses)


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

    assert not run_check("td3.softmax_mnist.train", _student(_train_source(stop=last), "train")).passed
