"""Comparing a student's function with the reference, and saying in French what is wrong.

A check is a plain function ``check_xxx(student, seed) -> Verdict``: it generates its cases from
``seed``, asks the :class:`Student` for its answer on each case, and compares the answers with the
reference module. A :class:`Student` answers with plain data only (see :mod:`autograde.kernel_side`):
at grading time the grader's :class:`~autograde.judge.KernelStudent` gets the answers from the
student's sandboxed kernel, and the comparison runs in the grader's process; when a teacher runs a
source notebook, :class:`LocalStudent` calls the function in the same process, with the same data.

Comparison order (so that a student gets the most useful message first):
1. the call raised → the exception is named;
2. the type is wrong (a list instead of an array, an object that is not a number) → said so,
   without ever calling the object's ``__eq__`` (an answer that is not plain data arrives as an
   opaque type name, so an ``__eq__`` that is always True cannot even cross the boundary);
3. the shape is wrong → both shapes are given (and a transposition, or right values in a wrong shape);
4. NaN or inf where the reference is finite → said so, and where;
5. values differ beyond the relative tolerance → if the answer matches a known wrong variant
   (``Mistake``), the mistake is named; otherwise the first failing case: the quantity (a field's name,
   or « le 2e élément du résultat »), the kind of difference when one holds exactly (a factor, a sign,
   a transposition, an offset, a shift by one, only one row…), then expected vs obtained, with the
   digits that tell them apart;
6. the answer is right but the call changed one of its array inputs in place → the argument is named.
"""

from __future__ import annotations

import copy
import numbers
import re
import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Sequence, SupportsFloat

import numpy as np

from . import settings
from .kernel_side import (
    ARGUMENT_DRIVERS,
    DRIVERS,
    Code,
    Opaque,
    arrays_in,
    call_watching,
    dumps,
    loads,
    quietly,
    same_array,
    type_name,
)

__all__ = [
    "Case",
    "Code",
    "Mistake",
    "Student",
    "LocalStudent",
    "StudentRaised",
    "Verdict",
    "changed_inputs",
    "check_against_reference",
    "describe_difference",
    "difference",
    "float32_tolerance",
    "modified_inputs",
    "modified_message",
    "reference_answer",
    "seed_for",
]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    mistake: str | None = None  # id of the recognised wrong variant, if any


@dataclass(frozen=True)
class Mistake:
    """A known wrong variant of a graded function.

    ``compute`` has the signature of the reference function and returns what the wrong
    variant returns; ``explanation`` (French) names the mistake and recalls the formula.
    """

    name: str
    explanation: str
    compute: Callable[..., Any]


@dataclass(frozen=True)
class Case:
    label: str  # French, e.g. "n = 7 exemples"
    args: tuple


def seed_for(check_id: str) -> int:
    """The seed of one check: the course seed (env ``AUTOGRADE_SEED``) mixed with the check id.

    Regrading gives the same cases; changing ``AUTOGRADE_SEED`` gives new ones.
    """
    return (settings.SEED.get() * 1_000_003 + zlib.crc32(check_id.encode())) % (2**32)


# ------------------------------------------------------------------------------------- the student
class StudentRaised(Exception):
    """The student's code raised: its type's name and message, as the kernel reported them."""

    def __init__(self, type_name: str, message: str):
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message = type_name, message


class GradingStopped(Exception):
    """The kernel could not answer (time limit, crash): the check stops with this French message."""

    def __init__(self, message: str, kind: str = "HiddenTestFailure"):
        super().__init__(message)
        self.message, self.kind = message, kind


@dataclass(frozen=True)
class Student:
    """The student's function or class, as a check sees it: something that answers a case with plain
    data. ``driver`` says how it is exercised (a name of ``kernel_side.DRIVERS``), ``helpers`` which
    reference functions or methods it is judged with (``train`` with the reference ``gradient``)."""

    name: str
    kind: str  # "function", "class" or "other" (then ``type`` says what it is)
    type: str
    driver: str = "call"
    helpers: dict | None = None

    @property
    def callable(self) -> bool:
        return self.kind in ("function", "class")

    def using(self, driver: str | None = None, helpers: dict | None = None) -> "Student":
        return replace(self, driver=driver or self.driver, helpers=self.helpers if helpers is None else helpers)

    def __call__(self, *args):
        """The answer on ``args`` (plain data); raises :class:`StudentRaised` if the student's code raised."""
        return self.watched(*args, watch=False)[0]

    def watched(self, *args, watch: bool = True) -> tuple[Any, Any]:
        """(the answer on ``args``, what the student's side reported of the array inputs the call changed,
        ``[[path, array as left], …]``) in one call; give the report to :func:`changed_inputs`, which
        trusts nothing of it. Raises :class:`StudentRaised` if the student's code raised."""
        raise NotImplementedError


