"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

_DRAWING = (
    "_op only names the operation in the notebook's drawing (« pour le dessin »): no data, grad or child depends on it"
)

EQUIVALENT = {
    "Value": {
        "__init__: self._op = _op → (supprimé)": _DRAWING,
        "__init__: self.label = label → (supprimé)": "label is an optional name for the drawing, set by the notebook's own cells: nothing computed reads it",
        "__add__: Value(self.data + other.data, (self, other), '+') → Value(self.data + other.data, (self, other))": _DRAWING,
        "__mul__: Value(self.data * other.data, (self, other), '*') → Value(self.data * other.data, (self, other))": _DRAWING,
        "__pow__: Value(self.data ** n, (self,), f'**{n}') → Value(self.data ** n, (self,))": _DRAWING,
        "__sub__: Value(self.data - other.data, (self, other), '-') → Value(self.data - other.data, (self, other))": _DRAWING,
        "__truediv__: Value(self.data / other.data, (self, other), '/') → Value(self.data / other.data, (self, other))": _DRAWING,
        "exp: Value(math.exp(self.data), (self,), 'exp') → Value(math.exp(self.data), (self,))": _DRAWING,
        "tanh: Value(t, (self,), 'tanh') → Value(t, (self,))": _DRAWING,
        "relu: Value(self.data if self.data > 0 else 0.0, (self,), 'relu') → Value(self.data if self.data > 0 else "
        "0.0, (self,))": _DRAWING,
        "__neg__: self * -1 → self / -1": "a / −1 = a · (−1), with the same local derivative −1 and the same children (a, Value(−1))",
        "relu: self.data > 0 → self.data >= 0": "the two differ only at data = 0, where both give 0.0 (the derivative at 0 is checked)",
        "backward: build(self); self.grad = 1.0 → self.grad = 1.0; build(self)": "build only lists the nodes; it neither reads nor writes a grad",
        "backward: visited.add(id(v)); for child in v._prev: build(child) → for child in v._prev: build(child); "
        "visited.add(id(v))": "a computation graph has no cycle: no descendant of v leads back to v, so v is marked before any "
        "second visit either way",
    },
}
