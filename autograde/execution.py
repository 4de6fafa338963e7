"""nbgrader's Execute preprocessor, made to survive any submission and to keep every verdict its own.

nbgrader runs a notebook in one kernel, runs the hidden tests in that kernel, and stops at the first
kernel death: the student's code can then forge a pass, the whole notebook is lost, and a test cell
that never ran has no error output, which nbgrader scores as passed (nbgrader #427).
:class:`GuardedExecute` instead

- runs every notebook in the course's ``python3`` kernel, whatever kernel name the file carries, in
  the sandbox of :mod:`autograde.sandbox` (or, with ``AUTOGRADE_SANDBOX=off``, with its limits only);
- at a graded cell, judges the hidden checks in this process (:mod:`autograde.judge`): the kernel
  only answers with the student's results as plain data; the verdict is written into the cell's
  outputs by the grader, after the kernel has finished with the cell, and kept as data in the cell's
  metadata (``metadata.autograde``); the visible self-check runs in the kernel only when every check
  passed, and the cell gets its points only if it raised nothing;
- when the kernel dies (``os._exit``, a segfault, the memory limit) or stays busy after the timeout's
  interrupt (a loop that swallows ``KeyboardInterrupt``), records a French error in that cell,
  restarts the kernel, replays the code cells before it silently (so that imports and the student's
  definitions exist again) and goes on with the next cell;
- ends by failing every graded cell whose verdict did not pass (a test cell that did not run
  included), so nothing passes unseen and nothing the kernel printed can stand for a verdict.

And it bounds what one notebook may cost the grader (:mod:`autograde.settings` has every limit):

- time is the kernel's CPU time (``cpu_seconds()`` of the kernel manager, all the kernel's processes),
  so that a busy machine costs no student a point: a watchdog interrupts a cell, a hidden check or a
  replayed cell whose CPU time passes the cell limit; a kernel that sleeps or blocks is stopped by a
  wall-clock backstop (``WALL_FACTOR`` times the limit; nbclient's own timeout is that backstop);
- a notebook has a CPU budget that restarts and replays count against; once spent, nothing more of the
  notebook runs and every remaining graded cell gets 0 with a message naming the cell that spent it;
- the outputs the grader keeps are bounded per cell and per notebook (count, text, images): beyond,
  they are dropped with one note in the cell, and grading goes on;
- every message from the kernel is checked as raw bytes (size, nesting) before it is decoded: an
  over-limit or unreadable message becomes an error in the cell that was running (0 for it).

Sandboxed, it has the kernel of the student's next notebook prepared while a notebook runs
(:func:`autograde.sandbox.prepare_kernel`), and takes the one prepared for it. Where the time goes is
cumulated per process by phase: :func:`timings`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import textwrap
import threading
import uuid
from dataclasses import dataclass, fields
from pathlib import Path
from queue import Empty
from time import monotonic, perf_counter

import numpy as np
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Unicode, default

from . import messages, settings
from .checking import GradingStopped, Verdict
from .hidden_tests import hidden_region
from .judge import isolation_requests, judge_cell, kernel_side_boot, read_answer
from .kernel_side import ANSWER, CHANNEL, MAX_DEPTH, REQUEST
from .records import RECORD, TIME_LIMIT, cell_record, check_record, is_test_cell, not_run, notebook_record
from .sandbox import SandboxedKernelManager, check_sandbox, kernel_manager_class, prepare_kernel, take_prepared

INTERRUPT_GRACE_S = 5  # CPU seconds a kernel may take to stop after an interrupt before it is restarted
WATCH_INTERVAL_S = 0.2  # how often the watchdog reads the kernel's CPU time
# Decoding JSON costs the grader up to 20 times the text's size for a message of small items (empty lists,
# short strings): beyond this many lists, objects and items in them in one message (no output of a course
# notebook comes near: a text, an image is one string), it is refused unread.
MAX_MESSAGE_ITEMS = 100_000
KERNEL_SIDE = (Path(__file__).parent / "kernel_side.py").read_text(encoding="utf-8")


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _stdout(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


def readable(message: str) -> str:
    """A verdict wrapped at 100 characters: notebooks, the feedback and the formgrader show outputs in
    a block that does not wrap long lines."""
    return "\n".join(
        textwrap.fill(line, width=100, break_long_words=False, break_on_hyphens=False) for line in message.split("\n")
    )


def verdict_banner(verdicts: list[str], self_check: str) -> str:
    """The text at the top of a graded cell whose hidden checks all passed: a ✔ per verdict when the
    visible self-check passed too, else no ✔ at all, but what the failure below it means."""
    if self_check == "passed":
        return "".join(readable(f"✔ {verdict}") + "\n" for verdict in verdicts)
    return readable(messages.hidden_passed_visible_failed(verdicts)) + "\n"


def _has_error(outputs) -> bool:
    return any(
        o.get("output_type") == "error" or o.get("output_type") == "stream" and o.get("name") == "stderr"
        for o in outputs
    )


# ------------------------------------------------------------------------------ messages, read raw
def json_nesting(raw: bytes, chunk: int = 1 << 20) -> tuple[int, int]:
    """(deepest nesting, number of lists, objects and items after the first in them) of JSON text,
    found without decoding it (and without recursion), a chunk at a time so that a large text costs a
    few MiB."""
    raw = bytes(raw)
    marks = raw.count(b"[") + raw.count(b"{") + raw.count(b",")
    if marks <= MAX_DEPTH:  # an upper bound of both, within every limit: most messages stop here
        return marks, marks
    text = raw.replace(b"\\\\", b"").replace(b'\\"', b"")  # escapes gone, every quote is a string's edge
    codes = np.frombuffer(text, dtype=np.uint8)
    depth = deepest = items = 0
    inside = 0  # 1 inside a string at the chunk's start
    for start in range(0, len(codes), chunk):
        part = codes[start : start + chunk]
        quotes = np.cumsum(part == ord('"'), dtype=np.int32)
        outside = ((quotes + inside) & 1) == 0
        opens = ((part == ord("[")) | (part == ord("{"))) & outside
        closes = ((part == ord("]")) | (part == ord("}"))) & outside
        running = depth + np.cumsum(opens.astype(np.int32) - closes, dtype=np.int32)
        if len(running):
            deepest, depth = max(deepest, int(running.max())), int(running[-1])
        items += int(np.count_nonzero(opens)) + int(np.count_nonzero((part == ord(",")) & outside))
        inside = (inside + int(quotes[-1])) & 1 if len(quotes) else inside
    return deepest, items


def _nbytes(frame) -> int:
    if isinstance(frame, memoryview):
        return frame.nbytes
    try:
        return len(frame)
    except TypeError:
        return len(frame.bytes)


class BoundedWire:
    """The decoding of every message a kernel sends to the grader, bounded.

    jupyter_client's ``Session.deserialize`` decodes the frames as they come: a 60 MB message of
    empty lists takes the grader past a gigabyte, 100,000 nested brackets raise ``RecursionError``
    out of nbclient's loops. Installed on the kernel client's session, this checks the raw frames
    first (total size, nesting depth, number of lists, objects and items) and decodes only a message within
    the limits. Any other message (too large, too deep, unreadable, wrongly signed) becomes an
    ``error`` message with the same parent, which nbclient records in the cell that was running (an
    execute reply becomes an error reply); ``refusals`` counts them, so that a message whose parent
    cannot be read still fails the running cell."""

    HEADER_BYTES = 1 << 16  # a header larger than this is not read, even to say which cell sent it

    def __init__(self, session, max_bytes: int, log=None):
        self._deserialize = session.deserialize
        self.max_bytes, self.log = max_bytes, log
        self.refusals, self.reason = 0, ""
        session.deserialize = self.deserialize

    def _too_much(self, frame) -> str | None:
        deepest, items = json_nesting(frame)
        if deepest > MAX_DEPTH:
            return f"données imbriquées sur plus de {MAX_DEPTH} niveaux"
        if items > MAX_MESSAGE_ITEMS:
            return f"plus de {MAX_MESSAGE_ITEMS} listes, dictionnaires ou éléments"
        return None

    def deserialize(self, msg_list, content: bool = True, copy: bool = True):
        reason = None
        if len(msg_list) < 5:
            reason = "message illisible"
        elif sum(_nbytes(frame) for frame in msg_list[1:]) > self.max_bytes:
            reason = f"plus de {self.max_bytes >> 20} Mio"
        else:
            for frame in msg_list[1:5]:
                reason = self._too_much(frame)
                if reason:
                    break
        if reason is None:
            try:
                return self._deserialize(msg_list, content=content, copy=copy)
            except Exception as error:  # noqa: BLE001 - anything the kernel sent that does not decode
                reason = "message illisible"
                if self.log:
                    self.log.warning("A kernel message could not be decoded: %s", str(error)[:200])
        return self._refused(msg_list, reason)

    def _small_json(self, frame) -> dict:
        try:
            if _nbytes(frame) > self.HEADER_BYTES or self._too_much(frame):
                return {}
            value = json.loads(bytes(frame))
        except Exception:  # noqa: BLE001 - an unreadable header: the message is not attributed
            return {}
        return value if isinstance(value, dict) else {}

    def _refused(self, msg_list, reason: str) -> dict:
        self.refusals += 1
        self.reason = reason
        if self.log:
            self.log.warning("A kernel message was refused unread: %s", reason)
        header = self._small_json(msg_list[1]) if len(msg_list) > 1 else {}
        parent = self._small_json(msg_list[2]) if len(msg_list) > 2 else {}
        text = messages.message_refused(reason)
        error = {
            "ename": messages.MESSAGE_REFUSED,
            "evalue": text,
            "traceback": [f"{messages.MESSAGE_REFUSED}: {text}"],
        }
        body: dict
        if header.get("msg_type") == "execute_reply":
            kind, body = (
                "execute_reply",
                {"status": "error", "execution_count": None, "user_expressions": {}, "payload": [], **error},
            )
        else:
            kind, body = "error", error
        msg_id = header.get("msg_id") if isinstance(header.get("msg_id"), str) else uuid.uuid4().hex
        parent_id = parent.get("msg_id")
        return {
            "header": {"msg_id": msg_id, "msg_type": kind},
            "msg_id": msg_id,
            "msg_type": kind,
            "parent_header": {"msg_id": parent_id} if isinstance(parent_id, str) else {},
            "metadata": {},
            "content": body,
            "buffers": [],
        }


# ----------------------------------------------------------------------------------- outputs kept
@dataclass
class Tally:
    """What outputs hold: how many, bytes of text and data, images and their bytes."""

    outputs: int = 0
    text: int = 0
    images: int = 0
    image_bytes: int = 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __sub__(self, other: "Tally") -> "Tally":
        return Tally(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(self)))

    def exceeds(self, limit: "Tally") -> bool:
        return any(getattr(self, f.name) > getattr(limit, f.name) for f in fields(self))


def _size(value, depth: int = 0) -> int:
    """Bytes of a decoded message's value (nested at most MAX_DEPTH deep: BoundedWire saw to it)."""
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode("utf-8", "replace"))
    if isinstance(value, (list, tuple)) and depth <= MAX_DEPTH:
        return sum(_size(item, depth + 1) for item in value)
    if isinstance(value, dict) and depth <= MAX_DEPTH:
        return sum(_size(key, depth + 1) + _size(item, depth + 1) for key, item in value.items())
    return 8


