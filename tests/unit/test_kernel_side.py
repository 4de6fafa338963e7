"""What crosses the trust boundary: plain data only, both ways (autograde/kernel_side.py), and the
drivers that exercise the student's code give the same answers in the kernel and in the grader."""

import base64
import json
import pickle

import numpy as np
import pytest

from autograde.kernel_side import Code, Opaque, WireError, dumps, encode, hybrid_class, loads, with_helpers


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -2.5,
        float("inf"),
        "texte",
        (1, 2.0),
        [1, [2, 3]],
        {"a": (1, None)},
        np.arange(6.0).reshape(2, 3),
        np.array([True, False]),
        np.arange(4, dtype=np.int32),
        np.zeros((0, 3)),
        np.float64(1.5),
        np.int64(7),
        np.bool_(True),
        (np.ones(2), 3.0, (np.zeros(1),)),
        {0.1: [1.0, 0.5], 1: [2.0]},  # number keys ({η: validation curve}) cross as pairs
    ],
)
def test_plain_data_makes_the_round_trip_unchanged(value):
    back = loads(dumps(value))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    elif isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value):
        assert all(np.array_equal(a, b) for a, b in zip(back, value) if isinstance(a, np.ndarray))
    else:
        assert back == value or (value != value and back != back)


def test_a_dict_of_number_keys_keeps_its_order():
    assert list(loads(dumps({1.0: [], 0.01: [], 0.1: []}))) == [1.0, 0.01, 0.1]


def test_nan_crosses_as_nan():
    assert np.isnan(loads(dumps(float("nan"))))
    assert np.isnan(loads(dumps(np.array([np.nan])))[0])


def test_anything_else_crosses_as_a_type_name_only():
    class ToujoursEgal:
        def __eq__(self, other):
            return True

    back = loads(dumps((ToujoursEgal(), np.array(["a"]), np.array([1 + 2j]), range(3))))
    assert [type(v) for v in back] == [Opaque] * 4
    assert [v.type_name for v in back] == ["ToujoursEgal", "ndarray", "ndarray", "range"]


def test_subclasses_of_containers_and_arrays_are_not_plain_data():
    class Liste(list):
        pass

    class Tableau(np.ndarray):
        pass

    assert isinstance(loads(dumps(Liste([1]))), Opaque)
    assert isinstance(loads(dumps(np.zeros(2).view(Tableau))), Opaque)


@pytest.mark.parametrize(
    "record",
    [
        {"t": "array", "dtype": "O", "shape": [1], "data": base64.b64encode(b"\0" * 8).decode()},
        {"t": "array", "dtype": "<f8", "shape": [3], "data": base64.b64encode(b"\0" * 8).decode()},
        {"t": "array", "dtype": "<f8", "shape": [-1], "data": ""},
        {"t": "array", "dtype": "V8", "shape": [1], "data": base64.b64encode(b"\0" * 8).decode()},
        {"t": "pickle", "data": base64.b64encode(pickle.dumps(object())).decode()},
        {"t": "code", "source": "lambda: 0", "name": "f", "bindings": {"t": "dict", "items": {}}},
        {"t": "rng", "state": {}},
        {"not": "tagged"},
        [1, 2],
        {"t": "map", "items": [["0.1", {"t": "list", "items": []}]]},
        {"t": "map", "items": [[True, {"t": "list", "items": []}]]},
        {"t": "map", "items": [[0.1]]},
    ],
)
def test_the_grader_refuses_what_is_not_plain_data(record):
    """No pickle, no object, no function, no generator is ever built from the kernel's answer."""
    with pytest.raises(WireError):
        loads(json.dumps(record))


def test_deep_nesting_is_refused_not_a_crash():
    with pytest.raises(WireError):
        loads("[" * 100_000 + "]" * 100_000)
    nested = {"t": "list", "items": []}
    for _ in range(100):
        nested = {"t": "list", "items": [nested]}
    with pytest.raises(WireError):
        loads(json.dumps(nested))


def test_inputs_carry_generators_and_code_into_the_kernel():
    generator = np.random.default_rng(5)
    derivative = Code("lambda w: a * (w - c)", "(w ↦ 2·(w − 1))", a=2.0, c=1.0)
    rng, f = loads(dumps((generator, derivative), strict=True), inputs=True)
    assert np.array_equal(rng.random(4), np.random.default_rng(5).random(4))
    assert f(3.0) == 4.0 and f.__name__ == "(w ↦ 2·(w − 1))"


def test_a_function_is_not_an_input():
    with pytest.raises(WireError, match="data or Code"):
        dumps((np.sin,), strict=True)


def test_a_code_input_holds_only_its_source_and_its_data():
    record = encode(Code("lambda z: z * k", "fois k", k=np.arange(3.0)), strict=True)
    assert set(record) == {"t", "source", "name", "bindings"}
    with pytest.raises(WireError):
        encode(Code("lambda z: g(z)", "g", g=np.sin), strict=True)


def test_helpers_replace_global_names_in_a_copy_of_the_function():
    namespace = {"gradient": lambda: "élève"}
    exec("def train():\n    return gradient()\n", namespace)  # noqa: S102
    isolated = with_helpers(namespace["train"], {"gradient": lambda: "correction"})
    assert isolated() == "correction" and namespace["train"]() == "élève"


def test_a_hybrid_class_records_its_nodes_in_creation_order_and_keeps_the_students_name():
    namespace = {}
    exec(
        "class Value:\n"  # noqa: S102
        "    def __init__(self, data, children=()):\n"
        "        self.data, self._prev = data, children\n"
        "    def __add__(self, other):\n"
        "        return Value(self.data + other.data, (self, other))\n",
        namespace,
    )
    hybrid, created = hybrid_class(namespace["Value"], {})
    a, b = hybrid(1.0), hybrid(2.0)
    out = a + b
    assert type(out) is hybrid and created == [a, b, out] and hybrid.__name__ == "Value"


def test_the_watch_of_the_inputs_survives_a_students_patched_numpy(monkeypatch):
    """A student's kernel may replace numpy's comparisons (tests/submissions/hostile.py, numpy_truque):
    the kernel side still tells a changed input from an unchanged one, through ndarray's own methods."""
    from autograde.kernel_side import call_watching

    always = lambda a, b=None, *args, **kwargs: np.ones(np.shape(a), dtype=bool)  # noqa: E731
    for name in ("isclose", "allclose", "array_equal", "equal"):
        monkeypatch.setattr(np, name, always)
    W = np.arange(6.0).reshape(3, 2)
    assert call_watching("call", lambda W: W * 2, None, (W,))[1] == []

    def in_place(W):
        W *= 2
        return W

    answer, changed = call_watching("call", in_place, None, (W,))
    assert [path for path, _ in changed] == [[0]]
