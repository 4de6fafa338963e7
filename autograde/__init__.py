"""Teacher-side package of the course: reference solutions, hidden-test checks, grading pipeline.

Students never have this package; hidden test cells call :func:`hidden_test`.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from .checking import Verdict, seed_for, with_reference_helpers

__all__ = ["hidden_test", "run_check", "student_name", "Verdict", "seed_for"]


def _check_module(check_id: str):
    """``"module.name"`` → (checks module, ``"name"``); ``"module.Name/aspect"`` → (…, ``"Name_aspect"``)."""
    module_name, function_name = check_id.rsplit(".", 1)
    return importlib.import_module(f"autograde.checks.{module_name}"), function_name.replace("/", "_")


def student_name(check_id: str) -> str:
    """The name the student's code defines: ``"autodiff.Value/backward"`` → ``"Value"``.

    The ``/aspect`` form lets several graded cells check different parts of one class."""
    return check_id.rsplit(".", 1)[1].split("/", 1)[0]


def run_check(check_id: str, student_fn: Any, seed: int | None = None) -> Verdict:
    """Run the check ``<module>.<function>`` of :mod:`autograde.checks` on a student's callable."""
    module, function_name = _check_module(check_id)
    check: Callable[[Any, int], Verdict] = getattr(module, f"check_{function_name}")
    return check(student_fn, seed_for(check_id) if seed is None else seed)


def _isolate_for_this_cell(namespace: dict, check_id: str) -> None:
    """Until the end of the current cell, bind the function to a copy that uses the reference helpers.

    A graded cell runs the hidden test, then the visible self-check. For a function judged on its
    own (``train`` calls ``gradient``), the visible self-check must not fail because of another
    function's mistake: that one already costs its own cell.
    """
    module, check_name = _check_module(check_id)
    function_name = student_name(check_id)
    helpers = getattr(module, "ISOLATED", {}).get(check_name)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the grading kernel always has IPython
        return
    shell = get_ipython()
    if not helpers or shell is None:
        return
    original = namespace[function_name]
    namespace[function_name] = with_reference_helpers(original, helpers)

    def restore(*_):
        namespace[function_name] = original
        shell.events.unregister("post_run_cell", restore)

    shell.events.register("post_run_cell", restore)


def _renamed_hint(function_name: str, namespace: dict) -> str:
    """" Est-ce `gradient_lineaire` ?" when the notebook defines a function with a close name."""
    import difflib
    import types

    defined = [name for name, value in namespace.items() if not name.startswith("_")
               and isinstance(value, (types.FunctionType, type)) and value.__module__ == namespace.get("__name__")]
    # A longer name holding the expected one (gradient_lineaire), or a typo (gradiant); not a mere
    # neighbour (predict is not a renamed gradient).
    close = [name for name in defined if function_name.lower() in name.lower()][:1] or \
        difflib.get_close_matches(function_name, defined, n=1, cutoff=0.8)
    return f" Le notebook définit `{close[0]}` : est-ce elle, renommée ?" if close else ""


class HiddenTestFailure(AssertionError):
    """Raised in a hidden test cell; its text is the French message the student reads."""


def hidden_test(check_ids: str | list[str], namespace: dict) -> None:
    """Body of a hidden test cell: ``hidden_test("linear_regression.loss", globals())``.

    The student's function is looked up by name in ``namespace`` (the notebook's globals), so a
    renamed or undefined function gets a French message instead of a bare NameError. With a list
    of checks, all run and every failure is reported.
    """
    failures, successes = [], []
    for check_id in [check_ids] if isinstance(check_ids, str) else check_ids:
        function_name = student_name(check_id)
        student_fn = namespace.get(function_name)
        if student_fn is None:
            failures.append(
                f"La fonction `{function_name}` est introuvable : elle a été renommée, supprimée, ou la cellule "
                "qui la définit a échoué. Gardez le nom de l'énoncé et relancez le notebook de haut en bas."
                + _renamed_hint(function_name, namespace))
            continue
        verdict = run_check(check_id, student_fn)
        (successes if verdict.passed else failures).append(verdict.message)
        if verdict.passed:
            _isolate_for_this_cell(namespace, check_id)
    if failures:
        # "from None": the student needs the diagnosis, not the grader's internal traceback.
        raise HiddenTestFailure("\n".join(failures)) from None
    print("\n".join("✔ " + message for message in successes))