def data_cost(data) -> Tally:
    """The cost of a display's data (its MIME bundle), not counting the output itself."""
    cost = Tally()
    if not isinstance(data, dict):
        return cost
    for mime, value in data.items():
        if str(mime).startswith("image/"):
            cost.images, cost.image_bytes = 1, cost.image_bytes + _size(value)
        else:
            cost.text += _size(value)
    return cost


def output_cost(msg_type: str, content: dict) -> Tally:
    if msg_type == "stream":
        return Tally(outputs=1, text=_size(content.get("text")))
    if msg_type == "error":
        return Tally(outputs=1, text=_size(content.get("evalue")) + _size(content.get("traceback")))
    return Tally(outputs=1) + data_cost(content.get("data"))


def _mib(setting) -> int:
    return int(setting.get()) << 20


class OutputLimits:
    """The outputs the grader keeps of one notebook, per cell and in all; what was dropped where."""

    def __init__(self):
        self.cell_limit = Tally(
            settings.MAX_CELL_OUTPUTS.get(),
            _mib(settings.MAX_CELL_TEXT_MB),
            settings.MAX_CELL_IMAGES.get(),
            _mib(settings.MAX_CELL_IMAGE_MB),
        )
        self.notebook_limit = Tally(
            settings.MAX_NOTEBOOK_OUTPUTS.get(),
            _mib(settings.MAX_NOTEBOOK_TEXT_MB),
            settings.MAX_NOTEBOOK_IMAGES.get(),
            _mib(settings.MAX_NOTEBOOK_IMAGE_MB),
        )
        self.cells: dict[int, Tally] = {}
        self.total = Tally()
        self.dropped: dict[int, str] = {}  # cell index -> "cell" or "notebook": which limit dropped outputs
        self.errors: set[int] = set()  # cells that kept an error output

    def admit(self, cell_index: int, cost: Tally, is_error: bool = False) -> bool:
        cell = self.cells.get(cell_index, Tally())
        scope = "cell" if (cell + cost).exceeds(self.cell_limit) else None
        if scope is None and (self.total + cost).exceeds(self.notebook_limit):
            scope = "notebook"
        if scope is not None and not (is_error and cell_index not in self.errors):
            self.dropped.setdefault(cell_index, scope)
            return False  # one error is always kept: it decides the cell's score
        self.cells[cell_index] = cell + cost
        self.total = self.total + cost
        if is_error:
            self.errors.add(cell_index)
        return True

    def text_room(self, cell_index: int) -> int:
        """Bytes of text the cell may still keep, when it may keep one more output."""
        cell = self.cells.get(cell_index, Tally())
        if cell.outputs >= self.cell_limit.outputs or self.total.outputs >= self.notebook_limit.outputs:
            return 0
        return max(0, min(self.cell_limit.text - cell.text, self.notebook_limit.text - self.total.text))

    def cleared(self, cell_index: int) -> None:
        self.total = self.total - self.cells.pop(cell_index, Tally())
        self.errors.discard(cell_index)

    def changed(self, cell_index: int, delta: Tally) -> None:
        self.cells[cell_index] = self.cells.get(cell_index, Tally()) + delta
        self.total = self.total + delta