@dataclass(frozen=True)
class ConvertedStudent(Student):
    """A student whose answers a check reads through ``convert`` (a history dict's lists as arrays, say):
    the comparison sees the converted answer, the inputs watch is the inner student's."""

    inner: Student | None = None
    convert: Callable[[Any], Any] | None = None

    @classmethod
    def of(cls, student: Student, convert: Callable[[Any], Any]) -> "ConvertedStudent":
        return cls(student.name, student.kind, student.type, student.driver, student.helpers, student, convert)

    def using(self, driver: str | None = None, helpers: dict | None = None) -> "Student":
        if self.inner is None:  # a default only because Student's own fields have defaults
            raise TypeError("ConvertedStudent wraps a student")
        return replace(self, inner=self.inner.using(driver, helpers))

    def watched(self, *args, watch: bool = True):
        if self.inner is None or self.convert is None:
            raise TypeError("ConvertedStudent wraps a student and a conversion")
        answer, changed = self.inner.watched(*args, watch=watch)
        return self.convert(answer), changed


@dataclass(frozen=True)
class LocalStudent(Student):
    """The student's object in this very process (a teacher running a source notebook, the tests).

    Inputs and answers make the same round trip through plain data as at grading time, so a verdict
    is the same in JupyterLab as in the grader."""

    target: Any = None

    @classmethod
    def of(cls, target: Any, name: str | None = None) -> "LocalStudent":
        kind = "class" if isinstance(target, type) else "function" if callable(target) else "other"
        return cls(name if name else getattr(target, "__name__", "?"), kind, type(target).__name__, target=target)

    def watched(self, *args, watch: bool = True):
        inputs = loads(dumps(args, strict=True), inputs=True)
        try:
            with quietly():
                if watch:
                    answer, changed = call_watching(self.driver, self.target, self.helpers, inputs)
                else:
                    answer, changed = DRIVERS[self.driver](self.target, self.helpers, *inputs), []
        except Exception as error:  # noqa: BLE001 - a student's exception is an answer like any other
            raise StudentRaised(type(error).__name__, str(error)) from None
        return loads(dumps(answer)), loads(dumps(changed))


def as_student(student: Any) -> Student:
    return student if isinstance(student, Student) else LocalStudent.of(student)


def reference_answer(function: Callable, args: tuple, driver: str = "call", helpers: dict | None = None) -> Any:
    """What the reference (or a catalogued mistake) answers on ``args``, through the same driver as the
    student, on copies of the inputs."""
    with quietly():
        return DRIVERS[driver](function, helpers, *copy.deepcopy(args))


def changed_inputs(args: tuple, reported: Any) -> list[tuple]:
    """The paths (``(2, 0)``: ``args[2][0]``) of the arrays among ``args`` that a call changed, judged
    here from what the student's side reported (:meth:`Student.watched`): an entry counts only if it
    names one of ``args``' arrays and holds other values than the grader's own copy of it."""
    arrays = dict(arrays_in(args))
    paths: list[tuple] = []
    if type(reported) is not list:
        return paths
    for entry in reported[: len(arrays)]:
        if (
            type(entry) is not list
            or len(entry) != 2
            or type(entry[0]) is not list
            or not all(type(step) in (int, str) for step in entry[0])
        ):
            continue
        path = tuple(entry[0])
        if path in arrays and path not in paths and not same_array(arrays[path], entry[1]):
            paths.append(path)
    return paths


def _path_text(path: tuple) -> str:
    return "".join(f"[{step!r}]" if isinstance(step, str) else f"[{step}]" for step in path)


