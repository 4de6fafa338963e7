"""Running nbgrader on a class: several worker processes at once, a progress line per notebook.

Each worker (autograde/worker.py) loads the course's configuration, then takes one student at a time
from the grader and grades them through nbgrader's converters; they share the gradebook, whose writes
are short. The grader learns what happened from the workers' exit status and their own channel of
JSON events (a pipe no kernel holds), never from text a kernel can print: the kernels' stdout and stderr
are /dev/null, nbgrader's log goes to ``autograde.log`` of the course directory (bounded per student).

The workers die with the grader: each watches its stdin pipe, which only the grader holds, and kills
every process it started when that pipe ends (the grader exited, or was killed, SIGKILL included); on
SIGTERM or SIGINT the grader also ends their process groups.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Callable

from . import settings, student_ids, worker
from .course import Course, NbgraderError, shown

Progress = Callable[[str], None]
MAX_EVENT_BYTES = 16 * 1024  # an event is a few hundred bytes; a longer line is not one of ours
GRACE_SECONDS = 10  # a worker told to stop has this long to kill its kernels before it is killed


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _read_events(number: int, stream, events: queue.Queue) -> None:
    while True:
        line = stream.readline(MAX_EVENT_BYTES)
        if not line:
            break
        if not line.endswith(b"\n"):  # too long: skip to the end of that line
            while line and not line.endswith(b"\n"):
                line = stream.readline(MAX_EVENT_BYTES)
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.put((number, event))
    events.put((number, None))


class _Stop(BaseException):
    """SIGTERM reached the grader."""


class Workers:
    """``count`` worker processes doing ``task`` for ``students`` in the course, one student at a time each."""

    def __init__(
        self, course: Course, task: str, assignment: str, students: list[str], count: int, env: dict[str, str]
    ):
        unsafe = [s for s in students if not student_ids.is_safe(s)]
        if unsafe:  # Course.take and Course.students never let one through
            raise NbgraderError(f"not safe student ids: {[shown(s) for s in unsafe]}")
        self.course, self.task, self.assignment = course, task, assignment
        self.pending = deque(students)
        self.events: queue.Queue[tuple[int, dict | None]] = queue.Queue()
        self.processes: list[subprocess.Popen] = []
        self.current: dict[int, str | None] = {}
        self.results: dict[str, bool] = {}
        self.errors: dict[int, str] = {}
        self.on_student: Callable[[str, bool], None] | None = None
        self.asked: set[int] = set()
        try:
            for number in range(count):
                self._start(number, env)
        except BaseException:
            self.stop()
            raise

    def _start(self, number: int, env: dict[str, str]) -> None:
        read, write = os.pipe()
        # The worker's own stderr until it starts: a Python that cannot even import it says why in the log.
        # It points stdout and stderr at /dev/null before it starts anything.
        try:
            with open(self.course.root / "autograde.log", "ab") as log:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "autograde.worker",
                        "--events-fd",
                        str(write),
                        "--parent",
                        str(os.getpid()),
                        "--name",
                        f"{self.task} {number}",
                    ],
                    cwd=self.course.root,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    pass_fds=(write,),
                    start_new_session=True,
                )
        finally:
            os.close(write)
        self.processes.append(process)
        self._send(number, {"task": self.task, "assignment": self.assignment})
        threading.Thread(target=_read_events, args=(number, os.fdopen(read, "rb"), self.events), daemon=True).start()

    def _send(self, number: int, message) -> None:
        try:
            stdin = self.processes[number].stdin
            assert stdin is not None  # every worker is started with stdin=PIPE
            stdin.write(json.dumps(message).encode() + b"\n")
            stdin.flush()
        except (OSError, ValueError):  # the worker is gone: its exit status says why
            pass

    def run(
        self,
        on_notebook: Callable[[str, str], None] | None = None,
        on_student: Callable[[str, bool], None] | None = None,
    ) -> list[int]:
        """Hand the students out until every worker is done; the workers' exit statuses.
        ``on_notebook(student, notebook)`` when a notebook starts, ``on_student(student, ok)`` when a
        student is done."""
        self.on_student = on_student
        running = len(self.processes)
        while running:
            number, event = self.events.get()
            if event is None:
                running -= 1
                continue
            kind = event.get("event")
            if kind == "next":
                self.asked.add(number)
                self._finish(number, False)  # a "next" without a "student" before it: that one failed
                student = self.pending.popleft() if self.pending else None
                self.current[number] = student
                self._send(number, student)
            elif kind == "student" and event.get("student") == self.current.get(number):
                self._finish(number, event.get("ok") is True)
            elif kind == "notebook" and event.get("student") == self.current.get(number) and on_notebook:
                # The student the worker was given: a worker's notebook event always names it, so never None.
                on_notebook(self.current[number], str(event.get("notebook"))[:200])  # type: ignore[arg-type]
            elif kind == "error":
                self.errors[number] = str(event.get("error"))[:4000]
        codes = [process.wait() for process in self.processes]
        for number in range(len(self.processes)):
            self._finish(number, False)
        return codes

    def _finish(self, number: int, ok: bool) -> None:
        student = self.current.pop(number, None)
        if student is not None and student not in self.results:
            self.results[student] = ok
            if self.on_student:
                self.on_student(student, ok)

    def stop(self) -> None:
        """End every worker still running: its stdin closed (it kills its kernels and exits), then,
        after a grace period, its process group killed."""
        for process in self.processes:
            if process.stdin:
                try:
                    process.stdin.close()
                except OSError:
                    pass
        deadline = time.monotonic() + GRACE_SECONDS
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    pass
                process.wait()

    def config_error(self, codes: list[int]) -> str | None:
        """Why the course's configuration did not load, when a worker said so by its exit status."""
        for number, code in enumerate(codes):
            if code == worker.EXIT_CONFIG:
                return self.errors.get(number, "")
        return None


