"""TD 6: the reference MLP reaches the announced accuracy on the MNIST digits of data/mnist, its gradients
agree with finite differences (TD 1's numerical_gradient), early stopping picks the epochs the final training
uses, and the notebooks' data, constants and results are the reference's."""

import numpy as np
import pytest
from conftest import SOURCE, run_in_process

from autograde.td6.frontieres_moons import solution as moons
from autograde.td6.mlp_numpy import solution as ref

NOTEBOOKS = SOURCE / "td6_mlp_mnist"


@pytest.fixture(scope="module")
def reference_mnist_run():
    """The reference trained on MNIST exactly as the notebook does: split, pixels / 255, He init, η, batch, epochs."""
    from threadpoolctl import threadpool_limits

    X_train, X_test, y_train, y_test = ref.make_data()
    params0 = ref.init_params(X_train.shape[1], ref.HIDDEN, ref.NUM_CLASSES, ref.INIT_SEED)
    with threadpool_limits(1):
        params, losses = ref.train(
            X_train,
            ref.one_hot(y_train, ref.NUM_CLASSES),
            params0,
            ref.ETA,
            ref.EPOCHS,
            ref.BATCH_SIZE,
            ref.LAM,
            ref.P_DROP,
            ref.SEED,
        )
    return {
        "data": (X_train, X_test, y_train, y_test),
        "params": params,
        "losses": losses,
        "test_accuracy": ref.accuracy(y_test, ref.predict(X_test, params)),
    }


@pytest.mark.slow
def test_reference_reaches_095_on_the_mnist_of_the_repository(reference_mnist_run):
    X_train, X_test, _, _ = reference_mnist_run["data"]
    assert X_train.shape == (8000, 784) and X_test.shape == (2000, 784), (
        "the MNIST digits of data/mnist, not the fallback"
    )
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
    assert (
        namespace["HIDDEN"],
        namespace["ETA"],
        namespace["BATCH_SIZE"],
        namespace["EPOCHS"],
        namespace["LAM"],
        namespace["P_DROP"],
    ) == (ref.HIDDEN, ref.ETA, ref.BATCH_SIZE, ref.EPOCHS, ref.LAM, ref.P_DROP)
    assert (namespace["PATIENCE"], namespace["MAX_EPOCHS"]) == (ref.PATIENCE, ref.MAX_EPOCHS)
    # Early stopping, on the validation part: its best epoch, the losses it watched, the weights it kept.
    best_epoch, val_losses, best = early_stopping_run(X_train, y_train)
    assert namespace["best_epoch"] == best_epoch and np.allclose(namespace["val_losses"], val_losses, rtol=1e-9)
    assert len(val_losses) == best_epoch + 1 + ref.PATIENCE < ref.MAX_EPOCHS, (
        "it stopped, patience epochs after the best"
    )
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
        replaced = params[:k] + (theta,) + params[k + 1 :]
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
    assert grid.shape == (moons.N_STEPS**2, 2) and np.array_equal(grid[:, 0], xx.ravel())


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


def test_hidden_representation_makes_the_moons_linearly_separable_for_the_output_neuron():
    X_train, _, y_train, _ = moons.make_data()
    mlp = moons.models()["mlp"].fit(X_train, y_train)
    z, second = moons.hidden_view(mlp, X_train)
    assert z.shape == second.shape == (len(X_train),) and abs(second.mean()) < 1e-9
    assert np.array_equal(z > 0, mlp.predict(X_train) == 1), "the output neuron thresholds z at 0"


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
        graded(f"{package}.{name}").check(lambda *args: None, seed)
    finally:
        module.check_against_reference = original
    return seen["cases"]


def _flat(value):
    """The numbers of a result (tuples of arrays, nested), as a list of float arrays."""
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
    ("mlp_numpy", "init_params", "seed", ref.INIT_SEED),
    ("mlp_numpy", "dropout", "training", True),
    ("mlp_numpy", "forward", "p_drop", 0.0),
    ("mlp_numpy", "forward", "rng", None),
    ("mlp_numpy", "loss", "lam", 0.0),
    ("mlp_numpy", "backward", "lam", 0.0),
    ("mlp_numpy", "train", "lam", 0.0),
    ("mlp_numpy", "train", "p_drop", 0.0),
    ("mlp_numpy", "train", "seed", ref.SEED),
    ("frontieres_moons", "grid_points", "n_steps", moons.N_STEPS),
    ("frontieres_moons", "grid_points", "margin", moons.MARGIN),
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


def test_grid_points_over_the_whole_arrays_range_is_not_told_it_used_the_first_column():
    """Both axes over X.min() … X.max(): the same outputs as the first column's range only when the second
    column's range is inside the first's, which one case avoids."""
    from autograde import run_check

    def grid_points(X, n_steps=200, margin=0.5):
        axis = np.linspace(X.min() - margin, X.max() + margin, n_steps)
        xx, yy = np.meshgrid(axis, axis)
        return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])

    for seed in range(5):
        verdict = run_check("td6.frontieres_moons.grid_points", grid_points, seed=seed)
        assert not verdict.passed and verdict.mistake is None, verdict.message


# ---------------------------------------------- the caller's arrays are left as they were given
def _train_in_place(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=0):
    """Right trajectory, but θ -= η·dθ writes into the caller's params arrays."""
    W1, b1, W2, b2 = params
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        order, batch_losses = rng.permutation(len(X)), []
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            P, cache = ref.forward(X[batch], (W1, b1, W2, b2), p_drop, rng)
            batch_losses.append(ref.loss(Y[batch], P, (W1, b1, W2, b2), lam))
            dW1, db1, dW2, db2 = ref.backward(X[batch], Y[batch], (W1, b1, W2, b2), P, cache, lam)
            W1 -= eta * dW1
            b1 -= eta * db1
            W2 -= eta * dW2
            b2 -= eta * db2
        losses.append(np.mean(batch_losses))
    return (W1, b1, W2, b2), np.array(losses)


def _backward_in_place(X, Y, params, P, cache, lam=0.0):
    """dZ2 computed in the caller's P."""
    P -= Y
    P /= len(X)
    W1, _, W2, _ = params
    Z1, A1, mask = cache
    dZ1 = (P @ W2.T) * mask * (Z1 > 0)
    return X.T @ dZ1 + lam * W1, dZ1.sum(axis=0), A1.T @ P + lam * W2, P.sum(axis=0)


def _forward_in_place(X, params, p_drop=0.0, rng=None):
    """Right values on this call, but the caller's b1 moves by 1e-3 (the next call would differ)."""
    W1, b1, W2, b2 = params
    Z1 = X @ W1 + b1
    b1 -= 1e-3
    A1, mask = ref.dropout(ref.relu(Z1), p_drop, rng, training=rng is not None)
    return ref.softmax(A1 @ W2 + b2), (Z1, A1, mask)


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