def _and(items: Sequence[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def modified_inputs(paths: Sequence[tuple], arg_names: Sequence[str] = ()) -> tuple[str, str]:
    """(« son argument `W` », the advice) for the inputs at ``paths`` that a function changed in place,
    named after ``arg_names`` (« son argument n°2 » beyond them)."""
    named, target = [], None
    inside: dict[str, list[str]] = {}  # argument name -> its elements changed (`params[0]`, `params[2]`)
    for path in paths:
        top, inner = path[0], _path_text(path[1:])
        name = arg_names[top] if isinstance(top, int) and top < len(arg_names) else None
        if name is None:
            named.append(f"son argument n°{top + 1}" if not inner else f"l'élément {inner} de son argument n°{top + 1}")
        elif not inner:
            named.append(f"son argument `{name}`")
        else:
            if name not in inside:
                inside[name] = []
                named.append(name)  # a place holder, filled below with all its elements at once
            inside[name].append(f"`{name}{inner}`")
        if name is not None:
            target = target or f"{name}{inner}"
    named = [_and(inside[n]) + f" (dans son argument `{n}`)" if n in inside else n for n in named]
    named = [_and(named)]
    example = (
        f"par exemple avec {target}.copy() ou une expression qui n'écrit pas dans {target}"
        if target
        else "par exemple avec .copy() ou une expression qui n'écrit pas dans le tableau reçu"
    )
    advice = (
        "une fonction ne doit pas changer les tableaux qu'on lui donne ; calculez le résultat dans un "
        f"nouveau tableau ({example})"
    )
    return named[0], advice


def modified_message(shown: str, paths: Sequence[tuple], arg_names: Sequence[str], where: str) -> str:
    """The verdict's message for a function (``shown``: « `f` ») that changed the inputs at ``paths``
    in place on the case ``where`` (« cas 2/4 (…) »), for checks that call the student themselves:
    ``got, reported = student.watched(*args)``; ``paths = changed_inputs(args, reported)``."""
    changed, advice = modified_inputs(paths, arg_names)
    return f"{shown} a modifié {changed} en place — {where} : {advice}."


# ------------------------------------------------------------------------------------------ messages
def _as_bool(value: Any) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return None


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}g}"


def digits_to_tell(expected: SupportsFloat, got: SupportsFloat, least: int = 6) -> int:
    """The fewest significant digits (at least ``least``, at most 17) at which two different numbers
    are written differently: « attendu 0.02342853, obtenu 0.02342847 », never two identical strings."""
    digits = least
    while digits < 17 and _number(float(expected), digits) == _number(float(got), digits):
        digits += 1
    return digits


def fmt(value: Any, max_items: int = 6, digits: int = 6) -> str:
    """A short readable rendering of a value for a feedback message (booleans as True / False)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(v, max_items, digits) for v in value) + ")"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return fmt(value[()], max_items, digits)
        flat = value.ravel()
        shown = ", ".join(fmt(v, max_items, digits) for v in flat[:max_items])
        return f"[{shown}{', …' if flat.size > max_items else ''}] (forme {value.shape})"
    if _as_bool(value) is not None:
        return str(_as_bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (numbers.Real, np.floating, np.integer)):
        return _number(float(value), digits)
    if isinstance(value, Opaque):
        return f"un objet de type {value.type_name}"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"


def _shown_in(label: str, name: str) -> bool:
    """True when the case's label already shows the argument (« val_losses = […] », « x de forme … »)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}\s*(=|de forme|:)", label) is not None


def describe_args(args: Sequence[Any], names: Sequence[str], label: str = "") -> str:
    """« W de forme (3, 4), training = True »: the arguments a case's label does not already show."""
    parts = []
    for name, arg in zip(names, args):
        if _shown_in(label, name):
            continue
        if isinstance(arg, np.ndarray):
            parts.append(f"{name} de forme {arg.shape}")
        elif isinstance(arg, (numbers.Number, np.generic)):
            parts.append(f"{name} = {fmt(arg)}")
        elif isinstance(arg, Code):
            parts.append(f"{name} = {arg.__name__}")
    return ", ".join(parts)


def _as_float_array(value: Any) -> np.ndarray | None:
    """The value as a float64 array, or None when it is not numeric data.

    Only real numpy arrays and plain numbers are accepted: anything else (a list, a custom
    object with a lying ``__eq__`` or ``__array__``) is rejected by type before any comparison.
    Booleans count as 0 and 1, as numpy does in arithmetic: ``z > 0`` is a fine step function,
    whether ``z`` is an array or a number. float32 answers are widened to float64 like any other,
    so they are judged with the same tolerance (see :func:`float32_tolerance` for trajectories).
    """
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        if value.dtype.kind not in "biuf":
            return None
        return value.astype(np.float64)
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return np.asarray(float(value))
    return None


def _ordinal(n: int) -> str:
    return "1er" if n == 1 else f"{n}e"


