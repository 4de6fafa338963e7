"""Comparing a student's function with the reference, and saying in French what is wrong.

A check is a plain function ``check_xxx(student_fn, seed) -> Verdict``: it generates its cases from
``seed``, calls the student's function on copies of the inputs, and compares the answers with the
reference module. It never looks at the kernel it runs in, so it can run inside the student's
notebook (nbgrader's hidden test) or in the grader's own process.

Comparison order (so that a student gets the most useful message first):
1. the call raised → the exception is named;
2. the type is wrong (a list instead of an array, an object that is not a number) → said so,
   without ever calling the object's ``__eq__`` (an object whose ``__eq__`` is always True
   fools ``assert a == b`` but not an explicit conversion to float64);
3. the shape is wrong → both shapes are given;
4. NaN or inf where the reference is finite → said so;
5. values differ beyond the relative tolerance → if the answer matches a known wrong variant
   (``Mistake``), the mistake is named; otherwise the first failing case, expected vs obtained.
"""
from __future__ import annotations

import copy
import numbers
import os
import types
import warnings
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

DEFAULT_SEED = 20261121


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
    base = int(os.environ.get("AUTOGRADE_SEED", DEFAULT_SEED))
    return (base * 1_000_003 + zlib.crc32(check_id.encode())) % (2**32)


def fmt(value: Any, max_items: int = 6) -> str:
    """A short readable rendering of a value for a feedback message."""
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt(v, max_items) for v in value) + ")"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return fmt(value.item())
        flat = value.ravel()
        shown = ", ".join(f"{float(v):.6g}" for v in flat[:max_items])
        return f"[{shown}{', …' if flat.size > max_items else ''}] (forme {value.shape})"
    if isinstance(value, (numbers.Real, np.floating, np.integer)):
        return f"{float(value):.6g}"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"


def describe_args(args: Sequence[Any], names: Sequence[str]) -> str:
    parts = []
    for name, arg in zip(names, args):
        if isinstance(arg, np.ndarray):
            parts.append(f"{name} de forme {arg.shape}")
        elif isinstance(arg, (numbers.Number, np.generic)):
            parts.append(f"{name} = {fmt(arg)}")
        elif callable(arg):
            parts.append(f"{name} = {getattr(arg, '__name__', 'fonction')}")
    return ", ".join(parts)


def _as_float_array(value: Any) -> np.ndarray | None:
    """The value as a float64 array, or None when it is not numeric data.

    Only real numpy arrays and plain numbers are accepted: anything else (a list, a custom
    object with a lying ``__eq__`` or ``__array__``) is rejected by type before any comparison.
    Booleans count as 0 and 1, as numpy does in arithmetic: ``z > 0`` is a fine step function,
    whether ``z`` is an array or a number.
    """
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        if value.dtype.kind not in "biuf":
            return None
        return value.astype(np.float64)
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return np.asarray(float(value))
    return None


def difference(expected: Any, got: Any, *, what: str, rtol: float, atol: float) -> str | None:
    """None when ``got`` matches ``expected``; otherwise a French sentence saying how it differs.

    ``expected`` is a number, a numpy array, or a tuple of those (compared element-wise).
    """
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or type(got) is not tuple:
            return (f"{what} doit être un tuple de {len(expected)} éléments, "
                    f"obtenu {type(got).__name__}")
        if len(got) != len(expected):
            return f"{what} doit contenir {len(expected)} éléments, obtenu {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            owner = "du résultat" if what == "le résultat" else f"de {what}"
            problem = difference(e, g, what=f"l'élément n°{i + 1} {owner}", rtol=rtol, atol=atol)
            if problem:
                return problem
        return None

    exp = np.asarray(expected, dtype=np.float64)
    if isinstance(got, list):
        return f"{what} est une liste Python ; un tableau numpy (np.ndarray) est attendu"
    arr = _as_float_array(got)
    if arr is None:
        kind = "un nombre" if exp.ndim == 0 else f"un tableau numpy de forme {exp.shape}"
        return f"{what} est de type {type(got).__name__} ; {kind} est attendu"
    if exp.ndim == 0 and arr.shape not in ((), (1,)):
        return f"{what} doit être un nombre, obtenu un tableau de forme {arr.shape}"
    if exp.ndim > 0 and arr.shape != exp.shape:
        return f"{what} a la forme {arr.shape}, la forme attendue est {exp.shape}"
    arr = arr.reshape(exp.shape)
    bad_got = ~np.isfinite(arr) & np.isfinite(exp)
    if bad_got.any():
        kind = "NaN" if np.isnan(arr[bad_got]).any() else "inf"
        return f"{what} contient {kind} alors que la valeur attendue est finie"
    close = np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        if exp.ndim == 0:
            return f"{what} : attendu {fmt(float(exp))}, obtenu {fmt(float(arr))}"
        first = np.unravel_index(int(np.flatnonzero(~close)[0]), exp.shape)
        index = int(first[0]) if len(first) == 1 else tuple(int(i) for i in first)
        return (f"{what} : {int((~close).sum())} valeur(s) sur {exp.size} diffèrent ; à l'indice {index}, "
                f"attendu {fmt(float(exp[first]))}, obtenu {fmt(float(arr[first]))} "
                f"(attendu {fmt(exp)}, obtenu {fmt(arr)})")
    return None


