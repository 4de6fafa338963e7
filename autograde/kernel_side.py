"""The student's kernel side of a hidden check: plain data in, the student's code called, plain data out.

At grading time the grader sends this module's source into the student's kernel (autograde/judge.py)
and asks it, for each case of a check, to call the student's function on the case's inputs; the
grader itself uses the same drivers on the reference and on the catalogued mistakes. Nothing here is
secret: no solution, no expected value, no catalogue of mistakes, no message. The student's code can
read or replace all of it, and so change only its own answers, which the grader then judges in its
own process.

What crosses the boundary is plain data, as JSON: None, booleans, numbers, strings, tuples, lists,
dicts with string keys or number keys, numpy arrays of booleans or numbers (raw bytes in base64), numpy scalars.
Into the kernel also go random generators (their state) and :class:`Code` (a function written as
source by the check, with its bound values). Out of the kernel, anything else becomes an
:class:`Opaque` that only knows its type's name: never a pickle, never an object.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import json
import math
import sys
import types
import warnings

import numpy as np

# The grader talks to the kernel side over a Jupyter comm: a comm message costs about 2 ms where an
# executed cell costs about 5 (IPython's cell machinery, history, display hooks), and a check sends
# hundreds of them per notebook (benchmarks/grading_time.py).
CHANNEL = "autograde.requests"  # the comm target the kernel side registers
REQUEST, ANSWER = "request", "answer"  # the keys of a request's data and of its answer's
MAX_DEPTH = 32
MAX_TEXT = 300  # characters kept of a string or an exception message coming out of the kernel
ARRAY_KINDS = "biuf"  # booleans, signed and unsigned integers, floats


class WireError(ValueError):
    """Data that is not plain data (or not the plain data this side accepts)."""


class Opaque:
    """What the kernel returned when it was not plain data: only its type's name is known."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<{self.type_name}>"


class Code:
    """A function given to the student's function (a derivative, a loss…), written as source.

    ``Code("lambda w: a * (w - c)", "(w ↦ 1.2·(w − 0.5))", a=1.2, c=0.5)``: an expression, evaluated
    with numpy as ``np``, ``math`` and the bound values (plain data). Callable, so the grader hands
    it to the reference as it is; the kernel gets its source, which must hold no secret."""

    def __init__(self, source: str, name: str, **bindings):
        self.source, self.__name__, self.bindings = source, name, bindings
        self._function = None

    def __call__(self, *args, **kwargs):
        if self._function is None:
            namespace = {"np": np, "math": math, "__builtins__": builtins, **self.bindings}
            self._function = eval(compile(self.source, f"<{self.__name__}>", "eval"), namespace)  # noqa: S307
        return self._function(*args, **kwargs)

    def __deepcopy__(self, memo):
        return self  # immutable description

    def __repr__(self):
        return self.__name__


def type_name(value) -> str:
    """The name of the value's type, as a student would recognise it (an Opaque keeps the original's)."""
    return value.type_name if isinstance(value, Opaque) else type(value).__name__