def _of(what: str) -> str:
    """« du résultat », « des gradients », « de la perte », « de dW1 »: French contractions of « de »."""
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if what.startswith(article):
            return contracted + what[len(article) :]
    return "de " + what


def _leaf_count(value: Any) -> int:
    return sum(_leaf_count(item) for item in value) if isinstance(value, tuple) else 1


def _nest(expected: tuple, leaves) -> list:
    """A flat list of leaf names (depth first) shaped like ``expected``'s nested tuples."""
    return [_nest(item, leaves) if isinstance(item, tuple) else next(leaves) for item in expected]


def _entry(names: Sequence | None, index: int) -> tuple[str | None, Sequence | None]:
    """(the name of item ``index``, the names of its own items) from a ``fields`` entry: ``"dW1"``;
    ``("le cache", ("Z1", "A1"))``; or ``("Z1", "A1")`` alone (the item itself keeps no name)."""
    if names is None or index >= len(names):
        return None, None
    entry = names[index]
    if isinstance(entry, str):
        return entry, None
    if (
        isinstance(entry, (tuple, list))
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], (tuple, list))
    ):
        return entry[0], entry[1]
    if isinstance(entry, (tuple, list)):
        return None, entry
    return None, None


def difference(
    expected: Any,
    got: Any,
    *,
    what: str,
    rtol: float,
    atol: float,
    names: Sequence | None = None,
    describe: bool = True,
) -> str | None:
    """None when ``got`` matches ``expected``; otherwise a French sentence saying how it differs.

    ``expected`` is a number, a numpy array, or a (nested) tuple of those, compared element-wise.
    The elements of a tuple are named after ``names`` (see :func:`check_against_reference`'s
    ``fields``), else by their place: « le 2e élément du résultat », « l'élément résultat[1][0] ».
    ``describe=False``: only whether they differ matters (a sentence without the kind of difference).
    """
    return _difference(expected, got, what, names, what, (), rtol=rtol, atol=atol, describe=describe)


def _difference(expected, got, what, names, anchor, path, *, rtol, atol, describe=True) -> str | None:
    """``anchor``: the nearest element above (or at) ``what`` that has a name; ``path``: where ``what``
    lies in it (() when ``what`` is that name)."""
    if isinstance(expected, tuple):
        item_path: tuple
        if type(got) is not tuple:
            return f"{what} doit être un tuple de {len(expected)} éléments, obtenu {type_name(got)}"
        if len(got) != len(expected):
            return f"{what} doit contenir {len(expected)} éléments, obtenu {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            name, inner = _entry(names, i)
            if name is not None:
                item, item_anchor, item_path = name, name, ()
            elif not path:
                item, item_anchor, item_path = f"le {_ordinal(i + 1)} élément {_of(what)}", what, (i,)
            else:
                item_anchor, item_path = anchor, (*path, i)
                item = (
                    f"l'élément résultat{_path_text(item_path)}"
                    if anchor == "le résultat"
                    else f"l'élément {_path_text(item_path)} {_of(anchor)}"
                )
            problem = _difference(e, g, item, inner, item_anchor, item_path, rtol=rtol, atol=atol, describe=describe)
            if problem:
                return problem
        return None
    return _value_difference(expected, got, what, rtol=rtol, atol=atol, describe=describe)


