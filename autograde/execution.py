"""nbgrader's Execute preprocessor, made to survive any submission.

nbgrader runs a notebook in one kernel and stops at the first kernel death: the student's whole
notebook is then lost, and a test cell that never ran has no error output, which nbgrader scores as
passed (nbgrader #427). :class:`GuardedExecute` instead

- runs every notebook in the course's ``python3`` kernel, whatever kernel name the file carries;
- when the kernel dies (``os._exit``, a segfault, the memory limit) or stays busy after the timeout's
  interrupt (a loop that swallows ``KeyboardInterrupt``), records a French error in that cell,
  restarts the kernel, replays the code cells before it silently (so that imports and the student's
  definitions exist again) and goes on with the next cell;
- ends by failing every graded test cell that did not run to completion, so nothing passes unseen.

The memory limit is set in the kernel itself, by an IPython start-up file (see :func:`write_kernel_limits`).
"""
from __future__ import annotations

import os
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Unicode

KERNEL_DIED = "KernelDied"
KERNEL_STUCK = "KernelStuck"
NOT_RUN = "CellNotRun"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


class GuardedExecute(Execute):
    kernel_name = Unicode("python3", help="Kernel every submission runs in, whatever its metadata says.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._fatal_cells: set[int] = set()
        self._completed: set[int] = set()
        try:
            return super().preprocess(nb, resources, km)
        except Exception:
            if not self._completed:
                raise  # the kernel never ran a cell: the grading set-up is broken, not the notebook
            self.log.exception("Execution stopped early; the cells that did not run are failed")
            return nb, resources
        finally:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code" and is_test_cell(cell) and index not in self._completed:
                    if not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                        cell.setdefault("outputs", []).append(_error(
                            NOT_RUN, "Ce test n'a pas pu être exécuté (le noyau Python ne répondait plus) : 0 point."))

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        try:
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except (DeadKernelError, CellTimeoutError) as failure:
            if isinstance(failure, DeadKernelError):
                error = _error(KERNEL_DIED, "Le noyau Python s'est arrêté pendant cette cellule (arrêt brutal comme "
                                            "os._exit, plantage, ou mémoire épuisée). Il a été redémarré pour la "
                                            "suite de la correction.")
            else:  # still busy after the timeout's interrupt
                error = _error(KERNEL_STUCK, f"Cette cellule a dépassé la limite de temps ({self.timeout} s) et ne "
                                             "s'est pas arrêtée à l'interruption : le noyau a été redémarré pour la "
                                             "suite de la correction.")
            self.log.warning("Cell %d: %s — restarting the kernel", cell_index, error.ename)
            self._fatal_cells.add(cell_index)
            cell.setdefault("outputs", []).append(error)
            await self._restart_and_replay(cell_index)
            return cell
        self._completed.add(cell_index)
        return result

    # nbclient binds the synchronous wrapper to its own coroutine: rebind it to this one.
    execute_cell = run_sync(async_execute_cell)

    async def _restart(self) -> None:
        await ensure_async(self.km.restart_kernel(now=True))
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))

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


def write_kernel_limits(ipython_dir: Path, memory_mb: int) -> Path:
    """An IPython start-up file that caps the kernel's address space at ``memory_mb`` MiB.

    Soft and hard limits are both set, so student code cannot raise them again. Over the limit an
    allocation raises ``MemoryError`` in the student's cell instead of exhausting the machine."""
    startup = Path(ipython_dir) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    path = startup / "00-autograde-limits.py"
    path.write_text(
        "import resource as _resource\n"
        f"_limit = {int(memory_mb)} * 1024 * 1024\n"
        "_resource.setrlimit(_resource.RLIMIT_AS, (_limit, _limit))\n"
        "del _resource, _limit\n", encoding="utf-8")
    return path


def memory_limit_mb() -> int:
    return int(os.environ.get("AUTOGRADE_MEMORY_LIMIT_MB", 2048))
