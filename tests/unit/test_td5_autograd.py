"""TD 5: the reference autograd agrees with finite differences and the hand derivatives, the forward
difference errs by the order of h, and the three checks of `Value` judge each part of the class on its own."""

import math

import numpy as np
import pytest

from autograde import run_check
from autograde.kernel_side import _apply, value_backward
from autograde.td5.autograd import checks
from autograde.td5.autograd import solution as ref
from autograde.td5.autograd.solution import Value  # the name a student's methods use: drivers rebind it
from autograde.td5.graphe_de_calcul import checks as checks_gd
from autograde.td5.graphe_de_calcul import solution as graph


def test_hand_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.normal(size=4)
        assert np.allclose(graph.hand_gradients(*p), graph.numerical_gradient(graph.loss_of, p), rtol=1e-7)
    assert graph.hand_gradients(**graph.EXAMPLE) == (7.5, 2.5, 10.0, -5.0)


def test_forward_difference_errs_by_the_order_of_h_and_keeps_the_shape_of_theta():
    theta = np.array([graph.EXAMPLE[name] for name in ("w1", "w2", "x", "y")])
    exact = np.array(graph.hand_gradients(*theta))
    for h in (1e-2, 1e-3):
        # L is quadratic in each variable: the forward difference errs by exactly h·∂²L/∂θᵢ²/2
        second = 2 * np.array([theta[2], theta[3], theta[0], theta[1]]) ** 2
        assert np.allclose(graph.forward_difference(graph.loss_of, theta, h) - exact, h * second / 2, rtol=1e-6)
        assert np.allclose(graph.numerical_gradient(graph.loss_of, theta, h), exact, rtol=1e-9)
    W = np.arange(6.0).reshape(2, 3)
    assert graph.forward_difference(lambda M: float(np.sum(M**2)), W, 1e-3).shape == (2, 3)
    assert np.array_equal(W, np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("seed", range(4))
def test_reference_backward_matches_finite_differences_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    program = checks._random_dag(rng, 3, 7)
    leaves = rng.uniform(-1, 1, size=3)

    def output(values):
        nodes = [ref.Value(v) for v in values]
        for op, i, j in program:
            nodes.append(_apply(op, nodes[i], nodes[j]))
        return nodes[-1].data

    grads = value_backward(ref.Value, None, program, tuple(leaves))
    assert np.allclose(grads, graph.numerical_gradient(output, leaves, 1e-6), rtol=1e-5, atol=1e-7)


def test_autograd_of_the_sheet_expression_is_the_hand_derivation():
    w1, w2, x, y = (ref.Value(v) for v in graph.EXAMPLE.values())
    loss = (w1 * x + w2 * y) ** 2
    loss.backward()
    assert (w1.grad, w2.grad, x.grad, y.grad) == graph.hand_gradients(**graph.EXAMPLE)


class _WrongArithmetic(ref.Value):
    def __mul__(self, other):
        other = other if isinstance(other, ref.Value) else ref.Value(other)
        out = ref.Value(self.data * other.data + 1.0, (self, other), "*")
        return out


class _TanhFromExp(ref.Value):
    """tanh written with exp and the arithmetic: right values, but several nodes where the notebook asks for one."""

    def tanh(self):
        e = (2 * self).exp()
        return (e - 1) / (e + 1)


def test_each_part_of_value_is_judged_alone():
    assert not run_check("td5.autograd.Value/arithmetic", _WrongArithmetic, seed=0).passed
    for aspect in ("unary", "backward"):
        verdict = run_check(f"td5.autograd.Value/{aspect}", _WrongArithmetic, seed=0)
        assert verdict.passed, verdict.message


def test_an_operation_must_make_one_node_whose_children_are_its_operands():
    verdict = run_check("td5.autograd.Value/unary", _TanhFromExp, seed=0)
    assert not verdict.passed and "out._prev (une opération crée un seul nœud" in verdict.message, verdict.message

    class SwappedChildren(ref.Value):
        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (other, self), "*")

            def _backward():
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad

            out._backward = _backward
            return out

    class NoChildren(ref.Value):
        def __sub__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data - other.data)

            def _backward():
                self.grad += out.grad
                other.grad -= out.grad

            out._backward = _backward
            return out

    for wrong in (SwappedChildren, NoChildren):
        verdict = run_check("td5.autograd.Value/arithmetic", wrong, seed=0)
        assert not verdict.passed and "out._prev" in verdict.message, verdict.message


