"""The judge (autograde/judge.py): hidden checks judged in the grader's process, the kernel a witness.

:func:`judge_cell` runs with the ``ask`` of tests/fakes.py: each request crosses as JSON text to the
real kernel side (:func:`autograde.kernel_side._answer`) on a namespace where the student's code ran,
and the answer comes back as text, decoded by :func:`read_answer`, as in a kernel."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from fakes import kernel_ask, student_namespace

from autograde import kernel_side
from autograde.checking import LocalStudent, StudentRaised
from autograde.hidden_tests import judge
from autograde.judge import KernelStudent, helper_bundle, isolation_requests, judge_cell, kernel_side_boot, read_answer
from autograde.kernel_side import Code, Opaque
from autograde.td1.regression_lineaire import checks as linreg_checks
from autograde.td1.regression_lineaire import solution as linreg

GRADIENT_ID = "td1.regression_lineaire.gradient"
IMPORTS = "import numpy as np"
RIGHT = """def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
"""
SWAPPED = RIGHT.replace(
    "return np.mean(residual * x), np.mean(residual)", "return np.mean(residual), np.mean(residual * x)"
)
IN_PLACE = """def gradient(x, y_hat, y):
    y_hat -= y
    return np.mean(y_hat * x), np.mean(y_hat)
"""
AS_LIST = RIGHT.replace(
    "return np.mean(residual * x), np.mean(residual)", "return [np.mean(residual * x), np.mean(residual)]"
)
GENERATOR = RIGHT.replace(
    "return np.mean(residual * x), np.mean(residual)", "return (g for g in (np.mean(residual * x), np.mean(residual)))"
)


def verdict(*sources: str, check_id: str = GRADIENT_ID, log: list | None = None):
    [(judged, found)] = judge_cell([check_id], kernel_ask(student_namespace(IMPORTS, *sources), log))
    assert judged == check_id
    return found


def test_a_right_function_passes_with_one_lookup_then_watched_calls_of_plain_data():
    log: list = []
    found = verdict(RIGHT, log=log)
    assert found.passed and found.message == "`gradient` : 3 cas vérifiés, tous corrects." and found.mistake is None
    assert log[0] == {"lookup": "gradient"}
    calls = log[1:]
    assert len(calls) == 3 and all(c["name"] == "gradient" and c["driver"] == "call" and c["watch"] for c in calls)
    assert all(c["helpers"] is None for c in calls), "gradient is judged with no reference code in the kernel"


def test_a_catalogued_mistake_is_named_with_its_id():
    found = verdict(SWAPPED)
    assert not found.passed and found.mistake == "regression_lineaire.gradient/swapped"
    assert found.message.startswith("`gradient` — erreur reconnue : les deux composantes sont inversées")


def test_a_function_that_changes_its_input_is_caught_from_the_kernels_report():
    found = verdict(IN_PLACE)
    assert not found.passed and found.mistake is None
    assert found.message.startswith("`gradient` a modifié son argument `y_hat` en place — cas 1/3 (n = 1")


def test_a_missing_function_is_introuvable_and_lists_nothing_it_was_not_given():
    found = verdict("def predict(x, w, b):\n    return w * x + b\n")
    assert not found.passed
    assert found.message.startswith("La fonction `gradient` est introuvable : elle a été renommée, supprimée")
    assert "est-ce elle" not in found.message, "predict is not a renamed gradient"
    assert "`gradiant` : est-ce elle, renommée ?" in verdict(RIGHT.replace("def gradient(", "def gradiant(")).message


def test_a_name_that_is_not_a_function_is_said_so():
    found = verdict("gradient = (0.0, 0.0)")
    assert not found.passed and found.message == "`gradient` n'est pas une fonction (type tuple)."


@pytest.mark.parametrize(
    "source, expected",
    [
        (AS_LIST, "le résultat doit être un tuple de 2 éléments, obtenu list"),
        (GENERATOR, "le résultat doit être un tuple de 2 éléments, obtenu generator"),
    ],
    ids=["list", "generator"],
)
def test_an_answer_of_the_wrong_type_is_judged_by_its_type(source, expected):
    found = verdict(source)
    assert not found.passed and expected in found.message


def test_an_answer_that_is_not_plain_data_arrives_as_a_type_name_only():
    namespace = student_namespace(
        IMPORTS,
        "class Lie:\n    def __eq__(self, other):\n        return True\n",
        "def gradient(x, y_hat, y):\n    return Lie(), Lie()\n",
    )
    student = KernelStudent("gradient", "function", "function", ask=kernel_ask(namespace))
    value, changed = student.watched(np.ones(2), np.ones(2), np.ones(2))
    assert type(value) is tuple and all(type(v) is Opaque and v.type_name == "Lie" for v in value)
    assert changed == []
    [(_, found)] = judge_cell([GRADIENT_ID], kernel_ask(namespace))
    assert "dL/dw est de type Lie ; un nombre est attendu" in found.message


def test_a_tampered_kernel_side_gives_no_point():
    """Answers that do not decode (or are not a dict) are no answers: the function is not found, or its
    answer is of no known type."""

    def garbled(request):
        return read_answer('{"t": "pickle", "data": "gASV"}')

    [(_, found)] = judge_cell([GRADIENT_ID], garbled)
    assert not found.passed and "introuvable" in found.message

    def lies_after_lookup(request):
        if "lookup" in request:
            return {"found": True, "kind": "function", "type": "function", "defined": ["gradient"]}
        return read_answer("not json")

    [(_, found)] = judge_cell([GRADIENT_ID], lies_after_lookup)
    assert not found.passed and "obtenu réponse illisible" in found.message


def test_read_answer_builds_nothing_but_plain_data():
    assert read_answer(None) == {}
    assert read_answer("[1, 2]") == {}
    assert read_answer("{") == {}
    assert read_answer(kernel_side.dumps({"value": {"t": "code", "source": "0", "name": "f", "bindings": {}}})) == {
        "value": {"t": "code", "source": "0", "name": "f", "bindings": {}}
    }, "a dict with a 't' key is plain data too"
    answer = read_answer('{"t": "dict", "items": {"value": {"t": "object", "type": "Model"}}}')
    assert type(answer["value"]) is Opaque and answer["value"].type_name == "Model"
    code = '{"t": "dict", "items": {"value": {"t": "code", "source": "0", "name": "f", "bindings": null}}}'
    assert read_answer(code) == {}, "a function never comes out of the kernel"


def test_the_students_exception_crosses_as_its_name_and_message():
    namespace = student_namespace("def gradient(x, y_hat, y):\n    raise ValueError('formes ' + 'x' * 1000)\n")
    student = KernelStudent("gradient", "function", "function", ask=kernel_ask(namespace))
    with pytest.raises(StudentRaised) as raised:
        student(np.ones(2), np.ones(2), np.ones(2))
    assert raised.value.type_name == "ValueError"
    assert raised.value.message.startswith("formes x") and len(raised.value.message) == kernel_side.MAX_TEXT


@pytest.mark.parametrize(
    "source",
    [RIGHT, SWAPPED, IN_PLACE, AS_LIST, GENERATOR, "def gradient(x, y_hat, y):\n    raise NotImplementedError\n"],
    ids=["right", "swapped", "in_place", "list", "generator", "not_written"],
)
def test_the_grader_and_the_teachers_notebook_give_the_same_verdict(source):
    """Both paths go through hidden_tests.judge: the kernel's witness and the function called here."""
    namespace = student_namespace(IMPORTS, source)
    in_grader = judge_cell([GRADIENT_ID], kernel_ask(namespace))
    here = judge([GRADIENT_ID], lambda name: (LocalStudent.of(namespace[name], name), []))
    assert in_grader == here


