"""Known wrong variants of the class `Value` of TD 5, notebook 2 (02_autograd), each named
`autograd.Value/<what>` and filed under the graded cell of the part of the class where it is
(``Value/arithmetic``, ``Value/unary``, ``Value/backward``): the hidden tests recognise them to name the
mistake in the feedback."""

import math

from ...checking import Mistake
from .solution import Value

ARITHMETIC_FLAGS = ("grad_overwritten", "mul_grads_swapped", "pow_exponent_not_lowered", "sub_grad_sign")
UNARY_FLAGS = ("tanh_derivative", "relu_passes_negative", "exp_not_chained")
BACKWARD_FLAGS = ("backward_no_topological_sort", "backward_output_grad_not_one", "backward_not_reversed")
# Walks of the graph that call each node's _backward once, but not in a reverse topological order: a node
# may pass its gradient on before every node that uses it has passed it theirs. The random graphs of
# checks.check_Value_backward are drawn until each of them fails on every one; the queue of a breadth-first
# walk, the most frequent, is catalogued.
WALKS = ("breadth_first", "breadth_first_mark_on_pop", "preorder", "stack")


def wrong_Value(**flags):
    """A `Value` class making the chosen mistakes (the flags above); without flags, a right one.

    Its nodes are made with the name ``Value``: in a check's driver that name means the class judged
    (autograde/kernel_side.py, ``hybrid_class``), so that a graph is made of nodes of the one class.
    """
    walk = flags.pop("walk", None)
    unknown = set(flags) - {*ARITHMETIC_FLAGS, *UNARY_FLAGS, *BACKWARD_FLAGS}
    if unknown or walk not in (None, *WALKS):
        raise TypeError(f"wrong_Value: unknown flags {sorted(unknown)} or walk {walk!r}")
    wrong = {name: bool(flags.get(name)) for name in (*ARITHMETIC_FLAGS, *UNARY_FLAGS, *BACKWARD_FLAGS)}

    def send(child, gradient):
        """What the student's binary operations (all but the worked +) do with a child's gradient."""
        if wrong["grad_overwritten"]:
            child.grad = gradient
        else:
            child.grad += gradient

    class WrongValue(Value):
        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")
            # each factor's local derivative is the other factor
            d_self, d_other = (self.data, other.data) if wrong["mul_grads_swapped"] else (other.data, self.data)

            def _backward():
                send(self, d_self * out.grad)
                send(other, d_other * out.grad)

            out._backward = _backward
            return out

        def __pow__(self, n):
            out = Value(self.data**n, (self,), f"**{n}")
            exponent = n if wrong["pow_exponent_not_lowered"] else n - 1

            def _backward():
                send(self, n * self.data**exponent * out.grad)

            out._backward = _backward
            return out

        def __sub__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data - other.data, (self, other), "-")
            sign = 1.0 if wrong["sub_grad_sign"] else -1.0

            def _backward():
                send(self, out.grad)
                send(other, sign * out.grad)

            out._backward = _backward
            return out

        def __truediv__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data / other.data, (self, other), "/")

            def _backward():
                send(self, out.grad / other.data)
                send(other, -self.data / other.data**2 * out.grad)

            out._backward = _backward
            return out

        def exp(self):
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward():
                self.grad += out.data if wrong["exp_not_chained"] else out.data * out.grad

            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")
            local = 1 - t if wrong["tanh_derivative"] else 1 - t**2

            def _backward():
                self.grad += local * out.grad

            out._backward = _backward
            return out

        def relu(self):
            out = Value(max(0.0, self.data), (self,), "relu")
            local = 1.0 if wrong["relu_passes_negative"] or self.data > 0 else 0.0

            def _backward():
                self.grad += local * out.grad

            out._backward = _backward
            return out

        def backward(self):
            if walk is not None:
                self.grad = 1.0
                for v in _walk(self, walk):
                    v._backward()
                return
            if wrong["backward_no_topological_sort"]:
                # depth first from the output, each node passing its gradient on as soon as it is met
                self.grad = 1.0

                def propagate(v):
                    v._backward()
                    for child in v._prev:
                        propagate(child)

                propagate(self)
                return
            topo, visited = [], set()

            def build(v):
                if id(v) not in visited:
                    visited.add(id(v))
                    for child in v._prev:
                        build(child)
                    topo.append(v)

            build(self)
            if not wrong["backward_output_grad_not_one"]:
                self.grad = 1.0
            for v in topo if wrong["backward_not_reversed"] else reversed(topo):
                v._backward()

    WrongValue.__name__ = WrongValue.__qualname__ = "Value"
    return WrongValue


