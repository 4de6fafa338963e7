"""Hidden-test checks of TD 5, notebook 2: the student's ``Value`` class, graded in three cells.

Each check judges one part of the class alone (so one mistake costs one cell), through a driver of
:mod:`autograde.kernel_side` that builds a small graph with the class and reads numbers back:

- ``Value/arithmetic`` (+, −, *, /, **) and ``Value/unary`` (exp, tanh, relu): one operation on
  fresh leaves whose ``grad`` already holds a value (as if the leaf were used elsewhere), then the
  gradient ``out.grad`` chosen by the check is sent back through the nodes' ``_backward`` — the
  student's ``backward`` is not used. Compared: ``out.data`` and the leaves' ``grad`` (so ``grad = …``
  instead of ``grad += …`` shows, as does ``a * a``), and ``out._prev`` as the operands' places (one
  node per operation, its operands as children in order: the graph a ``backward`` will walk).
- ``Value/backward``: expression graphs built with the *reference* operations on nodes of the student's
  class, so every local derivative is right; only the student's ``backward`` runs. Compared: the leaves'
  ``grad``. The graphs share inner nodes in every shape (a node used twice, by users at different
  depths, a diamond, a deep chain with a shortcut), and random ones are drawn until a walk that is not a
  topological order (a queue, a stack, a pre-order) gets each of them wrong.

The reference methods a check uses beside the student's are those of the cells graded before it
(arithmetic for ``unary``; arithmetic and unary for ``backward``): nothing of a later cell's answer
enters the student's kernel.
"""

from __future__ import annotations

import numpy as np

from ...checking import Case, Verdict, check_against_reference, fmt
from ...kernel_side import BINARY, TWO_NODES, value_backward
from . import solution as ref
from .mistakes import MISTAKES, WALKS, wrong_Value

ARITHMETIC = (
    "__add__",
    "__mul__",
    "__pow__",
    "__sub__",
    "__truediv__",
    "__neg__",
    "__radd__",
    "__rmul__",
    "__rsub__",
    "__rtruediv__",
)
UNARY = ("exp", "tanh", "relu")
# The methods each check grades, and the reference methods it uses beside the student's (only those
# of the cells before it: tests/unit/test_hidden_tests.py).
GRADED_METHODS = {"Value_arithmetic": ARITHMETIC, "Value_unary": UNARY, "Value_backward": ("backward",)}
CLASS_HELPERS = {"Value_unary": ARITHMETIC, "Value_backward": ARITHMETIC + UNARY}


def _reference_methods(check_name):
    return {name: getattr(ref.Value, name) for name in CLASS_HELPERS[check_name]}


def _compare(student, driver, helpers, cases, *, name, fields, mistakes):
    """``check_against_reference`` of the student's class through ``driver``, against the reference
    class and each catalogued wrong class."""
    if student.kind != "class":
        return Verdict(False, f"`Value` doit être une classe (obtenu {student.type}).")
    return check_against_reference(
        student, ref.Value, cases, name=name, fields=fields, mistakes=mistakes, driver=driver, helpers=helpers
    )


# ------------------------------------------------------------------------------ the checks
def _nonzero(rng, low=0.5, high=2.0):
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(low, high))


# The children of the node an operation made, by operand: one node per operation, whose _prev holds its
# operands in order (the notebook's rule); a backward walks them, sending gradients in creation order does not.
CHILDREN = (
    "out._prev (une opération crée un seul nœud, dont les enfants sont ses opérandes dans l'ordre : "
    "0 = a, 1 = b, −1 = un autre nœud, comme Value(k) pour un nombre k)"
)


