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
"""
from __future__ import annotations

import asyncio
import copy
import json
import textwrap
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Unicode, default

from . import messages, settings
from .checking import GradingStopped, Verdict
from .hidden_tests import hidden_region
from .judge import isolation_requests, judge_cell, kernel_side_boot, read_answer
from .kernel_side import ANSWER, CHANNEL, REQUEST
from .sandbox import kernel_manager_class

RECORD = "autograde"  # key of the grader's records in the notebook's and the cells' metadata
INTERRUPT_GRACE_S = 5  # after an interrupt, how long a kernel may take to stop before it is restarted
KERNEL_SIDE = (Path(__file__).parent / "kernel_side.py").read_text(encoding="utf-8")


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _stdout(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


def readable(message: str) -> str:
    """A verdict wrapped at 100 characters: notebooks, the feedback and the formgrader show outputs in
    a block that does not wrap long lines."""
    return "\n".join(textwrap.fill(line, width=100, break_long_words=False, break_on_hyphens=False)
                     for line in message.split("\n"))


def is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _has_error(outputs) -> bool:
    return any(o.get("output_type") == "error" or o.get("output_type") == "stream" and o.get("name") == "stderr"
               for o in outputs)


class GuardedExecute(Execute):
    kernel_name = Unicode("python3", help="Kernel every submission runs in, whatever its metadata says.").tag(config=True)
    sandboxed = Bool(help="Run the kernels in the bubblewrap sandbox (AUTOGRADE_SANDBOX).").tag(config=True)

    @default("sandboxed")
    def _sandboxed_default(self):
        return settings.SANDBOX.get()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # In place of the plain AsyncKernelManager nbgrader's Execute sets; refuses without bubblewrap.
        self.kernel_manager_class = kernel_manager_class(self.sandboxed)

    # ---------------------------------------------------------------------------------- a notebook
    def preprocess(self, nb, resources=None, km=None):
        self._fatal_cells: set[int] = set()
        self._completed: set[int] = set()
        # A submitted file may carry forged records: only this run's count.
        nb.metadata.pop(RECORD, None)
        for cell in nb.cells:
            cell.get("metadata", {}).pop(RECORD, None)
        nb.metadata[RECORD] = {"sandboxed": bool(self.sandboxed)}
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
            record = cell.metadata[RECORD] = {"checks": [], "self_check": "not run", "passed": False,
                                              "message": messages.not_run()}
        if not record["passed"] and not _has_error(cell.get("outputs", [])):
            cell.setdefault("outputs", []).append(_error(messages.NOT_RUN, record.get("message") or messages.not_run()))

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        await self._install_kernel_side()
        return kc

    # nbconvert's preprocess calls the synchronous wrapper, bound to nbclient's coroutine: rebind it.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    async def _install_kernel_side(self) -> None:
        reply = await ensure_async(self.kc.execute_interactive(
            kernel_side_boot(KERNEL_SIDE), store_history=False, allow_stdin=False, timeout=self.startup_timeout,
            output_hook=lambda msg: None))
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the grading kernel could not load autograde's kernel side: {reply['content']}")
        self._channel = uuid.uuid4().hex
        self.kc.shell_channel.send(self.kc.session.msg("comm_open", {"comm_id": self._channel, "target_name": CHANNEL,
                                                                     "data": {}}))

    # ------------------------------------------------------------------------------------- a cell
    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        region = hidden_region(cell.source) if cell.cell_type == "code" and is_test_cell(cell) else None
        if region is None:
            return await self._execute(cell, cell_index, execution_count, store_history)
        return await self._execute_graded(cell, cell_index, region, execution_count, store_history)

    # nbclient binds the synchronous wrapper to its own coroutine: rebind it to this one.
    execute_cell = run_sync(async_execute_cell)

    async def _execute(self, cell, cell_index, execution_count=None, store_history=True):
        """Run a cell in the kernel; a dead or stuck kernel costs this cell, and is restarted."""
        try:
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except (DeadKernelError, CellTimeoutError) as failure:
            if isinstance(failure, DeadKernelError):
                error = _error(messages.KERNEL_DIED, messages.kernel_died())
            else:  # still busy after the timeout's interrupt
                error = _error(messages.KERNEL_STUCK, messages.kernel_stuck(self.timeout))
            self.log.warning("Cell %d: %s — restarting the kernel", cell_index, error.ename)
            self._fatal_cells.add(cell_index)
            cell.setdefault("outputs", []).append(error)
            await self._restart_and_replay(cell_index)
            return cell
        self._completed.add(cell_index)
        return result

    async def _execute_graded(self, cell, cell_index, region, execution_count, store_history):
        """Judge the hidden checks here, then (if they passed) run the visible self-check in the kernel."""
        check_ids, visible_source = region
        cell.outputs = []
        loop = asyncio.get_running_loop()

        def ask(request: dict) -> dict:  # called from the checks' thread
            return asyncio.run_coroutine_threadsafe(self._ask(request, cell_index), loop).result()

        verdicts, interruption = [], None
        for check_id in check_ids:
            self._deadline = monotonic() + self.timeout  # each check has the cell's time limit
            try:
                verdicts += await asyncio.to_thread(judge_cell, [check_id], ask)
            except GradingStopped as stopped:
                verdicts.append((check_id, Verdict(False, stopped.message)))
                if interruption in (None, messages.CHECK_FAILED):  # a crash says more than a time limit
                    interruption = stopped.kind
        passed = all(verdict.passed for _, verdict in verdicts)
        self_check = "not run"
        if passed:
            self_check = await self._run_self_check(cell, cell_index, check_ids, visible_source, execution_count,
                                                    store_history)
            cell.outputs.insert(0, _stdout("".join(readable(f"✔ {verdict.message}") + "\n" for _, verdict in verdicts)))
        else:
            self._completed.add(cell_index)
            failures = "\n".join(verdict.message for _, verdict in verdicts if not verdict.passed)
            cell.outputs.append(_error(interruption or messages.CHECK_FAILED, readable(failures)))
        cell.metadata[RECORD] = {
            "checks": [{"check": check_id, "passed": verdict.passed, "mistake": verdict.mistake,
                        "message": verdict.message} for check_id, verdict in verdicts],
            "self_check": self_check, "passed": passed and self_check == "passed",
            "message": "" if passed else failures}
        return cell

    async def _run_self_check(self, cell, cell_index, check_ids, visible_source, execution_count, store_history):
        """The visible part of a graded cell, run in the kernel, with the functions judged alone bound to
        their reference helpers meanwhile. Returns "passed" or "failed"."""
        isolation = isolation_requests(check_ids)
        self._deadline = monotonic() + self.timeout
        for bind, _ in isolation:
            await self._ask(bind, cell_index)
        visible = copy.deepcopy(cell)
        visible.source = visible_source
        await self._execute(visible, cell_index, execution_count, store_history)
        self.nb.cells[cell_index] = cell  # nbclient stored the cell it executed: the copy
        cell.outputs = visible.get("outputs", [])
        if "execution_count" in visible:
            cell.execution_count = visible.execution_count
        if cell_index not in self._fatal_cells:
            self._deadline = monotonic() + self.timeout
            for _, restore in isolation:
                await self._ask(restore, cell_index)
        return "failed" if cell_index in self._fatal_cells or _has_error(cell.outputs) else "passed"

    # ------------------------------------------------------------------------------ the kernel side
    async def _ask(self, request: dict, cell_index: int) -> dict:
        """Send one request to the kernel side; its decoded answer, or :class:`GradingStopped` when the
        kernel ran out of time (interrupted), stayed stuck or died (then restarted and replayed)."""
        message = self.kc.session.msg("comm_msg", {"comm_id": self._channel, "data": {REQUEST: json.dumps(request)}})
        self.kc.shell_channel.send(message)
        msg_id = message["header"]["msg_id"]
        deadline, interrupted, answer = self._deadline, False, None
        while True:
            remaining = deadline - monotonic()
            if remaining <= 0:
                if interrupted:
                    self.log.warning("Cell %d: the kernel is still busy after the interrupt — restarting it", cell_index)
                    await self._restart_and_replay(cell_index)
                    raise GradingStopped(messages.kernel_stuck(self.timeout), messages.KERNEL_STUCK)
                self.log.warning("Cell %d: a hidden check reached the time limit (%s s) — interrupting", cell_index,
                                 self.timeout)
                await ensure_async(self.km.interrupt_kernel())
                interrupted, deadline = True, monotonic() + INTERRUPT_GRACE_S
                continue
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=min(remaining, 1.0)))
            except Empty:
                if not await ensure_async(self.km.is_alive()):
                    self.log.warning("Cell %d: the kernel died during a hidden check — restarting it", cell_index)
                    await self._restart_and_replay(cell_index)
                    raise GradingStopped(messages.kernel_died(), messages.KERNEL_DIED) from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            content = msg.get("content", {})
            if msg["msg_type"] == "comm_msg" and content.get("comm_id") == self._channel:
                answer = content.get("data", {}).get(ANSWER)
            elif msg["msg_type"] == "status" and content.get("execution_state") == "idle":
                break
        if interrupted:
            raise GradingStopped(messages.time_limit(self.timeout))
        return read_answer(answer if isinstance(answer, str) else None)

    async def _restart(self) -> None:
        await ensure_async(self.km.restart_kernel(now=True))
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
        await self._install_kernel_side()

    async def _restart_and_replay(self, upto: int) -> None:
        """A fresh kernel in the state the notebook had before cell ``upto``, as far as replay can.

        Test cells are not replayed (they define nothing the student's code needs), nor any cell that
        already killed or blocked a kernel."""
        await self._restart()
        for index, cell in enumerate(self.nb.cells[:upto]):
            if cell.cell_type != "code" or index in self._fatal_cells or is_test_cell(cell):
                continue
            try:
                await ensure_async(self.kc.execute_interactive(
                    cell.source, store_history=False, allow_stdin=False, timeout=self.timeout,
                    output_hook=lambda msg: None))
            except Exception:  # noqa: BLE001 - a replayed cell that fails again was already judged
                if not await ensure_async(self.km.is_alive()):
                    await self._restart()
                else:
                    await ensure_async(self.km.interrupt_kernel())

