"""One student's submission of one assignment, graded in a scratch course of its own: the task a Dask
worker runs for autograde/dask_grading.py.

In: the assignment (the course's ``nbgrader_config.py`` and the assignment's ``source/`` folder, as
bytes, shipped once per worker) and the submission (the files of ``submitted/<student>/<assignment>/``).
Out: a :class:`Graded`, plain data: the submitted folder after the intake, the graded notebooks, the
feedback pages, the gradebook's rows of this submission, every :class:`CellResult`, the log, timings.
The worker shares no disk with the client and never writes the course: the client does
(autograde/writeback.py).

The worker grades exactly as ``autograde grade`` did on one machine: nbgrader's Autograde then
GenerateFeedback converters with the course's configuration (the intake in the pre-convert hook, the
sandbox, the checks judged in the grader, the limits), in a scratch course made from a template that
holds the source, the release and a gradebook of the assignment's rows, all sent by the client.

Each submission is graded in a fresh process, forked from a *grading server*
(``python -m autograde.submission_task``, one per Dask worker) that has imported nbgrader and the checks
once: a student's grading starts in milliseconds, and nothing of it (memory, threads, a kernel left
behind) outlives it or reaches the next student. The forked process's stdin, stdout and stderr are
/dev/null before anything else runs (the kernels inherit them); it reports through a file of its
scratch course, which a sandboxed kernel never sees. The server dies with its Dask worker (the end of its
stdin), and the grading process with the server (PR_SET_PDEATHSIG), taking its kernels along.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from . import settings, student_ids
from .results import CellResult

SERVER_GONE = -1000  # a grading status below this: the grading server itself ended (minus its exit status)
RESULT = ".autograde-task.json"  # in the scratch course: what the grading process says of itself
LOG = "autograde.log"
MAX_LOG_CHARS = 512 * 1024  # per student (the log of one student is capped at 256 KiB by CappedLog)
# The references import scikit-learn inside their functions, so that `import autograde` stays light; the
# grading server imports it once, before it forks, rather than every grading process on its first check.
PRELOADED = ("sklearn.datasets", "sklearn.model_selection")
# The course's settings a task carries to its worker: the grading limits the client's run chose. The
# worker's own paths (its MNIST folder) are its own, and the client's gradebook and cluster are not its business.
SHIPPED_SETTINGS = tuple(
    s.variable
    for s in settings.ALL
    if s not in (settings.MNIST_DIR, settings.DB_URL, settings.SCHEDULER, settings.ENGINE, settings.JOBS)
)


# ------------------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Assignment:
    """What every task of one assignment needs: shipped once to each worker."""

    name: str
    config: str  # the course's nbgrader_config.py
    source: dict[str, bytes]  # source/<name>/, by relative path
    release: dict[str, bytes]  # release/<name>/
    gradebook: bytes  # a SQLite gradebook holding this assignment's rows as the course's gradebook has them

    @property
    def digest(self) -> str:
        h = hashlib.sha256(self.name.encode() + b"\0" + self.config.encode() + b"\0" + self.gradebook)
        for kind in (self.source, self.release):
            for path in sorted(kind):
                h.update(path.encode() + b"\0" + hashlib.sha256(kind[path]).digest())
        return h.hexdigest()


@dataclass(frozen=True)
class Submission:
    student: str
    digest: str  # the hash Course.take noted for this submission
    files: dict[str, bytes]  # submitted/<student>/<assignment>/, by relative path, autograde's notes included
    settings: dict[str, str]  # the run's AUTOGRADE_* settings
    progress_topic: str = ""  # the Dask event topic where the client follows the notebooks as they start


@dataclass
class Graded:
    """One submission graded: everything the client writes into the course."""

    student: str
    digest: str
    done: bool  # graded to the end (nbgrader's post-convert hook ran)
    feedback_made: bool
    submitted: dict[str, bytes]  # the submitted folder after the intake (repaired, set aside, noted)
    autograded: dict[str, bytes]
    feedback: dict[str, bytes]
    gradebook: dict | None  # the submission's rows (see gradebook_rows), None when nbgrader made none
    rows: list[CellResult]
    log: str
    timings: dict[str, float] = field(default_factory=dict)
    worker: str = ""


# ------------------------------------------------------------------------------------ folders
def read_folder(folder: Path) -> dict[str, bytes]:
    """Every regular file below ``folder``, by relative path (links are not followed: not files)."""
    found = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def safe_relative(name: str) -> PurePosixPath:
    """A relative path that stays below its folder (the client's own, but checked where it is written)."""
    path = PurePosixPath(name)
    if path.as_posix() != name or path.is_absolute() or ".." in path.parts or "\0" in name or name == ".":
        raise ValueError(f"not a relative path below its folder: {name!r}"[:300])
    return path


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Make the new folder ``folder`` hold ``files``."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        path = folder / safe_relative(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(data)


# ---------------------------------------------------------------------------------- templates
_templates: dict[str, Path] = {}
_templates_lock = threading.Lock()
SCRATCH_CONFIG = """

# ---- autograde: this scratch course's own gradebook and root, whatever the course uses
import os as _autograde_os

c.CourseDirectory.root = _autograde_os.path.dirname(_autograde_os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + _autograde_os.path.join(c.CourseDirectory.root, "gradebook.db")
"""


def _workspace() -> Path:
    """The Dask worker's local folder (Dask removes it with the worker), else the system's temporary one."""
    try:
        from distributed import get_worker

        return Path(get_worker().local_directory)
    except (ImportError, ValueError):
        return Path(tempfile.gettempdir())


def template(assignment: Assignment) -> Path:
    """A scratch course holding the assignment's source, release and gradebook rows, as the client sent
    them (so that every worker grades against the course's own cells), written once per worker and run,
    copied for each submission."""
    key = assignment.digest
    with _templates_lock:
        if key in _templates and _templates[key].is_dir():
            return _templates[key]
        root = Path(tempfile.mkdtemp(prefix="autograde-template-", dir=_workspace())) / "course"
        write_folder(root / "source" / assignment.name, assignment.source)
        write_folder(root / "release" / assignment.name, assignment.release)
        (root / "gradebook.db").write_bytes(assignment.gradebook)
        (root / "nbgrader_config.py").write_text(assignment.config + SCRATCH_CONFIG, encoding="utf-8")
        _templates[key] = root
        return root


# ---------------------------------------------------------------------------------- the task
def grade(assignment: Assignment, submission: Submission) -> Graded:
    """Grade one submission (the Dask task): a scratch course from the template, the submission put in
    ``submitted/``, nbgrader's autograde and feedback in a process forked from the grading server."""
    start = time.perf_counter()
    if not student_ids.is_safe(submission.student) or not student_ids.is_safe(assignment.name):
        raise ValueError(f"not a safe id: {submission.student!r} / {assignment.name!r}"[:300])
    server().start()  # its imports run while the scratch course is made
    course_template = template(assignment)
    prepared = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="autograde-task-", dir=_workspace()))
    try:
        root = scratch / "course"
        shutil.copytree(course_template, root, symlinks=True)
        folder = root / "submitted" / submission.student / assignment.name
        write_folder(folder, submission.files)
        copied = time.perf_counter()
        status = server().grade(root, assignment.name, submission.student, submission.settings, _announcer(submission))
        report = _read_json(root / RESULT)
        graded_at = time.perf_counter()
        graded = collect(root, assignment.name, submission, status, report)
        graded.timings.update(
            template=prepared - start,
            scratch=copied - prepared,
            grading_process=graded_at - copied,
            collect=time.perf_counter() - graded_at,
        )
        return graded
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def collect(root: Path, assignment: str, submission: Submission, status: int, report: dict) -> Graded:
    """What the grading process left in the scratch course, as data."""
    from .course import DONE, Course
    from .results import read_results

    student = submission.student
    course = Course(root)
    autograded = read_folder(course.folder("autograded", student, assignment))
    done = autograded.pop(DONE, None) is not None
    log = (root / LOG).read_text(encoding="utf-8", errors="replace") if (root / LOG).exists() else ""
    if status != 0 or not report:
        how = (
            f"its grading server ended, exit status {SERVER_GONE - status}"
            if status <= SERVER_GONE
            else f"killed by signal {-status}"
            if status < 0
            else f"exit status {status}"
        )
        log += f"[autograde] the grading process of {student} ended ({how}) without its report\n"
    try:
        rows = read_results(course, assignment)
        gradebook = gradebook_rows(course.db_url, assignment, student)
        if gradebook is not None:
            submitted = course.folder("submitted", student, assignment)
            gradebook["handed_in"] = sorted(p.stem for p in submitted.glob("*.ipynb"))
    except Exception:  # noqa: BLE001 - a scratch gradebook nbgrader left half made: said, and no rows
        rows, gradebook = [], None
        log += f"[autograde] the scratch gradebook of {student} could not be read:\n{traceback.format_exc()[-4000:]}"
    return Graded(
        student=student,
        digest=submission.digest,
        done=done and bool(report.get("autograde_ok")),
        feedback_made=bool(report.get("feedback_ok")),
        submitted=read_folder(course.folder("submitted", student, assignment)),
        autograded=autograded,
        feedback=read_folder(course.folder("feedback", student, assignment)),
        gradebook=gradebook,
        rows=[row for row in rows if row.student == student],
        log=log[-MAX_LOG_CHARS:],
        timings={k: float(v) for k, v in report.get("timings", {}).items() if isinstance(v, (int, float))},
        worker=os.uname().nodename,
    )


