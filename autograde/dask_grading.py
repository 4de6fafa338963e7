"""A class graded on a Dask cluster: one task per student's submission (autograde/submission_task.py),
the results written into the course by this process alone (autograde/writeback.py), as they come.

The cluster is a ``LocalCluster`` of ``jobs`` worker processes of one thread each (nothing to start), or
the scheduler at ``--scheduler tcp://HOST:8786`` / ``AUTOGRADE_SCHEDULER``, whose workers are started
with Dask's own ``dask worker`` on machines that have the course's environment and bubblewrap. A task
carries what its worker needs (the course's configuration, the assignment's source, the submission), so
workers share no disk with the client.

What a failing machine costs: a worker that dies in the middle of a student (SIGKILL, out of memory, a
machine gone) has its task run again elsewhere by Dask, and the client writes the one result it gets;
a client killed halfway leaves the students it wrote stamped and the next run grades only the others;
a scheduler that goes away ends the run with a clear error, keeping what was written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import tempfile
import threading
import time
from concurrent.futures import CancelledError
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from . import settings, student_ids, writeback
from .course import SUBMISSION, Course, NbgraderError, shown
from .submission_task import SHIPPED_SETTINGS, Assignment, Graded, Submission, read_folder, stamp_gradebook

Progress = Callable[[str], None]
CONNECT_SECONDS = 30  # to reach a scheduler given by its address
POLL_SECONDS = 0.5  # how often the progress is read while no student ends
GRACE_SECONDS = 10  # for the cluster's processes to end by themselves once it is closed
# Dask's own diagnostics (a statistical profiler that samples the task's thread 100 times a second, an
# event-loop health check every 20 ms, a system monitor twice a second) took 12.5 % of a core on an idle
# local cluster of 2 workers here, 1.7 % without them: CPU taken from the kernels, for a dashboard nobody
# watches while tasks last seconds. The local cluster runs without them; `dask worker` with the
# DASK_DISTRIBUTED__… variables the README gives.
QUIET_DIAGNOSTICS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
}


class SchedulerError(NbgraderError):
    """The Dask scheduler cannot be reached, or went away during the run."""


@dataclass
class ClusterRun:
    """What a run on the cluster did, student by student."""

    done: dict[str, bool] = field(default_factory=dict)  # written, and graded to the end
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # per student: the task's phases
    workers: dict[str, str] = field(default_factory=dict)  # per student: the machine that graded them


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def assignment_package(course: Course, assignment: str) -> Assignment:
    """What every worker needs of the assignment, read once from the course."""
    return Assignment(
        name=assignment,
        config=(course.root / "nbgrader_config.py").read_text(encoding="utf-8"),
        source=read_folder(course.root / "source" / assignment),
        release=read_folder(course.root / "release" / assignment),
        gradebook=assignment_gradebook(course.db_url, assignment),
    )


def assignment_gradebook(db_url: str, assignment: str) -> bytes:
    """A new SQLite gradebook holding the assignment's rows copied from the course's gradebook (its due
    date, notebooks, graded, solution, task and source cells: what nbgrader's autograde reads), as bytes."""
    from nbgrader import api
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "gradebook.db"
        with Gradebook(db_url) as course_gradebook:
            found = course_gradebook.find_assignment(assignment)
            version = course_gradebook.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
            stamp_gradebook(target, str(version))  # the course's schema version
            with Gradebook("sqlite:///" + str(target), course_id=found.course_id) as copy:
                # nbgrader's own row classes, as its add_* methods make them, in one transaction
                made = api.Assignment(name=assignment, duedate=found.duedate, course_id=found.course_id)
                for notebook in found.notebooks:
                    mine = api.Notebook(name=notebook.name, assignment=made)
                    for cell in notebook.grade_cells:
                        api.GradeCell(name=cell.name, max_score=cell.max_score, cell_type=cell.cell_type, notebook=mine)
                    for cell in notebook.solution_cells:
                        api.SolutionCell(name=cell.name, notebook=mine)
                    for cell in notebook.task_cells:
                        api.TaskCell(name=cell.name, max_score=cell.max_score, cell_type=cell.cell_type, notebook=mine)
                    for cell in notebook.source_cells:
                        api.SourceCell(
                            name=cell.name,
                            cell_type=cell.cell_type,
                            locked=cell.locked,
                            source=cell.source,
                            checksum=cell.checksum,
                            notebook=mine,
                        )
                copy.db.add(made)
                copy.db.commit()
        return target.read_bytes()


def submission_of(
    course: Course, assignment: str, student: str, run_settings: dict[str, str], progress_topic: str = ""
) -> Submission:
    folder = course.folder("submitted", student, assignment)
    files = read_folder(folder)
    digest = json.loads(files.get(SUBMISSION, b"{}") or b"{}").get("hash") or ""
    return Submission(student=student, digest=digest, files=files, settings=run_settings, progress_topic=progress_topic)


def run_settings(cell_timeout: int | None, sandbox: bool) -> dict[str, str]:
    """The settings of this run that a worker must grade with (the client's environment, this run's choices)."""
    chosen = {variable: os.environ[variable] for variable in SHIPPED_SETTINGS if os.environ.get(variable)}
    if cell_timeout is not None:
        chosen[settings.CELL_TIMEOUT.variable] = str(cell_timeout)
    chosen[settings.SANDBOX.variable] = "on" if sandbox else "off"
    return chosen


def connect(scheduler: str):
    """A Dask client of the scheduler at ``scheduler`` (tcp://HOST:PORT); a clear error when it cannot be
    reached. The client waits ``CONNECT_SECONDS`` for a scheduler that goes away to come back, then closes."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:  # ValueError: not an address (tcp://HOST:PORT)
        raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None


@contextmanager
def cluster(jobs: int, scheduler: str | None = None, *, hasty_close: bool = False) -> Iterator:
    """A Dask client: on the scheduler at ``scheduler``, or on a LocalCluster of ``jobs`` one-thread workers.
    ``hasty_close``: on the way out, what the local workers started (grading servers, kernels) is killed
    before the cluster closes, rather than waited for: for a caller that has given their work back."""
    import dask
    from distributed import Client, LocalCluster, Security

    if scheduler:
        client = connect(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    # The workers' scratch courses in a folder of this run's own (never a shared /tmp/dask-scratch-space
    # that another user of the machine may own), removed with the cluster.
    scratch = tempfile.TemporaryDirectory(prefix="autograde-cluster-")
    before = _descendants()
    with dask.config.set(QUIET_DIAGNOSTICS):  # the workers take the configuration of their start
        local = LocalCluster(
            local_directory=scratch.name,
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler's HTTP server (health, metrics; no dashboard without bokeh): this machine only.
            dashboard_address="127.0.0.1:0",
            # TLS with a key made for this run: another user of the machine cannot reach the scheduler and
            # have a worker run their code as the grader.
            security=Security.temporary(),
            memory_limit=0,  # a student's kernel has its own limits; the worker itself holds little
            silence_logs=logging.ERROR,
        )
        made: set = set()
        try:
            with Client(local) as client:
                try:
                    yield client
                finally:
                    made = _descendants() - before  # the workers, their grading servers, their kernels
                    if hasty_close:
                        _kill_below_workers(made)
        finally:
            local.close()
            _reap(made)
            scratch.cleanup()


def _descendants() -> set:
    """Every process below this one, as psutil handles (a pid and its start time: never a reused pid),
    multiprocessing's resource tracker aside."""
    import psutil

    found = set()
    for process in psutil.Process().children(recursive=True):
        try:
            # multiprocessing's resource tracker serves this process for its whole life, not the cluster
            if "multiprocessing.resource_tracker" not in " ".join(process.cmdline()):
                found.add(process)
        except psutil.Error:  # ended meanwhile
            pass
    return found


LOCAL_CONNECT_SECONDS = 5
START_SECONDS = 120  # for a local cluster in a process of its own to start
STOP = "stop"  # what the client's side sends a cluster host to end it


@contextmanager
def cluster_apart(jobs: int) -> Iterator:
    """A Dask client of a LocalCluster of ``jobs`` one-thread workers that lives in a process of its own
    (the scheduler, the nannies), started from the calling thread (so with its priority): this process's
    threads never wait on the cluster's for the interpreter's lock. For the submission service, whose
    thread answering the students must not queue behind a worker's restart or the scheduler's work. On the
    way out, what the workers run is killed, not waited for (``cluster``'s ``hasty_close``); the host ends
    too if this process dies (its pipe closes)."""
    import multiprocessing

    from distributed import Client

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    # Not a daemon: a daemonic process may not start the workers' processes.
    host = context.Process(target=_host_cluster, args=(jobs, theirs), name="autograde-cluster")
    host.start()
    theirs.close()
    try:
        if not ours.poll(START_SECONDS):
            raise SchedulerError(f"the local Dask cluster did not start within {START_SECONDS} s")
        try:
            address, security = ours.recv()
        except EOFError:
            raise SchedulerError(f"the local Dask cluster did not start (exit status {host.exitcode})") from None
        # This machine's own cluster is there at once or gone (its process killed): its client gives it up
        # after a few seconds, not a remote scheduler's CONNECT_SECONDS.
        with Client(address, security=security, timeout=LOCAL_CONNECT_SECONDS) as client:
            yield client
    finally:
        try:
            ours.send(STOP)
        except OSError:  # the host ended already
            pass
        host.join(START_SECONDS)
        if host.is_alive():  # hung: it and everything below it killed
            for process in _descendants():
                _kill(process)
            host.join()
        ours.close()


def _host_cluster(jobs: int, pipe) -> None:
    """In the cluster's own process: the cluster up, its address and TLS keys sent, then held until told to
    stop or until the pipe closes."""
    with cluster(jobs, hasty_close=True) as client:
        pipe.send((client.scheduler.address, client.security))
        try:
            pipe.recv()
        except EOFError:  # the client's process is gone
            pass


def _kill_below_workers(processes: set) -> None:
    """SIGKILL to each of ``processes`` that is not a child of this one: the workers stay (they then close
    at once, their tasks ended), what they started goes."""
    import psutil

    for process in processes:
        try:
            below = process.ppid() != os.getpid()
        except psutil.Error:  # gone already
            continue
        if below:
            _kill(process)


def _kill(process) -> None:
    """SIGKILL to a psutil process, gone or not."""
    import psutil

    try:
        process.kill()
    except psutil.Error:
        pass


def _reap(processes: set) -> None:
    """Wait for ``processes`` to end (the cluster's close ends its workers, each worker's end its grading
    server, the server's its grading process and kernels), then kill what is left after the grace period:
    the run returns only once nothing it started runs."""
    alive = _wait_ended(processes, GRACE_SECONDS)
    for process in alive:
        _kill(process)
    _wait_ended(alive, GRACE_SECONDS)


REAP_POLL_SECONDS = 0.02


def _wait_ended(processes, seconds: float) -> list:
    """Those of ``processes`` still running after at most ``seconds``. A zombie has ended: it runs nothing
    more. (psutil.wait_procs waits until it is collected, and an orphan's collector, the machine's init,
    may take seconds: 1.4 to 1.9 s at the end of every run on this project's machines.)"""
    deadline = time.monotonic() + seconds
    alive = list(processes)
    while True:
        alive = [process for process in alive if not _ended(process)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(REAP_POLL_SECONDS)


def _ended(process) -> bool:
    """``process`` (a psutil handle: a pid and its start time) is gone or a zombie; a zombie child of this
    process is collected."""
    import psutil

    try:
        if not process.is_running():  # gone, or its pid taken by another process
            return True
        if process.status() != psutil.STATUS_ZOMBIE:
            return False
        if process.ppid() == os.getpid():
            process.wait(timeout=0)
        return True
    except (psutil.NoSuchProcess, psutil.TimeoutExpired):
        return True
    except psutil.Error:  # not ours to look at: as running, until the grace period ends
        return False


def grade_on_cluster(
    course: Course,
    assignment: str,
    students: list[str],
    progress: Progress | None = None,
    cell_timeout: int | None = None,
    jobs: int | None = None,
    sandbox: bool = True,
    scheduler: str | None = None,
) -> ClusterRun:
    """Autograde and give feedback to ``students`` on the cluster; write each result as it comes."""
    from distributed import wait
    from nbgrader.api import Gradebook

    from . import submission_task

    run = ClusterRun()
    if not students:
        return run
    unsafe = [s for s in students if not student_ids.is_safe(s)]
    if unsafe:  # Course.take and Course.students never let one through
        raise NbgraderError(f"not safe student ids: {[shown(s) for s in unsafe]}")
    scheduler = scheduler or settings.SCHEDULER.get() or None
    jobs = max(1, min(jobs or settings.JOBS.get(), len(students)))
    start = time.monotonic()
    with open(course.root / "autograde.log", "a", encoding="utf-8") as log:
        where = f"the Dask scheduler {scheduler}" if scheduler else f"a local Dask cluster of {jobs} worker(s)"
        log.write(f"==== autograde {assignment}: {len(students)} student(s) on {where}, {time.ctime()}\n")
    package = assignment_package(course, assignment)
    chosen = run_settings(cell_timeout, sandbox)
    token = hashlib.sha256(f"{course.root}{time.time_ns()}{os.getpid()}".encode()).hexdigest()[:12]
    topic = f"autograde-progress-{token}"

    def grade_all() -> None:
        with cluster(jobs, scheduler) as client, ExitStack() as stack:
            try:
                shipped = client.scatter(package, broadcast=False, hash=False)
                futures = {
                    client.submit(
                        submission_task.grade,
                        shipped,
                        submission_of(course, assignment, student, chosen, topic),
                        key=f"autograde-{assignment}-{student}-{token}",
                        pure=False,
                    ): student
                    for student in students
                }
                seen = 0  # progress events shown
                gradebook = stack.enter_context(Gradebook(course.db_url))  # one for the run: opening costs
                while futures:
                    try:
                        wait(list(futures), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                    except TimeoutError:
                        pass
                    finished = [future for future in futures if future.done()]
                    # The events of a finished task reached the scheduler before its end did (one ordered stream
                    # from the worker): read after the ends, they hold every notebook of those students.
                    events = client.get_events(topic)
                    for _, event in events[seen:]:
                        if progress:
                            progress(
                                f"[{len(run.done)}/{len(students)} étudiants corrigés] en cours : "
                                f"{shown(str(event.get('student')), 100)} · {shown(str(event.get('notebook')), 100)} · "
                                f"{_clock(time.monotonic() - start)} écoulées"
                            )
                    seen = len(events)
                    for future in finished:
                        student = futures.pop(future)
                        graded = _result(future, student, course)
                        future.release()
                        if graded is not None:
                            written = time.perf_counter()
                            writeback.write(course, assignment, graded, gradebook)
                            run.done[student] = graded.done
                            run.timings[student] = {**graded.timings, "write": time.perf_counter() - written}
                            run.workers[student] = graded.worker
                        else:
                            run.done[student] = False
            except (OSError, TimeoutError) as error:
                raise SchedulerError(_gone(scheduler, error, run, students)) from None
            except CancelledError:  # this run cancels nothing: the client cancels its futures when the scheduler goes
                raise SchedulerError(_gone(scheduler, "the connection was lost", run, students)) from None
            if futures or client.status not in ("running", "connecting"):
                raise SchedulerError(_gone(scheduler, "the connection was lost", run, students))

    def on_term(*_):
        raise _Stop()

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if main_thread else None
    try:
        grade_all()
    except _Stop:  # the cluster and everything it started are gone by now
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    if progress:
        progress(
            f"[{len(students)}/{len(students)} étudiants corrigés] en {_clock(time.monotonic() - start)}"
            + (f" ({jobs} en parallèle)" if jobs > 1 and not scheduler else "")
        )
    return run


class _Stop(BaseException):
    """SIGTERM reached the client."""


def _result(future, student: str, course: Course) -> Graded | None:
    """The task's result, or None (said in the log) when it failed: the student is then not graded."""
    try:
        return future.result()
    except (OSError, TimeoutError, CancelledError):  # the scheduler's fault, not the student's
        raise
    except Exception as error:  # noqa: BLE001 - a task that failed costs its student alone
        with open(course.root / "autograde.log", "a", encoding="utf-8") as log:
            log.write(
                f"[autograde] the grading task of {student} failed: {type(error).__name__}: {error}"[:4000] + "\n"
            )
        return None


def _gone(scheduler: str | None, error, run: ClusterRun, students: list[str]) -> str:
    left = [s for s in students if s not in run.done]
    return (
        f"the Dask scheduler {scheduler or '(local)'} went away ({error}): {len(run.done)} student(s) graded and "
        f"written, {len(left)} not graded ({', '.join(shown(s) for s in left[:10])}"
        f"{'…' if len(left) > 10 else ''}); run the same command again to grade them"
    )