class _KernelLost(Exception):
    """The watchdog stopped waiting for the kernel: ``reason`` is "cell" or "budget" (interrupted at a
    limit, then ignored the interrupt) or "dead"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _spent(start, now) -> tuple[float | None, float]:
    """(CPU seconds or None when unknown, wall-clock seconds) between two readings."""
    cpu = now[0] - start[0] if now[0] is not None and start[0] is not None else None
    return cpu, now[1] - start[1]


# ------------------------------------------------------------------------------ where the time goes
PHASES = ("kernel_start", "execution", "checks", "shutdown")


class _PhaseClock:
    """Wall-clock seconds of each phase of grading a notebook, cumulated over this process: each second
    counted once, in the innermost phase (a kernel restarted during a cell pauses "execution")."""

    def __init__(self) -> None:
        self.totals = dict.fromkeys(PHASES, 0.0)
        self._lock = threading.Lock()
        self._local = threading.local()  # each thread's open phases, innermost last, and since when

    @contextlib.contextmanager
    def phase(self, name: str):
        local = self._local
        stack: list[str] = local.__dict__.setdefault("stack", [])
        self._lap(stack)
        stack.append(name)
        try:
            yield
        finally:
            self._lap(stack)
            stack.pop()

    def _lap(self, stack: list[str]) -> None:
        now = perf_counter()
        if stack:
            with self._lock:
                self.totals[stack[-1]] += now - self._local.since
        self._local.since = now

    def read(self) -> dict[str, float]:
        with self._lock:
            return dict(self.totals)

    def reset(self) -> None:
        with self._lock:
            self.totals = dict.fromkeys(PHASES, 0.0)


_clock = _PhaseClock()
phase = _clock.phase
_timings_folder: Path | None = None


def timings() -> dict[str, float]:
    """Seconds this process spent grading notebooks, by phase, since it started or since
    :func:`reset_timings`: "kernel_start" (the sandbox and the kernel, until it answers and holds the
    kernel side; restarts included), "execution" (the student's cells, their self-checks, replays),
    "checks" (the hidden checks judged in the grader, their requests to the kernel included),
    "shutdown" (the kernel stopped, its sandbox removed)."""
    return _clock.read()


def reset_timings() -> None:
    _clock.reset()


def report_timings(folder: str | os.PathLike) -> None:
    """After each notebook, write :func:`timings` to ``folder/<pid>.json`` (for a benchmark whose grading
    runs in worker processes: it adds ``report_timings`` to the scratch course's configuration)."""
    global _timings_folder
    _timings_folder = Path(folder)


def _write_timings() -> None:
    if _timings_folder is not None:
        target = _timings_folder / f"{os.getpid()}.json"
        try:  # a measurement never costs a student their notebook
            target.with_suffix(".tmp").write_text(json.dumps(timings()))
            target.with_suffix(".tmp").replace(target)
        except OSError:
            pass


class PhaseTimed:
    """nbclient's kernel start, cells and kernel clean-up, timed into :func:`timings` (a mixin, first
    among the bases of an nbclient ``NotebookClient``)."""

    async def async_start_new_kernel(self, **kwargs):
        with phase("kernel_start"):
            return await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        with phase("kernel_start"):
            return await super().async_start_new_kernel_client()

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        with phase("execution"):
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    async def _async_cleanup_kernel(self) -> None:
        try:
            with phase("shutdown"):
                await super()._async_cleanup_kernel()  # type: ignore[misc]
        finally:
            _write_timings()

    # nbclient binds each synchronous wrapper to its own coroutine: rebind them to these.
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)
    execute_cell = run_sync(async_execute_cell)
    _cleanup_kernel = run_sync(_async_cleanup_kernel)


class GuardedExecute(PhaseTimed, Execute):
    kernel_name = Unicode("python3", help="Kernel every submission runs in, whatever its metadata says.").tag(
        config=True
    )
    sandboxed = Bool(help="Run the kernels in the bubblewrap sandbox (AUTOGRADE_SANDBOX).").tag(config=True)

    @default("sandboxed")
    def _sandboxed_default(self):
        return settings.SANDBOX.get()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # In place of the plain AsyncKernelManager nbgrader's Execute sets; refuses without bubblewrap.
        self.kernel_manager_class = kernel_manager_class(self.sandboxed)
        self.wall_factor = settings.WALL_FACTOR.get()
        self.budget = settings.NOTEBOOK_CPU_BUDGET.get()

    # ---------------------------------------------------------------------------------- a notebook
    def preprocess(self, nb, resources=None, km=None):
        self._fatal_cells: set[int] = set()
        self._completed: set[int] = set()
        self._outputs = OutputLimits()
        self._notebook_start = None  # the kernel's (CPU, wall) reading when it first started
        self._budget_spent_by: str | None = None  # the cell during which the notebook's budget ran out
        self._wire: BoundedWire | None = None
        self._alive_poll = None
        # A submitted file may carry forged records: only this run's count.
        nb.metadata.pop(RECORD, None)
        for cell in nb.cells:
            cell.get("metadata", {}).pop(RECORD, None)
        nb.metadata[RECORD] = notebook_record(sandboxed=bool(self.sandboxed))
        try:
            return super().preprocess(nb, resources, km)
        except Exception:
            if not self._completed:
                raise  # the kernel never ran a cell: the grading set-up is broken, not the notebook
            self.log.exception("Execution stopped early; the cells that did not run are failed")
            return nb, resources
        finally:
            for cell in nb.cells:
                if cell.cell_type == "code" and is_test_cell(cell):
                    self._close(cell)

    def _close(self, cell) -> None:
        """A graded cell without a passing verdict of this run gets an error, so nbgrader scores it 0."""
        record = cell.metadata.get(RECORD)
        if record is None:
            record = cell.metadata[RECORD] = not_run(messages.not_run())
        if not record["passed"] and not _has_error(cell.get("outputs", [])):
            cell.setdefault("outputs", []).append(_error(messages.NOT_RUN, record.get("message") or messages.not_run()))

    # ------------------------------------------------------------------------------ the kernel's start
    def _kernel_folder(self, kwargs: dict | None = None) -> str | None:
        """The folder nbclient starts the kernel in: the notebook's (the student's files)."""
        return (kwargs or {}).get("cwd") or self.resources.get("metadata", {}).get("path") or None

    def _kernel_arguments(self) -> list[str]:
        """The arguments nbclient's ``async_start_new_kernel`` gives the kernel."""
        arguments = list(self.extra_arguments)
        if (
            getattr(self.km, "ipykernel", False)
            and self.ipython_hist_file
            and not any(argument.startswith("--HistoryManager.hist_file") for argument in arguments)
        ):
            arguments.append(f"--HistoryManager.hist_file={self.ipython_hist_file}")
        return arguments

    def _prepares_kernels(self) -> bool:
        return bool(self.sandboxed) and self.owns_km and isinstance(self.km, SandboxedKernelManager)

    def _next_notebook_expected(self) -> bool:
        """Whether nbgrader's converter (the exporter's parent) grades another notebook of this student
        after this one: its sorted list of the submission's notebooks, by name."""
        converter = getattr(getattr(self, "parent", None), "parent", None)
        notebooks = getattr(converter, "notebooks", None)
        current = self.resources.get("unique_key")
        if not isinstance(notebooks, list) or not isinstance(current, str):
            return False
        names = [Path(str(notebook)).stem for notebook in notebooks]
        return current in names and names.index(current) < len(names) - 1

    async def async_start_new_kernel(self, **kwargs):
        """The kernel prepared for this notebook while the previous one ran, if there is one that fits;
        else a kernel started now."""
        with phase("kernel_start"):
            if self._prepares_kernels():
                prepared = await take_prepared(
                    type(self.km), self.km.kernel_name, self._kernel_folder(kwargs), self._kernel_arguments()
                )
                if prepared is not None:
                    self.km = prepared
                    return
            await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)

    async def async_start_new_kernel_client(self):
        with phase("kernel_start"):
            try:
                kc = await super().async_start_new_kernel_client()
            except RuntimeError:
                if self.sandboxed:
                    check_sandbox()  # a machine where bubblewrap cannot make a sandbox: say why
                raise
            # kc.session is the kernel manager's: every channel of this kernel decodes through the bound.
            self._wire = BoundedWire(kc.session, _mib(settings.MAX_MESSAGE_MB), self.log)
            self._notebook_start = self._reading()
            await self._install_kernel_side()
            if self._prepares_kernels() and self._next_notebook_expected():
                await self._prepare_next_kernel()
        return kc

    async def _prepare_next_kernel(self) -> None:
        """Start the kernel of this student's next notebook, in a sandbox of its own, while this notebook
        runs (on another core, or while this kernel waits)."""
        try:
            await prepare_kernel(
                self.kernel_manager_class(kernel_name=self.kernel_name, config=self.config),
                self._kernel_folder(),
                self._kernel_arguments(),
            )
        except Exception as error:  # noqa: BLE001 - the next notebook then starts its kernel itself
            self.log.warning("The next notebook's kernel could not be prepared: %s", str(error)[:500])

    # nbconvert's preprocess calls the synchronous wrapper, bound to nbclient's coroutine: rebind it.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    async def _install_kernel_side(self) -> None:
        reply = await ensure_async(
            self.kc.execute_interactive(
                kernel_side_boot(KERNEL_SIDE),
                store_history=False,
                allow_stdin=False,
                timeout=self.startup_timeout,
                output_hook=lambda msg: None,
            )
        )
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the grading kernel could not load autograde's kernel side: {reply['content']}")
        self._channel = uuid.uuid4().hex
        self.kc.shell_channel.send(
            self.kc.session.msg("comm_open", {"comm_id": self._channel, "target_name": CHANNEL, "data": {}})
        )

    # ------------------------------------------------------------------------------------ time
    def _reading(self) -> tuple[float | None, float]:
        """(the kernel's CPU seconds, all its processes and restarts, or None when its manager cannot
        tell; the wall clock)."""
        cpu_seconds = getattr(self.km, "cpu_seconds", None)
        cpu = None
        if cpu_seconds is not None:
            try:
                cpu = float(cpu_seconds())
            except Exception:  # noqa: BLE001 - a kernel between two lives: this reading is wall-clock only
                cpu = None
        return cpu, monotonic()

    def _charged(self, start, now) -> tuple[float, float]:
        """(seconds charged to the kernel: CPU, or wall-clock without a CPU count; wall-clock seconds)."""
        cpu, wall = _spent(start, now)
        return (cpu if cpu is not None else wall), wall

    def _over(self, start, now, wall_limit: float | None) -> str | None:
        """Which limit the kernel passed since ``start``: "cell" (the cell's CPU time, or the wall-clock
        ``wall_limit``), "budget" (the notebook's), or None."""
        charged, wall = self._charged(start, now)
        if self.timeout and charged > self.timeout or wall_limit and wall > wall_limit:
            return "cell"
        if self._notebook_start is not None and self.budget:
            charged, wall = self._charged(self._notebook_start, now)
            if charged > self.budget or wall > self.budget * self.wall_factor:
                return "budget"
        return None

    def _get_timeout(self, cell):
        """nbclient's own timeout is the wall-clock backstop: the watchdog stops a cell at its CPU time."""
        limit = super()._get_timeout(cell)
        return limit * self.wall_factor if limit else limit

    async def _async_poll_kernel_alive(self) -> None:
        # nbclient's watcher of a cell; kept, to be stopped with a cell the watchdog abandons.
        self._alive_poll = asyncio.current_task()
        await super()._async_poll_kernel_alive()

    async def _watch(self, start, wall_limit, stopped: dict, cell_index: int) -> str:
        """Interrupt the kernel at a limit (its name in ``stopped["reason"]``); return "dead" when the
        kernel died, "stuck" when it kept running past the grace after the interrupt."""
        interrupted, polls = None, 0
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            polls += 1
            now = self._reading()
            if polls % 5 == 0 and not await ensure_async(self.km.is_alive()):
                return "dead"
            if interrupted is None:
                reason = self._over(start, now, wall_limit)
                if reason:
                    stopped["reason"] = reason
                    self.log.warning(
                        "Cell %d: the kernel passed the %s time limit — interrupting it",
                        cell_index,
                        "cell's" if reason == "cell" else "notebook's",
                    )
                    with contextlib.suppress(Exception):
                        await ensure_async(self.km.interrupt_kernel())
                    interrupted = now
            else:
                charged, wall = self._charged(interrupted, now)
                if charged > INTERRUPT_GRACE_S or wall > INTERRUPT_GRACE_S * self.wall_factor:
                    return "stuck"

    async def _watched(self, work, cell_index: int, start=None, wall_limit: float | None = None):
        """Run ``work`` (the kernel busy on something) under the watchdog. Returns (its result, the limit
        the kernel was interrupted at or None); raises :class:`_KernelLost` when the kernel died or
        ignored the interrupt (the caller restarts it)."""
        start = start or self._reading()
        stopped: dict = {}
        task = asyncio.ensure_future(work)
        watch = asyncio.ensure_future(self._watch(start, wall_limit, stopped, cell_index))
        try:
            await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            watch.cancel()
            raise
        if task.done():
            watch.cancel()
            return task.result(), stopped.get("reason")
        task.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await task
        if self._alive_poll is not None:
            self._alive_poll.cancel()
        outcome = watch.result()
        raise _KernelLost("dead" if outcome == "dead" else stopped.get("reason", "cell"))

    def _label(self, cell_index: int) -> str:
        """How the student knows a cell: its grade id, else its number (as results.py names cells)."""
        cell = self.nb.cells[cell_index]
        return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"n°{cell_index + 1}"

    def _budget_message(self) -> str:
        return messages.time_budget_spent(self._budget_spent_by or "?", self.budget)

    def _spend_budget(self, cell_index: int) -> None:
        if self._budget_spent_by is None:
            self._budget_spent_by = self._label(cell_index)
            self.log.warning(
                "Cell %d: the notebook's time budget (%s s of CPU) is spent; nothing more of it runs",
                cell_index,
                self.budget,
            )

    # ------------------------------------------------------------------------------------- outputs
    def process_message(self, msg, cell, cell_index):
        try:
            return super().process_message(msg, cell, cell_index)
        except CellExecutionComplete:
            raise
        except Exception as error:  # noqa: BLE001 - a forged message nbclient cannot read costs the cell
            self.log.warning("Cell %d: an unreadable kernel message: %s", cell_index, str(error)[:200])
            if self._wire is not None:
                self._wire.refusals += 1
                self._wire.reason = "message illisible"
            return None

    def output(self, outs, msg, display_id, cell_index):
        msg_type = msg.get("msg_type")
        if (
            msg_type == "error"
            and (msg.get("content") or {}).get("ename") == messages.MESSAGE_REFUSED
            and any(o.get("ename") == messages.MESSAGE_REFUSED for o in outs if o.get("output_type") == "error")
        ):
            return None  # one refusal says it for the cell
        if self.clear_before_next_output:
            self._outputs.cleared(cell_index)  # the pending clear_output(wait=True) happens with this output
        content = msg.get("content") or {}
        room = self._outputs.text_room(cell_index)
        if not self._outputs.admit(cell_index, output_cost(msg_type, content), msg_type == "error"):
            kept = content.get("text")[:room] if msg_type == "stream" and isinstance(content.get("text"), str) else ""
            kept = kept[: kept.rfind("\n") + 1] or kept
            if kept and self._outputs.admit(cell_index, output_cost(msg_type, {**content, "text": kept})):
                # The beginning of a long print is kept (the note says the rest was dropped).
                return super().output(outs, {**msg, "content": {**content, "text": kept}}, display_id, cell_index)
            if self.clear_before_next_output:
                outs[:] = []
                self.clear_display_id_mapping(cell_index)
                self.clear_before_next_output = False
            return None
        return super().output(outs, msg, display_id, cell_index)

    def clear_output(self, outs, msg, cell_index):
        if not (msg.get("content") or {}).get("wait"):
            self._outputs.cleared(cell_index)
        super().clear_output(outs, msg, cell_index)

    def _update_display_id(self, display_id, msg):
        """An update replaces the data of earlier outputs: admitted only if what is kept stays within
        the limits."""
        new = data_cost((msg.get("content") or {}).get("data"))
        deltas: dict[int, Tally] = {}
        for cell_index, indices in self._display_id_map.get(display_id, {}).items():
            outputs = self.nb.cells[cell_index].get("outputs", [])
            for index in indices:
                if index < len(outputs):
                    deltas[cell_index] = deltas.get(cell_index, Tally()) + new - data_cost(outputs[index].get("data"))
        total = sum(deltas.values(), Tally())
        if any(
            (self._outputs.cells.get(c, Tally()) + d).exceeds(self._outputs.cell_limit) for c, d in deltas.items()
        ) or (self._outputs.total + total).exceeds(self._outputs.notebook_limit):
            for cell_index in deltas:
                self._outputs.dropped.setdefault(cell_index, "cell")
            return
        for cell_index, delta in deltas.items():
            self._outputs.changed(cell_index, delta)
        super()._update_display_id(display_id, msg)

    # ------------------------------------------------------------------------------------- a cell
    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if self._budget_spent_by is not None and cell.cell_type == "code":
            return self._not_run_for_budget(cell)
        region = hidden_region(cell.source) if cell.cell_type == "code" and is_test_cell(cell) else None
        with phase("execution"):
            if region is None:
                return await self._execute(cell, cell_index, execution_count, store_history)
            return await self._execute_graded(cell, cell_index, region, execution_count, store_history)

    # nbclient binds the synchronous wrapper to its own coroutine: rebind it to this one.
    execute_cell = run_sync(async_execute_cell)

    def _not_run_for_budget(self, cell):
        """A cell after the notebook's budget ran out: not run; a graded one fails with the reason."""
        cell.outputs = []
        if is_test_cell(cell):
            cell.outputs.append(_error(messages.TIME_BUDGET, self._budget_message()))
            cell.metadata[RECORD] = not_run(self._budget_message())
        return cell

    async def _execute(self, cell, cell_index, execution_count=None, store_history=True):
        """Run a cell in the kernel under the watchdog; a dead or stuck kernel costs this cell, and is
        restarted."""
        refusals = self._wire.refusals if self._wire else 0
        stopped_at = None
        try:
            result, stopped_at = await self._watched(
                super().async_execute_cell(cell, cell_index, execution_count, store_history), cell_index
            )
        except (DeadKernelError, CellTimeoutError, _KernelLost) as failure:
            budget = isinstance(failure, _KernelLost) and failure.reason == "budget"
            if budget:
                self._spend_budget(cell_index)
                error = _error(messages.TIME_BUDGET, self._budget_message())
            elif isinstance(failure, DeadKernelError) or getattr(failure, "reason", None) == "dead":
                error = _error(messages.KERNEL_DIED, messages.kernel_died())
            else:  # still busy after the interrupt
                error = _error(messages.KERNEL_STUCK, messages.kernel_stuck(self.timeout))
            self.log.warning("Cell %d: %s — restarting the kernel", cell_index, error.ename)
            self._fatal_cells.add(cell_index)
            cell.setdefault("outputs", []).append(error)
            self._note_dropped_outputs(cell, cell_index)
            if not budget:
                await self._restart_and_replay(cell_index)
            return cell
        self._completed.add(cell_index)
        if stopped_at == "budget":
            self._spend_budget(cell_index)
            result.outputs.append(_error(messages.TIME_BUDGET, self._budget_message()))
        elif stopped_at == "cell":
            result.outputs.append(_error(TIME_LIMIT, messages.time_limit(self.timeout)))
        if (
            self._wire
            and self._wire.refusals != refusals
            and not any(
                o.get("ename") == messages.MESSAGE_REFUSED for o in result.outputs if o.get("output_type") == "error"
            )
        ):
            result.outputs.append(_error(messages.MESSAGE_REFUSED, messages.message_refused(self._wire.reason)))
        self._note_dropped_outputs(result, cell_index)
        return result

    def _note_dropped_outputs(self, cell, cell_index: int) -> None:
        scope = self._outputs.dropped.pop(cell_index, None)
        if scope is not None:
            cell.setdefault("outputs", []).append(_stdout(messages.outputs_dropped(scope)))

    async def _execute_graded(self, cell, cell_index, region, execution_count, store_history):
        """Judge the hidden checks here, then (if they passed) run the visible self-check in the kernel."""
        check_ids, visible_source = region
        cell.outputs = []
        loop = asyncio.get_running_loop()

        def ask(request: dict) -> dict:  # called from the checks' thread
            return asyncio.run_coroutine_threadsafe(self._ask(request, cell_index), loop).result()

        verdicts, interruption = [], None
        for check_id in check_ids:
            self._lap = self._reading()  # each check has the cell's time limit
            try:
                with phase("checks"):
                    verdicts += await asyncio.to_thread(judge_cell, [check_id], ask)
            except GradingStopped as stopped:
                verdicts.append((check_id, Verdict(False, stopped.message)))
                if interruption in (None, messages.CHECK_FAILED):  # a crash says more than a time limit
                    interruption = stopped.kind
        passed = all(verdict.passed for _, verdict in verdicts)
        self_check = "not run"
        if passed:
            self_check = await self._run_self_check(
                cell, cell_index, check_ids, visible_source, execution_count, store_history
            )
            cell.outputs.insert(0, _stdout(verdict_banner([verdict.message for _, verdict in verdicts], self_check)))
        else:
            self._completed.add(cell_index)
            failures = "\n".join(verdict.message for _, verdict in verdicts if not verdict.passed)
            cell.outputs.append(_error(interruption or messages.CHECK_FAILED, readable(failures)))
        cell.metadata[RECORD] = cell_record(
            [
                check_record(check_id, verdict.passed, verdict.mistake, verdict.message)
                for check_id, verdict in verdicts
            ],
            self_check,
            passed=passed and self_check == "passed",
            message="" if passed else failures,
        )
        return cell

    async def _run_self_check(self, cell, cell_index, check_ids, visible_source, execution_count, store_history):
        """The visible part of a graded cell, run in the kernel, with the functions judged alone bound to
        their reference helpers meanwhile. Returns "passed" or "failed"."""
        isolation = isolation_requests(check_ids)
        self._lap = self._reading()
        try:
            with phase("checks"):
                for bind, _ in isolation:
                    await self._ask(bind, cell_index)
        except GradingStopped:
            return "failed"
        visible = copy.deepcopy(cell)
        visible.source = visible_source
        await self._execute(visible, cell_index, execution_count, store_history)
        self.nb.cells[cell_index] = cell  # nbclient stored the cell it executed: the copy
        cell.outputs = visible.get("outputs", [])
        if "execution_count" in visible:
            cell.execution_count = visible.execution_count
        if cell_index not in self._fatal_cells and self._budget_spent_by is None:
            self._lap = self._reading()
            with contextlib.suppress(GradingStopped), phase("checks"):
                for _, restore in isolation:
                    await self._ask(restore, cell_index)
        return "failed" if cell_index in self._fatal_cells or _has_error(cell.outputs) else "passed"

    # ------------------------------------------------------------------------------ the kernel side
    async def _ask(self, request: dict, cell_index: int) -> dict:
        """Send one request to the kernel side; its decoded answer, or :class:`GradingStopped` when the
        kernel ran out of time (interrupted), stayed stuck, died (then restarted and replayed), sent a
        message the grader refused, or the notebook's budget is spent."""
        if self._budget_spent_by is not None:
            raise GradingStopped(self._budget_message(), messages.TIME_BUDGET)
        message = self.kc.session.msg("comm_msg", {"comm_id": self._channel, "data": {REQUEST: json.dumps(request)}})
        assert self._wire is not None  # set as the kernel started, before any request
        refusals = self._wire.refusals
        self.kc.shell_channel.send(message)
        try:
            answer, stopped_at = await self._watched(
                self._answer(message["header"]["msg_id"]),
                cell_index,
                start=self._lap,
                wall_limit=(self.timeout or 0) * self.wall_factor,
            )
        except _KernelLost as lost:
            if lost.reason == "budget":
                self._spend_budget(cell_index)
                raise GradingStopped(self._budget_message(), messages.TIME_BUDGET) from None
            if lost.reason == "dead":
                self.log.warning("Cell %d: the kernel died during a hidden check — restarting it", cell_index)
                await self._restart_and_replay(cell_index)
                raise GradingStopped(messages.kernel_died(), messages.KERNEL_DIED) from None
            self.log.warning("Cell %d: the kernel is still busy after the interrupt — restarting it", cell_index)
            await self._restart_and_replay(cell_index)
            raise GradingStopped(messages.kernel_stuck(self.timeout), messages.KERNEL_STUCK) from None
        if self._wire.refusals != refusals:
            raise GradingStopped(messages.message_refused(self._wire.reason), messages.MESSAGE_REFUSED)
        if stopped_at == "budget":
            self._spend_budget(cell_index)
            raise GradingStopped(self._budget_message(), messages.TIME_BUDGET)
        if stopped_at == "cell":
            raise GradingStopped(messages.time_limit(self.timeout))
        return read_answer(answer if isinstance(answer, str) else None)

    async def _answer(self, msg_id: str):
        """The kernel side's answer to the request ``msg_id``, once the kernel is idle again."""
        answer = None
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=1.0))
            except Empty:
                continue  # the watchdog sees a dead kernel
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            content = msg.get("content", {})
            if msg["msg_type"] == "comm_msg" and content.get("comm_id") == self._channel:
                answer = content.get("data", {}).get(ANSWER)
            elif msg["msg_type"] == "status" and content.get("execution_state") == "idle":
                return answer

    async def _restart(self) -> None:
        with phase("kernel_start"):
            await ensure_async(self.km.restart_kernel(now=True))
            await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
            await self._install_kernel_side()

    async def _restart_and_replay(self, upto: int) -> None:
        """A fresh kernel in the state the notebook had before cell ``upto``, as far as replay can.

        Test cells are not replayed (they define nothing the student's code needs), nor any cell that
        already killed or blocked a kernel. Each replayed cell has the cell's time limit, and the
        notebook's budget counts them: once it is spent, nothing more is replayed."""
        if self._budget_spent_by is not None:
            return
        await self._restart()
        for index, cell in enumerate(self.nb.cells[:upto]):
            if cell.cell_type != "code" or index in self._fatal_cells or is_test_cell(cell):
                continue
            try:
                _, stopped_at = await self._watched(
                    ensure_async(
                        self.kc.execute_interactive(
                            cell.source,
                            store_history=False,
                            allow_stdin=False,
                            timeout=None,
                            output_hook=lambda msg: None,
                        )
                    ),
                    index,
                    wall_limit=(self.timeout or 0) * self.wall_factor,
                )
            except _KernelLost as lost:
                if lost.reason == "budget":
                    self._spend_budget(index)
                    return
                await self._restart()  # a replayed cell that kills or blocks the kernel was already judged
                continue
            except Exception:  # noqa: BLE001 - a replayed cell that fails again was already judged
                if not await ensure_async(self.km.is_alive()):
                    await self._restart()
                continue
            if stopped_at == "budget":
                self._spend_budget(index)
                return
