"""Hidden-test checks of TD 8, notebook 1 (optimizers)."""

from dataclasses import replace

import numpy as np

from ...checking import Case, Code, ConvertedStudent, StudentRaised, Verdict, as_student, check_against_reference
from . import solution as ref
from .mistakes import MISTAKES

# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    "optimize": {"sgd_momentum_step": ref.sgd_momentum_step, "adam_step": ref.adam_step},
    "train": {"sgd_momentum_step": ref.sgd_momentum_step, "adam_step": ref.adam_step, "step_decay": ref.step_decay},
}


def check_sgd_momentum_step(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for d in (1, 2, int(rng.integers(3, 8))):
        theta, grad, velocity = rng.normal(0, 2, size=d), rng.normal(0, 2, size=d), rng.normal(0, 1, size=d)
        cases.append(
            Case(f"D = {d}", (theta, grad, velocity, float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.95))))
        )
    d = int(rng.integers(2, 6))
    cases.append(Case("premier pas, vitesse nulle", (rng.normal(size=d), rng.normal(size=d), np.zeros(d), 0.1, 0.9)))
    return check_against_reference(
        student,
        ref.sgd_momentum_step,
        cases,
        name="sgd_momentum_step",
        arg_names=["theta", "grad", "velocity", "eta", "beta"],
        fields=("la nouvelle position θ", "la nouvelle vitesse v"),
        mistakes=MISTAKES["sgd_momentum_step"],
    )


