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
3. the shape is wrong → both shapes are given;
4. NaN or inf where the reference is finite → said so;
5. values differ beyond the relative tolerance → if the answer matches a known wrong variant
   (``Mistake``), the mistake is named; otherwise the first failing case, expected vs obtained.
"""
from __future__ import annotations

import copy
import numbers
import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from . import settings
from .kernel_side import DRIVERS, Code, Opaque, dumps, loads, quietly, type_name

__all__ = ["Case", "Code", "Mistake", "Student", "LocalStudent", "StudentRaised", "Verdict", "check_against_reference",
           "reference_answer", "seed_for"]

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
        raise NotImplementedError


@dataclass(frozen=True)
class LocalStudent(Student):
    """The student's object in this very process (a teacher running a source notebook, the tests).

    Inputs and answers make the same round trip through plain data as at grading time, so a verdict
    is the same in JupyterLab as in the grader."""

    target: Any = None

    @classmethod
    def of(cls, target: Any, name: str | None = None) -> "LocalStudent":
        kind = "class" if isinstance(target, type) else "function" if callable(target) else "other"
        return cls(name or getattr(target, "__name__", "?"), kind, type(target).__name__, target=target)

    def __call__(self, *args):
        inputs = loads(dumps(args, strict=True), inputs=True)
        try:
            with quietly():
                answer = DRIVERS[self.driver](self.target, self.helpers, *inputs)
        except Exception as error:  # noqa: BLE001 - a student's exception is an answer like any other
            raise StudentRaised(type(error).__name__, str(error)) from None
        return loads(dumps(answer))


def as_student(student: Any) -> Student:
    return student if isinstance(student, Student) else LocalStudent.of(student)


def reference_answer(function: Callable, args: tuple, driver: str = "call", helpers: dict | None = None) -> Any:
    """What the reference (or a catalogued mistake) answers on ``args``, through the same driver as the
    student, on copies of the inputs."""
    with quietly():
        return DRIVERS[driver](function, helpers, *copy.deepcopy(args))


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
    if isinstance(value, Opaque):
        return f"un objet de type {value.type_name}"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"


def describe_args(args: Sequence[Any], names: Sequence[str]) -> str:
    parts = []
    for name, arg in zip(names, args):
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
        if type(got) is not tuple:
            return (f"{what} doit être un tuple de {len(expected)} éléments, "
                    f"obtenu {type_name(got)}")
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
        return f"{what} est de type {type_name(got)} ; {kind} est attendu"
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
    fields: Callable[[Case], Sequence[str]] | None = None,
    driver: str = "call",
    helpers: dict | None = None,
) -> Verdict:
    """Compare the student's answers with the reference's on every case; stop at the first failure.

    ``student`` is a :class:`Student` (a plain function is taken as a :class:`LocalStudent`).
    ``name`` is shown between backquotes unless it already holds some (``"`Value` (exp, tanh)"``).
    ``arg_names`` describe a case's arguments in messages; leave empty when the label says it all.
    ``fields(case)``, when given, names the elements of a tuple result (``out.data``, ``a.grad`` …).
    ``driver`` and ``helpers`` apply alike to the student, the reference and every mistake.
    """
    shown = name if "`" in name else f"`{name}`"
    student = as_student(student)
    if not student.callable:
        return Verdict(False, f"{shown} n'est pas une fonction (type {student.type}).")
    student = student.using(driver, helpers)
    cases = list(cases)
    answers: dict[int, Any] = {}
    for index, case in enumerate(cases, start=1):
        described = f"; {describe_args(case.args, arg_names)}" if arg_names else ""
        where = f"cas {index}/{len(cases)} ({case.label}{described})"
        try:
            got = answers[index] = student(*case.args)
        except StudentRaised as error:
            if error.type_name == "NotImplementedError":
                return Verdict(False, f"{shown} n'est pas encore écrite (NotImplementedError).")
            return Verdict(False, f"{shown} a levé {error.type_name}: {error.message} — {where}.")
        expected = reference_answer(reference_fn, case.args, driver, helpers)
        problem = _field_difference(expected, got, fields(case) if fields else None, rtol=rtol, atol=atol)
        if problem is None:
            continue
        mistake = _recognise(student, cases, answers, mistakes, driver, helpers, rtol=rtol, atol=atol)
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
            if all(difference(reference_answer(mistake.compute, case.args, driver, helpers), answers[index], what="",
                              rtol=rtol, atol=atol) is None
                   for index, case in enumerate(cases, start=1)):
                return mistake
        except Exception:  # noqa: BLE001 - a variant that does not apply is not this mistake
            continue
    return None
