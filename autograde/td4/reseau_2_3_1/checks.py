"""Hidden-test checks of TD 4, notebook 1 (back-propagation in the 2→3→1 network)."""

import numpy as np

from ...checking import Case, Code, Verdict, as_student, changed_inputs, check_against_reference, modified_inputs
from ...kernel_side import arrays_in
from . import solution as ref
from .mistakes import MISTAKES

ARGS = ["X", "y", "W1", "b1", "W2", "b2"]
FORWARD_FIELDS = ("z1", "a1", "z2", "y_hat", "la perte L")
BACKWARD_FIELDS = ("dW1", "db1", "dW2", "db2")

# Functions judged on their own: the names they may call resolve to the reference ones. The
# numerical gradient is TD 1's, given in the notebook, not graded.
ISOLATED: dict[str, dict] = {
    "forward": {"sigmoid": ref.sigmoid},
    "backward": {"forward": ref.forward, "sigmoid": ref.sigmoid},
    "gradient_check": {"numerical_gradient": ref.numerical_gradient},
}


def _network_cases(rng):
    """Batches of 1, a few and many examples; parameters of several scales (saturating ones included)."""
    cases = []
    for n, scale in (
        (1, 1.0),
        (int(rng.integers(2, 7)), 1.0),
        (int(rng.integers(20, 80)), 0.5),
        (int(rng.integers(3, 10)), 3.0),
    ):
        x = rng.normal(size=(n, 2))
        y = rng.uniform(size=(n, 1))
        params = (
            scale * rng.normal(size=(2, 3)),
            scale * rng.normal(size=3),
            scale * rng.normal(size=(3, 1)),
            scale * rng.normal(size=1),
        )
        label = f"N = {n} exemple{'s' if n > 1 else ''}" + (", grands poids" if scale > 1 else "")
        cases.append(Case(label, (x, y, *params)))
    return cases


def check_forward(student, seed):
    rng = np.random.default_rng(seed)
    return check_against_reference(
        student,
        ref.forward,
        _network_cases(rng),
        name="forward",
        arg_names=ARGS,
        fields=FORWARD_FIELDS,
        mistakes=MISTAKES["forward"],
        helpers=ISOLATED["forward"],
    )


def check_backward(student, seed):
    """Run with the reference ``forward``: a wrong forward costs forward's points only."""
    rng = np.random.default_rng(seed)
    return check_against_reference(
        student,
        ref.backward,
        _network_cases(rng),
        name="backward",
        arg_names=ARGS,
        fields=BACKWARD_FIELDS,
        mistakes=MISTAKES["backward"],
        helpers=ISOLATED["backward"],
    )


def check_count_parameters(student, seed):
    rng = np.random.default_rng(seed)
    sizes = [("le réseau du TD", [2, 3, 1]), ("régression logistique", [int(rng.integers(2, 10)), 1])]
    for depth in (3, 4, 6):
        sizes.append((f"{depth - 2} couche(s) cachée(s)", [int(s) for s in rng.integers(1, 300, size=depth)]))
    sizes.append(("MLP sur MNIST", [784, int(rng.integers(32, 257)), 10]))
    cases = [Case(f"{label}, layer_sizes = {layers}", (layers,)) for label, layers in sizes]
    return check_against_reference(
        student,
        ref.count_parameters,
        cases,
        name="count_parameters",
        fields=("le nombre de paramètres",),
        mistakes=MISTAKES["count_parameters"],
        rtol=0,
        atol=0.5,
    )


# The functions a gradient check is tried on: one layer of tanh units scored by v (not the network's loss,
# whose code is the answer of `forward`), and the same with a third parameter s. Their exact gradients are
# computed here, in the grader, then spoiled on purpose in some entries.
LAYER = "lambda W, b: float(np.sum(v * np.tanh(x @ W + b)))"
LAYER_AND_CUBE = "lambda W, b, s: float(np.sum(v * np.tanh(x @ W + b)) + np.sum(s ** 3) / 3)"
# Fast oscillations: the centred difference's error h²ω²/6 is seen at the default step already (about 1e-7
# relative for h = 1e-5, ω = 100), so that the default h itself is checked, not only the h passed on.
SINE = "lambda s: float(np.sum(np.sin(w * s)))"