def check_Value_arithmetic(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    for expression in BINARY:
        x = _nonzero(rng)
        if expression == "a ** n":
            for n in (2, 3, -1, 0.5):
                x_pos = abs(x) if n == 0.5 else x
                grad_a, out_grad = _nonzero(rng), _nonzero(rng)
                cases.append(
                    Case(
                        f"a ** {n} avec a = {fmt(x_pos)} ; a.grad valait {fmt(grad_a)} avant, "
                        f"out.grad = {fmt(out_grad)}",
                        (expression, x_pos, n, grad_a, 0.0, out_grad),
                    )
                )
            continue
        y, grad_a, grad_b, out_grad = _nonzero(rng), _nonzero(rng), _nonzero(rng), _nonzero(rng)
        if expression in TWO_NODES:
            label = (
                f"{expression} avec a = {fmt(x)}, b = {fmt(y)} ; a.grad = {fmt(grad_a)} et "
                f"b.grad = {fmt(grad_b)} avant, out.grad = {fmt(out_grad)}"
            )
        elif expression in ("a * a", "a + a", "- a"):
            label = f"{expression} avec a = {fmt(x)} ; a.grad = {fmt(grad_a)} avant, out.grad = {fmt(out_grad)}"
        else:
            label = (
                f"{expression} avec a = {fmt(x)}, k = {fmt(y)} (un nombre) ; a.grad = {fmt(grad_a)} avant, "
                f"out.grad = {fmt(out_grad)}"
            )
        cases.append(Case(label, (expression, x, y, grad_a, grad_b, out_grad)))

    def fields(case):
        return (
            ("out.data", "a.grad", "b.grad", CHILDREN)
            if case.args[0] in TWO_NODES
            else ("out.data", "a.grad", CHILDREN)
        )

    return _compare(
        student,
        "value_binary",
        None,
        cases,
        name="`Value` (opérations +, −, *, /, **)",
        fields=fields,
        mistakes=MISTAKES["Value/arithmetic"],
    )


def check_Value_unary(student, seed):
    rng = np.random.default_rng(seed)
    cases = []
    # relu: each side of 0 and of ±1 (a threshold moved to 1 or −1 shows), and 0 itself, where the
    # notebook fixes the derivative to 0
    for function, xs in (
        ("exp", (rng.uniform(-2, 2), rng.uniform(-2, 2))),
        ("tanh", (rng.uniform(0.3, 2), -rng.uniform(0.3, 2))),
        ("relu", (rng.uniform(0.2, 0.9), rng.uniform(1.2, 3), -rng.uniform(0.2, 0.9), -rng.uniform(1.2, 3), 0.0)),
    ):
        for x in xs:
            grad_a, out_grad = _nonzero(rng), _nonzero(rng)
            cases.append(
                Case(
                    f"a.{function}() avec a = {fmt(x)} ; a.grad valait {fmt(grad_a)} avant, out.grad = {fmt(out_grad)}",
                    (function, float(x), grad_a, out_grad),
                )
            )
    return _compare(
        student,
        "value_unary",
        _reference_methods("Value_unary"),
        cases,
        name="`Value` (exp, tanh, relu)",
        fields=lambda case: ("out.data", "a.grad", CHILDREN),
        mistakes=MISTAKES["Value/unary"],
    )


LEAF_NAMES = "abcdef"


def _describe(program, n_leaves):
    names = list(LEAF_NAMES[:n_leaves])
    lines = []
    for k, (op, i, j) in enumerate(program, start=1):
        name = "L" if k == len(program) else f"n{k}"
        u, v = names[i], names[j]
        lines.append(
            f"{name} = {u} {op} {v}" if op in "+-*/" else f"{name} = {u}**2" if op == "**2" else f"{name} = {op}({u})"
        )
        names.append(name)
    return " ; ".join(lines)


# Graphs whose inner nodes are shared in the shapes a walk that is not a topological sort gets wrong:
# (leaves, program, what is shared). Node k of a program is numbered after the leaves.
SHAPES = (
    (2, (("*", 0, 1), ("+", 2, 0)), "a utilisé deux fois"),
    (1, (("*", 0, 0),), "a * a"),
    (2, (("*", 0, 1), ("*", 2, 2), ("+", 3, 2)), "n1 utilisé par n2 (deux fois) et par L"),
    # n1 is the output's first operand and also under its second: a queue or a pre-order reaches it
    # before n2 has passed it its gradient.
    (2, (("*", 0, 1), ("tanh", 2, 2), ("*", 2, 3)), "n1 utilisé par L directement et à travers n2"),
    # a deep chain and a shortcut from its bottom to the output, as the output's second operand: a
    # stack takes n1 first.
    (
        3,
        (("*", 0, 1), ("tanh", 3, 3), ("*", 4, 2), ("exp", 5, 5), ("-", 6, 4), ("tanh", 7, 7), ("+", 8, 3)),
        "une longue chaîne partant de n1, et n1 utilisé aussi directement par L",
    ),
    (3, (("*", 0, 1), ("tanh", 3, 3), ("+", 4, 2), ("*", 5, 4)), "un neurone : n2 utilisé par n3 et par L"),
    (
        3,
        (("-", 0, 1), ("tanh", 3, 3), ("*", 3, 2), ("+", 4, 5)),
        "un losange : n1 utilisé par n2 et n3, tous deux par L",
    ),
)
UNARY_OPS = ("tanh", "tanh", "exp", "**2", "relu")
BINARY_OPS = ("+", "-", "*")


def _random_dag(rng, n_leaves, n_ops):
    """A random expression graph: chains (a node built on the one just before), nodes shared by users
    at different depths (an operand drawn among the nodes already used), each node used at least once
    (the nodes left unused are added to the output)."""
    program, used = [], set()
    for k in range(n_ops):
        n = n_leaves + k
        first = n - 1 if rng.random() < 0.6 else int(rng.integers(0, n))
        if rng.random() < 0.3:
            program.append((str(rng.choice(UNARY_OPS)), first, first))
            used.add(first)
            continue
        shared = sorted(used - {first})
        second = int(rng.choice(shared)) if shared and rng.random() < 0.6 else int(rng.integers(0, n))
        i, j = (first, second) if rng.random() < 0.5 else (second, first)
        program.append((str(rng.choice(BINARY_OPS)), i, j))
        used |= {i, j}
    last = n_leaves + n_ops - 1
    for node in range(n_leaves, last):
        if node not in used:
            program.append((str(rng.choice(("+", "*"))), *((last, node) if rng.random() < 0.5 else (node, last))))
            last += 1
    return tuple(program)


def _leaf_gradients(cls, program, leaves):
    return value_backward(cls, None, program, leaves)


def _tells_apart(program, leaves, walks):
    """The walks (classes) whose leaf gradients differ from the reference's by far more than the
    check's tolerance on this graph, or None when the graph's values are not moderate."""
    try:
        right = _leaf_gradients(ref.Value, program, leaves)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    if not np.all(np.isfinite(right)) or np.max(np.abs(right)) > 1e6:
        return None
    return {
        walk
        for walk, cls in walks.items()
        if not np.allclose(_leaf_gradients(cls, program, leaves), right, rtol=1e-3, atol=1e-3)
    }


WALK_CLASSES = {walk: wrong_Value(walk=walk) for walk in WALKS}


def _random_cases(rng, count):
    """``count`` random graphs, each one redrawn until every walk of ``WALK_CLASSES`` (a queue, a stack,
    a pre-order…) gets its leaves' gradients wrong on it."""
    drawn = []
    for _ in range(count):
        for _attempt in range(200):
            n_leaves = int(rng.integers(2, 5))
            program = _random_dag(rng, n_leaves, int(rng.integers(5, 10)))
            leaves = tuple(float(v) for v in rng.uniform(-1.5, 1.5, size=n_leaves))
            if _tells_apart(program, leaves, WALK_CLASSES) == set(WALKS):
                break
        drawn.append((n_leaves, program, leaves, "un graphe tiré au hasard"))
    return drawn


def check_Value_backward(student, seed):
    rng = np.random.default_rng(seed)
    graphs = [
        (n_leaves, program, tuple(float(v) for v in rng.uniform(-1.5, 1.5, size=n_leaves)), shape)
        for n_leaves, program, shape in SHAPES
    ]
    cases = []
    for n_leaves, program, leaves, shape in graphs + _random_cases(rng, 3):
        values = ", ".join(f"{LEAF_NAMES[i]} = {fmt(v)}" for i, v in enumerate(leaves))
        cases.append(Case(f"{shape} : {_describe(program, n_leaves)}, avec {values}", (program, leaves)))

    def fields(case):
        return (f"les gradients des feuilles ({', '.join(LEAF_NAMES[: len(case.args[1])])})",)

    return _compare(
        student,
        "value_backward",
        _reference_methods("Value_backward"),
        cases,
        name="`Value.backward`",
        fields=fields,
        mistakes=MISTAKES["Value/backward"],
    )
