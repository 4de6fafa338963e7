"""TD 6: the reference MLP, trained and selected as the notebook does (η and epochs on the validation loss, early
stopping on the retained η, the test set read once) on the MNIST digits of data/mnist; its gradients agree with
finite differences (TD 1's numerical_gradient); the sanity checks hold; and the notebook's data, constants and
results are the reference's."""

import numpy as np
import pytest
from conftest import SOURCE, run_in_process

from autograde.td6.mlp_numpy import solution as ref

NOTEBOOKS = SOURCE / "td6_mlp_mnist"


def _split(X_rest, y_rest):
    X_train, X_val, y_train, y_val = ref.validation_split(X_rest, y_rest)
    return X_train, X_val, ref.one_hot(y_train, ref.NUM_CLASSES), ref.one_hot(y_val, ref.NUM_CLASSES), y_val


@pytest.fixture(scope="module")
def reference_mnist_run():
    """The reference selected and trained on MNIST exactly as the notebook does: the grid of η, best_setting on
    the validation losses, early stopping on the retained η, the test set read once."""
    from threadpoolctl import threadpool_limits

    X_rest, X_test, y_rest, y_test = ref.make_data()
    X_train, X_val, Y_train, Y_val, _ = _split(X_rest, y_rest)
    with threadpool_limits(1):
        histories = ref.model_selection(X_train, Y_train, X_val, Y_val)
        eta, epochs = ref.best_setting({e: history["val_loss"] for e, history in histories.items()})
        best_epoch, val_losses, best_params = ref.early_stopping_run(X_train, Y_train, X_val, Y_val, eta)
    return {
        "data": (X_rest, X_test, y_rest, y_test),
        "histories": histories,
        "setting": (eta, epochs),
        "early_stopping": (best_epoch, val_losses, best_params),
        "test_accuracy": ref.accuracy(y_test, ref.predict(X_test, best_params)),
    }


@pytest.mark.slow
def test_model_selection_on_the_mnist_of_the_repository(reference_mnist_run):
    X_rest, X_test, _, _ = reference_mnist_run["data"]
    assert X_rest.shape == (8000, 784) and X_test.shape == (2000, 784), (
        "the MNIST digits of data/mnist, not the fallback"
    )
    histories = reference_mnist_run["histories"]
    assert set(histories) == set(ref.ETAS)
    assert all(len(h["train_loss"]) == len(h["val_loss"]) == ref.EPOCHS for h in histories.values())
    eta, epochs = reference_mnist_run["setting"]
    assert (eta, epochs) == ref.RETAINED_ON_DATA_MNIST
    assert epochs < ref.EPOCHS, "the grid of epochs goes beyond the minimum of the retained η"
    # The validation loss rises after its minimum while the training loss goes on falling: over-fitting.
    retained = histories[eta]
    assert retained["val_loss"][-1] > retained["val_loss"][epochs - 1] + 0.01
    assert retained["train_loss"][-1] < retained["train_loss"][epochs - 1]
    best_epoch, val_losses, _ = reference_mnist_run["early_stopping"]
    assert len(val_losses) == best_epoch + 1 + ref.PATIENCE < ref.MAX_EPOCHS, (
        "it stopped, patience epochs after the best"
    )
    assert abs(best_epoch + 1 - epochs) <= 2, "early stopping finds about the epochs the grid chose"
    assert reference_mnist_run["test_accuracy"] >= 0.95


@pytest.mark.slow
def test_mnist_notebook_result_is_the_reference_one(reference_mnist_run):
    namespace = run_in_process(NOTEBOOKS / "01_mlp_numpy.ipynb")
    X_rest, X_test, y_rest, y_test = reference_mnist_run["data"]
    assert np.array_equal(namespace["X_rest"], X_rest) and np.array_equal(namespace["y_test"], y_test)
    assert (
        namespace["HIDDEN"],
        namespace["BATCH_SIZE"],
        namespace["INIT_STD"],
        namespace["ETAS"],
        namespace["EPOCHS"],
        namespace["PATIENCE"],
        namespace["MAX_EPOCHS"],
    ) == (ref.HIDDEN, ref.BATCH_SIZE, ref.INIT_STD, ref.ETAS, ref.EPOCHS, ref.PATIENCE, ref.MAX_EPOCHS)
    assert (namespace["SMALL_N"], namespace["SMALL_EPOCHS"], namespace["SMALL_ETA"]) == (
        ref.SMALL_N,
        ref.SMALL_EPOCHS,
        ref.SMALL_ETA,
    )
    for got, want in zip(namespace["params0"], ref.init_params(784, ref.HIDDEN, 10, ref.INIT_SEED)):
        assert np.array_equal(got, want)
    for eta, history in reference_mnist_run["histories"].items():
        for key in ("train_loss", "val_loss"):
            assert np.allclose(namespace["histories"][eta][key], history[key], rtol=1e-9)
    assert (namespace["BEST_ETA"], namespace["BEST_EPOCHS"]) == reference_mnist_run["setting"]
    best_epoch, val_losses, best = reference_mnist_run["early_stopping"]
    assert namespace["best_epoch"] == best_epoch and np.allclose(namespace["val_losses"], val_losses, rtol=1e-9)
    for got, want in zip(namespace["best_params"], best):
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12)
    assert namespace["test_accuracy"] == reference_mnist_run["test_accuracy"]


