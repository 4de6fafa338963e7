"""Hidden-test checks of TD 4, notebook 1 (back-propagation in the 2→3→1 network)."""
import numpy as np

from ..checking import Case, Code, StudentRaised, Verdict
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


def check_forward(student, seed):
    rng = np.random.default_rng(seed)
    return compare_to_reference(student, ref.forward, _network_cases(rng), name="forward",
                                arg_names=ARGS, mistakes=ref.MISTAKES["forward"], helpers=ISOLATED["forward"])


def check_backward(student, seed):
    """Run with the reference ``forward``: a wrong forward costs forward's points only."""
    rng = np.random.default_rng(seed)
    return compare_to_reference(student, ref.backward, _network_cases(rng), name="backward",
                                arg_names=ARGS, mistakes=ref.MISTAKES["backward"], helpers=ISOLATED["backward"])


def check_count_parameters(student, seed):
    rng = np.random.default_rng(seed)
    cases = [Case("le réseau du TD", ([2, 3, 1],)), Case("régression logistique", ([int(rng.integers(2, 10)), 1],))]
    for depth in (3, 4, 6):
        sizes = [int(s) for s in rng.integers(1, 300, size=depth)]
        cases.append(Case(f"{depth - 2} couche(s) cachée(s)", (sizes,)))
    cases.append(Case("MLP sur MNIST", ([784, int(rng.integers(32, 257)), 10],)))
    return compare_to_reference(student, ref.count_parameters, cases, name="count_parameters",
                                arg_names=["layer_sizes"], mistakes=ref.MISTAKES["count_parameters"], rtol=0, atol=0.5)


def _coupled(rng, shape):
    """A smooth function of an array whose entries are coupled (so a shifted θᵢ changes every later
    derivative), with a readable name in the feedback."""
    return Code("lambda theta: float(np.sum(np.tanh(a * np.asarray(theta, dtype=float) + c)) + 0.5 * np.sum(theta) ** 2)",
                "f(θ) = Σ tanh(a·θ + c) + (Σ θ)² / 2", a=rng.normal(size=shape), c=rng.normal(size=shape))


def _of_a_weight_matrix(rng):
    """A function of a (3, 2) matrix used as W1 is: θ enters through x·θᵀ (not the network's loss, whose
    code is the answer of `forward`)."""
    return Code("lambda W: float(np.sum(v * np.tanh(x @ np.asarray(W, dtype=float).T)) + 0.25 * np.sum(np.asarray(W) ** 4))",
                "f(W) = Σ v·tanh(x·Wᵀ) + Σ W⁴ / 4", x=rng.normal(size=(5, 2)), v=rng.normal(size=(5, 3)))


def _numerical_cases(rng):
    cases = []
    for shape, h, label in (((int(rng.integers(3, 7)),), 1e-2, "θ vecteur, h = 0.01"),
                            ((2, 3), 1e-3, "θ matrice, h = 0.001")):
        cases.append(Case(label, (_coupled(rng, shape), rng.normal(size=shape), h)))
    cases.append(Case("θ de forme (3, 2) comme W1, h = 1e-4", (_of_a_weight_matrix(rng), rng.normal(size=(3, 2)), 1e-4)))
    cases.append(Case("θ vecteur, h par défaut", (_coupled(rng, (4,)), rng.normal(size=4))))
    return cases


def _leaves_theta_modified(student, cases):
    """True when the student's function returns with θ changed (the parameter was not restored)."""
    for case in cases:
        try:
            after = student.using(driver="inputs_after")(*case.args)
        except StudentRaised:  # the comparison below reports the exception with its case
            return False
        theta = after[1] if isinstance(after, tuple) and len(after) > 1 else None
        if not isinstance(theta, np.ndarray) or theta.shape != case.args[1].shape \
                or not np.allclose(theta, case.args[1], rtol=1e-12, atol=1e-12):
            return True
    return False


def check_numerical_gradient(student, seed):
    """Values against the reference on several θ and h; first, θ must be left as it was given."""
    rng = np.random.default_rng(seed)
    cases = _numerical_cases(rng)
    if student.callable and _leaves_theta_modified(student, cases):
        mistake = next(m for m in ref.MISTAKES["numerical_gradient"] if m.name == "numerical_gradient_not_restored")
        return Verdict(False, f"`numerical_gradient` — erreur reconnue : {mistake.explanation}", mistake.name)
    return compare_to_reference(student, ref.numerical_gradient, cases, name="numerical_gradient",
                                arg_names=["f", "theta", "h"], mistakes=ref.MISTAKES["numerical_gradient"])