# ------------------------------------------------------------------------------- helpers, isolation
def test_the_helpers_of_a_function_judged_alone_go_as_source_and_data():
    bundle = helper_bundle(linreg_checks.ISOLATED["train"])
    assert sorted(bundle["functions"]) == ["gradient", "loss", "predict"]
    assert bundle["functions"]["gradient"].startswith("def gradient(x, y_hat, y):")
    assert kernel_side.decode(bundle["values"], inputs=True) == {"W_INIT": linreg.W_INIT, "B_INIT": linreg.B_INIT}
    assert helper_bundle(None) is None and helper_bundle({}) is None


def test_a_helper_must_be_a_declared_function_or_data():
    with pytest.raises(TypeError, match="give the function itself"):
        helper_bundle({"f": Code("lambda x: x", "f")})
    with pytest.raises(TypeError, match="not a declared helper"):
        helper_bundle({"train": linreg.train})  # it calls predict, loss and gradient, undeclared


def test_isolation_binds_and_restores_only_the_functions_judged_alone():
    assert isolation_requests([GRADIENT_ID]) == []
    [(bind, restore)] = isolation_requests(["td1.regression_lineaire.train"])
    assert (
        bind["name"] == "train"
        and bind["isolate"] is True
        and sorted(bind["helpers"]["functions"]) == ["gradient", "loss", "predict"]
    )
    assert restore == {"name": "train", "restore": True}
    namespace = student_namespace(
        IMPORTS,
        "def gradient(x, y_hat, y):\n    return 0.0, 0.0\n",
        "def train(x, y, eta, epochs):\n    return gradient(x, x, y)\n",
    )
    ask = kernel_ask(namespace)
    own = namespace["train"]
    assert ask(bind) == {"done": True}
    x, y = np.array([0.0, 1.0]), np.array([1.0, 3.0])
    assert namespace["train"](x, y, 0.1, 1) == linreg.gradient(x, x, y), "bound to the reference gradient"
    assert ask(restore) == {"done": True}
    assert namespace["train"] is own


# ------------------------------------------------------------------------------------ the boot
class _Comm:
    def __init__(self):
        self.sent, self.handler = [], None

    def on_msg(self, handler):
        self.handler = handler
        return handler

    def send(self, data):
        self.sent.append(data)


def test_the_boot_installs_the_kernel_side_that_the_fake_kernel_stands_for(monkeypatch):
    """kernel_side_boot's code, run in a namespace as a kernel runs it, registers the comm target whose
    answers are those of kernel_side._answer: what tests/fakes.py's kernel does in its place."""
    import IPython

    targets: dict = {}
    user_ns = student_namespace(IMPORTS, RIGHT)
    shell = types.SimpleNamespace(
        user_ns=user_ns,
        kernel=types.SimpleNamespace(
            comm_manager=types.SimpleNamespace(register_target=lambda name, opened: targets.setdefault(name, opened))
        ),
    )
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setitem(sys.modules, "_autograde_kernel", None)  # removed again after the test
    source = Path(kernel_side.__file__).read_text(encoding="utf-8")
    exec(compile(kernel_side_boot(source), "<boot>", "exec"), {})  # noqa: S102
    assert type(sys.modules["_autograde_kernel"]) is types.ModuleType and list(targets) == [kernel_side.CHANNEL]
    comm = _Comm()
    targets[kernel_side.CHANNEL](comm, {})
    request = {"lookup": "gradient"}
    comm.handler({"content": {"data": {kernel_side.REQUEST: json.dumps(request)}}})
    [sent] = comm.sent
    in_process = kernel_side.dumps(kernel_side._answer(request, user_ns))
    assert read_answer(sent[kernel_side.ANSWER]) == read_answer(in_process)
    assert read_answer(sent[kernel_side.ANSWER])["found"] is True