@pytest.fixture(scope="module")
def digits():
    """The offline fallback's data (load_digits as load_mnist gives it), split as the notebook splits MNIST."""
    from sklearn.model_selection import train_test_split

    from autograde.mnist import load_mnist

    images, labels = load_mnist("/nonexistent", online=False)
    X_rest, _, y_rest, _ = train_test_split(images, labels, test_size=ref.TEST_SIZE, random_state=ref.SPLIT_SEED)
    return _split(X_rest / 255.0, y_rest)


def test_the_untrained_network_has_a_loss_close_to_log_k(digits):
    X_train, _, Y_train, _, _ = digits
    params = ref.init_params(X_train.shape[1], ref.HIDDEN, ref.NUM_CLASSES, ref.INIT_SEED)
    assert abs(ref.loss(Y_train, ref.forward(X_train, params)[0]) - np.log(ref.NUM_CLASSES)) < 0.01


def test_a_tiny_subset_is_learnt_by_heart_and_not_generalised(digits):
    X_train, X_val, Y_train, Y_val, _ = digits
    params = ref.init_params(X_train.shape[1], ref.HIDDEN, ref.NUM_CLASSES, ref.INIT_SEED)
    n = ref.SMALL_N
    _, history = ref.train(
        X_train[:n], Y_train[:n], X_val, Y_val, params, ref.SMALL_ETA, ref.SMALL_EPOCHS, ref.BATCH_SIZE
    )
    assert history["train_loss"][-1] < 0.01 < 0.1 < min(history["val_loss"])


def test_the_given_initialisation_is_small_and_not_he():
    W1, b1, W2, b2 = ref.init_params(784, 128, 10, 0)
    assert abs(W1.std() - ref.INIT_STD) < 0.02 * ref.INIT_STD and abs(W2.std() - ref.INIT_STD) < 0.1 * ref.INIT_STD
    assert W1.std() < np.sqrt(2 / 784) / 3 and not b1.any() and not b2.any()


def test_the_history_is_measured_at_the_end_of_each_epoch(digits):
    """history[k] is the loss of the parameters a training of k + 1 epochs ends with (one generator, permutations
    only: the first epochs of a longer training are a shorter one)."""
    X_train, X_val, Y_train, Y_val, _ = digits
    X, Y = X_train[:200], Y_train[:200]
    start = ref.init_params(X.shape[1], 16, ref.NUM_CLASSES, 1)
    _, history = ref.train(X, Y, X_val, Y_val, start, 0.5, 3, 32, seed=4)
    for epochs in (1, 2, 3):
        params, _ = ref.train(X, Y, X_val, Y_val, start, 0.5, epochs, 32, seed=4)
        assert np.isclose(history["train_loss"][epochs - 1], ref.loss(Y, ref.forward(X, params)[0]), rtol=1e-12)
        assert np.isclose(history["val_loss"][epochs - 1], ref.loss(Y_val, ref.forward(X_val, params)[0]), rtol=1e-12)