def check_adam_step(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    d = int(rng.integers(2, 6))
    cases.append(
        Case(
            "premier pas, moments nuls",
            (rng.normal(size=d), rng.normal(size=d), np.zeros(d), np.zeros(d), 1, 0.1, 0.9, 0.999, 1e-8),
        )
    )
    for d, t in ((1, int(rng.integers(2, 5))), (3, int(rng.integers(5, 30))), (int(rng.integers(4, 8)), 2)):
        # A large ε, so that its place (under the root or after it) changes the result.
        cases.append(
            Case(
                f"D = {d}",
                (
                    rng.normal(0, 2, size=d),
                    rng.normal(0, 2, size=d),
                    rng.normal(0, 0.5, size=d),
                    rng.uniform(0.1, 1.0, size=d),
                    t,
                    float(rng.uniform(0.01, 0.3)),
                    float(rng.uniform(0.5, 0.9)),
                    float(rng.uniform(0.9, 0.99)),
                    float(rng.uniform(0.05, 0.5)),
                ),
            )
        )
    return check_against_reference(
        student,
        ref.adam_step,
        cases,
        name="adam_step",
        arg_names=["theta", "grad", "m", "v", "t", "eta", "beta1", "beta2", "eps"],
        fields=("la nouvelle position θ", "le moment m", "le moment v"),
        mistakes=MISTAKES["adam_step"],
    )


def check_step_decay(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(2):
        every = int(rng.integers(2, 6))
        eta0, drop = float(rng.uniform(0.05, 1.0)), float(rng.uniform(0.2, 0.8))
        for where, epoch in (
            ("première époque", 0),
            ("dernière époque du premier palier", every - 1),
            ("première époque du deuxième palier", every),
            ("plus loin", int(rng.integers(2 * every + 1, 6 * every))),
        ):
            cases.append(Case(where, (eta0, epoch, drop, every)))
    return check_against_reference(
        student,
        ref.step_decay,
        cases,
        name="step_decay",
        arg_names=["eta0", "epoch", "drop", "every"],
        mistakes=MISTAKES["step_decay"],
    )


def check_optimize(student, seed):
    """The path of each method on a quadratic bowl and on TD 2's quartic, with the reference steps
    (a mistake in ``sgd_momentum_step`` or ``adam_step`` costs their own points, not these)."""
    rng = np.random.default_rng(seed)
    curvatures = rng.uniform(0.5, 5.0, size=2)
    bowl = Code("lambda theta: h * theta", "(θ ↦ h·θ)", h=curvatures)
    quartic = Code("lambda w: w**3 - 4.5 * w**2 - 2.5 * w + 6", "(w ↦ w³ − 4,5w² − 2,5w + 6)")
    cases = [
        Case("descente simple, cuvette", (bowl, rng.normal(0, 2, size=2), "sgd", int(rng.integers(3, 8)), 0.1)),
        # The sheet has theta0 copied as floats: a copy that keeps integers cannot take a step in place.
        Case(
            "descente simple, cuvette, θ₀ en entiers",
            (bowl, rng.integers(-3, 4, size=2) | 1, "sgd", int(rng.integers(3, 8)), 0.1),
        ),
        Case(
            "momentum, cuvette",
            (bowl, rng.normal(0, 2, size=2), "momentum", int(rng.integers(4, 10)), 0.05, float(rng.uniform(0.5, 0.8))),
        ),
        # β₂ far from its default (a path that ignores it drifts away), then a large ε (one that ignores it
        # takes steps of η at once).
        Case(
            "Adam, cuvette",
            (
                bowl,
                rng.normal(0, 2, size=2),
                "adam",
                int(rng.integers(6, 12)),
                0.1,
                float(rng.uniform(0.6, 0.8)),
                float(rng.uniform(0.5, 0.8)),
                1e-6,
            ),
        ),
        Case(
            "Adam, cuvette, grand ε",
            (
                bowl,
                rng.normal(0, 2, size=2),
                "adam",
                int(rng.integers(4, 10)),
                0.1,
                0.9,
                0.999,
                float(rng.uniform(0.2, 1.0)),
            ),
        ),
        # The defaults (β = 0,9, β₂ = 0,999, ε = 1e-8) are those of the signature: these cases omit them.
        Case(
            "momentum, quartique du TD 2, β par défaut",
            (quartic, np.array([float(rng.uniform(-2.5, -1.5))]), "momentum", int(rng.integers(5, 15)), 0.01),
        ),
        # A coordinate at the minimum has a zero gradient: without ε, Adam divides 0 by 0 there.
        Case(
            "Adam, cuvette, β, β₂ et ε par défaut, une coordonnée déjà au minimum",
            (bowl, np.array([float(rng.uniform(1, 3)), 0.0]), "adam", int(rng.integers(20, 40)), 0.1),
        ),
        Case(
            "Adam, quartique du TD 2, β, β₂ et ε par défaut",
            (quartic, np.array([float(rng.uniform(-2.5, -1.5))]), "adam", int(rng.integers(5, 15)), 0.1),
        ),
        Case("zéro pas", (bowl, rng.normal(size=2), "momentum", 0, 0.1, 0.9)),
    ]
    return check_against_reference(
        student,
        ref.optimize,
        cases,
        name="optimize",
        arg_names=["grad_f", "theta0", "method", "n_steps", "eta", "beta", "beta2", "eps"],
        mistakes=MISTAKES["optimize"],
        helpers=ISOLATED["optimize"],
    )


HISTORY_KEYS = ("train_loss", "val_loss")


def _history_as_arrays(answer):
    """``(params, history)`` with the history's two lists as a pair of arrays, so that they compare entry
    by entry (``history["train_loss"]`` in messages); any other answer as it is."""
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], dict):
        history = answer[1]
        if set(history) == set(HISTORY_KEYS):
            curves = []
            for key in HISTORY_KEYS:
                try:
                    curves.append(np.asarray(history[key], dtype=float))
                except (TypeError, ValueError):
                    curves.append(history[key])
            params = tuple(answer[0]) if isinstance(answer[0], list) else answer[0]
            return params, tuple(curves)
    return answer


def _shape_problem(answer):
    """A French sentence when ``answer`` is not ``(params, history)`` with the history's two keys, else None."""
    expected = 'le couple (params, history), où history = {"train_loss": [...], "val_loss": [...]}'
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return f"`train` doit renvoyer {expected}"
    if not isinstance(answer[1], dict):
        return f"`train` doit renvoyer {expected} ; le 2e élément n'est pas un dictionnaire"
    if set(answer[1]) != set(HISTORY_KEYS):
        keys = ", ".join(repr(key) for key in answer[1]) or "aucune"
        return f"`train` doit renvoyer {expected} ; les clés de history sont {keys}"
    return None


