"""Hidden-test checks of TD 5, notebook 2: the student's ``Value`` class, graded in three cells.

Each check judges one part of the class alone (so one mistake costs one cell):

- ``Value/arithmetic`` (+, −, *, /, **) and ``Value/unary`` (exp, tanh, relu): one operation on
  fresh leaves whose ``grad`` already holds a value (as if the leaf were used elsewhere), then the
  gradient ``out.grad`` chosen by the check is sent back by the check's own traversal of the
  student's ``_prev``/``_backward`` — the student's ``backward`` is not used. Compared: ``out.data``
  and the leaves' ``grad`` (so ``grad = …`` instead of ``grad += …`` shows, as does ``a * a``).
- ``Value/backward``: expression graphs (with nodes used twice) built with the *reference* operations
  on nodes of the student's class, so every local derivative is right; only the student's
  ``backward`` runs. Compared: the leaves' ``grad``.

The parts not judged are replaced by the reference methods in a subclass of the student's class
(:func:`isolated_class`), whose methods all create nodes of that subclass.
"""
from __future__ import annotations

import types
from functools import partial

import numpy as np

from ..checking import Case, Mistake, Verdict, fmt, with_reference_helpers
from ..checking import check_against_reference as compare_to_reference
from ..reference import autodiff as ref

ARITHMETIC = ("__add__", "__mul__", "__pow__", "__sub__", "__truediv__",
              "__neg__", "__radd__", "__rmul__", "__rsub__", "__rtruediv__")
UNARY = ("exp", "tanh", "relu")
BACKWARD = ("backward",)


def isolated_class(cls, keep):
    """A subclass of ``cls`` keeping its methods named in ``keep`` and taking the reference's for the
    other graded methods; in every one of them the name ``Value`` means this subclass."""
    hybrid = type(cls.__name__, (cls,), {})
    for name in ARITHMETIC + UNARY + BACKWARD:
        method = getattr(cls, name, None) if name in keep else getattr(ref.Value, name)
        if isinstance(method, types.FunctionType):
            setattr(hybrid, name, with_reference_helpers(method, {"Value": hybrid}))
    return hybrid


def propagate(out, out_grad):
    """Send ``out_grad`` back from ``out`` with the nodes' own ``_backward``, in reverse topological
    order — the check's traversal, independent of the student's ``backward``."""
    topo = ref.topological_order(out)
    out.grad = out_grad
    for v in reversed(topo):
        v._backward()


# ------------------------------------------------------------------------------ probes
BINARY_CASES = {  # expression -> how to compute it from a, b (a Value or a number k)
    "a + b": lambda a, b: a + b, "a + k": lambda a, k: a + k, "k + a": lambda a, k: k + a,
    "a - b": lambda a, b: a - b, "a - k": lambda a, k: a - k, "k - a": lambda a, k: k - a,
    "a * b": lambda a, b: a * b, "a * k": lambda a, k: a * k, "k * a": lambda a, k: k * a,
    "a / b": lambda a, b: a / b, "a / k": lambda a, k: a / k, "k / a": lambda a, k: k / a,
    "a ** n": lambda a, n: a ** n,
    "a * a": lambda a, _: a * a, "a + a": lambda a, _: a + a,
}


def arithmetic_probe(cls, expression, x, y, grad_a, grad_b, out_grad):
    """(out.data, a.grad[, b.grad]) after one operation and the check's backward pass."""
    cls = isolated_class(cls, ARITHMETIC)
    a = cls(x)
    a.grad = grad_a
    two_values = expression in ("a + b", "a - b", "a * b", "a / b")
    other = cls(y) if two_values else y
    if two_values:
        other.grad = grad_b
    out = BINARY_CASES[expression](a, other)
    propagate(out, out_grad)
    return (out.data, a.grad, other.grad) if two_values else (out.data, a.grad)


def unary_probe(cls, function, x, grad_a, out_grad):
    """(out.data, a.grad) after ``a.<function>()`` and the check's backward pass."""
    cls = isolated_class(cls, UNARY)
    a = cls(x)
    a.grad = grad_a
    out = getattr(a, function)()
    propagate(out, out_grad)
    return out.data, a.grad


def _apply(op, u, v):
    if op == "+":
        return u + v
    if op == "-":
        return u - v
    if op == "*":
        return u * v
    if op == "/":
        return u / v
    if op == "**2":
        return u ** 2
    return getattr(u, op)()


def backward_probe(cls, program, leaves):
    """The leaves' grads after the student's ``backward`` on the graph of ``program``.

    ``program``: ((op, i, j), …), node k = op(node i, node j) numbered after the leaves; the last
    node is the output. Every operation is the reference's (right local derivatives)."""
    cls = isolated_class(cls, BACKWARD)
    nodes = [cls(v) for v in leaves]
    for op, i, j in program:
        nodes.append(_apply(op, nodes[i], nodes[j]))
    nodes[-1].backward()
    return np.array([nodes[k].grad for k in range(len(leaves))], dtype=float)


# ------------------------------------------------------------------------------ comparison
def _compare(student_cls, probe, cases, *, name, fields, mistakes):
    """``check_against_reference`` on ``probe(cls, *case)``: the student's class against the
    reference class, and against each catalogued wrong class."""
    if not isinstance(student_cls, type):
        return Verdict(False, f"`Value` doit être une classe (obtenu {type(student_cls).__name__}).")
    variants = [Mistake(m.name, m.explanation, partial(probe, m.compute)) for m in mistakes]
    return compare_to_reference(partial(probe, student_cls), partial(probe, ref.Value), cases, name=name,
                                   fields=fields, mistakes=variants)


