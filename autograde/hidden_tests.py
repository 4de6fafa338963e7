"""Hidden tests: which checks a graded cell runs, and how their verdicts are reached.

A graded cell of a source notebook holds, between nbgrader's markers, one line naming its checks:

    ### BEGIN HIDDEN TESTS
    from autograde import hidden_test
    hidden_test("td1.regression_lineaire.gradient", globals())
    ### END HIDDEN TESTS

When a teacher runs the source notebook, :func:`hidden_test` runs the checks right there, on the
notebook's own objects (trusted code). At grading time the grader never runs that line in the
student's kernel: it reads the check ids with :func:`hidden_region` and reaches the verdicts in its
own process (:mod:`autograde.judge`), asking the kernel only for the student's answers. Both paths go
through :func:`judge`, so a student gets the same verdict in JupyterLab and in the grader.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import Any, Callable, Sequence

from . import messages
from .checking import GradingStopped, LocalStudent, Mistake, Student, StudentRaised, Verdict, as_student, seed_for
from .kernel_side import defined_names
from .registry import graded, notebook_packages

__all__ = [
    "HIDDEN_REGION",
    "HiddenRegionError",
    "HiddenTestFailure",
    "catalogue",
    "hidden_region",
    "hidden_test",
    "isolated_helpers",
    "judge",
    "missing",
    "notebook_packages",
    "renamed_hint",
    "run_check",
    "student_name",
]

HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS\n?", re.DOTALL)


class HiddenTestFailure(AssertionError):
    """Raised in a hidden test cell; its text is the French message the student reads."""


class HiddenRegionError(ValueError):
    """A source notebook's hidden region is not the one line this grader knows how to run."""


def catalogue(check_id: str) -> Sequence[Mistake]:
    """The catalogued mistakes of the function (or class aspect) a check judges."""
    return graded(check_id).mistakes


def student_name(check_id: str) -> str:
    """The name the student's code defines: ``"td5.autograd.Value/backward"`` → ``"Value"``.

    The ``/aspect`` form lets several graded cells check different parts of one class."""
    return check_id.rsplit(".", 1)[1].split("/", 1)[0]


def isolated_helpers(check_id: str) -> dict[str, Any] | None:
    """The reference helpers a function is judged with (``ISOLATED`` of its checks module), if any."""
    return graded(check_id).helpers


def run_check(check_id: str, student: Any, seed: int | None = None) -> Verdict:
    """Run the check ``td<k>.<notebook>.<function>`` (as its notebook's package declares it) on the
    student's function or class (a :class:`Student`, or the object itself)."""
    check = graded(check_id).check
    student = as_student(student)
    try:
        return check(student, seed_for(check_id) if seed is None else seed)
    except StudentRaised as error:  # raised outside a comparison (a full training, say)
        if error.type_name == "NotImplementedError":
            return Verdict(False, f"`{student.name}` n'est pas encore écrite (NotImplementedError).")
        return Verdict(False, f"`{student.name}` a levé {error.type_name}: {error.message}.")
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ArithmeticError) as error:
        # An answer the check could not use after its comparisons (a training that returned
        # something else the second time): the student's answer, not the grader, is at fault.
        return Verdict(
            False, f"`{student.name}` a renvoyé une réponse inutilisable ({type(error).__name__} : {str(error)[:200]})."
        )


def renamed_hint(function_name: str, defined: list[str]) -> str:
    """ " Est-ce `gradient_lineaire` ?" when the notebook defines a function with a close name."""
    # A longer name holding the expected one (gradient_lineaire), or a typo (gradiant); not a mere
    # neighbour (predict is not a renamed gradient).
    close = [name for name in defined if function_name.lower() in name.lower()][:1] or difflib.get_close_matches(
        function_name, defined, n=1, cutoff=0.8
    )
    return f" Le notebook définit `{close[0]}` : est-ce elle, renommée ?" if close else ""


def missing(function_name: str, defined: list[str]) -> Verdict:
    return Verdict(
        False,
        f"La fonction `{function_name}` est introuvable : elle a été renommée, supprimée, ou la "
        "cellule qui la définit a échoué. Gardez le nom de l'énoncé et relancez le notebook de haut "
        "en bas." + renamed_hint(function_name, defined),
    )


Find = Callable[[str], "tuple[Student | None, list[str]]"]