def gradebook_rows(db_url: str, assignment: str, student: str) -> dict | None:
    """The rows nbgrader wrote for one submission: its timestamp, and per notebook the late penalty and
    each grade's automatic score and review flag, each comment's automatic text. (``collect`` adds
    ``handed_in``: the notebooks the student handed in, once the intake took them in.)"""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {
            "timestamp": submission.timestamp.isoformat() if submission.timestamp else None,
            "notebooks": {
                notebook.name: {
                    "late_submission_penalty": notebook.late_submission_penalty,
                    "grades": {
                        grade.name: {"auto_score": grade.auto_score, "needs_manual_grade": grade.needs_manual_grade}
                        for grade in notebook.grades
                    },
                    "comments": {comment.name: comment.auto_comment for comment in notebook.comments},
                }
                for notebook in submission.notebooks
            },
        }


def stamp_gradebook(path: Path, version: str) -> None:
    """Make ``path`` a SQLite file that says its gradebook schema is at ``version``. nbgrader stamps a
    gradebook it creates with the version that ``alembic heads`` prints, in a process of its own (1 to 2 s
    here, and alembic on PATH); a file stamped first is opened as an existing gradebook."""
    with sqlite3.connect(path) as stamp:
        stamp.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        stamp.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (version,))


def _read_json(path: Path) -> dict:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


