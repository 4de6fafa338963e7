"""Hidden-test checks of TD 3, notebook 1 (softmax regression on MNIST).

No check needs MNIST: the cases are small random arrays, and the quality of a full training is
judged on scikit-learn's ``load_digits`` (1,797 digits of 8×8 pixels, shipped with scikit-learn).
"""

import numpy as np

from ...checking import (
    Case,
    ConvertedStudent,
    Mistake,
    Verdict,
    accuracy_verdict,
    as_student,
    check_against_reference,
    float32_tolerance,
    fmt,
    reference_answer,
)
from ...kernel_side import rebind
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: the names they may call resolve to the reference ones (accuracy may
# encode the predicted classes with one_hot, or take the softmax of P again).
ISOLATED = {
    "train": {"softmax": ref.softmax, "cross_entropy": ref.cross_entropy, "gradient": ref.gradient},
    "accuracy": {"one_hot": ref.one_hot, "softmax": ref.softmax},
}


def _sizes(rng, low, high, avoid=()):
    """An integer in [low, high) different from every value of ``avoid`` (so that D ≠ K, N ≠ K…)."""
    while True:
        value = int(rng.integers(low, high))
        if value not in avoid:
            return value


def _probabilities(rng, n, k, scale=1.5):
    return ref.softmax(rng.normal(0.0, scale, size=(n, k)))


def _one_hot(rng, n, k):
    return ref.one_hot(rng.integers(0, k, size=n), k)


def check_one_hot(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    k = _sizes(rng, 3, 6)
    cases.append(Case(f"une seule étiquette, K = {k}", (np.array([int(rng.integers(0, k))]), k)))
    n = _sizes(rng, 5, 15, avoid=(10,))
    cases.append(Case(f"N = {n}, K = 10, toutes les classes possibles", (rng.integers(0, 10, size=n), 10)))
    k = _sizes(rng, 6, 10)
    n = _sizes(rng, 4, 12, avoid=(k,))
    labels = rng.integers(0, k - 2, size=n)  # the last two classes are absent from this batch
    cases.append(Case(f"N = {n}, K = {k}, les classes {k - 2} et {k - 1} absentes", (labels, k)))
    return check_against_reference(
        student, ref.one_hot, cases, name="one_hot", arg_names=["labels", "num_classes"], mistakes=MISTAKES["one_hot"]
    )


def check_softmax(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    k = _sizes(rng, 3, 7)
    cases.append(Case("une seule ligne", (rng.normal(0, 2, size=(1, k)),)))
    n, k = _sizes(rng, 4, 9), _sizes(rng, 2, 6)
    cases.append(Case(f"N = {n}, K = {k}", (rng.normal(0, 3, size=(n, k)),)))
    n = _sizes(rng, 20, 60)
    cases.append(Case(f"N = {n}, K = 10", (rng.normal(0, 5, size=(n, 10)),)))
    # Shifting by the row's minimum instead of its maximum overflows on the row spread over ±800.
    large = np.array(
        [
            [1000.0, 999.0, 990.0, 995.0],
            [-1000.0, -1001.0, -1003.0, -1000.5],
            [800.0, -800.0, 0.0, 790.0],
            [1.0, 2.0, 3.0, 0.5],
        ]
    )
    large += rng.uniform(-1, 1, size=large.shape)
    cases.append(Case("grands logits (±1000)", (large[rng.permutation(len(large))],)))
    return check_against_reference(
        student, ref.softmax, cases, name="softmax", arg_names=["Z"], mistakes=MISTAKES["softmax"]
    )


def check_cross_entropy(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, k in ((1, _sizes(rng, 3, 6)), (_sizes(rng, 3, 10), _sizes(rng, 2, 5)), (_sizes(rng, 30, 80), 10)):
        cases.append(Case(f"N = {n}, K = {k}", (_one_hot(rng, n, k), _probabilities(rng, n, k))))
    # Sure and right: P is exactly 1 on the true class and 0 elsewhere; the loss is 0, not nan.
    labels = rng.permutation(4)[:3]
    cases.append(Case("P vaut exactement 0 hors de la bonne classe", (ref.one_hot(labels, 4), ref.one_hot(labels, 4))))
    # Sure and wrong: P is exactly 0 on the true class of one example.
    y = ref.one_hot(np.array([0, 2, 1]), 3)
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.0, 0.5]])
    cases.append(Case("P vaut exactement 0 sur la bonne classe", (y, p)))
    return check_against_reference(
        student,
        ref.cross_entropy,
        cases,
        name="cross_entropy",
        arg_names=["Y", "P"],
        mistakes=MISTAKES["cross_entropy"],
    )


def check_gradient(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, low, high in ((1, 2, 5), (_sizes(rng, 3, 10), 2, 6), (_sizes(rng, 30, 70), 5, 12)):
        k = _sizes(rng, 3, 6)
        d = _sizes(rng, low, high, avoid=(k, n))
        X = rng.uniform(0, 1, size=(n, d))
        P = ref.softmax(X @ rng.normal(size=(d, k)) + rng.normal(size=k))
        cases.append(Case(f"N = {n}, D = {d}, K = {k}", (X, P, _one_hot(rng, n, k))))
    return check_against_reference(
        student,
        ref.gradient,
        cases,
        name="gradient",
        arg_names=["X", "P", "Y"],
        fields=("dW", "db"),
        mistakes=MISTAKES["gradient"],
    )


def _blobs(rng, n, d, k, n_val):
    """n training and n_val validation points in D dimensions around k random centres, with their one-hot
    labels: (X, Y, X_val, Y_val)."""
    centres = rng.normal(0, 2, size=(k, d))
    sets = []
    for size in (n, n_val):
        labels = rng.integers(0, k, size=size)
        sets += [centres[labels] + rng.normal(0, 1, size=(size, d)), ref.one_hot(labels, k)]
    return tuple(sets)


def _digits(seed):
    """load_digits split 80 % / 20 %, pixels in [0, 1]: a small, fast stand-in for MNIST."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.2, random_state=seed
    )
    return x_train, x_test, ref.one_hot(y_train, 10), ref.one_hot(y_test, 10)


HISTORY_KEYS = ("train_loss", "val_loss")
TRAIN_ARGS = ["X", "Y", "X_val", "Y_val", "eta", "epochs", "batch_size", "seed"]
TRAIN_FIELDS = ("W", "b", ("history", tuple(f"history['{key}']" for key in HISTORY_KEYS)))


def _curve(values):
    """A history's list of numbers as a float array (the contract says a list; an array is as good)."""
    if isinstance(values, list) and all(isinstance(v, (int, float, np.integer, np.floating)) for v in values):
        return np.asarray(values, dtype=np.float64)
    return values


def history_as_tuple(answer):
    """``(W, b, history)`` with the history's two curves as a pair of arrays, which the comparison
    names (« history['val_loss'] »); anything else as it is."""
    if type(answer) is tuple and len(answer) == 3 and type(answer[2]) is dict:
        return (answer[0], answer[1], tuple(_curve(answer[2].get(key)) for key in HISTORY_KEYS))
    return answer


class _HistoryReference:
    """A reference or catalogued ``train`` (with the reference helpers) seen through :func:`history_as_tuple`.
    Not a plain function, so the driver calls it as it is."""

    def __init__(self, function):
        self.function = rebind(function, ISOLATED["train"])

    def __call__(self, *args):
        return history_as_tuple(self.function(*args))


def _history_problem(answer, epochs: int) -> str | None:
    """What is wrong with the form of ``train``'s answer, in French, or None."""
    if type(answer) is not tuple or len(answer) != 3:
        return "doit renvoyer le triplet (W, b, history)"
    history = answer[2]
    if type(history) is not dict or set(history) != set(HISTORY_KEYS):
        return "doit renvoyer pour history un dictionnaire de deux clés, 'train_loss' et 'val_loss'"
    for key in HISTORY_KEYS:
        curve = _curve(history[key])
        if not isinstance(curve, np.ndarray) or curve.shape != (epochs,):
            return f"doit renvoyer dans history['{key}'] une liste de {epochs} nombres, un par époque"
    return None


def _train_cases(rng):
    """1, a few and a dozen epochs. The last batch holds one example, then none (N a multiple of the batch
    size), then a few: the loop's bound is exercised on both sides. The validation set is drawn around
    the same centres as the training set, and differs from it in size."""
    cases = []
    for epochs, batch_size, eta, d, k, last in (
        (1, 4, 0.5, 3, 3, 1),
        (_sizes(rng, 3, 6), 8, 0.3, 4, 3, 0),
        (_sizes(rng, 10, 16), 16, 0.1, 5, 4, None),
    ):
        last = int(rng.integers(2, batch_size)) if last is None else last
        n = batch_size * int(rng.integers(2, 4)) + last
        n_val = _sizes(rng, 5, 12, avoid=(n,))
        X, Y, X_val, Y_val = _blobs(rng, n, d, k, n_val)
        train_seed = int(rng.integers(1000))
        batches = f"dernier lot de {last}" if last else "lots tous complets"
        cases.append(
            Case(
                f"epochs = {epochs}, N = {n}, batch_size = {batch_size} ({batches}), {n_val} exemples de "
                f"validation, seed = {train_seed}",
                (X, Y, X_val, Y_val, eta, epochs, batch_size, train_seed),
            )
        )
    return cases


def _flat(answer) -> np.ndarray:
    W, b, curves = history_as_tuple(answer)
    return np.concatenate([np.ravel(W), np.ravel(b), *curves])


def train_tolerance(cases):
    """The tolerance of the trajectory, derived from the computation, so that a correct train computed
    in float32 passes: every case's number of steps (mini-batches over all epochs), each step's sums (over
    the D features of X W, over the batch for Xᵀ(P − Y), over the whole set for the history's mean
    losses), at the scale of the values (W, b, losses).
    The largest case sets it for all (about 3e-4 for 60 steps of batches of 16): a wrong trajectory (a
    sign, η, a batch left out, another order) differs by far more."""
    steps = max(epochs * -(-len(X) // batch_size) for X, _, _, _, _, epochs, batch_size, _ in (c.args for c in cases))
    terms = max(
        max(X.shape[1], len(X), len(X_val), batch_size)
        for X, _, X_val, _, _, _, batch_size, _ in (c.args for c in cases)
    )
    scale = max(
        1.0,
        *(float(np.max(np.abs(_flat(reference_answer(ref.train, c.args, "call", ISOLATED["train"]))))) for c in cases),
    )
    return float32_tolerance(steps, scale=scale, terms=terms)


def check_train(student, seed):
    """Trajectory (W, b, and the history's two per-epoch losses) after 1, a few and a dozen epochs
    against the reference, within float32 round-off (:func:`train_tolerance`), then the test accuracy
    of a full training on load_digits.

    ``train`` runs with the reference ``softmax``, ``cross_entropy`` and ``gradient``, so a mistake
    in one of those costs that function's points, not train's as well.
    """
    rng = np.random.default_rng(seed)
    cases = _train_cases(rng)
    student = as_student(student)
    if student.callable:
        first = cases[0]
        try:
            problem = _history_problem(student.using(helpers=ISOLATED["train"])(*first.args), first.args[5])
        except Exception:  # noqa: BLE001 - a student that raises is told so by the comparison below
            problem = None
        if problem:
            return Verdict(False, f"`train` {problem} — cas 1/{len(cases)} ({first.label}).")
        student = ConvertedStudent.of(student, history_as_tuple)
    verdict = check_against_reference(
        student,
        _HistoryReference(ref.train),
        cases,
        name="train",
        arg_names=TRAIN_ARGS,
        fields=TRAIN_FIELDS,
        mistakes=[Mistake(m.name, m.explanation, _HistoryReference(m.compute)) for m in MISTAKES["train"]],
        helpers=ISOLATED["train"],
        **train_tolerance(cases),
    )
    if not verdict.passed:
        return verdict
    x_train, x_test, y_train, y_test = _digits(int(rng.integers(1000)))
    train_seed = int(rng.integers(1000))
    # The digits' test split stands for the validation set: only the weights are judged here.
    args = (x_train, y_train, x_test, y_test, ref.ETA, ref.EPOCHS, ref.BATCH_SIZE, train_seed)
    W, b, _ = student.using(helpers=ISOLATED["train"])(*args)
    W_ref, b_ref, _ = ref.train(*args)
    acc = ref.accuracy(y_test, ref.softmax(x_test @ np.asarray(W, dtype=float) + np.asarray(b, dtype=float)))
    acc_ref = ref.accuracy(y_test, ref.softmax(x_test @ W_ref + b_ref))
    where = f"sur les chiffres 8×8 de load_digits ({ref.EPOCHS} époques, η = {ref.ETA}, lots de {ref.BATCH_SIZE})"
    return accuracy_verdict(verdict, acc, acc_ref, where)


def check_accuracy(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for n, k in ((1, _sizes(rng, 3, 6)), (_sizes(rng, 6, 15), _sizes(rng, 3, 6)), (_sizes(rng, 40, 90), 10)):
        Y = _one_hot(rng, n, k)
        P = ref.softmax(2.0 * Y + rng.normal(0, 1.2, size=(n, k)))  # right about two times out of three
        cases.append(Case(f"N = {n}, K = {k}", (Y, P)))
    return check_against_reference(
        student,
        ref.accuracy,
        cases,
        name="accuracy",
        arg_names=["Y", "P"],
        mistakes=MISTAKES["accuracy"],
        helpers=ISOLATED["accuracy"],
    )


def _losses_text(val_losses) -> str:
    """« {0.5: [0.91, 0.62, 0.7], 0.05: […]} », the case as the student would print it."""
    return (
        "{"
        + ", ".join(
            f"{fmt(eta)}: [{', '.join(fmt(v, digits=4) for v in losses)}]" for eta, losses in val_losses.items()
        )
        + "}"
    )


def _distinct_losses(rng, count):
    """``count`` different losses in [0.2, 1.5[, rounded to 3 decimals (readable, and no accidental tie)."""
    return [float(v) / 1000 for v in rng.choice(np.arange(200, 1500), size=count, replace=False)]


def _best_setting_cases(rng):
    """Plain dicts {η: validation losses after epochs 1, 2, …}, each η with the same number of epochs.

    1. Two η, the minimum inside the curve of the η that is not the best after the last epoch (η then
       epochs in two steps fails; so do 0-based epochs and the largest loss).
    2. Three η, random distinct losses.
    3. A tie: the same smallest loss for (first η, a late epoch), (second η, an early one) and (third η,
       the same early one and a later one): the fewest epochs, then the first η.
    4. One η, one epoch.
    """
    etas = [float(v) for v in rng.permutation([0.5, 0.05, 0.2, 1.0, 0.01])]
    cases = []
    epochs = _sizes(rng, 5, 8)
    best_at = int(rng.integers(2, epochs - 1))  # 1-based, inside the curve
    values = sorted(_distinct_losses(rng, 2 * epochs))
    low, high = values[:epochs], values[epochs:]
    # Down to low[0] at epoch best_at, then up again (to max(low)).
    u_shaped = sorted(low[1:best_at], reverse=True) + [low[0]] + sorted(low[best_at:])
    # Down all along, ending between low[0] and low[1]: below the U's last value, above its minimum.
    decreasing = sorted(high, reverse=True)[:-1] + [(low[0] + low[1]) / 2]
    first, second = etas[0], etas[1]
    cases.append({first: u_shaped, second: decreasing} if rng.random() < 0.5 else {second: decreasing, first: u_shaped})
    epochs = _sizes(rng, 4, 7)
    cases.append({eta: _distinct_losses(rng, epochs) for eta in etas[:3]})
    epochs = _sizes(rng, 6, 9)
    losses = {eta: _distinct_losses(rng, epochs) for eta in etas[:3]}
    smallest = min(min(curve) for curve in losses.values()) - 0.1
    early, late = int(rng.integers(1, 3)), int(rng.integers(4, epochs))
    for eta, epoch in ((etas[0], late), (etas[1], early), (etas[2], early), (etas[2], epochs)):
        losses[eta][epoch - 1] = smallest
    cases.append(losses)
    cases.append({etas[3]: _distinct_losses(rng, 1)})
    return [Case(f"val_losses = {_losses_text(val_losses)}", (val_losses,)) for val_losses in cases]


def check_best_setting(student, seed):
    cases = _best_setting_cases(np.random.default_rng(seed))
    return check_against_reference(
        student,
        ref.best_setting,
        cases,
        name="best_setting",
        arg_names=["val_losses"],
        fields=("eta", "epochs"),
        mistakes=MISTAKES["best_setting"],
    )