def _converted(function):
    def converted(*args):
        return _history_as_arrays(function(*args))

    return converted


def _mlp_problem(rng, n, d=3, h=4, k=3):
    """X (n, d) Gaussian, Y (n, k) one-hot of a random linear rule, a validation set, and parameters
    with non-zero biases (so that a bias left out shows)."""

    def data(count):
        X = rng.normal(size=(count, d))
        labels = (X @ rng.normal(size=(d, k))).argmax(axis=1)
        labels[:k] = np.arange(k)
        return X, ref.one_hot(labels, k)

    X, Y = data(n)
    X_val, Y_val = data(int(rng.integers(5, 10)))
    params = (
        rng.normal(0, 1, size=(d, h)),
        rng.normal(0, 0.5, size=h),
        rng.normal(0, 1, size=(h, k)),
        rng.normal(0, 0.5, size=k),
    )
    return X, Y, X_val, Y_val, params


def check_train(student, seed):
    """Parameters and history after a few epochs on small problems, against the reference, with the
    reference steps and schedule (a mistake there costs their own cells) and the notebook's given
    forward, backward and loss."""
    rng = np.random.default_rng(seed)
    cases = []
    # A mini-batch size that does not divide N, so that the last, smaller one counts.
    problem = _mlp_problem(rng, int(rng.integers(11, 15)))
    cases.append(Case("descente simple, pas constant", (*problem, "sgd", 0.5, 2, 4, 1.0, 1, int(rng.integers(1, 100)))))
    # N a multiple of the mini-batch size: no empty mini-batch at the end (momentum would move on it).
    problem = _mlp_problem(rng, 5 * int(rng.integers(3, 5)))
    cases.append(
        Case(
            "momentum, pas divisé par 2 toutes les 2 époques",
            (*problem, "momentum", 0.2, 5, 5, 0.5, 2, int(rng.integers(1, 100))),
        )
    )
    # N = 1 more than a multiple of the mini-batch size: the last mini-batch holds one example.
    problem = _mlp_problem(rng, 6 * int(rng.integers(2, 4)) + 1)
    cases.append(Case("Adam, pas constant", (*problem, "adam", 0.05, 3, 6, 1.0, 1, int(rng.integers(1, 100)))))
    problem = _mlp_problem(rng, int(rng.integers(15, 20)))
    cases.append(
        Case(
            "Adam, pas multiplié par 0,3 chaque époque",
            (*problem, "adam", 0.1, 3, 4, 0.3, 1, int(rng.integers(1, 100))),
        )
    )
    # The defaults: mini-batches of 32 (two of them here), a constant rate, seed 0.
    problem = _mlp_problem(rng, int(rng.integers(40, 50)))
    cases.append(Case("batch_size, drop, every et seed par défaut", (*problem, "momentum", 0.1, 2)))
    problem = _mlp_problem(rng, int(rng.integers(12, 16)))
    cases.append(Case("every et seed par défaut", (*problem, "sgd", 0.5, 3, 4, 0.5)))
    student = as_student(student)
    if student.callable:
        try:
            problem_text = _shape_problem(student.using(helpers=ISOLATED["train"])(*cases[0].args))
        except StudentRaised:
            problem_text = None  # check_against_reference says what was raised
        if problem_text:
            return Verdict(False, problem_text + ".")
        student = ConvertedStudent.of(student, _history_as_arrays)
    mistakes = [replace(mistake, compute=_converted(mistake.compute)) for mistake in MISTAKES["train"]]
    return check_against_reference(
        student,
        _converted(ref.train),
        cases,
        name="train",
        arg_names=[
            "X",
            "Y",
            "X_val",
            "Y_val",
            "params",
            "method",
            "eta",
            "epochs",
            "batch_size",
            "drop",
            "every",
            "seed",
        ],
        fields=(
            ("les paramètres appris", ("W1 appris", "b1 appris", "W2 appris", "b2 appris")),
            ("history", ('history["train_loss"]', 'history["val_loss"]')),
        ),
        mistakes=mistakes,
        helpers=ISOLATED["train"],
    )
