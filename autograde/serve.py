"""``autograde serve run``: the submission service put together, for a semester.

One process holds the web application (autograde/serve_app.py), the dispatcher that hands the attempts
to the Dask cluster (autograde/serve_dispatch.py) and a watcher that closes each TD at its deadline
(autograde/serve_deadline.py: the counted attempts taken into the nbgrader course and graded with the
course seed). The process never runs a student's code: the cluster's workers do, in the sandbox.

Everything that must outlive the process is written elsewhere: the attempts in the store (SQLite or
PostgreSQL), the graded submissions in the course, and the service's two secrets in a file of the
course (``SECRETS_FILE``, mode 0600, made once, whole): the key that signs the session cookies, so that a
restart keeps every student signed in, and the teacher's token, whose link is printed at each start. A
restart of the process therefore loses nothing: attempts running when it stopped are given back to the
queue (claimed again once their lease ends if the process was killed), and the store writes one verdict
per attempt.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .course import Course, CourseError, release_notebooks
from .niceness import lower_this_threads_priority

if TYPE_CHECKING:
    from .attempts import Store
    from .serve_rules import TDRules

SECRETS_FILE = ".autograde-serve.json"  # in the course folder: the cookie key and the teacher's token
# Grading (the local cluster, its workers and kernels, the deadline's close) runs at this niceness: an upload
# is answered before grading goes on (Linux gives a niceness-10 thread a tenth of a niceness-0 one's share
# when both want the CPU), and a quiet machine grades as fast.
GRADING_NICENESS = 10
CLUSTER_LOOK_SECONDS = 1.0  # how often the grading side looks whether its local cluster is still there
CLOSE_EVERY_SECONDS = 60  # how often the watcher looks for a TD past its deadline and not yet closed


@dataclass(frozen=True)
class Secrets:
    cookie_secret: bytes
    teacher_token: str


def secrets_of(path: Path) -> Secrets:
    """The service's secrets, read from ``path``, made there first when it does not exist (mode 0600:
    never an existing file overwritten, never readable by another user)."""
    if not os.path.lexists(path):
        made = {"cookie_secret": secrets.token_hex(32), "teacher_token": secrets.token_urlsafe(32)}
        # Written whole beside it, then linked into place (which never replaces a file or a link there):
        # a start killed meanwhile, or a second start reading at that moment, never finds half a file,
        # whose "move it aside" would end every session if followed on the whole one of a race.
        handle, temporary = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".new", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(made, out)
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another start made it first: theirs is kept, and read below
        finally:
            os.unlink(temporary)
    if path.is_symlink():
        raise CourseError(f"{path} is a symbolic link: the service's secrets must be a file of the course")
    if path.stat().st_mode & 0o077:
        raise CourseError(f"{path} is readable by others: `chmod 600 {path}`, then renew the students' sessions")
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return Secrets(bytes.fromhex(found["cookie_secret"]), str(found["teacher_token"]))
    except (ValueError, KeyError, TypeError) as error:
        raise CourseError(f"{path} is not the service's secrets file ({error}): move it aside to make one") from None


def releases_of(course: Course, assignments: list[str]) -> dict[str, dict[str, Any]]:
    """Each TD's release notebooks by name without ``.ipynb`` (what an upload is checked against),
    generated in the course first when missing or out of date."""
    return {assignment: release_notebooks(course.ensure_release(assignment)) for assignment in assignments}


class DeadlineWatcher:
    """Closes each TD once its deadline has passed (``serve_deadline.close``), in a thread of its own,
    every ``CLOSE_EVERY_SECONDS``, until the close is complete: attempts still waiting for their verdict
    at the deadline are taken by a later close. A failed close is reported and tried again."""

    def __init__(self, course: Course, store: Store, rules: dict[str, TDRules], *, every: float = CLOSE_EVERY_SECONDS):
        self.course, self.store, self.rules, self.every = course, store, rules, every
        self.complete: set[str] = set()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="autograde-deadlines", daemon=True)

    def start(self) -> DeadlineWatcher:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        lower_this_threads_priority(GRADING_NICENESS)  # its close grades on a cluster of its own
        while not self._stopping.is_set():
            self.close_due(datetime.now(UTC))
            self._stopping.wait(self.every)

    def close_due(self, now: datetime) -> list[str]:
        """Close every TD past its deadline that is not complete yet; the TDs closed completely."""
        from .serve_deadline import CloseError, close, summary

        done = []
        for assignment, rule in self.rules.items():
            if assignment in self.complete or rule.phase(now) != "after" or self._stopping.is_set():
                continue
            try:
                closed = close(self.course, self.store, rule, now=now)
            except CloseError as error:
                print(f"[autograde serve] {assignment}: the deadline's close: {error}", file=sys.stderr, flush=True)
                continue
            for line in summary(closed):
                print(f"[autograde serve] {line}", flush=True)
            if closed.complete:
                self.complete.add(assignment)
                done.append(assignment)
        return done


class GradingSide:
    """The dispatcher on its Dask cluster, started in a thread of its own at ``GRADING_NICENESS``: the
    service answers while the cluster starts, and what the thread starts (the local cluster's own process,
    its workers, their kernels) inherits that niceness, so an upload is answered before grading goes on.
    A local cluster that cannot start stops the service (SIGTERM to this process, exit 2)."""

    def __init__(self, store: Store, course: Course, jobs: int, scheduler: str | None):
        self.store, self.course, self.jobs, self.scheduler = store, course, jobs, scheduler
        self.dispatcher: Any = None  # the Dispatcher, once its cluster is up
        self.failed: str | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="autograde-grading", daemon=True)

    def start(self) -> GradingSide:
        self._thread.start()
        return self

    def workers(self) -> list[tuple[str, int, int]]:
        """The teacher page's workers: none while the cluster starts."""
        return self.dispatcher.workers() if self.dispatcher is not None else []

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        lower_this_threads_priority(GRADING_NICENESS)
        try:
            while not self._stopping.is_set():
                self._grade_until_the_cluster_ends()
        except Exception as error:  # noqa: BLE001 - said, and the service stopped: nothing grades without it
            self.failed = f"the Dask cluster: {error}"
            print(f"autograde serve run: {self.failed}", file=sys.stderr, flush=True)
            if not self._stopping.is_set():  # else the service is stopping already, its handler maybe gone
                os.kill(os.getpid(), signal.SIGTERM)

    def _grade_until_the_cluster_ends(self) -> None:
        """The dispatcher on a cluster until the service stops, or until the local cluster's process is
        gone (killed, out of memory): then the caller starts another, and the attempts given back are
        graded there."""
        from . import dask_grading
        from .serve_dispatch import CLIENT_GONE, Dispatcher

        scheduler = self.scheduler
        # The dispatcher gives its claims back before the cluster closes: what the workers run is then killed,
        # not waited for (a restart is seconds, not a graceful close's tens). A local cluster lives in a
        # process of its own: its scheduler and nannies never hold this one's GIL.
        clients = dask_grading.cluster(self.jobs, scheduler) if scheduler else dask_grading.cluster_apart(self.jobs)
        with clients as client:
            dispatcher = Dispatcher(
                self.store,
                self.course,
                client,
                name=f"{socket.gethostname()}:{os.getpid()}"[:255],
                # a scheduler elsewhere may be restarted apart from this process: its client made again
                reconnect=(lambda: dask_grading.connect(scheduler)) if scheduler else None,
            )
            dispatcher.start()
            self.dispatcher = dispatcher
            while not self._stopping.wait(CLUSTER_LOOK_SECONDS):
                if not scheduler and client.status in CLIENT_GONE:
                    print(
                        "autograde serve: the local Dask cluster went away: its attempts are queued again, "
                        "and a new cluster is started",
                        file=sys.stderr,
                        flush=True,
                    )
                    break
            self.dispatcher = None
            dispatcher.stop(timeout=30)