def test_best_setting_chooses_eta_and_epochs_together():
    assert ref.best_setting({0.1: [0.5, 0.3, 0.4], 1.0: [0.6, 0.2, 0.2]}) == (1.0, 2)
    assert ref.best_setting({0.1: [0.5, 0.2], 0.5: [0.2, 0.3]}) == (0.5, 1), "ties: the fewest epochs"
    assert ref.best_setting({0.5: [0.3, 0.2], 0.1: [0.4, 0.2]}) == (0.5, 2), "then the first η of the dict"


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(3)
    X, labels = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    Y = ref.one_hot(labels, 3)
    params = tuple(rng.normal(size=shape) for shape in [(4, 6), (6,), (6, 3), (3,)])

    def loss_with(k, theta):
        replaced = params[:k] + (theta,) + params[k + 1 :]
        return ref.loss(Y, ref.forward(X, replaced)[0])

    P, cache = ref.forward(X, params)
    assert 0 < (cache[0] <= 0).sum() < cache[0].size, "some hidden units are off, some on"
    for k, (theta, grad) in enumerate(zip(params, ref.backward(X, Y, params, P, cache))):
        before = theta.copy()
        numeric = ref.numerical_gradient(lambda t: loss_with(k, t), theta)
        assert np.array_equal(theta, before), "numerical_gradient leaves theta as it was given"
        assert np.max(np.abs(grad - numeric) / np.maximum(1e-12, np.abs(grad) + np.abs(numeric))) < 1e-6


def test_numerical_gradient_is_td1s_contract():
    """f takes an array shaped like theta; the result has theta's shape (TD 1's numerical_gradient)."""
    from autograde.td1.regression_lineaire import solution as td1

    theta = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    numeric = ref.numerical_gradient(lambda t: float(np.sum(t**3)), theta)
    assert numeric.shape == theta.shape and np.allclose(numeric, 3 * theta**2, atol=1e-8)
    x, y = td1.make_data(n=20, seed=1)
    grad = ref.numerical_gradient(lambda t: td1.loss(y, td1.predict(x, t[0], t[1])), np.array([0.3, -0.2]))
    assert np.allclose(grad, td1.gradient(x, td1.predict(x, 0.3, -0.2), y), atol=1e-7)


def test_early_stopping_keeps_the_first_minimum_and_counts_the_patience_after_it():
    assert ref.early_stopping([0.5], 1) == (0, False)
    assert ref.early_stopping([0.9, 0.4, 0.6, 0.4, 0.5], 3) == (1, True)
    assert ref.early_stopping([0.9, 0.4, 0.6, 0.5], 3) == (1, False)
    assert ref.early_stopping([0.9, 0.4, 0.6, 0.5, 0.45], 3) == (1, True)


def test_a_training_curve_as_the_mean_over_mini_batches_is_named():
    """The former contract (the mean of the epoch's mini-batch losses) is this TD's catalogued mistake."""
    from autograde import run_check

    def train(X, Y, X_val, Y_val, params, eta, epochs, batch_size, seed=0):
        rng = np.random.default_rng(seed)
        history = {"train_loss": [], "val_loss": []}
        for _ in range(epochs):
            order, batch_losses = rng.permutation(len(X)), []
            for start in range(0, len(X), batch_size):
                batch = order[start : start + batch_size]
                P, cache = ref.forward(X[batch], params)
                batch_losses.append(ref.loss(Y[batch], P))
                grads = ref.backward(X[batch], Y[batch], params, P, cache)
                params = tuple(theta - eta * g for theta, g in zip(params, grads))
            history["train_loss"].append(float(np.mean(batch_losses)))
            history["val_loss"].append(ref.loss(Y_val, ref.forward(X_val, params)[0]))
        return params, history

    verdict = run_check("td6.mlp_numpy.train", train, seed=0)
    assert verdict.mistake == "mlp_numpy.train/train_loss_batch_mean", verdict.message


@pytest.mark.parametrize(
    "answer, told",
    [
        (lambda *args: ref.train(*args)[0], "le couple (params, history)"),
        (lambda *args: (ref.train(*args)[0], [1.0]), "n'est pas un dictionnaire"),
        (lambda *args: (ref.train(*args)[0], {"losses": [1.0]}), "les clés de history sont 'losses'"),
    ],
)
def test_a_train_that_returns_another_shape_is_told_the_contract(answer, told):
    from autograde import run_check

    verdict = run_check("td6.mlp_numpy.train", answer, seed=0)
    assert not verdict.passed and told in verdict.message, verdict.message


def test_history_as_numpy_arrays_is_accepted():
    from autograde import run_check

    def train(*args):
        params, history = ref.train(*args)
        return params, {key: np.array(values) for key, values in history.items()}

    assert run_check("td6.mlp_numpy.train", train, seed=0).passed