def _value_difference(expected, got, what, *, rtol, atol, describe=True) -> str | None:
    if isinstance(expected, (bool, np.bool_)) and isinstance(got, (bool, np.bool_)):
        # A yes/no answer (early stopping's ``stop``) reads as True/False, not 1/0.
        return None if bool(got) == bool(expected) else f"{what} : attendu {bool(expected)}, obtenu {bool(got)}"
    exp = np.asarray(expected, dtype=np.float64)
    if isinstance(got, list):
        return f"{what} est une liste Python ; un tableau numpy (np.ndarray) est attendu"
    arr = _as_float_array(got)
    if arr is None:
        kind = "un nombre" if exp.ndim == 0 else f"un tableau numpy de forme {exp.shape}"
        return f"{what} est de type {type_name(got)} ; {kind} est attendu"
    if exp.ndim == 0 and arr.shape not in ((), (1,)):
        return f"{what} doit être un nombre, obtenu un tableau de forme {arr.shape}"
    if exp.ndim > 0 and arr.shape != exp.shape:
        return f"{what} a la forme {arr.shape}, la forme attendue est {exp.shape}" + _shape_hint(exp, arr, rtol, atol)
    arr = arr.reshape(exp.shape)
    bad_got = ~np.isfinite(arr) & np.isfinite(exp)
    if bad_got.any():
        kind = "NaN" if np.isnan(arr[bad_got]).any() else "inf"
        where = (
            ""
            if exp.ndim == 0
            else (
                f" ({int(bad_got.sum())} valeur(s) sur {exp.size}, la première à l'indice "
                f"{_index(np.argwhere(bad_got)[0])})"
            )
        )
        return f"{what} contient {kind}{where} alors que la valeur attendue est finie"
    if _single_precision(got):
        rtol, atol = single_precision_tolerance(exp, rtol, atol)
    close = np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    if not describe:
        return f"{what} diffère"
    described = describe_difference(exp, arr, rtol=rtol, atol=atol)
    kind = f"{described} ; " if described else ""
    if exp.ndim == 0:
        digits = digits_to_tell(exp, arr)
        return f"{what} : {kind}attendu {_number(float(exp), digits)}, obtenu {_number(float(arr), digits)}"
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    digits = digits_to_tell(exp[first], arr[first])
    return (
        f"{what} : {kind}{int((~close).sum())} valeur(s) sur {exp.size} diffèrent ; à l'indice {_index(first)}, "
        f"attendu {_number(float(exp[first]), digits)}, obtenu {_number(float(arr[first]), digits)} "
        f"(attendu {_around(exp, first, digits)}, obtenu {_around(arr, first, digits)})"
    )


def _around(value: np.ndarray, index: tuple, digits: int, width: int = 6) -> str:
    """The values around ``index`` in reading order (from the start when it is among the first ones),
    so that the two previews of a message never print the same numbers."""
    flat = value.ravel()
    start = max(0, min(int(np.ravel_multi_index(index, value.shape)) - 2, flat.size - width))
    shown = ", ".join(fmt(v, digits=digits) for v in flat[start : start + width])
    return f"[{'…, ' if start else ''}{shown}{', …' if start + width < flat.size else ''}] (forme {value.shape})"


def _index(position) -> int | tuple:
    position = tuple(int(i) for i in position)
    return position[0] if len(position) == 1 else position


def _near(a, b, rtol: float, atol: float) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _shape_hint(exp: np.ndarray, arr: np.ndarray, rtol: float, atol: float) -> str:
    """What a wrong shape holds, when it holds the right values."""
    if exp.ndim == 2 and arr.shape == exp.shape[::-1] and _near(arr.T, exp, rtol, atol):
        return " : c'est la transposée du tableau attendu"
    if arr.size == exp.size and _near(arr.reshape(exp.shape), exp, rtol, atol):
        return " (les valeurs sont les bonnes, dans l'ordre : seule la forme diffère)"
    return ""


def _factor(k: float, rtol: float) -> tuple[str, bool]:
    """(« multipliées par 2 » or « divisées par 12 », whether k is a whole number or its inverse)."""
    for value, verb in ((k, "multipliées"), (1 / k, "divisées")):
        whole = round(value)
        if abs(whole) >= 2 and abs(value - whole) <= max(rtol, 1e-9) * abs(value):
            return f"{verb} par {whole}".replace("par -", "par −"), True
    return f"multipliées par un même facteur ≈ {k:.4g}".replace("≈ -", "≈ −"), False


