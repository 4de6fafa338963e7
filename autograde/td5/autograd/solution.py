"""TD 5, notebook 2: a small reverse-mode automatic differentiation, after Karpathy's micrograd.

A ``Value`` is a number (``data``) and a node of the computation graph that produced it: its
children ``_prev`` (a tuple, in operand order), the operation ``_op``, the gradient ``grad`` of the
final output with respect to it (0 until ``backward``), and ``_backward``, a closure that adds to
each child's ``grad`` the local derivative times ``out.grad``. Every operation creates exactly one node.

The methods are graded in three cells: arithmetic (+, −, *, /, **), the functions of one variable
(exp, tanh, relu), and ``backward``. The reference methods are sent, as source, into the student's
kernel for the later cells (autograde/td5/autograd/checks.py): they use nothing but ``Value`` and ``math``.
"""

import math


class Value:
    """A scalar node of a computation graph."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None  # a leaf has nothing to pass on
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            # +=, not =: a node used twice (a + a, or in two branches) sums its contributions
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
        out = Value(self.data**n, (self,), f"**{n}")

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
            other.grad -= self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    # given in the notebook: the reflected operations (2 * a) and the negation
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

    # -- functions of one variable ------------------------------------------------------------
    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad  # (e^x)' = e^x, already computed

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    # -- backpropagation ----------------------------------------------------------------------
    def backward(self):
        """Fill the grad of every node of the graph of self, with dL/dL = 1 for L = self."""
        # Topological order: every node after its children, each once. Walked backwards, a node has
        # received everything from the nodes that use it before it passes its gradient on.
        topo, visited = [], set()

        def build(v):
            if id(v) not in visited:
                visited.add(id(v))
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