def _run(
    course: Course,
    task: str,
    assignment: str,
    students: list[str],
    jobs: int,
    env: dict[str, str],
    on_notebook=None,
    on_student=None,
) -> tuple[list[int], dict[str, bool]]:
    """Run the workers; on SIGTERM or SIGINT (KeyboardInterrupt) they are stopped before the grader ends."""

    def on_term(*_):
        raise _Stop()

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if main_thread else None
    workers = None
    try:
        workers = Workers(course, task, assignment, students, jobs, env)
        codes = workers.run(on_notebook, on_student)
    except _Stop:
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        if workers is not None:
            workers.stop()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    error = workers.config_error(codes)
    if error is not None:
        raise NbgraderError(error or f"nbgrader could not load {course.root / 'nbgrader_config.py'}")
    if not workers.asked:
        raise NbgraderError(
            f"the {task} workers ended before they took a student (exit statuses {codes}): see "
            f"{course.root / 'autograde.log'}"
        )
    crashed = [code for code in codes if code not in (0, worker.EXIT_FAILED)]
    if crashed:
        with open(course.root / "autograde.log", "a", encoding="utf-8") as log:
            log.write(f"==== {task} {assignment}: worker exit statuses {codes}\n")
    return codes, workers.results


def autograde(
    course: Course,
    assignment: str,
    students: list[str],
    progress: Progress | None = None,
    cell_timeout: int | None = None,
    jobs: int | None = None,
    sandbox: bool = True,
) -> int:
    """Autograde ``students`` (again, if they were graded before).

    ``progress`` receives a line each time a notebook starts (students done out of total, the current
    student and notebook, elapsed time), then a last one. Returns the worst exit status: non-zero when
    nbgrader could not process a student, whose cells the results then show as not graded."""
    if not students:
        return 0
    jobs = max(1, min(jobs or settings.JOBS.get(), len(students)))
    finished: set[str]
    start, finished = time.monotonic(), set()
    with open(course.root / "autograde.log", "a", encoding="utf-8") as log:
        log.write(f"==== autograde {assignment}: {len(students)} student(s), {jobs} worker(s), {time.ctime()}\n")

    def on_notebook(student: str, notebook: str) -> None:
        if progress:
            progress(
                f"[{len(finished)}/{len(students)} étudiants corrigés] en cours : {student} · "
                f"{shown(notebook)} · {_clock(time.monotonic() - start)} écoulées"
            )

    codes, _ = _run(
        course,
        "autograde",
        assignment,
        students,
        jobs,
        course.env(cell_timeout, sandbox),
        on_notebook,
        lambda student, ok: finished.add(student),
    )
    if progress:
        progress(
            f"[{len(students)}/{len(students)} étudiants corrigés] en {_clock(time.monotonic() - start)}"
            + (f" ({jobs} en parallèle)" if jobs > 1 else "")
        )
    return max(codes, key=abs)


def generate_feedback(course: Course, assignment: str, students: list[str], jobs: int | None = None) -> dict[str, bool]:
    """Feedback pages of ``students`` (again, if they had some), one student at a time: {student: made}.
    A student whose feedback could not be made is in autograde.log; the others are not held up."""
    if not students:
        return {}
    jobs = max(1, min(jobs or settings.JOBS.get(), len(students)))
    _, results = _run(course, "feedback", assignment, students, jobs, course.env())
    return results