def describe_difference(exp: np.ndarray, arr: np.ndarray, *, rtol: float, atol: float) -> str | None:
    """The kind of difference between two arrays of the same shape, in French, when one holds exactly
    (within the tolerance) over every value: a sign, a transposition, a constant factor, an offset
    (the same for all, or for each row), a shift by one place, values wrong only in one row, one
    column, a few places, or only where the expected value is negative, positive or zero."""
    nonzero = ~np.isclose(exp, 0.0, rtol=0.0, atol=atol)
    if exp.ndim == 0:
        if nonzero and _near(arr, -exp, rtol, atol):
            return "le signe est inversé (obtenu = −attendu)"
        if nonzero and not np.isclose(arr, 0.0, rtol=0.0, atol=atol):
            factor = _factor(float(arr) / float(exp), rtol)
            if factor[1]:
                return "la valeur obtenue est la valeur attendue " + factor[0].replace("ées", "ée")
        return None
    # "toutes les valeurs" would be contradicted by the count when some expected values are 0 (unchanged
    # by a sign or a factor): then it is the non-zero ones.
    every = "toutes les valeurs" if nonzero.all() else "toutes les valeurs non nulles"
    if nonzero.any() and _near(arr, -exp, rtol, atol):
        return f"{every} ont le signe opposé (obtenu = −attendu)"
    if nonzero.any() and _near(arr, 0.0, 0.0, atol):
        return "toutes les valeurs obtenues sont nulles"
    if exp.ndim == 2 and exp.shape[0] == exp.shape[1] > 1 and _near(arr, exp.T, rtol, atol):
        return "le tableau obtenu est la transposée du tableau attendu"
    if nonzero.sum() >= 2:
        k = float((arr * exp).sum() / (exp * exp).sum())
        if np.isfinite(k) and abs(k) > 1e-6 and not np.isclose(k, 1.0, rtol=rtol) and _near(arr, k * exp, rtol, atol):
            return f"{every} sont " + _factor(k, rtol)[0]
    diff = arr - exp
    if exp.size >= 2:
        c = float(np.median(diff))
        if abs(c) > atol and _near(arr, exp + c, rtol, atol):
            return f"toutes les valeurs sont décalées d'une même quantité : obtenu − attendu = {c:.6g}".replace(
                "= -", "= −"
            )
    if exp.ndim == 2 and exp.shape[0] > 1 and exp.shape[1] > 1:
        if _near(arr, exp + diff[:1], rtol, atol):
            return f"chaque ligne est décalée du même vecteur : obtenu − attendu = {fmt(diff[0])} sur chaque ligne"
        if _near(arr, exp + diff[:, :1], rtol, atol):
            return (
                "dans chaque ligne, toutes les valeurs sont décalées d'une même quantité (qui change d'une ligne "
                f"à l'autre) : obtenu − attendu = {fmt(diff[:, 0])} selon la ligne"
            )
    n = exp.shape[0]
    wrong = ~np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    # A shift is worth saying only when it is the one explanation: no two neighbours alike (a step
    # function's [0, 0, 1, 1] against [0, 1, 1, 1] is one wrong value, not a shift) and more than one wrong.
    neighbours_differ = (
        n >= 3 and not np.isclose(exp[:-1], exp[1:], rtol=rtol, atol=atol).reshape(n - 1, -1).all(axis=1).any()
    )
    if neighbours_differ and wrong.sum() >= 2:
        rows = "" if exp.ndim == 1 else " (lignes entières)"
        if _near(arr[:-1], exp[1:], rtol, atol):
            return f"les valeurs sont décalées d'un rang{rows} : obtenu[i] = attendu[i+1] pour i de 0 à {n - 2}"
        if _near(arr[1:], exp[:-1], rtol, atol):
            return f"les valeurs sont décalées d'un rang{rows} : obtenu[i] = attendu[i−1] pour i de 1 à {n - 1}"
    return _wrong_places(exp, wrong, nonzero)


def _wrong_places(exp: np.ndarray, wrong: np.ndarray, nonzero: np.ndarray) -> str | None:
    """Where the wrong values are, when they are only in some places."""
    places = np.argwhere(wrong)
    if len(places) == exp.size:
        return None
    if len(places) == 1:
        return f"seule la valeur à l'indice {_index(places[0])} diffère"
    if exp.ndim == 1 and len(places) <= 3:
        return f"seules les valeurs d'indices {', '.join(str(int(p[0])) for p in places)} diffèrent"
    if exp.ndim == 2:
        rows, columns = np.unique(places[:, 0]), np.unique(places[:, 1])
        if len(rows) == 1 and exp.shape[0] > 1:
            return f"seule la ligne {int(rows[0])} diffère"
        if len(columns) == 1 and exp.shape[1] > 1:
            return f"seule la colonne {int(columns[0])} diffère"
    for mask, where in ((exp < 0) & nonzero, "négative"), ((exp > 0) & nonzero, "positive"), (~nonzero, "nulle"):
        if mask.any() and not mask.all() and not (wrong & ~mask).any():
            if (wrong == mask).all():
                return f"les valeurs qui diffèrent sont exactement celles dont la valeur attendue est {where}"
            return f"seules des valeurs dont la valeur attendue est {where} diffèrent"
    return None