def warm_up(store: Store) -> None:
    """What the first requests after a (re)start would otherwise wait on, paid before the service listens:
    the store's pooled connections, and the grading side's imports (Dask's client among them), which its
    thread would make while holding the interpreter's lock as the uploads sent during the restart arrive."""
    import distributed  # noqa: F401
    import psutil  # noqa: F401

    from . import serve_dispatch  # noqa: F401

    store.open_pool()


def run_service(
    course_root: Path,
    store_url: str,
    rules_path: Path | None,
    *,
    port: int,
    address: str,
    base_url: str,
    jobs: int | None = None,
    scheduler: str | None = None,
    secure_cookies: bool = False,
    xheaders: bool = False,
    close_deadlines: bool = True,
) -> int:
    """Serve until SIGTERM or SIGINT; the exit status."""
    from . import dask_grading, serve_app, settings
    from .attempts import Store, StoreError
    from .course import assignments
    from .serve_rules import RulesError, load_rules
    from .serve_rules import rules_path as default_rules

    try:
        course = Course.open(course_root)
        path = rules_path or default_rules(course.root)
        rules = load_rules(path, assignments(course.repo))
        if not rules:
            raise RulesError(f"{path} opens no TD")
        releases = releases_of(course, list(rules))
        kept = secrets_of(course.root / SECRETS_FILE)
        store = Store(store_url)
    except (CourseError, RulesError, StoreError, OSError) as error:
        print(f"autograde serve run: {error}", file=sys.stderr)
        return 2
    if scheduler:  # a scheduler that cannot be reached is said before anything starts
        try:
            dask_grading.connect(scheduler).close()
        except dask_grading.SchedulerError as error:
            store.close()
            print(f"autograde serve run: {error}", file=sys.stderr)
            return 2
    with store:
        warm_up(store)
        grading = GradingSide(store, course, jobs or settings.JOBS.get(), scheduler)
        app = serve_app.make_app(
            store,
            rules,
            releases,
            cookie_secret=kept.cookie_secret,
            teacher_token=kept.teacher_token,
            secure_cookies=secure_cookies,
            dispatcher=grading,
        )
        watcher = DeadlineWatcher(course, store, rules) if close_deadlines else None
        print(
            f"autograde serve: {', '.join(rules)} on http://{address}:{port}/ "
            f"(the students' links: `autograde serve links`)\n"
            f"the teacher's page: {base_url.rstrip('/')}{serve_app.TEACHER_PATH}{kept.teacher_token}",
            flush=True,
        )
        grading.start()
        if watcher is not None:
            watcher.start()
        try:
            serve_app.run(app, port, address, xheaders=xheaders)
        finally:
            if watcher is not None:
                watcher.stop(timeout=5)
            grading.stop(timeout=60)
    return 2 if grading.failed else 0