def test_unknown_mistake_shows_the_case_and_the_field():
    class NoVisitedSet(ref.Value):
        def backward(self):
            topo = []

            def build(v):
                for child in v._prev:
                    build(child)
                topo.append(v)

            build(self)
            self.grad = 1.0
            for v in reversed(topo):
                v._backward()

    verdict = run_check("td5.autograd.Value/backward", NoVisitedSet, seed=0)
    assert not verdict.passed and verdict.mistake is None
    assert verdict.message.startswith("`Value.backward` est incorrecte — cas ")
    assert "les gradients des feuilles" in verdict.message and "attendu" in verdict.message


def test_a_crash_names_the_exception():
    class Crashing(ref.Value):
        def exp(self):
            return ref.Value(math.exp(self.data), (self,), "exp", "e", "extra")

    verdict = run_check("td5.autograd.Value/unary", Crashing, seed=0)
    assert verdict.message.startswith("`Value` (exp, tanh, relu) a levé TypeError")


# ------------------------------------------------------------ backward: the order of the walk matters
class _Walk(ref.Value):
    """A backward that sets dL/dL = 1 and calls each node's _backward once, in the order of ``order``."""

    def backward(self):
        self.grad = 1.0
        for v in self.order():
            v._backward()


class BreadthFirst(_Walk):
    def order(self):
        from collections import deque

        queue, seen, order = deque([self]), {id(self)}, []
        while queue:
            v = queue.popleft()
            order.append(v)
            for child in v._prev:
                if id(child) not in seen:
                    seen.add(id(child))
                    queue.append(child)
        return order


