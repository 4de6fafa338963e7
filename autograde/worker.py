"""One grading worker: ``python -m autograde.worker --events-fd N --parent PID``, started by
autograde/grading.py in a course directory.

The worker loads the course's ``nbgrader_config.py`` itself (a configuration that does not load is exit
status :data:`EXIT_CONFIG`, before any student code runs), then grades (or makes the feedback of) one
student at a time through nbgrader's converters, exactly as ``NbGraderAPI.autograde`` and
``NbGraderAPI.generate_feedback`` do.

Channels, so that nothing a kernel writes reaches the grader's control:

- in, on stdin (a pipe only the grader holds): a first JSON line ``{"task", "assignment"}``, then one
  JSON string per student, sent when the worker asks for one (``null``: no more students). The end of
  this pipe means the grader is gone: the worker then kills every process it started and exits;
- out, on the file descriptor ``--events-fd`` (not inherited by anything the worker starts): one JSON
  object a line, ``{"event": "next" | "notebook" | "student" | "error", ...}``;
- stdout and stderr are /dev/null once the worker runs (the kernels inherit them); nbgrader's log goes
  to ``autograde.log`` of the course, at most :data:`LOG_BYTES_PER_STUDENT` bytes per student.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Protocol

from . import student_ids
from .course import ConfigError, load_config
from .niceness import session_at_own_niceness
from .sandbox import process_tree

EXIT_FAILED = 1  # some student could not be processed to the end (their fault or not: they are listed)
EXIT_CONFIG = 3  # the course's nbgrader_config.py did not load: nothing was graded
EXIT_CRASH = 4  # the worker itself failed
LOG_BYTES_PER_STUDENT = 256 * 1024
TASKS = ("autograde", "feedback")
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE = 1, 4


# ------------------------------------------------------------------------------------ lifetime
def kill_descendants() -> None:
    """SIGKILL every process below this one: the kernels, their sandboxes and whatever they started.
    They are all stopped first, round after round until no new one appears, so that none forks a
    process the last look would miss. (A sandboxed kernel's processes all live in its PID namespace,
    which dies with it. The worker is no subreaper, which would collect the sandboxes' orphaned
    zombies: a process that an unsandboxed kernel detached escapes this, as it escapes the kernel's end.)"""
    stopped: list[int] = []
    for _ in range(100):
        found = [pid for pid in process_tree(os.getpid())[1:] if pid not in stopped]
        if not found:
            break
        for pid in found:
            _signal(pid, signal.SIGSTOP)
        stopped += found
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except OSError:
        pass


_ending = threading.RLock()  # re-entered when SIGTERM comes while the grader's end is being handled


def guard_process_starts() -> None:
    """In the worker: no process starts while the worker ends, so that kill_descendants sees them all."""
    # Popen's one private entry point every start goes through (not in typeshed either).
    execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]  # noqa: SLF001

    def starting(self, *args, **kwargs):
        with _ending:
            return execute_child(self, *args, **kwargs)

    subprocess.Popen._execute_child = starting  # type: ignore[attr-defined]  # noqa: SLF001


def terminate(code: int = 143) -> None:
    """End now, with every process started below this one."""
    with _ending:
        kill_descendants()
        os._exit(code)


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the stdin pipe alone tells the worker its grader is gone
        pass


def die_with(parent: int) -> None:
    """Die when the grader dies, however it dies (SIGKILL included), and take the kernels along."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    # Nothing of the same user (an unsandboxed kernel) may open this process's descriptors through
    # /proc/<pid>/fd, the events channel among them.
    _prctl(_PR_SET_DUMPABLE, 0)
    signal.signal(signal.SIGTERM, lambda *_: terminate())
    signal.signal(signal.SIGINT, lambda *_: terminate())
    if os.getppid() != parent:  # the grader died before the line above
        terminate()


# ------------------------------------------------------------------------------------ channels
class Events:
    """The worker's structured channel to the grader."""

    def __init__(self, fd: int):
        os.set_inheritable(fd, False)
        self._out = os.fdopen(fd, "wb", buffering=0)
        self._lock = threading.Lock()

    def send(self, **event) -> None:
        line = json.dumps(event, ensure_ascii=True).encode() + b"\n"
        with self._lock:
            try:
                self._out.write(line)
            except OSError:  # the grader is gone
                terminate()


def read_orders(orders: queue.Queue) -> None:
    """stdin, line by line, into ``orders``; its end (the grader is gone) ends the worker."""
    for line in sys.stdin.buffer:
        try:
            orders.put(json.loads(line))
        except ValueError:
            continue
    terminate()


