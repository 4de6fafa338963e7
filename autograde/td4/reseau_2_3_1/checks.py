"""Hidden-test checks of TD 4, notebook 1 (back-propagation in the 2→3→1 network)."""
import numpy as np

from ...checking import Case, Code
from ...checking import check_against_reference as compare_to_reference  # a check_* name would count as a check
from . import solution as ref
from .mistakes import MISTAKES

ARGS = ["x", "y", "W1", "b1", "W2", "b2"]

# Functions judged on their own: the names they may call resolve to the reference ones. The
# numerical gradient is TD 1's, given in the notebook, not graded.
ISOLATED = {
    "forward": {"sigmoid": ref.sigmoid},
    "backward": {"forward": ref.forward, "sigmoid": ref.sigmoid},
    "gradient_check": {"numerical_gradient": ref.numerical_gradient},
}


def _network_cases(rng):
    """Batches of 1, a few and many examples; parameters of several scales (saturating ones included)."""
    cases = []
    for n, scale in ((1, 1.0), (int(rng.integers(2, 7)), 1.0), (int(rng.integers(20, 80)), 0.5),
                     (int(rng.integers(3, 10)), 3.0)):
        x = rng.normal(size=(n, 2))
        y = rng.uniform(size=(n, 1))
        params = (scale * rng.normal(size=(2, 3)), scale * rng.normal(size=3),
                  scale * rng.normal(size=(3, 1)), scale * rng.normal(size=1))
        label = f"N = {n} exemple{'s' if n > 1 else ''}" + (", grands poids" if scale > 1 else "")
        cases.append(Case(label, (x, y, *params)))
    return cases


def check_forward(student, seed):
    rng = np.random.default_rng(seed)
    return compare_to_reference(student, ref.forward, _network_cases(rng), name="forward",
                                arg_names=ARGS, mistakes=MISTAKES["forward"], helpers=ISOLATED["forward"])


def check_backward(student, seed):
    """Run with the reference ``forward``: a wrong forward costs forward's points only."""
    rng = np.random.default_rng(seed)
    return compare_to_reference(student, ref.backward, _network_cases(rng), name="backward",
                                arg_names=ARGS, mistakes=MISTAKES["backward"], helpers=ISOLATED["backward"])


def check_count_parameters(student, seed):
    rng = np.random.default_rng(seed)
    cases = [Case("le réseau du TD", ([2, 3, 1],)), Case("régression logistique", ([int(rng.integers(2, 10)), 1],))]
    for depth in (3, 4, 6):
        sizes = [int(s) for s in rng.integers(1, 300, size=depth)]
        cases.append(Case(f"{depth - 2} couche(s) cachée(s)", (sizes,)))
    cases.append(Case("MLP sur MNIST", ([784, int(rng.integers(32, 257)), 10],)))
    return compare_to_reference(student, ref.count_parameters, cases, name="count_parameters",
                                arg_names=["layer_sizes"], mistakes=MISTAKES["count_parameters"], rtol=0, atol=0.5)


# The functions a gradient check is tried on: one layer of tanh units scored by v (not the network's loss,
# whose code is the answer of `forward`), and the same with a third parameter s. Their exact gradients are
# computed here, in the grader, then spoiled on purpose in some entries.
LAYER = "lambda W, b: float(np.sum(v * np.tanh(x @ W + b)))"
LAYER_AND_CUBE = "lambda W, b, s: float(np.sum(v * np.tanh(x @ W + b)) + np.sum(s ** 3) / 3)"


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
    f = Code(LAYER, "f(W, b) = Σ v·tanh(x W + b)", x=x, v=v)
    cases.append(Case("une case de dW fausse", (f, (W, b), (spoiled, db))))
    # An input always 0: dW has a row of exact zeros, for the hand gradient and the numerical one. db off by ±2 %.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(5, 9)), 4, 3, dead_input=int(rng.integers(0, 4)))
    f = Code(LAYER, "f(W, b) = Σ v·tanh(x W + b), une entrée toujours nulle", x=x, v=v)
    cases.append(Case("une entrée toujours nulle, db un peu faux", (f, (W, b), (dW, db * (1 + 0.02 * rng.uniform(-1, 1, size=db.shape))))))
    # Three parameters: db with the wrong sign, ds twice too large, dW right; another step h.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(3, 7)), 2, 3)
    s = rng.normal(size=int(rng.integers(2, 5)))
    f = Code(LAYER_AND_CUBE, "f(W, b, s) = Σ v·tanh(x W + b) + Σ s³/3", x=x, v=v)
    cases.append(Case("trois paramètres, h = 1e-4", (f, (W, b, s), (dW, -db, 2 * s ** 2), 1e-4)))
    # Exact gradients: every error is tiny.
    x, v, W, b, dW, db = _layer(rng, int(rng.integers(5, 9)), 2, 3)
    f = Code(LAYER, "f(W, b) = Σ v·tanh(x W + b)", x=x, v=v)
    cases.append(Case("gradients justes", (f, (W, b), (dW, db))))
    return cases


def check_gradient_check(student, seed):
    """The errors of gradients spoiled on purpose, with the given numerical_gradient. An error near 1e-10
    (exact gradients) is rounding: it passes whatever its digits (atol)."""
    rng = np.random.default_rng(seed)
    return compare_to_reference(student, ref.gradient_check, _gradient_check_cases(rng), name="gradient_check",
                                arg_names=["f", "params", "grads", "h"], mistakes=MISTAKES["gradient_check"],
                                helpers=ISOLATED["gradient_check"], rtol=1e-6, atol=1e-8)