# ------------------------------------------------------------------------------ the checks
def _nonzero(rng, low=0.5, high=2.0):
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(low, high))


def check_Value_arithmetic(student_cls, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for expression in BINARY_CASES:
        x = _nonzero(rng)
        if expression == "a ** n":
            for n in (2, 3, -1, 0.5):
                x_pos = abs(x) if n == 0.5 else x
                grad_a, out_grad = _nonzero(rng), _nonzero(rng)
                cases.append(Case(f"a ** {n} avec a = {fmt(x_pos)} ; a.grad valait {fmt(grad_a)} avant, "
                                  f"out.grad = {fmt(out_grad)}", (expression, x_pos, n, grad_a, 0.0, out_grad)))
            continue
        y, grad_a, grad_b, out_grad = _nonzero(rng), _nonzero(rng), _nonzero(rng), _nonzero(rng)
        if expression in ("a + b", "a - b", "a * b", "a / b"):
            label = (f"{expression} avec a = {fmt(x)}, b = {fmt(y)} ; a.grad = {fmt(grad_a)} et "
                     f"b.grad = {fmt(grad_b)} avant, out.grad = {fmt(out_grad)}")
        elif expression in ("a * a", "a + a"):
            label = f"{expression} avec a = {fmt(x)} ; a.grad = {fmt(grad_a)} avant, out.grad = {fmt(out_grad)}"
        else:
            label = (f"{expression} avec a = {fmt(x)}, k = {fmt(y)} (un nombre) ; a.grad = {fmt(grad_a)} avant, "
                     f"out.grad = {fmt(out_grad)}")
        cases.append(Case(label, (expression, x, y, grad_a, grad_b, out_grad)))

    def fields(case):
        return ("out.data", "a.grad", "b.grad") if case.args[0] in ("a + b", "a - b", "a * b", "a / b") \
            else ("out.data", "a.grad")
    return _compare(student_cls, arithmetic_probe, cases, name="`Value` (opérations +, −, *, /, **)",
                    fields=fields, mistakes=ref.MISTAKES["Value/arithmetic"])


def check_Value_unary(student_cls, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for function, xs in (("exp", (rng.uniform(-2, 2), rng.uniform(-2, 2))),
                         ("tanh", (rng.uniform(0.3, 2), -rng.uniform(0.3, 2))),
                         ("relu", (rng.uniform(0.2, 3), -rng.uniform(0.2, 3)))):
        for x in xs:
            grad_a, out_grad = _nonzero(rng), _nonzero(rng)
            cases.append(Case(f"a.{function}() avec a = {fmt(x)} ; a.grad valait {fmt(grad_a)} avant, "
                              f"out.grad = {fmt(out_grad)}", (function, float(x), grad_a, out_grad)))
    return _compare(student_cls, unary_probe, cases, name="`Value` (exp, tanh, relu)",
                    fields=lambda case: ("out.data", "a.grad"), mistakes=ref.MISTAKES["Value/unary"])


LEAF_NAMES = "abcdef"


def _describe(program, n_leaves):
    names = list(LEAF_NAMES[:n_leaves])
    lines = []
    for k, (op, i, j) in enumerate(program, start=1):
        name = "L" if k == len(program) else f"n{k}"
        u, v = names[i], names[j]
        lines.append(f"{name} = {u} {op} {v}" if op in "+-*/" else
                     f"{name} = {u}**2" if op == "**2" else f"{name} = {op}({u})")
        names.append(name)
    return " ; ".join(lines)


def _random_program(rng, n_leaves, n_ops):
    """A random expression graph: each new node uses a recent node, often one used before."""
    program = []
    for k in range(n_ops):
        n = n_leaves + k
        recent = int(rng.integers(max(0, n - 2), n))
        other = int(rng.integers(0, n))
        if rng.random() < 0.3:
            program.append((str(rng.choice(["tanh", "exp", "relu", "**2"])), recent, recent))
        else:
            program.append((str(rng.choice(["+", "-", "*"])), recent, other))
    n = n_leaves + n_ops
    program.append(("*", n - 1, n_leaves + int(rng.integers(0, n_ops))))  # the output reuses a node
    return tuple(program)


def check_Value_backward(student_cls, seed):
    rng = np.random.default_rng(seed)
    fixed = [
        (2, (("*", 0, 1), ("+", 2, 0))),                              # L = a*b + a: a used twice
        (2, (("*", 0, 1), ("*", 2, 2), ("+", 3, 2))),                 # c = a*b used twice: L = c*c + c
        (1, (("*", 0, 0),)),                                          # L = a * a
        (3, (("*", 0, 1), ("tanh", 3, 3), ("+", 4, 2), ("*", 5, 4))),  # a neuron-like graph
    ]
    cases = []
    for n_leaves, program in fixed + [(3, _random_program(rng, 3, int(rng.integers(4, 7)))),
                                      (4, _random_program(rng, 4, int(rng.integers(6, 9))))]:
        leaves = tuple(float(v) for v in rng.uniform(-1.5, 1.5, size=n_leaves))
        values = ", ".join(f"{LEAF_NAMES[i]} = {fmt(v)}" for i, v in enumerate(leaves))
        cases.append(Case(f"{_describe(program, n_leaves)}, avec {values}", (program, leaves)))

    def fields(case):
        return (f"les gradients des feuilles ({', '.join(LEAF_NAMES[:len(case.args[1])])})",)
    return _compare(student_cls, backward_probe, cases, name="`Value.backward`", fields=fields,
                    mistakes=ref.MISTAKES["Value/backward"])