def judge(check_ids: list[str], find: Find) -> list[tuple[str, Verdict]]:
    """The verdict of every check of a graded cell. ``find(name)`` gives the student's object as a
    :class:`Student` (or None) and the names the notebook defines. :class:`GradingStopped` (the
    kernel could not answer) propagates: the caller decides what happens to the kernel."""
    verdicts = []
    for check_id in check_ids:
        student, defined = find(student_name(check_id))
        verdicts.append(
            (
                check_id,
                run_check(check_id, student) if student is not None else missing(student_name(check_id), defined),
            )
        )
    return verdicts


def hidden_region(source: str) -> tuple[list[str], str] | None:
    """(check ids, the cell's source without its hidden region), or None when the cell has none."""
    found = HIDDEN_REGION.search(source)
    if found is None:
        return None
    statements = ast.parse(found.group(1)).body
    try:
        imported, called = statements
        call = called.value  # type: ignore[attr-defined]  # any statement: AttributeError is caught below
        assert isinstance(imported, ast.ImportFrom) and imported.module == "autograde"
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "hidden_test"
        ids = ast.literal_eval(call.args[0])
    except (AssertionError, AttributeError, ValueError, IndexError) as error:
        raise HiddenRegionError(f"unexpected hidden region:\n{found.group(1)}") from error
    check_ids = [ids] if isinstance(ids, str) else list(ids)
    if not check_ids or not all(isinstance(i, str) for i in check_ids):
        raise HiddenRegionError(f"unexpected hidden region:\n{found.group(1)}")
    return check_ids, source[: found.start()] + source[found.end() :]


def hidden_test(check_ids: str | list[str], namespace: dict) -> None:
    """Body of a hidden test cell when the notebook runs in a trusted kernel (a teacher's):
    ``hidden_test("td1.regression_lineaire.loss", globals())``.

    The student's function is looked up by name in ``namespace`` (the notebook's globals), so a
    renamed or undefined function gets a French message instead of a bare NameError. With a list of
    checks, all run and every failure is reported. When every check passed, a function judged with
    reference helpers keeps them until the end of the cell, for the visible self-check too.
    """

    def find(name):
        return (LocalStudent.of(namespace[name], name) if name in namespace else None), defined_names(namespace)

    try:
        verdicts = judge([check_ids] if isinstance(check_ids, str) else check_ids, find)
    except GradingStopped as stopped:  # pragma: no cover - only the grader's kernel student stops
        raise HiddenTestFailure(stopped.message) from None
    failures = [verdict.message for _, verdict in verdicts if not verdict.passed]
    if failures:
        # "from None": the student needs the diagnosis, not the grader's internal traceback.
        raise HiddenTestFailure("\n".join(failures)) from None
    for check_id, _ in verdicts:
        _isolate_for_this_cell(namespace, check_id)
    _say_at_the_end_of_the_cell([verdict.message for _, verdict in verdicts])


def _say_at_the_end_of_the_cell(verdicts: list[str]) -> None:
    """The ✔ lines, once the cell's visible self-check has run: a ✔ above a failed assertion would read
    as success, so when the visible part raised, the cell says what that means instead (the same
    words as the grader's, :func:`autograde.execution.verdict_banner`). Outside IPython (a test), at once."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the notebook's kernel always has IPython
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is None:
        print("\n".join("✔ " + verdict for verdict in verdicts))
        return

    def say(result):
        shell.events.unregister("post_run_cell", say)
        if getattr(result, "error_in_exec", None) is None:
            print("\n".join("✔ " + verdict for verdict in verdicts))
        else:
            print(messages.hidden_passed_visible_failed(verdicts))

    shell.events.register("post_run_cell", say)


def _isolate_for_this_cell(namespace: dict, check_id: str) -> None:
    """Until the end of the current cell, bind the function to a copy that uses the reference helpers.

    A graded cell runs the hidden test, then the visible self-check. For a function judged on its
    own (``train`` calls ``gradient``), the visible self-check must not fail because of another
    function's mistake: that one already costs its own cell.
    """
    from .kernel_side import with_helpers

    helpers = isolated_helpers(check_id)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - the notebook's kernel always has IPython
        return
    shell = get_ipython()
    if not helpers or shell is None:
        return
    function_name = student_name(check_id)
    original = namespace[function_name]
    namespace[function_name] = with_helpers(original, helpers)

    def restore(*_):
        namespace[function_name] = original
        shell.events.unregister("post_run_cell", restore)

    shell.events.register("post_run_cell", restore)