# ---------------------------------------------------------------------------------------- encoding
def _bytes(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode(value, depth: int = 0, *, strict: bool = False):
    """``value`` as JSON-ready plain data. Anything else becomes an opaque record, or, when ``strict``
    (a check's inputs, written by the teacher), an error: an input must be data or :class:`Code`."""
    if depth > MAX_DEPTH:
        raise WireError("data nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is np.ndarray and value.dtype.kind in ARRAY_KINDS:
        return {
            "t": "array",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "data": _bytes(np.ascontiguousarray(value).tobytes()),
        }
    if isinstance(value, (np.bool_, np.integer, np.floating)) and value.dtype.kind in ARRAY_KINDS:
        return {"t": "scalar", "dtype": value.dtype.str, "data": _bytes(value.tobytes())}
    if type(value) in (tuple, list):
        return {"t": type(value).__name__, "items": [encode(item, depth + 1, strict=strict) for item in value]}
    if type(value) is dict and all(type(key) is str for key in value):
        return {"t": "dict", "items": {key: encode(item, depth + 1, strict=strict) for key, item in value.items()}}
    if type(value) is dict and all(type(key) in (int, float) for key in value):
        # Number keys ({η: validation curve}), in the dict's order: a pair list, since JSON keys are strings.
        return {"t": "map", "items": [[key, encode(item, depth + 1, strict=strict)] for key, item in value.items()]}
    if type(value) is np.random.Generator and type(value.bit_generator) is np.random.PCG64:
        return {"t": "rng", "state": value.bit_generator.state}
    if isinstance(value, Code):
        return {
            "t": "code",
            "source": value.source,
            "name": value.__name__,
            "bindings": encode(value.bindings, depth + 1, strict=True),
        }
    if strict:
        raise WireError(f"{type(value).__name__} is not plain data: a check's input must be data or Code")
    return {"t": "object", "type": type(value).__name__[:80]}


def _array(record, scalar: bool):
    try:
        dtype = np.dtype(record["dtype"])
    except (TypeError, ValueError) as error:
        raise WireError(f"not a number type: {record.get('dtype')!r}") from error
    if dtype.kind not in ARRAY_KINDS or dtype.itemsize > 16:
        raise WireError(f"not a number type: {dtype}")
    raw = base64.b64decode(record["data"], validate=True)
    if scalar:
        if len(raw) != dtype.itemsize:
            raise WireError("scalar of the wrong size")
        return np.frombuffer(raw, dtype=dtype)[0]
    shape = record["shape"]
    if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("not an array shape")
    if math.prod(shape) * dtype.itemsize != len(raw):
        raise WireError("array bytes do not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(data, *, inputs: bool = False, depth: int = 0):
    """The value that :func:`encode` described. Generators and code are accepted only as ``inputs``
    (into the kernel): the grader never builds a function or a generator from the kernel's answer."""
    if depth > MAX_DEPTH:
        raise WireError("data nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or type(data.get("t")) is not str:
        raise WireError("not plain data")
    kind = data["t"]
    if kind in ("array", "scalar"):
        return _array(data, scalar=kind == "scalar")
    if kind in ("tuple", "list") and type(data.get("items")) is list:
        items = [decode(item, inputs=inputs, depth=depth + 1) for item in data["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and type(data.get("items")) is dict:
        return {str(key): decode(item, inputs=inputs, depth=depth + 1) for key, item in data["items"].items()}
    if kind == "map" and type(data.get("items")) is list:
        pairs = data["items"]
        if not all(type(pair) is list and len(pair) == 2 and type(pair[0]) in (int, float) for pair in pairs):
            raise WireError("not a dict of number keys")
        return {key: decode(item, inputs=inputs, depth=depth + 1) for key, item in pairs}
    if kind == "object":
        return Opaque(str(data.get("type", "objet"))[:80])
    if inputs and kind == "rng":
        generator = np.random.Generator(np.random.PCG64())
        generator.bit_generator.state = data["state"]
        return generator
    if inputs and kind == "code":
        return Code(data["source"], data["name"], **decode(data["bindings"], inputs=True, depth=depth + 1))
    raise WireError(f"unexpected record {kind!r}")


def dumps(value, *, strict: bool = False) -> str:
    return json.dumps(encode(value, strict=strict))


def loads(text: str, *, inputs: bool = False):
    try:
        return decode(json.loads(text), inputs=inputs)
    except (ValueError, TypeError, KeyError, RecursionError) as error:
        raise WireError(str(error)[:200]) from None


# -------------------------------------------------------------------------------- helpers, overlay
def rebind(function: types.FunctionType, names: dict) -> types.FunctionType:
    """A copy of ``function`` whose global ``names`` resolve to the given objects (the original and
    its module are untouched)."""
    global_names = dict(function.__globals__)
    global_names.update(names)
    clone = types.FunctionType(
        function.__code__, global_names, function.__name__, function.__defaults__, function.__closure__
    )
    clone.__kwdefaults__ = function.__kwdefaults__
    clone.__qualname__ = function.__qualname__
    return clone


def with_helpers(target, helpers: dict | None):
    """``target`` judged alone: a function whose global names in ``helpers`` mean the helpers (``train``
    with the reference ``gradient``), or, for a class, a subclass whose methods named in ``helpers``
    are the helpers (see :func:`hybrid_class`). Anything else is returned as it is."""
    if not helpers:
        return target
    if isinstance(target, types.FunctionType):
        return rebind(target, helpers)
    if isinstance(target, type):
        return hybrid_class(target, helpers)[0]
    return target


# A static or class method, or a property, may build nodes too (a student's `Value._node(...)` helper).
_METHOD_KINDS = (types.FunctionType, staticmethod, classmethod, property)


def _rebind_method(method, names: dict):
    """``method`` (a function, static or class method, or property) with the global ``names`` rebound."""
    if isinstance(method, (staticmethod, classmethod)):
        inner = method.__func__
        return type(method)(rebind(inner, names) if isinstance(inner, types.FunctionType) else inner)
    if isinstance(method, property):

        def again(f):
            return rebind(f, names) if isinstance(f, types.FunctionType) else f

        return property(again(method.fget), again(method.fset), again(method.fdel), method.__doc__)
    return rebind(method, names)


def hybrid_class(cls: type, methods: dict):
    """A subclass of ``cls`` with the given ``methods`` in place of its own, in which the names of the
    class and of its own bases (``Value``) mean the subclass, and the list of every instance it
    creates, in creation order.

    Creation order is a topological order of any computation graph built with the class (a node is
    made after its operands), so walking it backwards sends gradients from the output to the leaves
    without the student's ``backward``."""
    hybrid = type(cls.__name__, (cls,), {})
    bases = [
        klass
        for klass in cls.__mro__  # its own classes, not object, float…
        if not (klass.__module__ == "builtins" and getattr(builtins, klass.__name__, None) is klass)
    ]
    names = {klass.__name__: hybrid for klass in bases}
    own = {}
    for klass in reversed(bases):  # the most derived definition wins
        own.update({name: attr for name, attr in vars(klass).items() if isinstance(attr, _METHOD_KINDS)})
    for name, method in {**own, **methods}.items():
        if isinstance(method, _METHOD_KINDS):
            setattr(hybrid, name, _rebind_method(method, names))
    created = []
    initialise = hybrid.__init__  # type: ignore[misc]  # the class's own __init__, replaced just below

    def __init__(self, *args, **kwargs):
        initialise(self, *args, **kwargs)
        created.append(self)

    hybrid.__init__ = __init__  # type: ignore[misc]  # a class made here: no subclass to be unsound with
    return hybrid, created


_compiled: dict[str, types.CodeType] = {}


def helper_namespace(functions: dict[str, str], values: dict) -> dict:
    """The helpers described as data: each function's source run in one namespace (so that they call
    each other), with the values bound, numpy as ``np`` and ``math``."""
    namespace = {"np": np, "math": math, "__builtins__": builtins, **values}
    for source in functions.values():
        if source not in _compiled:  # a check sends the same helpers with every case
            _compiled[source] = compile(source, "<helpers>", "exec")
        exec(_compiled[source], namespace)  # noqa: S102
    return {name: namespace[name] for name in [*functions, *values]}


# ----------------------------------------------------------------------------------------- drivers
# A driver exercises the student's object (or the reference, or a catalogued mistake: the grader runs
# the same driver on them) and returns plain data. Each is called as driver(target, helpers, *args).
def call(target, helpers, *args):
    return with_helpers(target, helpers)(*args)


def batches(target, helpers, *args):
    """The batches of one epoch, however they come (a list, a generator; a batch as a tuple or a list)."""
    return tuple(
        tuple(batch) if isinstance(batch, (tuple, list)) else batch for batch in with_helpers(target, helpers)(*args)
    )


def inputs_after(target, helpers, *args):
    """The array inputs as the function left them: a function must not change what it was given."""
    with_helpers(target, helpers)(*args)
    return tuple(arg if isinstance(arg, np.ndarray) else None for arg in args)


BINARY = {
    "a + b": lambda a, b: a + b,
    "a + k": lambda a, k: a + k,
    "k + a": lambda a, k: k + a,
    "a - b": lambda a, b: a - b,
    "a - k": lambda a, k: a - k,
    "k - a": lambda a, k: k - a,
    "a * b": lambda a, b: a * b,
    "a * k": lambda a, k: a * k,
    "k * a": lambda a, k: k * a,
    "a / b": lambda a, b: a / b,
    "a / k": lambda a, k: a / k,
    "k / a": lambda a, k: k / a,
    "a ** n": lambda a, n: a**n,
    "a * a": lambda a, _: a * a,
    "a + a": lambda a, _: a + a,
    "- a": lambda a, _: -a,
}
TWO_NODES = ("a + b", "a - b", "a * b", "a / b")


def _send_back(out, out_grad, created):
    """Every node's ``_backward``, from the output to the leaves (creation order, backwards)."""
    out.grad = out_grad
    for node in reversed(created):
        node._backward()


def value_binary(cls, helpers, expression, x, y, grad_a, grad_b, out_grad):
    """(out.data, a.grad[, b.grad]) after one operation of ``BINARY`` on leaves whose ``grad`` already
    holds a value, and the gradient ``out_grad`` sent back through the nodes' ``_backward``."""
    hybrid, created = hybrid_class(cls, helpers or {})
    a = hybrid(x)
    a.grad = grad_a
    other = hybrid(y) if expression in TWO_NODES else y
    if expression in TWO_NODES:
        other.grad = grad_b
    out = BINARY[expression](a, other)
    _send_back(out, out_grad, created)
    children = _children(out, (a, other) if expression in TWO_NODES else (a,))
    return (out.data, a.grad, other.grad, children) if expression in TWO_NODES else (out.data, a.grad, children)


def value_unary(cls, helpers, function, x, grad_a, out_grad):
    """(out.data, a.grad) after ``a.<function>()`` and the gradient sent back."""
    hybrid, created = hybrid_class(cls, helpers or {})
    a = hybrid(x)
    a.grad = grad_a
    out = getattr(a, function)()
    _send_back(out, out_grad, created)
    return out.data, a.grad, _children(out, (a,))


def _children(out, operands):
    """out._prev as the operands' indices (-1 for a node made on the way, a constant): the graph a
    backward would walk, which sending gradients in creation order does not look at."""
    return np.array(
        [next((k for k, node in enumerate(operands) if child is node), -1) for child in tuple(out._prev)[:8]],
        dtype=np.int64,
    )


def _apply(op, u, v):
    if op in ("+", "-", "*", "/"):
        return BINARY[f"a {op} b"](u, v)
    if op == "**2":
        return u**2
    return getattr(u, op)()


def value_backward(cls, helpers, program, leaves):
    """The leaves' grads after ``backward()`` on the output of ``program``: ((op, i, j), …), node k =
    op(node i, node j) numbered after the leaves; the last node is the output."""
    hybrid, _ = hybrid_class(cls, helpers or {})
    nodes = [hybrid(v) for v in leaves]
    for op, i, j in program:
        nodes.append(_apply(op, nodes[i], nodes[j]))
    nodes[-1].backward()
    return np.array([nodes[k].grad for k in range(len(leaves))], dtype=float)


DRIVERS = {
    driver.__name__: driver for driver in (call, batches, inputs_after, value_binary, value_unary, value_backward)
}
# The drivers that hand the case's inputs to the student's code as they are, so that an array the code
# changed in place is one the caller gave. The value_* drivers build their own nodes from numbers: no
# array of the caller ever reaches the student's class.
ARGUMENT_DRIVERS = ("call", "batches", "inputs_after")


def arrays_in(value, path: tuple = (), depth: int = 0):
    """(path, array) of every numpy array in ``value``, also inside tuples, lists and dicts
    (``params = (W1, b1, W2, b2)``): a path is the indices and keys leading to the array."""
    if type(value) is np.ndarray:
        yield path, value
    elif type(value) in (tuple, list) and depth < MAX_DEPTH:
        for index, item in enumerate(value):
            yield from arrays_in(item, (*path, index), depth + 1)
    elif type(value) is dict and depth < MAX_DEPTH:
        for key, item in value.items():
            yield from arrays_in(item, (*path, key), depth + 1)


def same_array(before: np.ndarray, after) -> bool:
    """True when ``after`` holds the values of ``before`` (NaN equal to NaN): the grader's comparison."""
    if type(after) is not np.ndarray or after.shape != before.shape:
        return False
    if before.dtype.kind == "f" or after.dtype.kind == "f":
        return bool(np.array_equal(before, after, equal_nan=True))
    return bool(np.array_equal(before, after))


def _same_bytes(before: np.ndarray, after) -> bool:
    """The kernel's first look: ``after`` has exactly the bytes, type and shape of ``before``.

    Through ndarray's own methods, not numpy's functions, which the student's code may have replaced
    (``vars(np)["array_equal"] = …``): a patch in their kernel must not break the watch. Anything else
    is reported, and the grader, whose numpy is its own, compares the values again (:func:`same_array`)."""
    if type(after) is not np.ndarray or after.shape != before.shape or after.dtype != before.dtype:
        return False
    return before.tobytes() == after.tobytes()


def call_watching(driver: str, target, helpers, args: tuple):
    """(the driver's answer, the array inputs the call changed, as the call left them: ``[[path, array],
    …]``). Only changed arrays come back, so an answer weighs what it weighed before unless the student's
    code wrote into its inputs; the grader compares them with its own copy of the inputs again."""
    before = [(path, array.copy()) for path, array in arrays_in(args)]
    answer = DRIVERS[driver](target, helpers, *args)
    changed = []
    for path, copy_before in before:
        now: object = args
        try:
            for step in path:
                now = now[step]  # type: ignore[index]  # whatever the student left there: caught below
        except (IndexError, KeyError, TypeError):  # the caller's list or dict itself lost the item
            now = None
        if not _same_bytes(copy_before, now):
            changed.append([list(path), now])
    return answer, changed


@contextlib.contextmanager
def quietly():
    """Warnings silenced: nbgrader counts any stderr output of a test cell as a failure, and a harmless
    RuntimeWarning must not cost points."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


# -------------------------------------------------------------------------------------- in the kernel
def _user_namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _kind(value) -> str:
    if isinstance(value, type):
        return "class"
    return "function" if callable(value) else "other"


def defined_names(namespace: dict) -> list[str]:
    """The functions and classes the notebook itself defined (for "was it renamed?")."""
    module = namespace.get("__name__", "__main__")
    return sorted(
        name
        for name, value in list(namespace.items())
        if not name.startswith("_")
        and isinstance(value, (types.FunctionType, type))
        and getattr(value, "__module__", None) == module
    )


_isolated: dict[str, object] = {}


def _clear_notebook_frames(tb, namespace: dict) -> None:
    """Clear the local variables of the traceback's frames that ran functions of the notebook."""
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals is namespace and frame.f_locals is not namespace:  # a function, not a cell
            try:
                frame.clear()
            except RuntimeError:  # still running
                pass
            frame.f_locals  # noqa: B018 - re-syncs the frame's dict of locals, which a traceback display filled
        tb = tb.tb_next


def _release_old_errors(namespace: dict) -> None:
    """Free the local variables that the last error of a cell keeps alive (IPython keeps it, with its
    frames): an allocation without end that a plain cell ran again would otherwise hold the memory
    limit and fail every later check. Done once per check, before it starts."""
    _clear_notebook_frames(getattr(sys, "last_traceback", None), namespace)
    sys.last_type = sys.last_value = sys.last_traceback = None


def _answer(request: dict, namespace: dict):
    if "lookup" in request:  # the first request of every check
        _release_old_errors(namespace)
        name = request["lookup"]
        found = name in namespace
        value = namespace.get(name)
        return {
            "found": found,
            "kind": _kind(value) if found else "",
            "type": type(value).__name__ if found else "",
            "defined": defined_names(namespace),
        }
    helpers = (
        helper_namespace(request["helpers"]["functions"], decode(request["helpers"]["values"], inputs=True))
        if request.get("helpers")
        else None
    )
    name = request["name"]
    if request.get("isolate"):
        _isolated[name] = namespace[name]
        namespace[name] = with_helpers(namespace[name], helpers)
        return {"done": True}
    if request.get("restore"):
        if name in _isolated:
            namespace[name] = _isolated.pop(name)
        return {"done": True}
    args = decode(request["args"], inputs=True)
    try:
        with quietly():
            if request.get("watch"):  # the answer, and the inputs the call changed, in one request
                value, changed = call_watching(request["driver"], namespace[name], helpers, args)
                return {"value": value, "changed": changed}
            return {"value": DRIVERS[request["driver"]](namespace[name], helpers, *args)}
    except Exception as error:  # noqa: BLE001 - a student's exception is an answer like any other
        try:
            message = str(error)[:MAX_TEXT]
        except Exception:  # noqa: BLE001 - an exception whose text itself raises
            message = ""
        return {"raised": type(error).__name__[:80], "message": message}


def open_channel() -> None:
    """Register the comm target on which the grader sends its requests; each answer goes back on the
    same comm, in reply to the request (its parent), as text of plain data."""
    from IPython import get_ipython

    def opened(comm, _open_message):
        @comm.on_msg
        def answer(message):
            request = json.loads(message["content"]["data"][REQUEST])
            comm.send({ANSWER: dumps(_answer(request, _user_namespace()))})

    get_ipython().kernel.comm_manager.register_target(CHANNEL, opened)