def _layer(rng, n, n_in, n_out, dead_input=None):
    """(x, v, W, b, dW, db): data, parameters and exact gradients of Σ v·tanh(x W + b)."""
    x = rng.normal(size=(n, n_in))
    if dead_input is not None:
        x[:, dead_input] = 0.0  # an input always 0, as a black pixel: its row of dW is exactly 0, both ways
    v, W, b = rng.normal(size=(n, n_out)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    g = v * (1.0 - np.tanh(x @ W + b) ** 2)
    return x, v, W, b, x.T @ g, g.sum(axis=0)


def _gradient_check_cases(rng):
    cases = []
    # One entry of dW too small by half (the smallest one: a norm would drown it), db right.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(5, 9)), 3, 2)
    spoiled = dW.copy()
    worst = np.unravel_index(np.argmin(np.abs(dW)), dW.shape)
    spoiled[worst] -= 0.5 * abs(dW[worst])
    f = Code(LAYER, "(W, b) ↦ Σ v·tanh(x W + b)", x=x, v=v)
    cases.append(Case("une case de dW fausse", (f, (W, b), (spoiled, db))))
    # An input always 0: dW has a row of exact zeros, for the hand gradient and the numerical one. db off by ±2 %.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(5, 9)), 4, 3, dead_input=int(rng.integers(0, 4)))
    f = Code(LAYER, "(W, b) ↦ Σ v·tanh(x W + b), une entrée toujours nulle", x=x, v=v)
    cases.append(
        Case(
            "une entrée toujours nulle, db un peu faux",
            (f, (W, b), (dW, db * (1 + 0.02 * rng.uniform(-1, 1, size=db.shape)))),
        )
    )
    # Three parameters: db with the wrong sign, ds twice too large, dW right; another step h, whose
    # truncation error (about 1e-7 relative on dW) is well above the tolerance.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(3, 7)), 2, 3)
    s = rng.normal(size=int(rng.integers(2, 5)))
    f = Code(LAYER_AND_CUBE, "(W, b, s) ↦ Σ v·tanh(x W + b) + Σ s³/3", x=x, v=v)
    cases.append(Case("trois paramètres, h = 1e-3", (f, (W, b, s), (dW, -db, 2 * s**2), 1e-3)))
    # Exact gradients: every error is tiny.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(5, 9)), 2, 3)
    f = Code(LAYER, "(W, b) ↦ Σ v·tanh(x W + b)", x=x, v=v)
    cases.append(Case("gradients justes", (f, (W, b), (dW, db))))
    # Exact gradients and a large step: the errors are the centred difference's own (about 1e-2, the
    # cube's exactly h²/3 on each s²), those of a gradient computed with h, not with the default 1e-5.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(3, 7)), 3, 2)
    s = rng.uniform(0.5, 1.5, size=int(rng.integers(2, 5))) * rng.choice([-1.0, 1.0])
    f = Code(LAYER_AND_CUBE, "(W, b, s) ↦ Σ v·tanh(x W + b) + Σ s³/3", x=x, v=v)
    cases.append(Case("gradients justes, grand pas h = 0.2", (f, (W, b, s), (dW, db, s**2), 0.2)))
    # Exact gradient of fast oscillations, at the default step.
    omega = 100.0
    s = []
    while len(s) < 4:
        value = rng.uniform(-1.0, 1.0)
        if abs(np.cos(omega * value)) > 0.5:  # away from the zeros of the derivative, where round-off dominates
            s.append(value)
    s = np.array(s)
    f = Code(SINE, f"s ↦ Σ sin({omega:g} s)", w=omega)
    cases.append(
        Case(
            "gradient juste d'une fonction qui oscille vite, pas h par défaut", (f, (s,), (omega * np.cos(omega * s),))
        )
    )
    return cases


def _error_names(case):
    """« l'erreur de W », … : one per parameter, named as the case's function names them."""
    source = case.args[0].source
    return tuple(f"l'erreur de {name.strip()}" for name in source[len("lambda ") : source.index(":")].split(","))


def check_gradient_check(student, seed):
    """The errors of gradients spoiled on purpose, with the given numerical_gradient, at the default step
    and at others. An error near 1e-10 (exact gradients, default step) is rounding: it passes whatever
    its digits (atol). Then the parameters must be left as they were given, within round-off
    (:func:`_moved_parameters`)."""
    rng = np.random.default_rng(seed)
    cases = _gradient_check_cases(rng)
    verdict = check_against_reference(
        student,
        ref.gradient_check,
        cases,
        name="gradient_check",
        arg_names=["f", "params", "grads", "h"],
        fields=_error_names,
        mistakes=MISTAKES["gradient_check"],
        helpers=ISOLATED["gradient_check"],
        rtol=1e-6,
        atol=1e-8,
        unchanged=False,
    )
    return _moved_parameters(student, cases) or verdict if verdict.passed else verdict


# A numerical gradient that shifts an entry of θ in place and shifts it back by arithmetic (θᵢ + h − 2h + h)
# leaves it a few units of round-off away from where it was: the caller's parameters are unchanged for all
# purposes. Anything farther was changed by the call.
RESTORED_RTOL, RESTORED_ATOL = 1e-12, 1e-16


def _restored(before: np.ndarray, after) -> bool:
    return (
        type(after) is np.ndarray
        and after.shape == before.shape
        and after.dtype.kind in "biuf"
        and bool(np.all(np.isfinite(after)))
        and bool(np.allclose(after, before, rtol=RESTORED_RTOL, atol=RESTORED_ATOL))
    )


def _moved_parameters(student, cases) -> Verdict | None:
    """The verdict when a call left an array of its inputs (a parameter, a gradient) changed beyond
    round-off: the check of :func:`~autograde.checking.check_against_reference`, exact, would fail the
    usual θᵢ += h … θᵢ -= h of a numerical gradient written by hand."""
    student = as_student(student).using(helpers=ISOLATED["gradient_check"])
    for index, case in enumerate(cases, start=1):
        _, reported = student.watched(*case.args)
        arrays = dict(arrays_in(case.args))
        left = {
            tuple(entry[0]): entry[1]
            for entry in (reported if type(reported) is list else [])
            if type(entry) is list
            and len(entry) == 2
            and type(entry[0]) is list
            and all(type(step) in (int, str) for step in entry[0])
        }
        moved = [path for path in changed_inputs(case.args, reported) if not _restored(arrays[path], left.get(path))]
        if moved:
            changed, advice = modified_inputs(moved, ["f", "params", "grads", "h"])
            if any(path[0] == 1 for path in moved):  # a parameter: shifted by h and not put back
                advice += (
                    " ; une case décalée de h pour le gradient numérique doit reprendre sa valeur de départ "
                    "(old = theta[i], puis theta[i] = old)"
                )
            return Verdict(
                False,
                f"`gradient_check` a modifié {changed} en place — cas {index}/{len(cases)} ({case.label}) : {advice}.",
            )
    return None