class PreorderDepthFirst(_Walk):
    def order(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                order.append(v)  # before its children: a parent is not yet complete when its child runs
                for child in v._prev:
                    visit(child)

        visit(self)
        return order


_created = []


class ReverseCreationOrder(ref.Value):
    """Right: a node is created after its operands, so creation order is a topological order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rank = len(_created)
        _created.append(self)

    def backward(self):
        nodes, stack = {}, [self]
        while stack:
            v = stack.pop()
            if id(v) not in nodes:
                nodes[id(v)] = v
                stack.extend(v._prev)
        self.grad = 1.0
        for v in sorted(nodes.values(), key=lambda node: node._rank, reverse=True):
            v._backward()


class IterativeTopologicalSort(ref.Value):
    def backward(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            v, children_done = stack.pop()
            if children_done:
                topo.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class Kahn(ref.Value):
    """Right: a node runs once every node that uses it has run (its count of users down to 0)."""

    def backward(self):
        users, stack, seen = {}, [self], {id(self)}
        while stack:
            v = stack.pop()
            for child in v._prev:
                users[id(child)] = users.get(id(child), 0) + 1
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)
        self.grad = 1.0
        ready = [self]
        while ready:
            v = ready.pop()
            v._backward()
            for child in v._prev:
                users[id(child)] -= 1
                if users[id(child)] == 0:
                    ready.append(child)


class RecursiveNoSet(ref.Value):
    """Right: a topological sort whose visited nodes are kept in a list."""

    def backward(self):
        topo = []

        def build(v):
            if all(v is not seen for seen in topo):
                for child in v._prev:
                    build(child)
                if all(v is not seen for seen in topo):
                    topo.append(v)

        build(self)
        self.grad = 1.0
        for v in topo[::-1]:
            v._backward()


@pytest.mark.parametrize("walk", [BreadthFirst, PreorderDepthFirst])
@pytest.mark.parametrize("seed", range(3))
def test_a_walk_that_is_not_a_topological_order_fails(walk, seed):
    verdict = run_check("td5.autograd.Value/backward", walk, seed=seed)
    assert not verdict.passed, verdict.message
    if walk is BreadthFirst:  # the catalogued walk, named; another is shown the case and the leaves' gradients
        assert verdict.mistake == "autograd.Value/backward_breadth_first", verdict.message
    else:
        assert verdict.mistake is None and "les gradients des feuilles" in verdict.message, verdict.message


@pytest.mark.parametrize("right", [ref.Value, ReverseCreationOrder, IterativeTopologicalSort, Kahn, RecursiveNoSet])
@pytest.mark.parametrize("seed", range(3))
def test_every_topological_order_passes(right, seed):
    verdict = run_check("td5.autograd.Value/backward", right, seed=seed)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("seed", range(20))
def test_each_random_graph_alone_catches_every_walk_that_is_not_topological(seed):
    """The random graphs are drawn until a queue, a stack and a pre-order all get them wrong: the draw
    succeeds well before its limit, and the graphs hold shared inner nodes (not only shared leaves)."""
    rng = np.random.default_rng(seed)
    for n_leaves, program, leaves, _ in checks._random_cases(rng, 3):
        assert checks._tells_apart(program, leaves, checks.WALK_CLASSES) == set(checks.WALKS)
        operands = [k for op, i, j in program for k in {i, j}]
        assert any(operands.count(node) > 1 for node in range(n_leaves, n_leaves + len(program))), program


@pytest.mark.parametrize("walk", sorted(checks.WALKS))
def test_each_fixed_shape_set_catches_every_walk(walk):
    """Even without the random graphs, the fixed shapes catch every walk (the random ones add variety)."""
    caught = [
        checks._tells_apart(program, tuple(np.linspace(-1.2, 1.3, n_leaves)), {walk: checks.WALK_CLASSES[walk]})
        for n_leaves, program, _ in checks.SHAPES
    ]
    assert any(caught), walk


def test_forward_difference_that_ignores_h_fails_far_above_the_tolerance():
    from autograde.td5.graphe_de_calcul.mistakes import wrong_forward_difference

    right = wrong_forward_difference()

    def default_step(f, theta, h=graph.H):
        return right(f, theta)

    verdict = run_check("td5.graphe_de_calcul.forward_difference", default_step, seed=0)
    assert not verdict.passed and "h = 1e-2" in verdict.message, verdict.message
    # The error of a forward difference is of order h: with h = 1e-2, far above rtol = 1e-6.
    theta = np.array([0.3, -0.7, 1.1])
    gap = np.abs(right(checks_gd.PRODUCT_CHAIN, theta, 1e-2) - right(checks_gd.PRODUCT_CHAIN, theta))
    assert np.max(gap) > 1e-3


# A correct Value whose nodes are made by a static helper and whose operands are wrapped by a class
# method (a refactoring a student may write): the grader's hybrid class must rebind those too.
STATIC_HELPER_VALUE = """
class Value:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data); self.grad = 0.0; self._backward = lambda: None
        self._prev = tuple(_children); self._op = _op; self.label = label
    @staticmethod
    def _node(data, children, op, local_grads):
        out = Value(data, children, op)
        def _backward():
            for c, g in zip(children, local_grads):
                c.grad += g * out.grad
        out._backward = _backward
        return out
    @classmethod
    def _wrap(cls, x):
        return x if isinstance(x, Value) else Value(x)
    def __add__(self, other):
        other = Value._wrap(other); return Value._node(self.data + other.data, (self, other), "+", (1.0, 1.0))
    def __mul__(self, other):
        other = Value._wrap(other); return Value._node(self.data * other.data, (self, other), "*", (other.data, self.data))
    def __pow__(self, n):
        return Value._node(self.data ** n, (self,), f"**{n}", (n * self.data ** (n - 1),))
    def __sub__(self, other):
        other = Value._wrap(other); return Value._node(self.data - other.data, (self, other), "-", (1.0, -1.0))
    def __truediv__(self, other):
        other = Value._wrap(other)
        return Value._node(self.data / other.data, (self, other), "/", (1 / other.data, -self.data / other.data ** 2))
    def __radd__(self, other): return self + other
    def __rmul__(self, other): return self * other
    def __rsub__(self, other): return Value(other) - self
    def __rtruediv__(self, other): return Value(other) / self
    def __neg__(self): return self * -1
    def exp(self):
        e = math.exp(self.data); return Value._node(e, (self,), "exp", (e,))
    def tanh(self):
        t = math.tanh(self.data); return Value._node(t, (self,), "tanh", (1 - t * t,))
    def relu(self):
        return Value._node(max(0.0, self.data), (self,), "relu", (1.0 if self.data > 0 else 0.0,))
    def backward(self):
        topo, seen = [], set()
        def build(v):
            if id(v) not in seen:
                seen.add(id(v))
                for c in v._prev: build(c)
                topo.append(v)
        build(self); self.grad = 1.0
        for v in reversed(topo): v._backward()
"""


@pytest.mark.parametrize("aspect", ["arithmetic", "unary", "backward"])
def test_a_value_built_through_static_and_class_methods_keeps_its_points(aspect):
    namespace = {"math": math, "__name__": "student_notebook"}
    exec(STATIC_HELPER_VALUE, namespace)
    verdict = run_check(f"td5.autograd.Value/{aspect}", namespace["Value"])
    assert verdict.passed, verdict.message