def _walk(output, walk):
    """The nodes of output's graph, each once, in the order of a walk that is not a topological sort:
    ``breadth_first`` (a queue, a node marked when queued), ``breadth_first_mark_on_pop`` (marked when
    taken out of the queue), ``preorder`` (recursive depth first, a node listed before its children) or
    ``stack`` (a stack in place of the queue)."""
    order, seen = [], set()
    if walk == "preorder":

        def visit(v):
            seen.add(id(v))
            order.append(v)
            for child in v._prev:
                if id(child) not in seen:
                    visit(child)

        visit(output)
        return order
    mark_on_pop = walk == "breadth_first_mark_on_pop"
    pending = [output]
    if not mark_on_pop:
        seen.add(id(output))
    while pending:
        v = pending.pop() if walk == "stack" else pending.pop(0)
        if mark_on_pop:
            if id(v) in seen:
                continue
            seen.add(id(v))
        order.append(v)
        for child in v._prev:
            if mark_on_pop:
                pending.append(child)
            elif id(child) not in seen:
                seen.add(id(child))
                pending.append(child)
    return order


def _catalogue():
    chain = "Rappel : chaque _backward ajoute (dérivée locale) × out.grad au grad de chaque entrée."
    return {
        "Value/arithmetic": [
            Mistake(
                "autograd.Value/grad_overwritten",
                "dans les _backward, le gradient est écrasé (grad = …) au lieu "
                "d'être accumulé (grad += …), comme dans l'exemple de + : un nœud utilisé deux fois "
                "(a * a, ou a dans deux branches du graphe) perd une des contributions. " + chain,
                wrong_Value(grad_overwritten=True),
            ),
            Mistake(
                "autograd.Value/mul_grads_swapped",
                "dans a * b, chaque facteur reçoit sa propre valeur : "
                "∂(a·b)/∂a = b et ∂(a·b)/∂b = a (l'autre facteur), donc a.grad += b.data * out.grad. " + chain,
                wrong_Value(mul_grads_swapped=True),
            ),
            Mistake(
                "autograd.Value/pow_exponent_not_lowered",
                "la dérivée de xⁿ est n·xⁿ⁻¹ : l'exposant doit diminuer de 1 (n·xⁿ a été écrit). " + chain,
                wrong_Value(pow_exponent_not_lowered=True),
            ),
            Mistake(
                "autograd.Value/sub_grad_sign",
                "dans a − b, b doit recevoir −out.grad : ∂(a − b)/∂b = −1. " + chain,
                wrong_Value(sub_grad_sign=True),
            ),
        ],
        "Value/unary": [
            Mistake(
                "autograd.Value/tanh_derivative",
                "la dérivée de tanh est 1 − tanh²(x), pas 1 − tanh(x). " + chain,
                wrong_Value(tanh_derivative=True),
            ),
            Mistake(
                "autograd.Value/relu_passes_negative",
                "relu transmet le gradient même quand x ≤ 0 ; sa dérivée vaut 1 si x > 0 et 0 sinon. " + chain,
                wrong_Value(relu_passes_negative=True),
            ),
            Mistake(
                "autograd.Value/exp_not_chained",
                "dans exp, la dérivée locale e^x n'est pas multipliée par out.grad (règle de la chaîne). " + chain,
                wrong_Value(exp_not_chained=True),
            ),
        ],
        "Value/backward": [
            Mistake(
                "autograd.Value/backward_no_topological_sort",
                "backward parcourt le graphe en profondeur "
                "depuis la sortie sans tri topologique : un nœud utilisé plusieurs fois transmet son gradient "
                "avant d'avoir tout reçu, et plusieurs fois. Il faut d'abord trier les nœuds (chaque nœud après "
                "ses enfants), puis appeler _backward une seule fois par nœud, dans l'ordre inverse.",
                wrong_Value(backward_no_topological_sort=True),
            ),
            Mistake(
                "autograd.Value/backward_output_grad_not_one",
                "backward ne fixe pas le gradient de la sortie : "
                "dL/dL = 1 (self.grad = 1.0) avant de remonter le graphe ; sinon tous les gradients "
                "restent nuls.",
                wrong_Value(backward_output_grad_not_one=True),
            ),
            Mistake(
                "autograd.Value/backward_not_reversed",
                "backward appelle les _backward dans l'ordre topologique "
                "(des feuilles vers la sortie) : il faut l'ordre inverse, de la sortie vers les feuilles "
                "(reversed(topo)), pour qu'un nœud ait reçu tout son gradient avant de le transmettre.",
                wrong_Value(backward_not_reversed=True),
            ),
            Mistake(
                "autograd.Value/backward_breadth_first",
                "backward appelle les _backward dans l'ordre d'un "
                "parcours en largeur depuis la sortie (une file) : ce n'est pas un ordre topologique. Un nœud "
                "atteint par un chemin court transmet son gradient avant que les nœuds qui l'utilisent, plus "
                "haut par un chemin plus long, lui aient transmis le leur. Il faut d'abord trier les nœuds "
                "(chaque nœud après ses enfants), puis appeler _backward une seule fois par nœud, dans l'ordre "
                "inverse.",
                wrong_Value(walk="breadth_first"),
            ),
        ],
    }


MISTAKES = _catalogue()
