"""The submission service's grading side: attempts claimed from the store (autograde/attempts.py) and
graded on the Dask engine (autograde/submission_task.py), one verdict written per attempt.

The service never runs student code: a ``Dispatcher`` only moves bytes. It claims an attempt when the
cluster has a free slot, submits ``submission_task.grade`` with the attempt's files as the submitted
folder and ``AUTOGRADE_SEED`` set to the attempt's own seed (each attempt draws its own cases, so cases
printed in one attempt tell nothing of another; the course seed stays for the deadline's regrading),
follows the task's notebooks on a Dask event topic of the attempt's own to write French progress lines,
extends the lease while the task lasts, and writes the verdict (``verdict_of``: plain JSON) or a French
failure message. The teacher's log (the course's ``autograde.log``) gets the reason of each failure; the
student never sees a traceback.

Durability comes from the store, not from this process: a claim is a lease. A dispatcher that stops or
dies leaves its attempts ``running`` until their lease ends; then a dispatcher (another one, or this one
started again) claims them under a new key, and only the last claim's key can write the verdict, so
an attempt is graded once. A Dask worker that dies in the middle of a task costs a rerun elsewhere
within the same claim (Dask's own, or this dispatcher's when the TD's scattered package died with it);
a submission that kills its workers again and again ends as Dask's ``KilledWorker``, a failed attempt.

The verdict (``Store.finish``'s JSON, read by the service's pages and by its deadline)::

    {"score": float, "max_score": float, "graded_to_the_end": bool,
     "cells": [{"notebook": str, "cell": str (grade id), "score": float, "max_score": float,
                "message": str (French, "" when full points), "mistakes": [str], "manual": bool}],
     "feedback": {"<notebook>.html": str (the page nbgrader's feedback exporter made)},
     "notes": [str (French: a notebook not handed in, what the intake did)]}
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from . import dask_grading, messages, settings
from .attempts import Claim, Store
from .course import INTAKE, SUBMISSION, Course
from .intake import SET_ASIDE_SUFFIX
from .serve_deadline import TIMESTAMP, TIMESTAMP_FORMAT  # nbgrader's submission time, as the deadline writes it
from .submission_task import Assignment, Graded, Submission

LEASE_SECONDS = 60.0  # how long a claim holds without news: how late a dead dispatcher's attempts restart
EXTENDS_PER_LEASE = 3  # lease extensions per lease: two can be missed (a slow database) before it is lost
POLL_SECONDS = 0.5  # how often the running tasks are looked at; also how long stop() may wait for the loop
MAX_BACKOFF_SECONDS = 30.0  # the longest pause after a failed round (the store or the scheduler away)
# A Dask client gives up its scheduler after its timeout (30 s from `dask_grading.connect`) and closes: only
# a new client reaches the scheduler started again.
CLIENT_GONE = ("closing", "closed", "failed")
RESUBMITS = 3  # a task cancelled under the dispatcher (its scattered assignment lost) is submitted again so often
NOTEBOOK = ".ipynb"

# What a student reads of a running attempt (Store.progress).
PROGRESS_QUEUED = "en file : en attente d'un correcteur libre"
PROGRESS_NOTEBOOK = "exécution de {notebook} ({index}/{count})"
PROGRESS_RUNNING = "exécution des notebooks"
PROGRESS_CHECKING = "vérification des résultats et préparation du retour"

# What a student reads of an attempt that could not be graded (Store.fail); the cause goes to the log.
FAILED_NOT_TO_THE_END = (
    "La correction de cette tentative s'est arrêtée avant la fin : aucune note ne lui a été attribuée. "
    "L'enseignant dispose du journal de la correction ; vous pouvez la soumettre à nouveau."
)
FAILED_SERVICE = (
    "La correction de cette tentative a échoué à cause d'un problème du service de correction, pas de votre "
    "copie. L'enseignant dispose du journal ; vous pouvez la soumettre à nouveau."
)
FAILED_KILLED_WORKERS = (
    "La correction de cette copie a arrêté le correcteur plusieurs fois de suite (mémoire ou nombre de "
    "processus épuisés ?) : elle n'a pas pu être corrigée. Vérifiez qu'aucune cellule ne lance un calcul "
    "démesuré, puis soumettez à nouveau."
)
FAILED_NOT_READY = "Ce TD n'est pas encore prêt à être corrigé par le service : prévenez l'enseignant."

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------ the verdict
def verdict_of(graded: Graded) -> dict[str, Any]:
    """The verdict the store keeps of a graded attempt (plain JSON, the module's schema): the points of
    every graded cell with its French message and named mistakes, the feedback pages, the intake's notes."""
    rows = [row for row in graded.rows if row.student == graded.student]
    return {
        "score": math.fsum(row.score for row in rows),
        "max_score": math.fsum(row.max_score for row in rows),
        "graded_to_the_end": bool(graded.done),
        "cells": [
            {
                "notebook": row.notebook,
                "cell": row.grade_id,
                "score": float(row.score),
                "max_score": float(row.max_score),
                "message": row.message,
                "mistakes": list(row.mistakes),
                "manual": bool(row.manual),
            }
            for row in rows
        ],
        # The pages nbgrader's feedback exporter made, one per notebook (feedback/<student>/<TD>/*.html).
        "feedback": {
            name: page.decode("utf-8", errors="replace")
            for name, page in sorted(graded.feedback.items())
            if "/" not in name and name.endswith(".html")
        },
        "notes": notes_of(graded, list(dict.fromkeys(row.notebook for row in rows))),
    }


def notes_of(graded: Graded, notebooks: list[str]) -> list[str]:
    """What the intake did with the submission, in French: each notebook of ``notebooks`` not handed in,
    then the intake's notes (a file set aside, a renamed notebook, a cell put back…), each naming its notebook."""
    try:
        written = json.loads(graded.submitted.get(INTAKE) or b"{}")
    except ValueError:
        written = {}
    intake = written if isinstance(written, dict) else {}
    notes = []
    if graded.gradebook is not None:  # nbgrader took the submission in: it knows what was handed in
        handed_in = set(graded.gradebook.get("handed_in") or ())
        aside = NOTEBOOK + SET_ASIDE_SUFFIX  # a file the intake could not read: its own note says why
        set_aside = {name.removesuffix(aside) for name in graded.submitted if name.endswith(aside)}
        notes += [
            messages.notebook_not_handed_in(notebook)
            for notebook in notebooks
            if notebook not in handed_in and notebook not in set_aside
        ]
    for notebook, lines in intake.items():
        if isinstance(lines, list):
            notes += [f"{notebook}{NOTEBOOK} : {line}" for line in lines if isinstance(line, str)]
    return notes


# ------------------------------------------------------------------------------------ the task
def files_digest(files: Mapping[str, bytes]) -> str:
    """The hash of a submission's files as ``Course.take`` computes it (name, NUL, bytes; by name)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(files[name])
    return digest.hexdigest()


def submitted_files(claim: Claim) -> dict[str, bytes]:
    """The submitted folder of a claimed attempt, as ``Course.take`` would leave it: the uploaded files
    (under their release names), the note of what was taken, and the attempt's time as nbgrader's
    ``timestamp.txt``. A name autograde or nbgrader writes is never taken from the upload."""
    uploaded = {
        name: content
        for name, content in claim.files.items()
        if name != TIMESTAMP and not name.split("/", 1)[0].startswith(".autograde")
    }
    digest = files_digest(uploaded)
    return {
        **uploaded,
        SUBMISSION: json.dumps({"hash": digest, "from": f"attempt {claim.attempt.id}"}).encode(),
        TIMESTAMP: claim.attempt.created_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT).encode(),
    }


def submission_for(claim: Claim, run_settings: Mapping[str, str], progress_topic: str = "") -> Submission:
    """The Dask task's submission of a claimed attempt: its files, the run's settings with the attempt's
    own seed, the topic where the task says which notebook it runs."""
    files = submitted_files(claim)
    return Submission(
        student=claim.attempt.student,
        digest=json.loads(files[SUBMISSION])["hash"],
        files=files,
        settings={**run_settings, settings.SEED.variable: str(claim.attempt.seed)},
        progress_topic=progress_topic,
    )


# ------------------------------------------------------------------------------ the dispatcher
@dataclass
class _Running:
    """One claimed attempt on the cluster."""

    claim: Claim
    future: Any  # distributed.Future of submission_task.grade
    topic: str  # its Dask event topic
    extended: float  # time.monotonic() of the last lease extension (or of the claim)
    events_seen: int = 0
    resubmits: int = 0


class Dispatcher:
    """Claims attempts from ``store`` and grades them on ``client``'s cluster against ``course``'s
    assignments, in a thread of its own (``start``/``stop``). ``name`` is the claims' worker name (one per
    dispatcher: the teacher page's "worker"); ``slots``: attempts on the cluster at once (default: the
    workers' threads, as the cluster has them now); ``cell_timeout``, ``sandbox``: the run's settings, as
    ``autograde grade`` takes them. ``reconnect`` makes a new client when ``client`` has closed (a
    scheduler away for longer than the client waits for it, then started again); the dispatcher closes
    the clients it made."""

    def __init__(
        self,
        store: Store,
        course: Course,
        client: Any,
        *,
        name: str,
        lease_seconds: float = LEASE_SECONDS,
        slots: int | None = None,
        cell_timeout: int | None = None,
        sandbox: bool = True,
        reconnect: Callable[[], Any] | None = None,
    ):
        if lease_seconds <= EXTENDS_PER_LEASE * POLL_SECONDS:
            raise ValueError(f"a lease of {lease_seconds} s would end between two looks at the tasks")
        if slots is not None and slots < 1:
            raise ValueError("slots: at least one attempt at a time")
        self.store, self.course, self.client, self.name = store, course, client, name
        self.lease_seconds, self.slots = lease_seconds, slots
        self._settings = dask_grading.run_settings(cell_timeout, sandbox)
        self._packages: dict[str, Assignment] = {}  # built once per TD
        self._shipped: dict[str, Any] = {}  # the package scattered to the workers, per TD
        self._running: dict[int, _Running] = {}  # by attempt id; the dispatcher's thread alone touches it
        self._workers: list[tuple[str, int, int]] | None = None  # the last look at the cluster
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reconnect, self._made_clients = reconnect, 0

    # -------------------------------------------------------------------------------- its life
    def start(self) -> None:
        """Start claiming and grading (again, after ``stop``)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=f"autograde-dispatch-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop within a round (``POLL_SECONDS`` and the call under way): the attempts running have their
        tasks cancelled and their claims given back (``Store.release``), queued for the next dispatcher; a
        dispatcher that dies instead leaves them to their lease."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def workers(self) -> list[tuple[str, int, int]]:
        """The cluster's workers as (name, threads, tasks executing), by name: the teacher page's. Read by
        the dispatcher's thread at each round, so that a page never waits on the scheduler; asked of the
        scheduler when the dispatcher has not looked yet."""
        return list(self._workers) if self._workers is not None else self._look_at_workers()

    def _look_at_workers(self) -> list[tuple[str, int, int]]:
        found = []
        for address, worker in self.client.scheduler_info(n_workers=-1).get("workers", {}).items():
            counts = (worker.get("metrics") or {}).get("task_counts") or {}
            found.append(
                (str(worker.get("name", address)), int(worker.get("nthreads") or 0), int(counts.get("executing", 0)))
            )
        self._workers = sorted(found)
        return list(self._workers)

    # ---------------------------------------------------------------------------------- the loop
    def _loop(self) -> None:
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    self._round()
                    failures = 0
                except Exception:  # noqa: BLE001 - the store or the scheduler away: said, then tried again
                    failures += 1
                    log.exception("dispatcher %s: a round failed (attempt %d in a row)", self.name, failures)
                    self._stopping.wait(min(MAX_BACKOFF_SECONDS, POLL_SECONDS * 2**failures))
        finally:
            self._leave_all()

    def _round(self) -> None:
        if self.client.status in CLIENT_GONE and self._reconnect is not None:
            self._replace_client(self._reconnect)
        self._look_at_workers()
        self._claim_free_slots()
        self._follow()
        self._wait_and_settle()

    def _replace_client(self, reconnect: Callable[[], Any]) -> None:
        """A new client for a client that gave up its scheduler; what the old one held is gone with it."""
        for attempt_id in list(self._running):  # their tasks died with the scheduler's state
            self._give_back(attempt_id, self._running.pop(attempt_id))
        new = reconnect()
        old, self.client = self.client, new
        self._shipped.clear()
        if self._made_clients:
            old.close()
        self._made_clients += 1
        log.warning("dispatcher %s: the scheduler's client had closed: connected again", self.name)

    def _claim_free_slots(self) -> None:
        assert self._workers is not None
        slots = self.slots if self.slots is not None else sum(threads for _, threads, _ in self._workers)
        while len(self._running) < slots and not self._stopping.is_set():
            claim = self.store.claim(self.name, self.lease_seconds)
            if claim is None:
                return
            attempt = claim.attempt
            stale = self._running.pop(attempt.id, None)
            if stale is not None:  # its lease ended under this dispatcher (a long pause): that key is dead
                self._drop(stale)
            self.store.progress(attempt.id, claim.key, PROGRESS_QUEUED)
            try:
                if attempt.assignment not in self._packages:  # built once per TD, from the course as it is now
                    self._packages[attempt.assignment] = dask_grading.assignment_package(
                        self.course, attempt.assignment
                    )
            except Exception as error:  # noqa: BLE001 - the course cannot grade this TD: the teacher's to fix
                self._fail(claim, FAILED_NOT_READY, f"its assignment cannot be read from the course: {error!r}")
                continue
            topic = f"autograde-serve-{secrets.token_hex(8)}"
            running = _Running(claim, None, topic, time.monotonic())
            try:
                running.future = self._submit(running)
            except BaseException:  # the scheduler away: the claim goes back now, not after its lease
                self._give_back(attempt.id, running)
                raise
            self._running[attempt.id] = running

    def _submit(self, running: _Running) -> Any:
        attempt = running.claim.attempt
        shipped = self._shipped.get(attempt.assignment)
        if shipped is None or shipped.status != "finished":  # first use, or every worker holding it died
            if shipped is not None:
                log.warning("the package of %s was lost (%s): scattered again", attempt.assignment, shipped.status)
            # On every worker now; but Dask's active memory manager soon keeps one copy of data no task
            # waits for, so the death of the worker holding it loses it: the tasks that needed it are then
            # cancelled, and _settle submits them again with the package scattered anew (seen in the tests).
            shipped = self.client.scatter(self._packages[attempt.assignment], broadcast=True, hash=False)
            self._shipped[attempt.assignment] = shipped
        from . import submission_task

        return self.client.submit(
            submission_task.grade,
            shipped,
            submission_for(running.claim, self._settings, running.topic),
            key=f"autograde-serve-{attempt.assignment}-{attempt.id}-{secrets.token_hex(6)}",
            pure=False,
        )

    def _follow(self) -> None:
        """The progress of each running attempt from its task's events; its lease extended when due. A
        claim found lost (another dispatcher holds the attempt, or its verdict is written) is dropped."""
        now = time.monotonic()
        for attempt_id, running in list(self._running.items()):
            key = running.claim.key
            events = self.client.get_events(running.topic)
            if len(events) > running.events_seen:
                _, event = events[-1]
                running.events_seen = len(events)
                if not self.store.progress(attempt_id, key, self._notebook_line(running, event)):
                    self._drop(self._running.pop(attempt_id))
                    continue
            if now - running.extended >= self.lease_seconds / EXTENDS_PER_LEASE:
                if not self.store.extend(attempt_id, key, self.lease_seconds):
                    self._drop(self._running.pop(attempt_id))
                    continue
                running.extended = now

    def _notebook_line(self, running: _Running, event: Any) -> str:
        """ "exécution de <notebook> (k/n)": a notebook of the TD's release, named by the task; anything
        else it might say is not shown."""
        release = self._packages[running.claim.attempt.assignment].release
        notebooks = sorted(
            name.removesuffix(NOTEBOOK) for name in release if name.endswith(NOTEBOOK) and "/" not in name
        )
        said = event.get("notebook") if isinstance(event, dict) else None
        if said not in notebooks:
            return PROGRESS_RUNNING
        return PROGRESS_NOTEBOOK.format(notebook=said + NOTEBOOK, index=notebooks.index(said) + 1, count=len(notebooks))

    def _wait_and_settle(self) -> None:
        from distributed import wait

        if not self._running:
            self._stopping.wait(POLL_SECONDS)
            return
        try:
            wait([r.future for r in self._running.values()], timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
        except (TimeoutError, CancelledError):  # a cancelled task is done too: settled below, one by one
            pass
        for attempt_id, running in list(self._running.items()):
            if running.future.done():  # even when stopping: a verdict at hand is written, not regraded
                self._settle(attempt_id, running)

    def _settle(self, attempt_id: int, running: _Running) -> None:
        from distributed import KilledWorker

        claim = running.claim
        graded: Graded | None = None
        failure: tuple[str, str] | None = None
        try:
            graded = running.future.result()
        except (CancelledError, OSError, TimeoutError) as error:  # the cluster's doing, not the student's
            if self.client.status == "running" and running.resubmits < RESUBMITS and not self._stopping.is_set():
                running.resubmits += 1
                running.future.release()
                running.future = self._submit(running)
                log.warning("attempt %d: its task was lost (%r): submitted again", attempt_id, error)
            else:  # the scheduler is away: no result of this task can reach the store, so the claim goes back
                self._give_back(attempt_id, self._running.pop(attempt_id))
                log.warning("attempt %d: its task was lost (%r): queued again", attempt_id, error)
            return
        except KilledWorker as error:
            failure = (FAILED_KILLED_WORKERS, f"its task killed Dask workers again and again: {error}")
        except Exception as error:  # noqa: BLE001 - a task that failed costs its attempt alone
            failure = (FAILED_SERVICE, f"its grading task failed: {type(error).__name__}: {error}")
        del self._running[attempt_id]
        running.future.release()
        if graded is not None and not graded.done:
            failure = (FAILED_NOT_TO_THE_END, f"not graded to the end; its grading log:\n{graded.log[-8000:]}")
        if failure is not None or graded is None:  # graded is None only with a failure: said for the type checker
            self._fail(claim, *(failure or (FAILED_SERVICE, "no result")))
            return
        self.store.progress(attempt_id, claim.key, PROGRESS_CHECKING)
        if not self.store.finish(attempt_id, claim.key, verdict_of(graded)):
            log.warning(
                "attempt %d: graded, but its claim was lost meanwhile: the verdict is the new claim's", attempt_id
            )

    def _fail(self, claim: Claim, message: str, why: str) -> None:
        attempt = claim.attempt
        said = f"[autograde serve] attempt {attempt.id} of {attempt.student} ({attempt.assignment}) failed: {why}"
        log.error("%s", said[:2000])
        try:
            with open(self.course.root / "autograde.log", "a", encoding="utf-8") as teacher_log:
                teacher_log.write(said[:16000] + "\n")
        except OSError as error:
            log.error("the course's log cannot be written (%s)", error)
        self.store.fail(attempt.id, claim.key, message)

    def _drop(self, running: _Running) -> None:
        """Forget a running attempt without a verdict (its lease will bring it back if nobody writes one)."""
        if running.future is None:  # never submitted
            return
        try:
            running.future.cancel()
            running.future.release()
        except Exception:  # noqa: BLE001 - a client that lost its scheduler: nothing to cancel there
            pass

    def _give_back(self, attempt_id: int, running: _Running) -> None:
        """Its task cancelled and its claim given back, so that it is graded again at once rather than after
        its lease (the lease still covers a store away now)."""
        self._drop(running)
        try:
            self.store.release(attempt_id, running.claim.key)
        except Exception:  # noqa: BLE001 - the store away: the lease brings the attempt back
            log.exception("dispatcher %s: attempt %d left to its lease", self.name, attempt_id)

    def _leave_all(self) -> None:
        """On the way out: each unfinished attempt given back; the clients this dispatcher made closed."""
        for attempt_id in list(self._running):
            self._give_back(attempt_id, self._running.pop(attempt_id))
        if self._made_clients:
            try:
                self.client.close()
            except Exception:  # noqa: BLE001 - a client already gone
                pass
