"""Hidden-test checks of TD 5, notebook 2: the student's ``Value`` class, graded in three cells.

Each check judges one part of the class alone (so one mistake costs one cell), through a driver of
:mod:`autograde.kernel_side` that builds a small graph with the class and reads numbers back:

- ``Value/arithmetic`` (+, −, *, /, **) and ``Value/unary`` (exp, tanh, relu): one operation on
  fresh leaves whose ``grad`` already holds a value (as if the leaf were used elsewhere), then the
  gradient ``out.grad`` chosen by the check is sent back through the nodes' ``_backward`` — the
  student's ``backward`` is not used. Compared: ``out.data`` and the leaves' ``grad`` (so ``grad = …``
  instead of ``grad += …`` shows, as does ``a * a``).
- ``Value/backward``: expression graphs (with nodes used twice) built with the *reference* operations
  on nodes of the student's class, so every local derivative is right; only the student's
  ``backward`` runs. Compared: the leaves' ``grad``.

The reference methods a check uses beside the student's are those of the cells graded before it
(arithmetic for ``unary``; arithmetic and unary for ``backward``): nothing of a later cell's answer
enters the student's kernel.
"""
from __future__ import annotations

import numpy as np

from ...checking import Case, Verdict, fmt
from ...checking import check_against_reference as compare_to_reference
from ...kernel_side import BINARY, TWO_NODES
from . import solution as ref
from .mistakes import MISTAKES

ARITHMETIC = ("__add__", "__mul__", "__pow__", "__sub__", "__truediv__",
              "__neg__", "__radd__", "__rmul__", "__rsub__", "__rtruediv__")
UNARY = ("exp", "tanh", "relu")
# The methods each check grades, and the reference methods it uses beside the student's (only those
# of the cells before it: tests/test_hidden_tests.py).
GRADED_METHODS = {"Value_arithmetic": ARITHMETIC, "Value_unary": UNARY, "Value_backward": ("backward",)}
CLASS_HELPERS = {"Value_unary": ARITHMETIC, "Value_backward": ARITHMETIC + UNARY}


def _reference_methods(check_name):
    return {name: getattr(ref.Value, name) for name in CLASS_HELPERS[check_name]}


def _compare(student, driver, helpers, cases, *, name, fields, mistakes):
    """``check_against_reference`` of the student's class through ``driver``, against the reference
    class and each catalogued wrong class."""
    if student.kind != "class":
        return Verdict(False, f"`Value` doit être une classe (obtenu {student.type}).")
    return compare_to_reference(student, ref.Value, cases, name=name, fields=fields, mistakes=mistakes,
                                driver=driver, helpers=helpers)


# ------------------------------------------------------------------------------ the checks
def _nonzero(rng, low=0.5, high=2.0):
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(low, high))


def check_Value_arithmetic(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for expression in BINARY:
        x = _nonzero(rng)
        if expression == "a ** n":
            for n in (2, 3, -1, 0.5):
                x_pos = abs(x) if n == 0.5 else x
                grad_a, out_grad = _nonzero(rng), _nonzero(rng)
                cases.append(Case(f"a ** {n} avec a = {fmt(x_pos)} ; a.grad valait {fmt(grad_a)} avant, "
                                  f"out.grad = {fmt(out_grad)}", (expression, x_pos, n, grad_a, 0.0, out_grad)))
            continue
        y, grad_a, grad_b, out_grad = _nonzero(rng), _nonzero(rng), _nonzero(rng), _nonzero(rng)
        if expression in TWO_NODES:
            label = (f"{expression} avec a = {fmt(x)}, b = {fmt(y)} ; a.grad = {fmt(grad_a)} et "
                     f"b.grad = {fmt(grad_b)} avant, out.grad = {fmt(out_grad)}")
        elif expression in ("a * a", "a + a"):
            label = f"{expression} avec a = {fmt(x)} ; a.grad = {fmt(grad_a)} avant, out.grad = {fmt(out_grad)}"
        else:
            label = (f"{expression} avec a = {fmt(x)}, k = {fmt(y)} (un nombre) ; a.grad = {fmt(grad_a)} avant, "
                     f"out.grad = {fmt(out_grad)}")
        cases.append(Case(label, (expression, x, y, grad_a, grad_b, out_grad)))

    def fields(case):
        return ("out.data", "a.grad", "b.grad") if case.args[0] in TWO_NODES else ("out.data", "a.grad")
    return _compare(student, "value_binary", None, cases, name="`Value` (opérations +, −, *, /, **)",
                    fields=fields, mistakes=MISTAKES["Value/arithmetic"])


def check_Value_unary(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for function, xs in (("exp", (rng.uniform(-2, 2), rng.uniform(-2, 2))),
                         ("tanh", (rng.uniform(0.3, 2), -rng.uniform(0.3, 2))),
                         ("relu", (rng.uniform(0.2, 3), -rng.uniform(0.2, 3)))):
        for x in xs:
            grad_a, out_grad = _nonzero(rng), _nonzero(rng)
            cases.append(Case(f"a.{function}() avec a = {fmt(x)} ; a.grad valait {fmt(grad_a)} avant, "
                              f"out.grad = {fmt(out_grad)}", (function, float(x), grad_a, out_grad)))
    return _compare(student, "value_unary", _reference_methods("Value_unary"), cases, name="`Value` (exp, tanh, relu)",
                    fields=lambda case: ("out.data", "a.grad"), mistakes=MISTAKES["Value/unary"])


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


def check_Value_backward(student, seed):
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
    return _compare(student, "value_backward", _reference_methods("Value_backward"), cases,
                    name="`Value.backward`", fields=fields, mistakes=MISTAKES["Value/backward"])