class CappedLog(logging.Handler):
    """nbgrader's log into autograde.log, each record one append, at most ``cap`` bytes per student."""

    def __init__(self, path: Path, prefix: str, cap: int = LOG_BYTES_PER_STUDENT):
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - open for the worker's whole life
        self.prefix, self.cap = prefix, cap
        self.begin("")

    def begin(self, student: str) -> None:
        self.student, self.used, self.cut = student, 0, False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{self.prefix}{self.student}: {self.format(record)}\n".encode("utf-8", "replace")
            if self.used + len(line) > self.cap:
                if not self.cut:
                    self.cut = True
                    self._file.write(
                        f"{self.prefix}{self.student}: [autograde] log cut here: "
                        f"{self.cap} bytes at most per student\n".encode()
                    )
                return
            self.used += len(line)
            self._file.write(line)
        except Exception:  # noqa: BLE001 - a log that cannot be written never stops the grading
            self.handleError(record)


# ---------------------------------------------------------------------------------- nbgrader
class EventSink(Protocol):
    def send(self, **event) -> None: ...


def converter_class(task: str, events: EventSink):
    from nbgrader.converters import Autograde, GenerateFeedback

    base: Any = Autograde if task == "autograde" else GenerateFeedback  # nbgrader ships no types

    class Reporting(base):
        def convert_single_notebook(self, notebook_filename):
            events.send(event="notebook", student=self.coursedir.student_id, notebook=Path(notebook_filename).stem)
            return super().convert_single_notebook(notebook_filename)

    return Reporting


def process(task: str, assignment: str, student: str, coursedir, config, log, converter) -> None:
    """One student, as ``NbGraderAPI.autograde(assignment, student, force=True, create=True)`` or
    ``NbGraderAPI.generate_feedback(assignment, student, force=True)``: raises when nbgrader failed."""
    from nbgrader.utils import temp_attrs

    with temp_attrs(coursedir, assignment_id=assignment, student_id=student):
        app = converter(coursedir=coursedir, config=config, log=log)
        app.force = True
        if task == "autograde":
            app.create_student = True
        app.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograde.worker")
    parser.add_argument("--events-fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--name", default="")
    args = parser.parse_args(argv)
    session_at_own_niceness()  # started in a session of its own (`nice autograde grade` holds for it)
    # The kernels inherit stdout and stderr: nothing they write may reach the grader or its log.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    events = Events(args.events_fd)
    guard_process_starts()
    die_with(args.parent)
    job = json.loads(sys.stdin.buffer.readline() or b"{}")
    task, assignment = job.get("task"), job.get("assignment")
    if task not in TASKS or not student_ids.is_safe(assignment or ""):
        events.send(event="error", error=f"bad job {job!r}"[:500])
        return EXIT_CRASH
    orders: queue.Queue = queue.Queue()
    threading.Thread(target=read_orders, args=(orders,), daemon=True).start()
    root = Path.cwd()
    try:
        config = load_config(root)
    except ConfigError as error:
        events.send(event="error", error=str(error))
        return EXIT_CONFIG
    from nbgrader.coursedir import CourseDirectory

    log = logging.getLogger("autograde.worker")
    log.propagate, log.level = False, logging.INFO
    handler = CappedLog(root / "autograde.log", f"[{args.name}] " if args.name else "")
    log.addHandler(handler)
    logging.getLogger().addHandler(handler)  # what the libraries log on their own loggers
    coursedir = CourseDirectory(config=config, root=str(root), log=log)
    converter = converter_class(task, events)
    code = 0
    while True:
        events.send(event="next")
        student = orders.get()
        if student is None:
            break
        handler.begin(student if isinstance(student, str) and student_ids.is_safe(student) else "?")
        try:
            if not (isinstance(student, str) and student_ids.is_safe(student)):
                raise ValueError(f"not a safe student id: {student!r}"[:200])
            process(task, assignment, student, coursedir, config, log, converter)
        except Exception:  # noqa: BLE001 - one student's failure is reported and the others go on
            log.error("%s of %s failed:\n%s", task, student, traceback.format_exc()[-8000:])
            events.send(event="student", student=student, ok=False)
            code = EXIT_FAILED
        else:
            events.send(event="student", student=student, ok=True)
    handler.begin("")
    kill_descendants()
    return code


if __name__ == "__main__":
    try:
        status = main()
    except Exception:  # noqa: BLE001 - said on the log's channel, and in the exit status
        try:
            with open("autograde.log", "ab") as _log:
                _log.write(("[autograde.worker] " + traceback.format_exc()[-8000:] + "\n").encode())
        except OSError:
            pass
        status = EXIT_CRASH
    sys.stdout.flush()
    os._exit(status)  # the stdin reader thread must not keep the worker alive
