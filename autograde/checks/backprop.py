"""Hidden-test checks of TD 4, notebook 1 (back-propagation in the 2→3→1 network)."""
import warnings

import numpy as np

from ..checking import Case, Verdict, with_reference_helpers
from ..checking import check_against_reference as compare_to_reference  # a check_* name would count as a check
from ..reference import backprop as ref

ARGS = ["x", "y", "W1", "b1", "W2", "b2"]

# Functions judged on their own: the names they may call resolve to the reference ones.
ISOLATED = {
    "forward": {"sigmoid": ref.sigmoid},
    "backward": {"forward": ref.forward, "sigmoid": ref.sigmoid},
}


def _network_cases(rng):
    """Batches of 1, a few and many examples; parameters of several scales (saturating ones included)."""
    cases = []
    for n, scale in ((1, 1.0), (int(rng.integers(2, 7)), 1.0), (int(rng.integers(20, 80)), 0.5),
                     (int(rng.integers(3, 10)), 3.0)):
        x = rng.normal(size=(n, 2))
        y = rng.uniform(size=(n, 1))
        params = (scale * rng.normal(size=(3, 2)), scale * rng.normal(size=3),
                  scale * rng.normal(size=(1, 3)), scale * rng.normal(size=1))
        label = f"N = {n} exemple{'s' if n > 1 else ''}" + (", grands poids" if scale > 1 else "")
        cases.append(Case(label, (x, y, *params)))
    return cases


def _isolated(student_fn, name):
    return with_reference_helpers(student_fn, ISOLATED[name])


def check_forward(student_fn, seed):
    rng = np.random.default_rng(seed)
    return compare_to_reference(_isolated(student_fn, "forward"), ref.forward, _network_cases(rng), name="forward",
                                arg_names=ARGS, mistakes=ref.MISTAKES["forward"])


def check_backward(student_fn, seed):
    """Run with the reference ``forward``: a wrong forward costs forward's points only."""
    rng = np.random.default_rng(seed)
    return compare_to_reference(_isolated(student_fn, "backward"), ref.backward, _network_cases(rng), name="backward",
                                arg_names=ARGS, mistakes=ref.MISTAKES["backward"])


def check_count_parameters(student_fn, seed):
    rng = np.random.default_rng(seed)
    cases = [Case("le réseau du TD", ([2, 3, 1],)), Case("régression logistique", ([int(rng.integers(2, 10)), 1],))]
    for depth in (3, 4, 6):
        sizes = [int(s) for s in rng.integers(1, 300, size=depth)]
        cases.append(Case(f"{depth - 2} couche(s) cachée(s)", (sizes,)))
    cases.append(Case("MLP sur MNIST", ([784, int(rng.integers(32, 257)), 10],)))
    return compare_to_reference(student_fn, ref.count_parameters, cases, name="count_parameters",
                                arg_names=["layer_sizes"], mistakes=ref.MISTAKES["count_parameters"], rtol=0, atol=0.5)


class _Function:
    """A smooth function of an array whose entries are coupled (so a shifted θᵢ changes every later
    derivative), with a readable name in the feedback."""

    def __init__(self, rng, shape):
        self.a = rng.normal(size=shape)
        self.c = rng.normal(size=shape)
        self.__name__ = "f(θ) = Σ tanh(a·θ + c) + (Σ θ)² / 2"

    def __call__(self, theta):
        theta = np.asarray(theta, dtype=float)
        return float(np.sum(np.tanh(self.a * theta + self.c)) + 0.5 * np.sum(theta) ** 2)


class _NetworkLoss:
    """L as a function of W1 (the notebook's use of numerical_gradient)."""

    def __init__(self, rng):
        self.x, self.y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
        self.b1, self.W2, self.b2 = rng.normal(size=3), rng.normal(size=(1, 3)), rng.normal(size=1)
        self.__name__ = "la perte L du réseau en fonction de W1"

    def __call__(self, W1):
        return ref.forward(self.x, self.y, W1, self.b1, self.W2, self.b2)[-1]


def _numerical_cases(rng):
    cases = []
    for shape, h, label in (((int(rng.integers(3, 7)),), 1e-2, "θ vecteur, h = 0.01"),
                            ((2, 3), 1e-3, "θ matrice, h = 0.001")):
        cases.append(Case(label, (_Function(rng, shape), rng.normal(size=shape), h)))
    cases.append(Case("θ = W1 de forme (3, 2), h = 1e-4", (_NetworkLoss(rng), rng.normal(size=(3, 2)), 1e-4)))
    cases.append(Case("θ vecteur, h par défaut", (_Function(rng, (4,)), rng.normal(size=4))))
    return cases


def _leaves_theta_modified(student_fn, cases):
    """True when the student's function returns with θ changed (the parameter was not restored)."""
    for case in cases:
        theta = case.args[1].copy()
        before = theta.copy()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                student_fn(case.args[0], theta, *case.args[2:])
        except Exception:  # noqa: BLE001 - the comparison below reports the exception with its case
            return False
        if not np.allclose(theta, before, rtol=1e-12, atol=1e-12):
            return True
    return False


def check_numerical_gradient(student_fn, seed):
    """Values against the reference on several θ and h; first, θ must be left as it was given."""
    rng = np.random.default_rng(seed)
    cases = _numerical_cases(rng)
    if callable(student_fn) and _leaves_theta_modified(student_fn, cases):
        mistake = next(m for m in ref.MISTAKES["numerical_gradient"] if m.name == "numerical_gradient_not_restored")
        return Verdict(False, f"`numerical_gradient` — erreur reconnue : {mistake.explanation}", mistake.name)
    return compare_to_reference(student_fn, ref.numerical_gradient, cases, name="numerical_gradient",
                                arg_names=["f", "theta", "h"], mistakes=ref.MISTAKES["numerical_gradient"])