# ----------------------------------------------------------------------------- grading server
class GradingServer:
    """The Dask worker's handle on its grading server: one grading at a time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        from .course import Course

        # The environment nbgrader and its kernels get on one machine (this worker's executables first,
        # one BLAS thread, its MNIST folder); the run's own settings come with each order.
        env = Course(Path.cwd()).env()
        return subprocess.Popen(
            [sys.executable, "-m", "autograde.submission_task"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    def start(self) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()

    def grade(
        self,
        root: Path,
        assignment: str,
        student: str,
        run_settings: dict[str, str],
        on_notebook: Callable[[str], None] = lambda notebook: None,
    ) -> int:
        """The exit status of the process that graded ``student`` in the scratch course ``root``;
        ``on_notebook(name)`` as each notebook starts."""
        order = {"root": str(root), "assignment": assignment, "student": student, "settings": run_settings}
        with self._lock:
            if self._process is None or self._process.poll() is not None:  # a server that died is replaced
                self._process = self._start()
            assert self._process.stdin is not None and self._process.stdout is not None
            try:
                self._process.stdin.write(json.dumps(order).encode() + b"\n")
                self._process.stdin.flush()
                while line := self._process.stdout.readline():
                    said = json.loads(line)
                    if "status" in said:
                        return int(said["status"])
                    on_notebook(str(said.get("notebook")))
            except (OSError, ValueError):
                pass
            # The server died with this student (its report says no more): the next student gets a new one.
            self._process.kill()
            return SERVER_GONE - abs(self._process.wait())


_server: GradingServer | None = None
_server_lock = threading.Lock()


def server() -> GradingServer:
    global _server
    with _server_lock:
        if _server is None:
            _server = GradingServer()
        return _server


def serve() -> None:
    """The grading server's loop: an order a line on stdin, a forked grading process per order, its exit
    status a line on stdout. The end of stdin (the Dask worker is gone) ends the server and whatever
    grading process is running."""
    from .niceness import session_at_own_niceness

    session_at_own_niceness()  # started in a session of its own: it weighs as its niceness says
    import nbgrader.api  # noqa: F401 - imported once here, shared by every forked grading process
    import nbgrader.converters  # noqa: F401

    from . import execution, feedback, hidden_tests, intake, registry, sandbox  # noqa: F401

    registry.notebooks()  # every TD's checks and references, imported once for every student
    for library in PRELOADED:
        importlib.import_module(library)
    sandbox.warm_up()
    _rehearse()

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        line = stdin.readline()
        if not line:  # the worker is gone, and no student is being graded: nothing of this process is kept
            os._exit(0)  # so no teardown of what it imported (0.85 s here, which the run's end waited for)
        try:
            order = json.loads(line)
        except ValueError:
            continue
        events, events_out = os.pipe()  # neither end is inherited by what the grading process starts
        pid = os.fork()
        if pid == 0:
            os.close(events)
            _grading_process(order, os.getppid(), events_out)  # never returns
        os.close(events_out)
        try:
            status = _wait_or_stop(pid, events, stdout)
        finally:
            os.close(events)
        stdout.write(json.dumps({"status": status}).encode() + b"\n")
        stdout.flush()


def _rehearse() -> None:
    """What every grading process would otherwise do for the first time on its own, done once here: a
    feedback page rendered with the repository's configuration, a gradebook opened (nbgrader's tables
    and SQLite), the Python kernel's specification looked up. Nothing of it is kept but the caches."""
    from jupyter_client.kernelspec import KernelSpecManager
    from nbgrader.api import Gradebook

    from . import feedback
    from .course import load_config

    try:
        feedback.rehearse(load_config(settings.REPO_ROOT))
        with tempfile.TemporaryDirectory() as folder:
            rehearsal = Path(folder) / "gradebook.db"
            stamp_gradebook(rehearsal, "rehearsal")  # its rows are never read: only the tables count
            with Gradebook("sqlite:///" + str(rehearsal)):
                pass
        KernelSpecManager().get_kernel_spec("python3")
    except Exception:  # noqa: BLE001 - a rehearsal only saves time: a grading process meets the cause and says it
        pass