# ------------------------------------------------- early_stopping: loop-style students, right and wrong
def _loop(
    val_losses,
    patience,
    *,
    reset=True,
    reset_on_equal=False,
    improves=lambda new, best: new < best,
    stop=lambda wait, patience: wait >= patience,
):
    """A student's loop: the best loss so far and a counter of epochs without improvement."""
    best_epoch, best_loss, wait = 0, val_losses[0], 0
    for epoch in range(1, len(val_losses)):
        if improves(val_losses[epoch], best_loss):
            best_epoch, best_loss = epoch, val_losses[epoch]
            if reset:
                wait = 0
        elif reset_on_equal and val_losses[epoch] == best_loss:
            wait = 0
        else:
            wait += 1
    return best_epoch, stop(wait, patience)


WRONG_EARLY_STOPPING = {
    "counter never reset": lambda v, p: _loop(v, p, reset=False),
    "counter reset on an equal loss": lambda v, p: _loop(v, p, reset_on_equal=True),
    "best compared with <=": lambda v, p: _loop(v, p, improves=lambda new, best: new <= best),
    "stops one epoch early": lambda v, p: _loop(v, p, stop=lambda wait, patience: wait >= patience - 1),
    "stops one epoch late": lambda v, p: _loop(v, p, stop=lambda wait, patience: wait > patience),
    "first epoch counted as no progress": lambda v, p: _loop([v[0], *v], p),
}


def _argmin_style(val_losses, patience):
    best = int(np.argmin(val_losses))
    return best, len(val_losses) - 1 - best >= patience


def _min_of_the_rest(val_losses, patience):
    best = list(val_losses).index(min(val_losses))
    return best, len(val_losses) > best + patience


def _loop_from_infinity(val_losses, patience):
    best_epoch, best_loss, wait = -1, float("inf"), 0
    for epoch, value in enumerate(val_losses):
        if value < best_loss:
            best_epoch, best_loss, wait = epoch, value, 0
        else:
            wait += 1
        stop = wait >= patience
    return best_epoch, stop


RIGHT_EARLY_STOPPING = [ref.early_stopping, _argmin_style, _min_of_the_rest, _loop_from_infinity, _loop]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mistake", sorted(WRONG_EARLY_STOPPING))
def test_wrong_loop_style_early_stopping_fails(mistake, seed):
    from autograde import run_check

    verdict = run_check("td6.mlp_numpy.early_stopping", WRONG_EARLY_STOPPING[mistake], seed=seed)
    assert not verdict.passed, (mistake, verdict.message)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("right", RIGHT_EARLY_STOPPING, ids=lambda f: f.__name__)
def test_right_early_stopping_of_every_style_passes(right, seed):
    from autograde import run_check

    verdict = run_check("td6.mlp_numpy.early_stopping", right, seed=seed)
    assert verdict.passed, verdict.message


def test_a_counter_never_reset_is_named_and_another_mistake_shown_its_case_once():
    from autograde import run_check

    verdict = run_check("td6.mlp_numpy.early_stopping", WRONG_EARLY_STOPPING["counter never reset"], seed=0)
    assert verdict.mistake == "mlp_numpy.early_stopping/counter_not_reset", verdict.message
    verdict = run_check("td6.mlp_numpy.early_stopping", WRONG_EARLY_STOPPING["stops one epoch late"], seed=0)
    assert verdict.mistake is None and "stop : attendu " in verdict.message, verdict.message
    assert verdict.message.count("val_losses") == verdict.message.count("patience =") == 1, verdict.message


# ------------------------------------------- every optional argument matters in at least one case
def _ignoring(function, **fixed):
    """``function`` called with the given arguments at fixed values, whatever the caller passes."""
    import inspect

    names = list(inspect.signature(function).parameters)

    def ignoring(*args):
        bound = dict(zip(names, args))
        bound.update(fixed)
        return function(**bound)

    return ignoring


def _cases_of(module, name, seed=0):
    """The cases the check of ``name`` in ``module`` builds (its call to check_against_reference spied on)."""
    from autograde.registry import graded

    seen = {}

    def spy(student, reference, cases, **options):
        seen["cases"] = list(cases)
        from autograde.checking import Verdict

        return Verdict(False, "")

    original = module.check_against_reference
    module.check_against_reference = spy
    try:
        package = module.__name__.removeprefix("autograde.").removesuffix(".checks")
        # The reference as the student: a check may first look at the shape of the answer (train's history).
        graded(f"{package}.{name}").check(graded(f"{package}.{name}").reference, seed)
    finally:
        module.check_against_reference = original
    return seen["cases"]


