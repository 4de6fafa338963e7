"""Running ``nbgrader autograde`` on a class: several processes at once, a progress line per notebook.

The students to grade are split over ``jobs`` nbgrader processes (each excludes every other student of
the course); they share the gradebook, whose writes are short. nbgrader's log is kept in
``autograde.log`` of the course directory.
"""
from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from typing import Callable

from . import settings
from .course import _BIN, CONFIG_FAILED, Course, NbgraderError

Progress = Callable[[str], None]
_CONVERTING = re.compile(r"Sanitizing .*?submitted[/\\]([^/\\]+)[/\\][^/\\]+[/\\]([^/\\]+)\.ipynb")


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _read_lines(worker: int, stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put((worker, line))
    lines.put((worker, None))


def autograde(course: Course, assignment: str, students: list[str], progress: Progress | None = None,
              cell_timeout: int | None = None, jobs: int | None = None, sandbox: bool = True) -> int:
    """Autograde ``students`` (again, if they were graded before) with ``nbgrader autograde``.

    ``progress`` receives a line each time a notebook starts (students done out of total, the current
    student and notebook, elapsed time), then a last one. Returns the worst exit status: non-zero when
    nbgrader could not process a student, whose cells the results then show as not graded."""
    if not students:
        return 0
    everyone = course.students(assignment)
    jobs = max(1, min(jobs or settings.JOBS.get(), len(students)))
    chunks = [students[i::jobs] for i in range(jobs)]
    start, lines = time.monotonic(), queue.Queue()
    current: dict[int, str] = {}
    finished: set[str] = set()
    processes = []
    for worker, chunk in enumerate(chunks):
        others = [s for s in everyone if s not in chunk]
        command = [str(_BIN / "nbgrader"), "autograde", assignment, "--force"]
        if others:
            command.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
        process = subprocess.Popen(command, cwd=course.root, env=course.env(cell_timeout, sandbox),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=_read_lines, args=(worker, process.stdout, lines), daemon=True).start()
        processes.append(process)
    running = len(processes)
    with open(course.root / "autograde.log", "a", encoding="utf-8") as log:
        log.write(f"==== nbgrader autograde {assignment}: {len(students)} student(s), {time.ctime()}\n")
        while running:
            worker, line = lines.get()
            if line is None:
                running -= 1
                finished.update([current.pop(worker)] if worker in current else [])
                continue
            log.write(f"[{worker}] {line}" if jobs > 1 else line)
            if CONFIG_FAILED in line:
                for process in processes:
                    process.kill()
                raise NbgraderError(f"nbgrader could not load {course.root / 'nbgrader_config.py'}; see {log.name}")
            match = _CONVERTING.search(line)
            if match:
                student, notebook = match.groups()
                if current.get(worker, student) != student:
                    finished.add(current[worker])
                current[worker] = student
                if progress:
                    progress(f"[{len(finished)}/{len(students)} étudiants corrigés] en cours : {student} · {notebook} "
                             f"· {_clock(time.monotonic() - start)} écoulées")
    codes = [process.wait() for process in processes]
    if progress:
        progress(f"[{len(students)}/{len(students)} étudiants corrigés] en {_clock(time.monotonic() - start)}"
                 + (f" ({jobs} en parallèle)" if jobs > 1 else ""))
    return max(codes, key=abs)


def generate_feedback(course: Course, assignment: str, students: list[str]) -> None:
    """Feedback pages of ``students`` (again, if they had some)."""
    if not students:
        return
    others = [s for s in course.students(assignment) if s not in students]
    course.nbgrader("generate_feedback", assignment, "--force",
                    *(["--CourseDirectory.student_id_exclude=" + ",".join(others)] if others else []), check=False)