def check_against_reference(
    student: Any,
    reference_fn: Callable,
    cases: Iterable[Case],
    *,
    name: str,
    arg_names: Sequence[str] = (),
    mistakes: Sequence[Mistake] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    fields: Callable[[Case], Sequence] | Sequence | None = None,
    driver: str = "call",
    helpers: dict | None = None,
    unchanged: bool = True,
) -> Verdict:
    """Compare the student's answers with the reference's on every case; stop at the first failure.

    ``student`` is a :class:`Student` (a plain function is taken as a :class:`LocalStudent`).
    ``name`` is shown between backquotes unless it already holds some (``"`Value` (exp, tanh)"``).
    ``arg_names`` describe a case's arguments in messages (those the case's label does not already
    show: « x de forme (5, 2) », « training = True »); leave empty when the label says it all.
    ``fields`` names the elements of a tuple result, in messages: a sequence, or a function of the case
    that returns one (``lambda case: …``). One name per element (``("P", "cache")``), where an element
    that is itself a tuple takes either a name (``"le cache"``), the names of its items
    (``("Z1", "A1", "Z2", "mask")``) or both (``("le cache", ("Z1", "A1", "Z2", "mask"))``); or, for
    nested tuples, one flat list of the innermost names, depth first (``("P", "Z1", "A1", "Z2", "mask")``
    for ``(P, (Z1, A1, Z2, mask))``). Unnamed elements are named by their place (« le 2e élément du
    résultat », « l'élément résultat[1][0] »).
    ``driver`` and ``helpers`` apply alike to the student, the reference and every mistake.
    ``unchanged`` (the default): the array inputs of a case (also those inside tuples, lists and
    dicts) must hold the same values after the student's call, or the check fails and names the
    argument changed in place. It applies to the drivers that hand the case's inputs to the student
    (``kernel_side.ARGUMENT_DRIVERS``: call, batches, inputs_after); the value_* drivers build the
    student's objects from numbers and have nothing to compare. Pass ``unchanged=False`` only for a
    function whose contract is to update its input in place, and say so where you do.
    """
    shown = name if "`" in name else f"`{name}`"
    student = as_student(student)
    if not student.callable:
        return Verdict(False, f"{shown} n'est pas une fonction (type {student.type}).")
    student = student.using(driver, helpers)
    watch = unchanged and driver in ARGUMENT_DRIVERS
    cases = list(cases)
    answers: dict[int, Any] = {}
    for index, case in enumerate(cases, start=1):
        described = describe_args(case.args, arg_names, case.label)
        where = f"cas {index}/{len(cases)} ({case.label}{'; ' + described if described else ''})"
        try:
            got, reported = student.watched(*case.args, watch=watch)
            answers[index] = got
        except StudentRaised as error:
            if error.type_name == "NotImplementedError":
                return Verdict(False, f"{shown} n'est pas encore écrite (NotImplementedError).")
            return Verdict(False, f"{shown} a levé {error.type_name}: {error.message} — {where}.")
        modified = changed_inputs(case.args, reported) if watch else []
        expected = reference_answer(reference_fn, case.args, driver, helpers)
        names = fields(case) if callable(fields) else fields
        problem = _field_difference(expected, got, names, rtol=rtol, atol=atol)
        if problem is None and not modified:
            continue
        if modified:
            if problem is None:
                return Verdict(False, modified_message(shown, modified, arg_names, where))
            changed, advice = modified_inputs(modified, arg_names)
            also = f" De plus, elle a modifié {changed} en place : {advice}."
        else:
            also = ""
        mistake = _recognise(student, cases, answers, mistakes, driver, helpers, rtol=rtol, atol=atol)
        if mistake is not None:
            return Verdict(False, f"{shown} — erreur reconnue : {mistake.explanation}{also}", mistake.name)
        return Verdict(False, f"{shown} est incorrecte — {where} : {problem}.{also}")
    return Verdict(True, f"{shown} : {len(cases)} cas vérifiés, tous corrects.")


def _field_difference(expected, got, names: Sequence | None, *, rtol: float, atol: float) -> str | None:
    """:func:`difference` of the whole result, its elements named after ``names`` when given."""
    if names is None:
        return difference(expected, got, what="le résultat", rtol=rtol, atol=atol)
    if not isinstance(expected, tuple):
        return difference(expected, got, what=names[0], rtol=rtol, atol=atol)
    names = list(names)
    if len(names) != len(expected) and all(isinstance(n, str) for n in names) and len(names) == _leaf_count(expected):
        names = _nest(expected, iter(names))
    return difference(expected, got, what="le résultat", rtol=rtol, atol=atol, names=names)


