"""TD 5: the reference autograd agrees with finite differences and the hand derivatives, the forward
difference errs by the order of h, and the three checks of `Value` judge each part of the class on its own."""
import math

import numpy as np
import pytest

from autograde import run_check
from autograde.kernel_side import _apply, value_backward
from autograde.td5.autograd import checks
from autograde.td5.autograd import solution as ref
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
    assert graph.forward_difference(lambda M: float(np.sum(M ** 2)), W, 1e-3).shape == (2, 3)
    assert np.array_equal(W, np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("seed", range(4))
def test_reference_backward_matches_finite_differences_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    program = checks._random_program(rng, 3, 7)
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


class _TanhFromExp(_WrongArithmetic):
    """A correct tanh written with exp and the (here wrong) arithmetic: judged with the reference's."""

    def tanh(self):
        e = (2 * self).exp()
        return (e - 1) / (e + 1)


def test_each_part_of_value_is_judged_alone():
    assert not run_check("td5.autograd.Value/arithmetic", _TanhFromExp, seed=0).passed
    for aspect in ("unary", "backward"):
        verdict = run_check(f"td5.autograd.Value/{aspect}", _TanhFromExp, seed=0)
        assert verdict.passed, verdict.message


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