def _wait_or_stop(pid: int, events: int, stdout) -> int:
    """The grading process's exit status, its notebooks' starts passed on meanwhile (a notebook's name,
    at most 200 characters, nothing else). When stdin ends (the worker is gone), the grading process is
    ended and the server exits."""
    try:  # readable when the process ends: the next student starts at once rather than at the next poll
        ended = [os.pidfd_open(pid)]
    except (AttributeError, OSError):  # Linux before 5.3
        ended = []
    try:
        return _relay(pid, events, stdout, ended)
    finally:
        for fd in ended:
            os.close(fd)


def _relay(pid: int, events: int, stdout, ended: list[int]) -> int:
    pending, listening = b"", True
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        watched = [sys.stdin.buffer, *ended] + ([events] if listening else [])
        readable, _, _ = select.select(watched, [], [], 0.2)
        if sys.stdin.buffer in readable and not os.read(sys.stdin.fileno(), 1):  # stdin ended: the worker is gone
            os.kill(pid, signal.SIGTERM)  # it kills its kernels, then exits
            os.waitpid(pid, 0)
            os._exit(0)
        if events in readable:
            chunk = os.read(events, 65536)
            listening = bool(chunk)
            *lines, pending = (pending + chunk).split(b"\n")
            pending = pending[-4096:]
            for line in lines:
                try:
                    notebook = str(json.loads(line)["notebook"])[:200]
                except (ValueError, KeyError, TypeError):
                    continue
                stdout.write(json.dumps({"notebook": notebook}).encode() + b"\n")
                stdout.flush()


