"""A fake kernel for the fast layer: the grader's heart (GuardedExecute, the judge) run without a kernel.

nbgrader tests its preprocessors on small notebooks written in code; ours need a kernel, which costs
seconds to start. :class:`FakeKernel` stands in for it, in this process:

- the student's cells run with ``exec`` in one namespace (``__name__ == "__main__"``, as in IPython),
  their prints, their last expression and their exceptions sent back as the kernel's messages;
- the grader's requests on the ``autograde.requests`` comm are answered by the real
  :func:`autograde.kernel_side._answer` on that namespace, the answer sent back as text, as
  ``kernel_side.open_channel`` does in a real kernel;
- every message the grader reads goes through the session's ``serialize`` and then the session's
  ``deserialize`` (which :class:`~autograde.execution.BoundedWire` replaces), as on a ZMQ channel.

A cell that raises ``KeyboardInterrupt`` ends as an interrupted cell ends in a kernel; one that calls
:func:`die` (or a student's function that calls it during a hidden check) kills the fake kernel as
``os._exit`` kills a real one: no reply, no idle, ``is_alive`` False until the grader restarts it
(a fresh namespace, the kernel side to boot again).

A cell that calls :func:`spin` keeps the kernel busy, its CPU seconds counted (``cpu_seconds``) CPU_SPEED
times faster than the clock, until the grader's watchdog interrupts it (or restarts it, when ``stuck``).

What the fake leaves out: processes, real time, the sandbox.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import io
import json
import time
import traceback
from collections import deque
from queue import Empty

from jupyter_client.session import Session
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde import kernel_side
from autograde.judge import read_answer

BOOT_MARK = "def _autograde_boot(source):"  # judge.kernel_side_boot's first line


class KernelDeath(BaseException):
    """The fake kernel's ``os._exit``: not an exception the student's code or the kernel side catches."""


def die() -> None:
    """Kill the fake kernel (``from fakes import die; die()`` in a fixture's student code)."""
    raise KernelDeath


class KernelBusy(BaseException):
    """The fake kernel busy on a request (see :func:`spin`)."""

    def __init__(self, stuck: bool):
        super().__init__()
        self.stuck = stuck


CPU_SPEED = 100  # CPU seconds a busy fake kernel spends per wall-clock second: a 1 s limit in 10 ms


def spin(stuck: bool = False) -> None:
    """Keep the fake kernel busy (``while True: pass``), spending CPU seconds CPU_SPEED times faster
    than the clock, until it is interrupted (then KeyboardInterrupt), or, ``stuck``, until it is
    restarted (a loop that swallows KeyboardInterrupt). A replayed cell that spins is interrupted at
    once (the replay's own watchdog is not modelled)."""
    raise KernelBusy(stuck)


# ---------------------------------------------------------------------------------------- notebooks
def hidden_region(check_ids: str | list[str]) -> str:
    """The one-line hidden region of a graded cell, as the source notebooks write it."""
    return (
        "### BEGIN HIDDEN TESTS\nfrom autograde import hidden_test\n"
        f"hidden_test({check_ids!r}, globals())\n### END HIDDEN TESTS\n"
    )


def code_cell(source: str, grade_id: str | None = None, solution: bool = False):
    """A code cell; with ``grade_id``, an nbgrader cell (a student's answer when ``solution``)."""
    cell = new_code_cell(source)
    if grade_id is not None:
        cell.metadata["nbgrader"] = {
            "grade": False,
            "grade_id": grade_id,
            "locked": not solution,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
    return cell


def graded_cell(check_ids: str | list[str], visible: str = "", grade_id: str = "test", points: int = 1):
    """A graded test cell of a source notebook: its hidden region, then its visible self-check."""
    cell = new_code_cell(f"# Cellule notée ({points} points).\n{hidden_region(check_ids)}{visible}")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": grade_id,
        "locked": True,
        "points": points,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    return cell


def notebook(*cells):
    """A notebook of ``cells`` (sources are plain code cells), with the course's kernel."""
    nb = new_notebook(cells=[new_code_cell(c) if isinstance(c, str) else c for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def markdown(source: str):
    return new_markdown_cell(source)


# ----------------------------------------------------------------------------------- the judge's ask
def kernel_ask(namespace: dict, log: list | None = None):
    """The ``ask`` of :func:`autograde.judge.judge_cell`: each request crosses as JSON text, is answered
    by the kernel side on ``namespace``, and the answer comes back as text, decoded by the grader's
    :func:`~autograde.judge.read_answer`. ``log`` collects the requests."""

    def ask(request: dict) -> dict:
        if log is not None:
            log.append(request)
        answer = kernel_side._answer(json.loads(json.dumps(request)), namespace)
        return read_answer(kernel_side.dumps(answer))

    return ask


def student_namespace(*sources: str) -> dict:
    """The namespace of a kernel in which the cells ``sources`` ran."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    for source in sources:
        exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102 - the fixtures' own code
    return namespace


# --------------------------------------------------------------------------------------- the kernel
class FakeKernel:
    """The student's kernel, in this process: one namespace, the messages it sent, not yet read."""

    def __init__(self):
        self.session = Session()  # makes the messages; the client's own session reads them
        self.namespace: dict = {}
        self.shell: deque = deque()
        self.iopub: deque = deque()
        self.channels: set[str] = set()  # comms opened on the kernel side's target
        self.executed: list[str] = []  # every source run, replays included
        self.requests: list[dict] = []  # every request of the grader on the comm
        self.booted = 0
        self.restarts = 0
        self.dead = False
        self.busy: tuple | None = None  # (the request it is busy on, "execute" or "comm", stuck, count)
        self.busy_since = 0.0
        self.cpu = 0.0
        self.interrupts = 0
        self.execution_count = 0
        self.reset()

    def reset(self) -> None:
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        kernel_side._isolated.clear()  # the kernel side's module state lives in the kernel

    # ---------------------------------------------------------------------------------- messages
    def _send(self, queue: deque, msg_type: str, content: dict, parent: dict) -> None:
        queue.append(self.session.msg(msg_type, content, parent=parent))

    def _status(self, state: str, parent: dict) -> None:
        self._send(self.iopub, "status", {"execution_state": state}, parent)

    @contextlib.contextmanager
    def _streams(self, parent: dict):
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                yield
        finally:
            for name, buffer in (("stdout", out), ("stderr", err)):
                if buffer.getvalue():
                    self._send(self.iopub, "stream", {"name": name, "text": buffer.getvalue()}, parent)

    def _run(self, source: str) -> object:
        """Run a cell's source; the value of its last expression (None when it has none)."""
        self.executed.append(source)
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), self.namespace)  # noqa: S102 - the fixture's student code
        if last is None:
            return None
        return eval(compile(ast.Expression(last.value), "<cell>", "eval"), self.namespace)  # noqa: S307

    # ---------------------------------------------------------------------------------- requests
    def execute(self, parent: dict, code: str) -> dict:
        """An execute_request: busy, the cell's outputs, idle on iopub; the reply on shell."""
        self.execution_count += 1
        count = self.execution_count
        self._status("busy", parent)
        self._send(self.iopub, "execute_input", {"code": code, "execution_count": count}, parent)
        error = None
        with self._streams(parent):
            try:
                value = self._run(code)
            except KernelDeath:
                self.dead = True
                return None
            except KernelBusy as busy:
                self._start_spinning(parent, "execute", busy.stuck, count)
                return None
            except (Exception, KeyboardInterrupt) as exception:  # noqa: BLE001 - the student's error is an output
                value = None
                error = {
                    "ename": type(exception).__name__,
                    "evalue": str(exception),
                    "traceback": traceback.format_exception_only(type(exception), exception),
                }
        if error is not None:
            self._send(self.iopub, "error", error, parent)
        elif value is not None:
            self._send(
                self.iopub,
                "execute_result",
                {"data": {"text/plain": repr(value)}, "metadata": {}, "execution_count": count},
                parent,
            )
        self._status("idle", parent)
        content = {"status": "error", **error} if error else {"status": "ok", "user_expressions": {}, "payload": []}
        reply = self.session.msg("execute_reply", {**content, "execution_count": count}, parent=parent)
        self.shell.append(reply)
        return reply

    def comm_msg(self, parent: dict) -> None:
        """A request of the grader: answered by the kernel side as ``open_channel`` answers it."""
        self._status("busy", parent)
        content = parent["content"]
        if content.get("comm_id") in self.channels:
            with self._streams(parent):
                try:
                    request = json.loads(content["data"][kernel_side.REQUEST])
                    self.requests.append(request)
                    answer = {kernel_side.ANSWER: kernel_side.dumps(kernel_side._answer(request, self.namespace))}
                except KernelDeath:
                    self.dead = True
                    return
                except KernelBusy as busy:
                    self._start_spinning(parent, "comm", busy.stuck, 0)
                    return
                except Exception:  # noqa: BLE001 - ipykernel logs a failing comm handler; no answer is sent
                    answer = None
            if answer is not None:
                self._send(self.iopub, "comm_msg", {"comm_id": content["comm_id"], "data": answer}, parent)
        self._status("idle", parent)

    # ------------------------------------------------------------------------------- busy, time
    def _start_spinning(self, parent: dict, kind: str, stuck: bool, count: int) -> None:
        self.busy, self.busy_since = (parent, kind, stuck, count), time.monotonic()

    def cpu_seconds(self) -> float:
        return self.cpu + ((time.monotonic() - self.busy_since) * CPU_SPEED if self.busy else 0.0)

    def interrupt(self) -> None:
        """SIGINT: a busy, interruptible kernel ends its request with KeyboardInterrupt."""
        self.interrupts += 1
        if self.busy is None or self.busy[2]:
            return
        parent, kind, _, count = self.busy
        self.cpu, self.busy = self.cpu_seconds(), None
        if kind == "execute":
            error = {"ename": "KeyboardInterrupt", "evalue": "", "traceback": ["KeyboardInterrupt: "]}
            self._send(self.iopub, "error", error, parent)
            self._status("idle", parent)
            self.shell.append(
                self.session.msg("execute_reply", {"status": "error", **error, "execution_count": count}, parent=parent)
            )
        else:  # the comm handler raised KeyboardInterrupt: no answer
            self._status("idle", parent)

    def comm_open(self, parent: dict) -> None:
        self._status("busy", parent)
        if parent["content"].get("target_name") == kernel_side.CHANNEL and self.booted:
            self.channels.add(parent["content"]["comm_id"])
        self._status("idle", parent)

    def kernel_info(self, parent: dict) -> None:
        self._status("busy", parent)
        self._status("idle", parent)
        self.shell.append(
            self.session.msg(
                "kernel_info_reply",
                {
                    "status": "ok",
                    "protocol_version": "5.3",
                    "implementation": "fake",
                    "banner": "",
                    "language_info": {
                        "name": "python",
                        "version": "3",
                        "mimetype": "text/x-python",
                        "file_extension": ".py",
                    },
                },
                parent=parent,
            )
        )


class _Channel:
    """A channel of the fake client: what the kernel sent, read through the client's session (its
    ``deserialize``, which the grader bounds), as from a socket."""

    def __init__(self, client: "FakeKernelClient", queue: deque):
        self.client, self.queue = client, queue

    def send(self, msg: dict) -> None:  # the shell channel: a request to the kernel
        kernel = self.client.kernel
        if kernel.dead or kernel.busy:  # a busy kernel reads its next request once idle: never, here
            return
        handler = {"comm_msg": kernel.comm_msg, "comm_open": kernel.comm_open}.get(msg["msg_type"])
        if handler is not None:
            handler(msg)

    async def get_msg(self, timeout: float | None = None) -> dict:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not self.queue:
            if deadline is not None and loop.time() >= deadline:
                raise Empty
            await asyncio.sleep(0.001)
        msg = self.queue.popleft()
        session = self.client.session
        _, frames = session.feed_identities(session.serialize(msg))
        return session.deserialize(frames)


class FakeKernelClient:
    """What nbclient and GuardedExecute use of a kernel client."""

    allow_stdin = False

    def __init__(self, kernel: FakeKernel, session: Session):
        self.kernel, self.session = kernel, session
        self.shell_channel = _Channel(self, kernel.shell)
        self.iopub_channel = _Channel(self, kernel.iopub)

    def start_channels(self, *args, **kwargs) -> None:
        pass

    def stop_channels(self) -> None:
        pass

    async def wait_for_ready(self, timeout=None) -> None:
        pass

    async def is_alive(self) -> bool:
        return not self.kernel.dead

    def kernel_info(self) -> str:
        msg = self.session.msg("kernel_info_request", {})
        self.kernel.kernel_info(msg)
        return msg["header"]["msg_id"]

    def execute(
        self,
        code: str,
        silent: bool = False,
        store_history: bool = True,
        user_expressions=None,
        allow_stdin=None,
        stop_on_error: bool = True,
    ) -> str:
        msg = self.session.msg("execute_request", {"code": code, "silent": silent, "store_history": store_history})
        if not self.kernel.dead and not self.kernel.busy:
            self.kernel.execute(msg, code)
        return msg["header"]["msg_id"]

    async def execute_interactive(self, code: str, **kwargs) -> dict:
        """The boot of the kernel side (then the comm target exists) or a replayed cell; their messages
        are not the grader's to read, as jupyter_client's output_hook swallows them."""
        msg = self.session.msg("execute_request", {"code": code})
        if code.startswith(BOOT_MARK):
            self.kernel.booted += 1
            return {"content": {"status": "ok"}, "parent_header": msg["header"]}
        reply = self.kernel.execute(msg, code)
        if reply is None and self.kernel.busy:  # a replayed cell that spins: interrupted at once
            self.kernel.busy = (*self.kernel.busy[:2], False, self.kernel.busy[3])
            self.kernel.interrupt()
            reply = self.kernel.shell[-1]
        if reply is None:  # it killed the kernel
            raise RuntimeError("the kernel died")
        self.kernel.shell.remove(reply)
        while self.kernel.iopub and self.kernel.iopub[-1]["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            self.kernel.iopub.pop()
        return reply


class FakeKernelManager:
    """What nbclient and GuardedExecute use of a kernel manager: a kernel that is always there."""

    has_kernel = True
    ipykernel = True
    kernel_id = "fake"

    def __init__(self, kernel: FakeKernel | None = None):
        self.kernel = kernel or FakeKernel()
        self.session = Session()

    def client(self, **kwargs) -> FakeKernelClient:
        return FakeKernelClient(self.kernel, self.session)

    async def is_alive(self) -> bool:
        return not self.kernel.dead

    def cpu_seconds(self) -> float:
        return self.kernel.cpu_seconds()

    async def interrupt_kernel(self) -> None:
        self.kernel.interrupt()

    async def restart_kernel(self, now: bool = False, **kwargs) -> None:
        self.kernel.restarts += 1
        self.kernel.dead = False
        self.kernel.cpu, self.kernel.busy = self.kernel.cpu_seconds(), None  # the CPU of every life counts
        self.kernel.booted = 0
        self.kernel.shell.clear()
        self.kernel.iopub.clear()
        self.kernel.channels.clear()
        self.kernel.reset()

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        pass

    async def cleanup_resources(self, restart: bool = False) -> None:
        pass


def grade(nb, *, timeout: int = 30, **traits):
    """Run ``nb`` through :class:`~autograde.execution.GuardedExecute` on a fake kernel, as the grader
    runs a submission (without the sandbox); (the notebook, the kernel)."""
    from autograde.execution import GuardedExecute

    manager = FakeKernelManager()
    executor = GuardedExecute(timeout=timeout, sandboxed=False, **traits)
    executor.preprocess(nb, {}, km=manager)
    return nb, manager.kernel


# ---------------------------------------------------------------------------------- a small course
def written_answer(grade_id: str, points: int = 1, answer: str | None = None):
    """A manually graded written answer (a markdown cell both graded and written by the student), with
    the checksum of the released cell: ``answer`` is the student's text, None when left as released."""
    from nbgrader.utils import compute_checksum

    cell = new_markdown_cell("VOTRE RÉPONSE ICI")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": grade_id,
        "locked": False,
        "points": points,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
    if answer is not None:
        cell.source = answer
    return cell


def fast_gradebook(monkeypatch) -> None:
    """nbgrader's Gradebook stamps a new database with the head of its migrations, found by running
    ``alembic heads`` (seconds): the stamp is never read here, so it is a constant."""
    import nbgrader.api

    monkeypatch.setattr(nbgrader.api, "get_alembic_version", lambda: "fast-layer")


def autograded_course(
    root,
    release,
    submissions: dict,
    *,
    assignment: str = "td1",
    notebook_name: str = "nb",
    sandboxed: tuple[str, ...] = (),
):
    """A course directory as `autograde grade` leaves it, made in-process: the gradebook filled by
    nbgrader's own SaveCells (from ``release``) and SaveAutoGrades (from each notebook graded by
    GuardedExecute on the fake kernel), the autograded notebooks written where results.py reads them.

    ``submissions``: student → a notebook (graded), ``"not graded"`` (handed in, never graded) or
    ``"not handed in"`` (a submission without this notebook). The students in ``sandboxed`` are
    recorded as graded in the sandbox (the fake kernel has none: only the record says so).
    Returns (the :class:`~autograde.course.Course`, {student: autograded notebook})."""
    import copy
    import warnings

    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveAutoGrades, SaveCells

    from autograde.course import Course
    from autograde.execution import RECORD

    course = Course(root)
    root.mkdir(parents=True, exist_ok=True)
    resources = {"nbgrader": {"db_url": course.db_url, "assignment": assignment, "notebook": notebook_name}}
    with Gradebook(course.db_url) as gradebook:
        gradebook.add_assignment(assignment)
    SaveCells().preprocess(copy.deepcopy(release), resources)
    graded = {}
    for student, submission in submissions.items():
        submitted = course.folder("submitted", student, assignment)
        submitted.mkdir(parents=True)
        if submission == "not handed in":
            continue
        nbformat.write(release if submission == "not graded" else submission, str(submitted / f"{notebook_name}.ipynb"))
        if submission == "not graded":
            continue
        nb, _ = grade(copy.deepcopy(submission))
        nb.metadata[RECORD]["sandboxed"] = student in sandboxed
        with Gradebook(course.db_url) as gradebook, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's SAWarning about nbgrader's own session use
            gradebook.add_student(student)
            gradebook.add_submission(assignment, student)
        SaveAutoGrades().preprocess(nb, {"nbgrader": {**resources["nbgrader"], "student": student}})
        autograded = course.folder("autograded", student, assignment)
        autograded.mkdir(parents=True)
        nbformat.write(nb, str(autograded / f"{notebook_name}.ipynb"))
        graded[student] = nb
    return course, graded
