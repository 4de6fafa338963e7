"""TD 5, notebook 2: a small reverse-mode automatic differentiation, after Karpathy's micrograd.

A ``Value`` is a number (``data``) and a node of the computation graph that produced it: its
children ``_prev`` (a tuple, in operand order), the operation ``_op``, the gradient ``grad`` of the
final output with respect to it (0 until ``backward``), and ``_backward``, a closure that adds to
each child's ``grad`` the local derivative times ``out.grad`` (``+=``: a node used twice receives
the sum of both contributions). Every operation creates exactly one node.

``backward()`` sorts the graph topologically (every node after its children), sets the output's
grad to 1, then calls ``_backward`` of every node in reverse topological order: a node sends its
gradient on only once it has received everything from the nodes that use it.
"""
import math


def topological_order(root):
    """The nodes of the graph of ``root``, each after its children (``_prev``), each once."""
    topo, visited = [], set()

    def build(v):
        if id(v) not in visited:
            visited.add(id(v))
            for child in v._prev:
                build(child)
            topo.append(v)
    build(root)
    return topo


class Value:
    """A scalar node of a computation graph."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    # -- arithmetic: the "Value/arithmetic" check ------------------------------------------------
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        assert isinstance(n, (int, float)), "seules les puissances par un nombre sont prises en charge"
        out = Value(self.data ** n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out

    # given in the notebook: the reflected operations and the negation
    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(other) - self

    def __rtruediv__(self, other):
        return Value(other) / self

    # -- unary functions: the "Value/unary" check ------------------------------------------------
    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    # -- backpropagation: the "Value/backward" check ---------------------------------------------
    def backward(self):
        topo = topological_order(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


# ------------------------------------------------------------------------------ wrong variants
def _as_value(other):
    return other if isinstance(other, Value) else Value(other)


class _GradOverwritten(Value):
    """The binary operations the student writes (all but the notebook's worked ``+``) set
    ``grad = …`` instead of ``grad += …``."""

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, n):
        out = Value(self.data ** n, (self,), f"**{n}")

        def _backward():
            self.grad = n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def __sub__(self, other):
        other = _as_value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad = out.grad
            other.grad = -out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other):
        other = _as_value(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad = out.grad / other.data
            other.grad = -self.data / other.data ** 2 * out.grad
        out._backward = _backward
        return out


class _MulGradsSwapped(Value):
    """In a·b, each factor receives its own value instead of the other factor's."""

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad
        out._backward = _backward
        return out


class _PowExponentNotLowered(Value):
    """d(xⁿ)/dx written n·xⁿ instead of n·xⁿ⁻¹."""

    def __pow__(self, n):
        out = Value(self.data ** n, (self,), f"**{n}")

        def _backward():
            self.grad += n * self.data ** n * out.grad
        out._backward = _backward
        return out


class _SubGradSign(Value):
    """In a − b, b receives +out.grad instead of −out.grad."""

    def __sub__(self, other):
        other = _as_value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out


class _TanhOneMinusT(Value):
    """tanh'(x) written 1 − tanh(x) instead of 1 − tanh²(x)."""

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t) * out.grad
        out._backward = _backward
        return out


class _ReluPassesNegative(Value):
    """relu sends the gradient back even where x ≤ 0 (its derivative there is 0)."""

    def relu(self):
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward():
            self.grad += out.grad
        out._backward = _backward
        return out


class _ExpNotChained(Value):
    """exp's local derivative is not multiplied by out.grad (the chain rule is forgotten)."""

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data
        out._backward = _backward
        return out


class _BackwardWithoutTopologicalSort(Value):
    """backward walks the graph from the output depth-first, calling each node's _backward as it
    meets it: a node used twice sends its gradient on before it has received everything, and again
    for each path that reaches it."""

    def backward(self):
        self.grad = 1.0

        def propagate(v):
            v._backward()
            for child in v._prev:
                propagate(child)
        propagate(self)


class _BackwardOutputGradNotOne(Value):
    """backward forgets to start from dL/dL = 1: every gradient stays 0."""

    def backward(self):
        for v in reversed(topological_order(self)):
            v._backward()


class _BackwardNotReversed(Value):
    """backward calls _backward in topological order (leaves first) instead of reverse order."""

    def backward(self):
        topo = topological_order(self)
        self.grad = 1.0
        for v in topo:
            v._backward()


def _mistakes():
    from ..checking import Mistake

    chain = "Rappel : chaque _backward ajoute (dérivée locale) × out.grad au grad de chaque entrée."
    return {
        "Value/arithmetic": [
            Mistake("Value_grad_overwritten", "dans les _backward, le gradient est écrasé (grad = …) au lieu "
                    "d'être accumulé (grad += …), comme dans l'exemple de + : un nœud utilisé deux fois "
                    "(a * a, ou a dans deux branches du graphe) perd une des contributions. " + chain, _GradOverwritten),
            Mistake("Value_mul_grads_swapped", "dans a * b, chaque facteur reçoit sa propre valeur : "
                    "∂(a·b)/∂a = b et ∂(a·b)/∂b = a (l'autre facteur), donc a.grad += b.data * out.grad. "
                    + chain, _MulGradsSwapped),
            Mistake("Value_pow_exponent_not_lowered", "la dérivée de xⁿ est n·xⁿ⁻¹ : l'exposant doit "
                    "diminuer de 1 (n·xⁿ a été écrit). " + chain, _PowExponentNotLowered),
            Mistake("Value_sub_grad_sign", "dans a − b, b doit recevoir −out.grad : ∂(a − b)/∂b = −1. "
                    + chain, _SubGradSign),
        ],
        "Value/unary": [
            Mistake("Value_tanh_derivative", "la dérivée de tanh est 1 − tanh²(x), pas 1 − tanh(x). " + chain,
                    _TanhOneMinusT),
            Mistake("Value_relu_passes_negative", "relu transmet le gradient même quand x ≤ 0 ; sa dérivée "
                    "vaut 1 si x > 0 et 0 sinon. " + chain, _ReluPassesNegative),
            Mistake("Value_exp_not_chained", "dans exp, la dérivée locale e^x n'est pas multipliée par out.grad "
                    "(règle de la chaîne). " + chain, _ExpNotChained),
        ],
        "Value/backward": [
            Mistake("Value_backward_no_topological_sort", "backward parcourt le graphe en profondeur depuis la "
                    "sortie sans tri topologique : un nœud utilisé plusieurs fois transmet son gradient avant "
                    "d'avoir tout reçu, et plusieurs fois. Il faut d'abord trier les nœuds (chaque nœud après "
                    "ses enfants), puis appeler _backward une seule fois par nœud, dans l'ordre inverse.",
                    _BackwardWithoutTopologicalSort),
            Mistake("Value_backward_output_grad_not_one", "backward ne fixe pas le gradient de la sortie : "
                    "dL/dL = 1 (self.grad = 1.0) avant de remonter le graphe ; sinon tous les gradients "
                    "restent nuls.", _BackwardOutputGradNotOne),
            Mistake("Value_backward_not_reversed", "backward appelle les _backward dans l'ordre topologique "
                    "(des feuilles vers la sortie) : il faut l'ordre inverse, de la sortie vers les feuilles "
                    "(reversed(topo)), pour qu'un nœud ait reçu tout son gradient avant de le transmettre.",
                    _BackwardNotReversed),
        ],
    }


MISTAKES = _mistakes()