def call_quietly(fn: Callable, args: tuple) -> Any:
    """Call ``fn`` on deep copies of ``args`` with warnings silenced.

    Copies: a student function that modifies its inputs in place must not change the next case.
    Silence: nbgrader counts any stderr output in a test cell as a failure, and a harmless
    RuntimeWarning must not cost points.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*copy.deepcopy(args))


def check_against_reference(
    student_fn: Callable,
    reference_fn: Callable,
    cases: Iterable[Case],
    *,
    name: str,
    arg_names: Sequence[str] = (),
    mistakes: Sequence[Mistake] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    fields: Callable[[Case], Sequence[str]] | None = None,
) -> Verdict:
    """Compare ``student_fn`` with ``reference_fn`` on every case; stop at the first failure.

    ``name`` is shown between backquotes unless it already holds some (``"`Value` (exp, tanh)"``).
    ``arg_names`` describe a case's arguments in messages; leave empty when the label says it all.
    ``fields(case)``, when given, names the elements of a tuple result (``out.data``, ``a.grad`` …).
    """
    shown = name if "`" in name else f"`{name}`"
    if not callable(student_fn):
        return Verdict(False, f"{shown} n'est pas une fonction (type {type(student_fn).__name__}).")
    cases = list(cases)
    for index, case in enumerate(cases, start=1):
        described = f"; {describe_args(case.args, arg_names)}" if arg_names else ""
        where = f"cas {index}/{len(cases)} ({case.label}{described})"
        try:
            got = call_quietly(student_fn, case.args)
        except NotImplementedError:
            return Verdict(False, f"{shown} n'est pas encore écrite (NotImplementedError).")
        except Exception as error:  # noqa: BLE001 - any student exception is a verdict
            return Verdict(False, f"{shown} a levé {type(error).__name__}: {error} — {where}.")
        expected = call_quietly(reference_fn, case.args)
        problem = _field_difference(expected, got, fields(case) if fields else None, rtol=rtol, atol=atol)
        if problem is None:
            continue
        mistake = _recognise(student_fn, cases, mistakes, rtol=rtol, atol=atol)
        if mistake is not None:
            return Verdict(False, f"{shown} — erreur reconnue : {mistake.explanation}", mistake.name)
        return Verdict(False, f"{shown} est incorrecte — {where} : {problem}.")
    return Verdict(True, f"{shown} : {len(cases)} cas vérifiés, tous corrects.")


def _field_difference(expected, got, names: Sequence[str] | None, *, rtol: float, atol: float) -> str | None:
    """:func:`difference` of the whole result, or field by field when the fields have names."""
    if names is None:
        return difference(expected, got, what="le résultat", rtol=rtol, atol=atol)
    if not isinstance(expected, tuple):
        return difference(expected, got, what=names[0], rtol=rtol, atol=atol)
    for index, what in enumerate(names):
        problem = difference(expected[index], got[index], what=what, rtol=rtol, atol=atol)
        if problem:
            return problem
    return None


ACCURACY_MARGIN = 0.02  # a trained model may fall this far below the reference's test accuracy


def accuracy_verdict(trajectory: Verdict, accuracy: float, reference_accuracy: float, where: str) -> Verdict:
    """The quality half of a ``train`` check, once its trajectory passed: the student's trained
    model must reach the reference's test accuracy within :data:`ACCURACY_MARGIN`."""
    if not accuracy >= reference_accuracy - ACCURACY_MARGIN:
        return Verdict(False, f"`train` : {where}, l'exactitude sur le test est {accuracy:.3f}, "
                              f"celle de la correction {reference_accuracy:.3f}.")
    return Verdict(True, trajectory.message + f" Entraînement complet {where} : exactitude {accuracy:.3f} sur le test.")


def _recognise(student_fn, cases, mistakes, *, rtol, atol) -> Mistake | None:
    """The known mistake whose outputs equal the student's on every case, if there is one.

    Every case must agree: on one small case two different mistakes can give the same number
    (with n = 1, a forgotten 1/n is invisible), but not on all of them.
    """
    student_outputs = []
    for case in cases:
        try:
            student_outputs.append(call_quietly(student_fn, case.args))
        except Exception:  # noqa: BLE001 - a student that crashes somewhere matches no variant
            return None
    for mistake in mistakes:
        try:
            if all(difference(call_quietly(mistake.compute, case.args), got, what="", rtol=rtol, atol=atol) is None
                   for case, got in zip(cases, student_outputs)):
                return mistake
        except Exception:  # noqa: BLE001 - a variant that does not apply is not this mistake
            continue
    return None


def with_reference_helpers(student_fn: Callable, helpers: dict[str, Any]) -> Callable:
    """A copy of ``student_fn`` whose global names in ``helpers`` resolve to the reference ones.

    So ``train`` is judged on its own: if it calls the student's ``gradient`` and that gradient is
    wrong, only ``gradient`` loses points. The student's namespace itself is left untouched.
    """
    if not isinstance(student_fn, types.FunctionType):
        return student_fn
    global_names = dict(student_fn.__globals__)
    global_names.update(helpers)
    clone = types.FunctionType(student_fn.__code__, global_names, student_fn.__name__,
                               student_fn.__defaults__, student_fn.__closure__)
    clone.__kwdefaults__ = student_fn.__kwdefaults__
    return clone