def _grading_process(order: dict, server_pid: int, events: int) -> None:
    """In the forked process: grade one student, write the report, exit."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        code = _grade_here(order, server_pid, _Announce(events))
    except BaseException:  # noqa: BLE001 - nothing may return into the server's loop
        code = 4
    finally:
        os._exit(code)


def _grade_here(order: dict, server_pid: int, announce: "_Announce") -> int:
    from nbgrader.coursedir import CourseDirectory

    from . import worker
    from .course import ConfigError, load_config

    worker.guard_process_starts()
    worker.die_with(server_pid)
    root, assignment, student = Path(order["root"]), str(order["assignment"]), str(order["student"])
    if not (student_ids.is_safe(student) and student_ids.is_safe(assignment)):
        return 4
    for variable, value in dict(order.get("settings") or {}).items():
        if variable in SHIPPED_SETTINGS:
            os.environ[variable] = str(value)
    os.chdir(root)
    report: dict = {"timings": {}}
    try:
        config = load_config(root)
    except ConfigError as error:
        report["config_error"] = str(error)
        (root / LOG).write_text(f"[autograde] {error}\n", encoding="utf-8")
        (root / RESULT).write_text(json.dumps(report), encoding="utf-8")
        return worker.EXIT_CONFIG
    log = logging.getLogger("autograde.task")
    log.propagate, log.level = False, logging.INFO
    handler = worker.CappedLog(root / LOG, "")
    handler.begin(student)
    log.addHandler(handler)
    logging.getLogger().addHandler(handler)
    coursedir = CourseDirectory(config=config, root=str(root), log=log)
    for task in worker.TASKS:
        start = time.perf_counter()
        try:
            sink = announce if task == "autograde" else _Quiet()
            worker.process(task, assignment, student, coursedir, config, log, worker.converter_class(task, sink))
            report[f"{task}_ok"] = True
        except Exception:  # noqa: BLE001 - the student's failure is reported, the feedback still tried
            log.error("%s of %s failed:\n%s", task, student, traceback.format_exc()[-8000:])
            report[f"{task}_ok"] = False
        report["timings"][task] = time.perf_counter() - start
    timings = getattr(sys.modules.get("autograde.execution"), "timings", None)
    if callable(timings):
        report["timings"].update(timings())
    worker.kill_descendants()
    (root / RESULT).write_text(json.dumps(report), encoding="utf-8")
    return 0


class _Quiet:
    """The events channel of the feedback: nobody follows its notebooks."""

    def send(self, **event) -> None:
        pass


class _Announce:
    """The grading process's channel to its server: a notebook's start, one JSON line on a pipe."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, **event) -> None:
        if event.get("event") == "notebook":
            try:
                os.write(self.fd, json.dumps({"notebook": str(event.get("notebook"))}).encode() + b"\n")
            except OSError:  # the server is gone: the grading process dies with it anyway
                pass


def _announcer(submission: Submission) -> Callable[[str], None]:
    """Where the task says a notebook started: the run's Dask event topic, which the client follows."""

    def announce(notebook: str) -> None:
        if not submission.progress_topic:
            return
        try:
            from distributed import get_worker

            get_worker().log_event(submission.progress_topic, {"student": submission.student, "notebook": notebook})
        except (ImportError, ValueError):  # not in a Dask worker (a test grading in process)
            pass

    return announce


if __name__ == "__main__":
    serve()
