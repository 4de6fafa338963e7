"""Hidden checks judged in the grader's process, with the student's kernel as a witness only.

At a graded cell, :class:`~autograde.execution.GuardedExecute` calls :func:`judge_cell`: the checks run
here, generate their cases, and ask the kernel, through ``ask``, for the student's answers as plain
data (:class:`KernelStudent`). The reference, the expected values, the catalogue of mistakes and the
messages stay in this process; into the kernel go only the cases' inputs and, for a function judged
alone (``train`` with the reference ``gradient``), the source of those helpers for that check.
"""

from __future__ import annotations

import builtins
import dis
import functools
import inspect
import textwrap
import types
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .checking import GradingStopped, Student, StudentRaised, Verdict
from .hidden_tests import judge
from .kernel_side import Code, Opaque, WireError, encode, loads
from .registry import graded

Ask = Callable[[dict], dict]  # one request to the kernel -> its decoded answer (raises GradingStopped)


@functools.lru_cache(maxsize=None)
def _global_names(code: types.CodeType) -> frozenset[str]:
    """The global names a function's code (nested functions included) loads."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _global_names(constant)
    return frozenset(names)


@functools.lru_cache(maxsize=None)
def _source(function: types.FunctionType) -> str:
    return textwrap.dedent(inspect.getsource(function))


def helper_bundle(helpers: Mapping[str, Any] | None) -> dict | None:
    """Helpers as data for the kernel: each function's source, each value encoded, with the module
    constants those functions read (``EPS``). A function they call must be a declared helper itself,
    so that no reference code enters the kernel unannounced."""
    if not helpers:
        return None
    functions, values = {}, {}
    for name, helper in helpers.items():
        if isinstance(helper, types.FunctionType):
            functions[name] = _source(helper)
            for used in _global_names(helper.__code__) - set(helpers) - set(vars(builtins)) - {"np", "math"}:
                value = helper.__globals__.get(used, None)
                if isinstance(value, type) and helper.__qualname__.startswith(f"{value.__name__}."):
                    continue  # a method's own class: the driver's hybrid class stands for it
                if callable(value) or isinstance(value, types.ModuleType):
                    raise TypeError(f"helper {name} uses {used}, which is not a declared helper")
                if used in helper.__globals__:
                    values[used] = value
        elif isinstance(helper, Code):
            raise TypeError(f"helper {name}: give the function itself, not Code")
        else:
            values[name] = helper
    return {"functions": functions, "values": encode(values, strict=True)}


@dataclass(frozen=True)
class KernelStudent(Student):
    """The student's object in the sandboxed kernel: each call is a request, the answer plain data."""

    ask: Ask | None = None

    def watched(self, *args, watch: bool = True):
        request = {
            "name": self.name,
            "driver": self.driver,
            "args": encode(args, strict=True),
            "helpers": helper_bundle(self.helpers),
        }
        if watch:  # the kernel side also sends back the array inputs the call changed, as it left them
            request["watch"] = True
        assert self.ask is not None  # find_in_kernel gives every KernelStudent its ask
        answer = self.ask(request)
        if isinstance(answer.get("raised"), str):
            raise StudentRaised(answer["raised"], str(answer.get("message", "")))
        # No answer (the kernel side was tampered with) is judged as an answer of no known type; what it
        # says of the inputs, the grader checks against its own copy (checking.changed_inputs).
        return answer.get("value", Opaque("réponse illisible")), answer.get("changed", [])


def find_in_kernel(ask: Ask):
    """The ``find`` of :func:`~autograde.hidden_tests.judge`: the student's object by name, in the kernel."""

    def find(name: str):
        answer = ask({"lookup": name})
        defined = [str(n) for n in answer.get("defined", []) if isinstance(n, str)][:200]
        if answer.get("found") is not True:
            return None, defined
        kind = answer["kind"] if answer.get("kind") in ("function", "class") else "other"
        return KernelStudent(name, kind, str(answer.get("type", ""))[:80], ask=ask), defined

    return find


def judge_cell(check_ids: list[str], ask: Ask) -> list[tuple[str, Verdict]]:
    """Every check of a graded cell, judged here; :class:`GradingStopped` when the kernel could not answer."""
    return judge(check_ids, find_in_kernel(ask))


def isolation_requests(check_ids: list[str]) -> list[tuple[dict, dict]]:
    """(bind, restore) requests for the functions judged with reference helpers, so that the cell's
    visible self-check, like the hidden checks, does not depend on another cell's function."""
    requests = []
    for check_id in check_ids:
        function = graded(check_id)
        if function.helpers:
            name = function.name
            requests.append(
                (
                    {"name": name, "isolate": True, "helpers": helper_bundle(function.helpers)},
                    {"name": name, "restore": True},
                )
            )
    return requests


def read_answer(text: str | None) -> dict:
    """The kernel's answer, decoded without ever building an object from it; anything but a dict of
    plain data is no answer."""
    try:
        answer = loads(text) if text is not None else None
    except WireError:
        answer = None
    return answer if isinstance(answer, dict) else {}


def kernel_side_boot(source: str) -> str:
    """Code that installs the kernel side as the module ``_autograde_kernel`` (the kernel cannot import
    ``autograde``: the sandbox does not show it)."""
    return (
        "def _autograde_boot(source):\n"
        "    import sys, types\n"
        "    module = types.ModuleType('_autograde_kernel')\n"
        "    exec(compile(source, '<autograde kernel side>', 'exec'), module.__dict__)\n"
        "    sys.modules['_autograde_kernel'] = module\n"
        "    module.open_channel()\n"
        f"_autograde_boot({source!r})\n"
        "del _autograde_boot\n"
    )


__all__ = [
    "Ask",
    "GradingStopped",
    "KernelStudent",
    "helper_bundle",
    "isolation_requests",
    "judge_cell",
    "kernel_side_boot",
    "read_answer",
]