FLOAT32_UNIT_ROUNDOFF = 2.0**-24  # u: float32 rounds each operation's result within a relative u (eps / 2)
# An answer computed in float32 from float64 inputs: the inputs themselves are rounded (a logit of 1000
# keeps 6e-5 of absolute precision), then a few dozen operations: ~1,700 u. Still far below what a
# mistake moves (a factor, a term, an index, an ε of 1e-8 is tested with ε ≥ 0.2 where it matters).
SINGLE_PRECISION_RTOL = 1e-4


def _single_precision(got) -> bool:
    return isinstance(got, (np.ndarray, np.floating)) and got.dtype == np.float32


def single_precision_tolerance(expected: np.ndarray, rtol: float, atol: float) -> tuple[float, float]:
    """The tolerance of an answer the student computed in float32 (a correct choice the course accepts):
    relative :data:`SINGLE_PRECISION_RTOL`, and absolute the same relative to the largest expected value
    (a value that should be 0 comes out of a float32 cancellation as a round-off of its neighbours').
    A float64 answer, and every reference and mutant, keeps the check's own tolerance."""
    finite = np.abs(expected[np.isfinite(expected)])
    largest = float(finite.max()) if finite.size else 0.0
    return max(rtol, SINGLE_PRECISION_RTOL), max(atol, SINGLE_PRECISION_RTOL * largest)


def float32_tolerance(steps: int, scale: float = 1.0, terms: int = 1, safety: float = 4.0) -> dict:
    """``rtol`` and ``atol`` (``compare(..., **float32_tolerance(...))``) for a trajectory that a correct
    student may compute in float32, derived from the computation rather than guessed.

    Each step of the trajectory (one parameter update, say) computes every value from sums of
    ``terms`` products (a dot product over ``terms`` features) and a few operations more (times η,
    minus): at most ``terms + 2`` roundings, each within a relative u = 2⁻²⁴ ≈ 6e-8 (Higham's
    γₙ ≈ n·u bound, relative to the sum of the magnitudes, hence ``scale``). A gradient step with a
    stable step size carries the error it is given without amplifying it (to first order), so the
    errors of ``steps`` steps add up at worst: ``steps · (terms + 2) · u``, times ``safety`` for the
    rounding of the float32 inputs themselves and of the loss. A value near zero inside a trajectory of
    values of order ``scale`` has the absolute error of its neighbours: ``atol = rtol · scale``.
    Never below the float64 defaults of :func:`check_against_reference` (rtol 1e-6, atol 1e-9).

    Example: 60 mini-batch steps over 5 features, values of order 1 → rtol = atol ≈ 1e-4; a wrong
    trajectory (a forgotten 1/N, a batch skipped, a shuffled order) differs by far more.
    """
    rtol = safety * max(int(steps), 1) * (max(int(terms), 1) + 2) * FLOAT32_UNIT_ROUNDOFF
    return {"rtol": max(rtol, 1e-6), "atol": max(rtol * float(scale), 1e-9)}


ACCURACY_MARGIN = 0.02  # a trained model may fall this far below the reference's test accuracy


def accuracy_verdict(trajectory: Verdict, accuracy: float, reference_accuracy: float, where: str) -> Verdict:
    """The quality half of a ``train`` check, once its trajectory passed: the student's trained
    model must reach the reference's test accuracy within :data:`ACCURACY_MARGIN`."""
    if not accuracy >= reference_accuracy - ACCURACY_MARGIN:
        return Verdict(
            False,
            f"`train` : {where}, l'exactitude sur le test est {accuracy:.3f}, "
            f"celle de la correction {reference_accuracy:.3f}.",
        )
    return Verdict(True, trajectory.message + f" Entraînement complet {where} : exactitude {accuracy:.3f} sur le test.")


def _recognise(student, cases, answers, mistakes, driver, helpers, *, rtol, atol) -> Mistake | None:
    """The known mistake whose answers equal the student's on every case, if there is one.

    Every case must agree: on one small case two different mistakes can give the same number
    (with n = 1, a forgotten 1/n is invisible), but not on all of them.
    """
    for index, case in enumerate(cases, start=1):
        if index not in answers:
            try:
                answers[index] = student(*case.args)
            except StudentRaised:  # a student that crashes somewhere matches no variant
                return None
    for mistake in mistakes:
        try:
            if all(
                difference(
                    reference_answer(mistake.compute, case.args, driver, helpers),
                    answers[index],
                    what="",
                    rtol=rtol,
                    atol=atol,
                    describe=False,
                )
                is None
                for index, case in enumerate(cases, start=1)
            ):
                return mistake
        except Exception:  # noqa: BLE001 - a variant that does not apply is not this mistake
            continue
    return None