def _flat(value):
    """The numbers of a result (tuples of arrays, nested), as a list of float arrays."""
    if isinstance(value, dict):
        return [array for key in sorted(value) for array in _flat(np.asarray(value[key], dtype=float))]
    if isinstance(value, (tuple, list)):
        return [array for item in value for array in _flat(item)]
    return [np.asarray(value, dtype=float)]


def _largest_gap(expected, got):
    """The largest difference between two results, relative to the scale of the expected array."""
    return max(
        (
            np.max(np.abs(g - e)) / max(1.0, np.max(np.abs(e))) if e.shape == g.shape else np.inf
            for e, g in zip(_flat(expected), _flat(got))
        ),
        default=np.inf,
    )


OPTIONAL = [  # (notebook, function, argument, its value when ignored)
    ("mlp_numpy", "train", "seed", ref.SEED),
]


@pytest.mark.parametrize("notebook, function, argument, default", OPTIONAL, ids=[f"{f}-{a}" for _, f, a, _ in OPTIONAL])
def test_a_function_that_ignores_an_optional_argument_fails_far_above_the_tolerance(
    notebook, function, argument, default
):
    import importlib

    from autograde import run_check
    from autograde.checking import reference_answer

    checks = importlib.import_module(f"autograde.td6.{notebook}.checks")
    solution = importlib.import_module(f"autograde.td6.{notebook}.solution")
    reference = getattr(solution, function)
    wrong = _ignoring(reference, **{argument: default})
    wrong.__name__ = function
    verdict = run_check(f"td6.{notebook}.{function}", wrong, seed=0)
    assert not verdict.passed, verdict.message
    gaps = [
        _largest_gap(reference_answer(reference, case.args), reference_answer(wrong, case.args))
        for case in _cases_of(checks, function)
    ]
    assert max(gaps) > 1e-3, gaps  # a thousand times the checks' relative tolerance


# ---------------------------------------------- the caller's arrays are left as they were given
def _train_in_place(X, Y, X_val, Y_val, params, eta, epochs, batch_size, seed=0):
    """Right trajectory, but θ -= η·dθ writes into the caller's params arrays."""
    W1, b1, W2, b2 = params
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            P, cache = ref.forward(X[batch], (W1, b1, W2, b2))
            dW1, db1, dW2, db2 = ref.backward(X[batch], Y[batch], (W1, b1, W2, b2), P, cache)
            W1 -= eta * dW1
            b1 -= eta * db1
            W2 -= eta * dW2
            b2 -= eta * db2
        history["train_loss"].append(ref.loss(Y, ref.forward(X, (W1, b1, W2, b2))[0]))
        history["val_loss"].append(ref.loss(Y_val, ref.forward(X_val, (W1, b1, W2, b2))[0]))
    return (W1, b1, W2, b2), history


def _backward_in_place(X, Y, params, P, cache):
    """dZ2 computed in the caller's P."""
    P -= Y
    P /= len(X)
    _, _, W2, _ = params
    Z1, A1 = cache
    dZ1 = (P @ W2.T) * (Z1 > 0)
    return X.T @ dZ1, dZ1.sum(axis=0), A1.T @ P, P.sum(axis=0)


def _forward_in_place(X, params):
    """Right values on this call, but the caller's b1 moves by 1e-3 (the next call would differ)."""
    W1, b1, W2, b2 = params
    Z1 = X @ W1 + b1
    b1 -= 1e-3
    A1 = ref.relu(Z1)
    return ref.softmax(A1 @ W2 + b2), (Z1, A1)


@pytest.mark.parametrize(
    "function, changed",
    [
        ("train", "`params[0]`, `params[1]`, `params[2]` et `params[3]` (dans son argument `params`)"),
        ("backward", "son argument `P`"),
        ("forward", "`params[1]` (dans son argument `params`)"),
    ],
)
def test_a_function_that_writes_into_its_inputs_fails_and_is_told_so(function, changed):
    from autograde import run_check

    wrong = {"train": _train_in_place, "backward": _backward_in_place, "forward": _forward_in_place}[function]
    verdict = run_check(f"td6.mlp_numpy.{function}", wrong, seed=0)
    assert not verdict.passed and f"modifié {changed}" in verdict.message and "en place" in verdict.message, (
        verdict.message
    )
