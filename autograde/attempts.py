"""The submission service's attempts, durable: its students, known by a hash of their link's token, and
every attempt with its files, its seed, its claim and its verdict, in one database (SQLAlchemy Core, no
ORM): a SQLite file (``sqlite:///PATH``) or PostgreSQL (``postgresql+psycopg://…``, the gradebook's
server). The tables are created when missing, never dropped nor altered.

``Store(url)`` is the whole API. Every read of an attempt takes the student it belongs to: no method
returns an attempt, its files or its verdict from an attempt id alone, so a route that forgets to check
whose attempt it shows finds nothing to show. The workers' side (``claim``, ``extend``, ``finish``,
``fail``) takes no student and returns no attempt but the one it hands out.

An attempt goes ``queued`` → ``running`` (claimed by a worker until its lease ends) → ``graded`` or
``failed``. A claim is a random key written with the lease: a worker that died leaves its attempt
``running`` until the lease ends, and then another worker claims it again, with a new key; only the
key of the last claim can write the verdict, once (a conditional UPDATE), so an attempt is graded at
most once however the workers raced. ``claim`` takes the oldest claimable attempt under
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (workers never wait for one another) and inside
``BEGIN IMMEDIATE`` on SQLite (one writer at a time). An attempt whose lease ended after ``max_claims``
claims (3) is failed by the next ``claim`` instead of being handed out again: it stopped (or hung) every
worker that took it, a "poison" attempt, and would take the next one down too. A running claim may write
a short ``progress`` line that the student's page shows; each new claim starts without one.

A refused upload is recorded (``record_refusal``) for the teacher's page (``refusals``, newest first).
Its message and file name are the student's text, stored as given, never interpreted, only bounded in
length (``MESSAGE_LENGTH``, ``NAME_LENGTH``), and with the characters no database can hold (NUL, a lone
surrogate) replaced by U+FFFD: a refusal is always recorded.

Times are the service's clock (UTC), never a client's: each method that stamps or compares a time takes
``now`` (default: the present), so that a test sets the clock instead of waiting.

A token is 32 random bytes (``secrets.token_urlsafe``), shown once, in the link ``BASE_URL/s/<token>``;
only its SHA-256 is stored, so a copy of the database opens no student's account.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import QueuePool

from . import student_ids

if TYPE_CHECKING:
    from .collect import Identity

QUEUED, RUNNING, GRADED, FAILED = STATES = ("queued", "running", "graded", "failed")
TOKEN_BYTES = 32
TOKEN_FORM = re.compile(rf"[A-Za-z0-9_-]{{{len(secrets.token_urlsafe(TOKEN_BYTES))}}}")
SEED_BITS = 63  # a seed fits PostgreSQL's signed BIGINT
HOUR = timedelta(hours=1)
LINK_PATH = "/s/"  # a student's link: BASE_URL + LINK_PATH + token
LINK_COLUMNS = ("id", "prénom", "nom", "email", "lien")
NAME_LENGTH = 255  # an assignment's, a file's or a worker's name, at most
SQLITE_BUSY_SECONDS = 30  # how long a SQLite writer waits for the one before it
MAX_CLAIMS = 3  # claims of one attempt whose leases all ended before it is taken for a poison one
POISON_ERROR = "Cette tentative a arrêté le correcteur à chaque essai : elle n'a pas pu être notée."
MESSAGE_LENGTH = 2000  # characters of a refusal's message kept
REASON_LENGTH = 64  # a refusal's reason code (uploads.Reason and the service's own)
PROGRESS_LENGTH = 200  # characters of a progress line kept
FINGERPRINT_HEX = 16  # hex digits of a token's SHA-256 that a session cookie carries
REFUSALS_SHOWN = 200  # refusals read at once, by default

metadata = MetaData()
students = Table(
    "students",
    metadata,
    Column("id", String(student_ids.MAX_LENGTH), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),  # hex; the token itself is never stored
    Column("created_at", DateTime(timezone=True), nullable=False),
)
attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("student", String(student_ids.MAX_LENGTH), ForeignKey("students.id"), nullable=False),
    Column("assignment", String(NAME_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("worker", String(NAME_LENGTH)),  # the last claim's
    Column("claim", String(64)),  # the last claim's key: only it may write the verdict
    Column("lease_until", DateTime(timezone=True)),
    Column("claims", Integer, nullable=False),  # how many times it was claimed (> 1: a worker died on it)
    Column("result", Text),  # JSON: score, max_score, cells
    Column("graded_at", DateTime(timezone=True)),  # when the verdict (graded or failed) was written
    Column("error", Text),
    Column("progress", String(PROGRESS_LENGTH)),  # the running claim's last progress line
    CheckConstraint("state IN (" + ", ".join(f"'{state}'" for state in STATES) + ")", name="attempts_state"),
    Index("attempts_queue", "state", "created_at"),
    Index("attempts_of_student", "student", "assignment"),
)
attempt_files = Table(
    "attempt_files",
    metadata,
    Column("attempt", Integer, ForeignKey("attempts.id"), primary_key=True),
    Column("name", String(NAME_LENGTH), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)
refusals = Table(
    "refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    # No foreign key: an upload through a link that is not valid is recorded too, without a student.
    Column("student", String(student_ids.MAX_LENGTH)),
    Column("assignment", String(NAME_LENGTH), nullable=False),
    Column("reason", String(REASON_LENGTH), nullable=False),
    Column("message", Text, nullable=False),
    Column("file", String(NAME_LENGTH)),
    Index("refusals_at", "at"),
)
# A PostgreSQL advisory lock ("autograd" in ASCII), so that two processes starting at once never both
# create the tables.
_SCHEMA_LOCK = 0x6175746F67726164
_BEGIN = "autograde_begin"  # a connection's execution option: the BEGIN a SQLite transaction starts with


class StoreError(Exception):
    """The store cannot do what was asked (an unknown student, a bad URL, an unreachable database); the
    message is English, for the teacher or the service's log; nothing was changed."""


class TooMany(StoreError):
    """``add_attempt`` refused: the student reached a limit (``which``: ``"per_hour"`` or ``"in_all"``)."""

    def __init__(self, which: str, limit: int):
        super().__init__(f"{which}: {limit} attempts at most")
        self.which, self.limit = which, limit


@dataclass(frozen=True)
class Attempt:
    id: int
    student: str
    assignment: str
    created_at: datetime
    state: str
    seed: int
    files: tuple[str, ...]  # the uploaded files' names (their bytes: ``Store.files_of``, or a ``Claim``)
    worker: str | None
    lease_until: datetime | None
    claims: int
    result: dict[str, Any] | None  # what ``finish`` wrote: score, max_score, cells
    graded_at: datetime | None
    error: str | None  # what ``fail`` wrote
    progress: str | None = None  # the last line ``progress`` wrote since the last claim


@dataclass(frozen=True)
class Refusal:
    """A refused upload, as ``record_refusal`` stored it."""

    student: str | None  # None: the link was not valid
    assignment: str
    reason: str
    message: str
    file: str | None
    at: datetime


@dataclass(frozen=True)
class Claim:
    """An attempt handed to a worker: ``key`` is what ``extend``, ``finish`` and ``fail`` ask for."""

    attempt: Attempt
    key: str
    files: dict[str, bytes]


@dataclass(frozen=True)
class Counts:
    since: int  # the student's attempts at the assignment since the given time
    total: int  # and in all


class Store:
    """The service's database, opened (its tables created when missing) from a SQLAlchemy URL."""

    def __init__(self, url: str):
        try:
            parsed = make_url(url)
        except ArgumentError as error:
            raise StoreError(f"{url!r} is not a database URL (sqlite:///PATH or postgresql+psycopg://…)") from error
        self.shown_url = parsed.render_as_string(hide_password=True)
        self._sqlite = parsed.get_backend_name() == "sqlite"
        if self._sqlite and parsed.database in (None, "", ":memory:"):
            raise StoreError("an in-memory SQLite database would be lost at once: give a file, sqlite:///PATH")
        try:
            self.engine = create_engine(
                parsed, **({"connect_args": {"timeout": SQLITE_BUSY_SECONDS}} if self._sqlite else {})
            )
        except ArgumentError as error:
            raise StoreError(f"{self.shown_url}: {error}") from error
        if self._sqlite:
            _sqlite_transactions(self.engine)
        try:
            with self._transaction(write=True) as connection:
                if not self._sqlite:
                    connection.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
                metadata.create_all(connection)
        except OperationalError as error:
            self.engine.dispose()
            raise StoreError(f"cannot open the store {self.shown_url}: {error.orig}") from error

    def open_pool(self) -> None:
        """Open the connections the pool keeps, now: a service that starts must not pay one new
        connection per request of the first burst (a backend forked, the dialect's first queries)."""
        pool = self.engine.pool  # a QueuePool for a SQLite file and for PostgreSQL
        held = [self.engine.connect() for _ in range(pool.size() if isinstance(pool, QueuePool) else 1)]
        for connection in held:
            connection.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Connection]:
        """One transaction, committed when the block ends; on SQLite, a writer's takes the database's
        write lock at once (``BEGIN IMMEDIATE``), so that two writers wait in turn rather than both read
        and then fail to write."""
        with self.engine.connect() as connection:
            if write and self._sqlite:
                connection.execution_options(**{_BEGIN: "BEGIN IMMEDIATE"})
            with connection.begin():
                yield connection

    # ------------------------------------------------------------------------------- students
    def issue_tokens(
        self,
        ids: Iterable[str],
        renew: Iterable[str] = (),
        *,
        deliver: Callable[[dict[str, str]], None] | None = None,
        now: datetime | None = None,
    ) -> dict[str, str]:
        """A new token for each of ``ids`` that has none, and for each of ``renew`` (its former token
        stops working): {student: token}, the tokens in clear, this once. ``deliver``, when given, is
        called with them before they are stored: if it raises, nothing is stored."""
        if isinstance(ids, str) or isinstance(renew, str):
            raise StoreError("issue_tokens takes lists of student ids, not one id")
        wanted, renewed = list(dict.fromkeys(ids)), set(renew)
        wanted += [student for student in dict.fromkeys(renew) if student not in wanted]
        for student in wanted:
            if not student_ids.is_safe(student):
                raise StoreError(f"{student!r} cannot be a student id ({student_ids.problem(student)})")
        moment = _moment(now)
        with self._transaction(write=True) as connection:
            known = set(connection.scalars(select(students.c.id)))
            fresh = {s: secrets.token_urlsafe(TOKEN_BYTES) for s in wanted if s not in known or s in renewed}
            for student, token in fresh.items():
                if student in known:
                    connection.execute(
                        update(students).where(students.c.id == student).values(token_sha256=_digest(token))
                    )
                else:
                    connection.execute(
                        insert(students).values(id=student, token_sha256=_digest(token), created_at=moment)
                    )
            if deliver is not None:
                deliver(dict(fresh))
        return fresh

    def student_for(self, token: str) -> str | None:
        """The student whose token this is, or None (unknown, malformed, or not a string)."""
        if not isinstance(token, str) or not TOKEN_FORM.fullmatch(token):
            return None
        digest = _digest(token)
        with self._transaction() as connection:
            found = connection.execute(
                select(students.c.id, students.c.token_sha256).where(students.c.token_sha256 == digest)
            ).first()
        # The lookup compares hashes, whose timing tells nothing of the token; the check is constant-time.
        if found is None or not hmac.compare_digest(found.token_sha256, digest):
            return None
        return str(found.id)

    def students(self) -> list[str]:
        """Every student with a link, in the order of their ids."""
        with self._transaction() as connection:
            return list(connection.scalars(select(students.c.id).order_by(students.c.id)))

    def token_fingerprint(self, student: str) -> str | None:
        """The first ``FINGERPRINT_HEX`` hex digits of the SHA-256 of the student's current token (None: no
        such student). A session cookie carries it and the service compares it at each request, so that
        renewing a link ends every session opened with the old one."""
        with self._transaction() as connection:
            digest = connection.scalar(select(students.c.token_sha256).where(students.c.id == student))
        return None if digest is None else str(digest)[:FINGERPRINT_HEX]

    # ----------------------------------------------------------------------------- attempts
    def add_attempt(
        self,
        student: str,
        assignment: str,
        files: Mapping[str, bytes],
        *,
        now: datetime | None = None,
        per_hour: int | None = None,
        in_all: int | None = None,
    ) -> int:
        """A queued attempt with its files and a seed of its own, committed before this returns: its id.
        ``per_hour`` and ``in_all`` bound the student's attempts at the assignment (in the hour before
        ``now``, and ever), checked in the same transaction as the insert, with the student's row locked:
        two uploads at once cannot both pass the last place (``TooMany``)."""
        if not assignment or len(assignment) > NAME_LENGTH:
            raise StoreError(f"{assignment!r} cannot be an assignment name")
        if not files:
            raise StoreError("an attempt needs at least one file")
        for name, content in files.items():
            if not isinstance(name, str) or not 0 < len(name) <= NAME_LENGTH or not isinstance(content, bytes):
                raise StoreError(f"{name!r}: a file is a name (at most {NAME_LENGTH} characters) and bytes")
        moment = _moment(now)
        with self._transaction(write=True) as connection:
            known = connection.execute(select(students.c.id).where(students.c.id == student).with_for_update()).first()
            if known is None:
                raise StoreError(f"{student!r} is not a student of the service (no link was issued)")
            if per_hour is not None or in_all is not None:
                counts = _counts(connection, student, assignment, moment - HOUR)
                for which, limit, count in (("per_hour", per_hour, counts.since), ("in_all", in_all, counts.total)):
                    if limit is not None and count >= limit:
                        raise TooMany(which, limit)
            made = connection.execute(
                insert(attempts).values(
                    student=student,
                    assignment=assignment,
                    created_at=moment,
                    state=QUEUED,
                    seed=secrets.randbits(SEED_BITS),
                    claims=0,
                )
            )
            if made.inserted_primary_key is None:  # SQLite and psycopg always give it
                raise StoreError(f"{self.shown_url} did not tell the new attempt's id")
            attempt_id = int(made.inserted_primary_key[0])
            connection.execute(
                insert(attempt_files),
                [{"attempt": attempt_id, "name": name, "content": content} for name, content in files.items()],
            )
        return attempt_id

    def attempts_of(self, student: str, assignment: str | None = None) -> list[Attempt]:
        """The student's attempts (at one assignment, or all), oldest first."""
        mine = attempts.c.student == student
        with self._transaction() as connection:
            return _load(connection, mine if assignment is None else and_(mine, attempts.c.assignment == assignment))

    def attempt_of(self, student: str, attempt_id: int) -> Attempt | None:
        """The student's attempt of this id; None when there is none, or it is another student's."""
        with self._transaction() as connection:
            found = _load(connection, and_(attempts.c.student == student, attempts.c.id == attempt_id))
        return found[0] if found else None

    def files_of(self, student: str, attempt_id: int) -> dict[str, bytes] | None:
        """The files of the student's attempt of this id; None as ``attempt_of``."""
        mine = and_(attempts.c.student == student, attempts.c.id == attempt_id)
        with self._transaction() as connection:
            if connection.execute(select(attempts.c.id).where(mine)).first() is None:
                return None
            return _files(connection, attempt_id)

    def counts_since(self, student: str, assignment: str, since: datetime) -> Counts:
        """How many attempts the student made at the assignment since ``since``, and in all (every state)."""
        with self._transaction() as connection:
            return _counts(connection, student, assignment, _moment(since))

    # ------------------------------------------------------------------------------ workers
    def claim(
        self, worker: str, lease_seconds: float, *, now: datetime | None = None, max_claims: int = MAX_CLAIMS
    ) -> Claim | None:
        """The oldest attempt that is queued, or running with its lease ended (its worker died), now held
        by ``worker`` until ``now + lease_seconds`` under a new key; None when there is none. First, each
        attempt whose lease ended after ``max_claims`` claims is failed with ``POISON_ERROR``: never
        handed out again."""
        if not worker or len(worker) > NAME_LENGTH or lease_seconds <= 0:
            raise StoreError("a claim needs a worker's name and a lease of some seconds")
        if isinstance(max_claims, bool) or not isinstance(max_claims, int) or max_claims < 1:
            raise StoreError(f"max_claims={max_claims!r}: an attempt is claimed at least once")
        moment = _moment(now)
        ended = and_(attempts.c.state == RUNNING, attempts.c.lease_until < moment)
        poison = and_(ended, attempts.c.claims >= max_claims)
        claimable = or_(attempts.c.state == QUEUED, and_(ended, attempts.c.claims < max_claims))
        with self._transaction(write=True) as connection:
            # Rows another worker is failing at this moment are skipped, not waited for: it fails them.
            connection.execute(
                update(attempts)
                .where(poison, attempts.c.id.in_(select(attempts.c.id).where(poison).with_for_update(skip_locked=True)))
                .values(state=FAILED, error=POISON_ERROR, graded_at=moment, lease_until=None)
            )
            oldest = connection.execute(
                select(attempts.c.id)
                .where(claimable)
                .order_by(attempts.c.created_at, attempts.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already excludes
            ).first()
            if oldest is None:
                return None
            key = secrets.token_hex(16)
            taken = connection.execute(
                update(attempts)
                .where(attempts.c.id == oldest.id, claimable)
                .values(
                    state=RUNNING,
                    worker=worker,
                    claim=key,
                    lease_until=moment + timedelta(seconds=lease_seconds),
                    claims=attempts.c.claims + 1,
                    progress=None,  # a dead worker's last line does not describe this claim
                )
            )
            if taken.rowcount != 1:  # the row is locked: only a broken lock would get here
                return None
            [attempt] = _load(connection, attempts.c.id == oldest.id)
            return Claim(attempt, key, _files(connection, oldest.id))

    def extend(self, attempt_id: int, claim: str, lease_seconds: float, *, now: datetime | None = None) -> bool:
        """The lease of a claim still held, moved to ``now + lease_seconds`` (a long grading); whether it was."""
        return self._write(
            attempt_id, claim, lease_until=_moment(now) + timedelta(seconds=lease_seconds), state=RUNNING
        )

    def finish(self, attempt_id: int, claim: str, result: Mapping[str, Any], *, now: datetime | None = None) -> bool:
        """The verdict (JSON-able: score, max_score, cells) of the attempt, written only if ``claim`` is the
        key of its last claim and no verdict was written: whether it was."""
        return self._write(
            attempt_id, claim, state=GRADED, result=json.dumps(dict(result)), graded_at=_moment(now), lease_until=None
        )

    def fail(self, attempt_id: int, claim: str, message: str, *, now: datetime | None = None) -> bool:
        """The attempt could not be graded (``message`` says why); written on the terms of ``finish``."""
        return self._write(attempt_id, claim, state=FAILED, error=message, graded_at=_moment(now), lease_until=None)

    def progress(self, attempt_id: int, claim: str, text: str) -> bool:
        """A short line on the running claim's progress (at most ``PROGRESS_LENGTH`` characters kept),
        written on the terms of ``finish`` but for the state, which stays ``running``: whether it was."""
        return self._write(attempt_id, claim, progress=_storable(text, PROGRESS_LENGTH))

    def release(self, attempt_id: int, claim: str) -> bool:
        """A claim given back unfinished by a worker that stops cleanly: the attempt queued again at once
        (not after its lease), and this claim not counted among those that stopped the grader (``max_claims``
        counts the claims that ended with their worker). Whether it was held."""
        return self._write(
            attempt_id,
            claim,
            state=QUEUED,
            claim=None,
            worker=None,
            lease_until=None,
            progress=None,
            claims=attempts.c.claims - 1,
        )

    def _write(self, attempt_id: int, claim: str, /, **values: Any) -> bool:  # values may set the claim column
        held = and_(attempts.c.id == attempt_id, attempts.c.claim == claim, attempts.c.state == RUNNING)
        with self._transaction(write=True) as connection:
            return connection.execute(update(attempts).where(held).values(**values)).rowcount == 1

    # ------------------------------------------------------------------------------ teacher
    def queue_summary(self) -> dict[str, dict[str, int]]:
        """{assignment: {state: count}} with the four states, for every assignment with an attempt."""
        with self._transaction() as connection:
            rows = connection.execute(
                select(attempts.c.assignment, attempts.c.state, func.count()).group_by(
                    attempts.c.assignment, attempts.c.state
                )
            ).all()
        summary: dict[str, dict[str, int]] = {}
        for assignment, state, count in rows:
            summary.setdefault(assignment, dict.fromkeys(STATES, 0))[state] = count
        return summary

    def latencies(self, since: datetime) -> list[float]:
        """Seconds from upload to verdict of the attempts graded since ``since``, in increasing order."""
        with self._transaction() as connection:
            rows = connection.execute(
                select(attempts.c.created_at, attempts.c.graded_at).where(
                    attempts.c.state == GRADED, attempts.c.graded_at >= _moment(since)
                )
            ).all()
        return sorted((_time(graded) - _time(created)).total_seconds() for created, graded in rows)

    def workers_busy(self) -> dict[str, int]:
        """{worker: attempts it holds in the state ``running``}; a worker that died keeps its count until
        its attempts are claimed again."""
        with self._transaction() as connection:
            rows = connection.execute(
                select(attempts.c.worker, func.count()).where(attempts.c.state == RUNNING).group_by(attempts.c.worker)
            ).all()
        return {str(worker): int(count) for worker, count in rows}

    def record_refusal(
        self,
        student: str | None,
        assignment: str,
        reason: str,
        message: str,
        file: str | None,
        *,
        now: datetime | None = None,
    ) -> None:
        """A refused upload, for the teacher's page: ``reason`` is a short code (``uploads.Reason``, or the
        service's own), ``message`` the French text the student read, ``file`` the file it names, if
        any. The texts are stored as given, never interpreted, cut at their lengths (see the module)."""
        if not isinstance(reason, str) or not 0 < len(reason) <= REASON_LENGTH:
            raise StoreError(f"{reason!r}: a refusal's reason is a code of at most {REASON_LENGTH} characters")
        values = {
            "at": _moment(now),
            "student": None if student is None else _storable(student, student_ids.MAX_LENGTH),
            "assignment": _storable(assignment, NAME_LENGTH),
            "reason": reason,
            "message": _storable(message, MESSAGE_LENGTH),
            "file": None if file is None else _storable(file, NAME_LENGTH),
        }
        with self._transaction(write=True) as connection:
            connection.execute(insert(refusals).values(**values))

    def refusals(self, since: datetime | None = None, limit: int = REFUSALS_SHOWN) -> list[Refusal]:
        """The refused uploads (since ``since``, or all), newest first, ``limit`` at most."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise StoreError(f"limit={limit!r}: a count of refusals to read")
        query = select(refusals).order_by(refusals.c.at.desc(), refusals.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(refusals.c.at >= _moment(since))
        with self._transaction() as connection:
            rows = connection.execute(query).all()
        return [Refusal(row.student, row.assignment, row.reason, row.message, row.file, _time(row.at)) for row in rows]


def _sqlite_transactions(engine: Any) -> None:
    """SQLAlchemy, not the sqlite3 module, begins SQLite's transactions (sqlite3 would begin none before a
    SELECT, and only a deferred one): SQLAlchemy's documented recipe, with the BEGIN a write asks for.
    Foreign keys are enforced; the write-ahead log lets readers read while one writes."""

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get(_BEGIN, "BEGIN"))


def _load(connection: Connection, condition: Any) -> list[Attempt]:
    rows = connection.execute(select(attempts).where(condition).order_by(attempts.c.created_at, attempts.c.id)).all()
    names: dict[int, list[str]] = {}
    for attempt_id, name in connection.execute(
        select(attempt_files.c.attempt, attempt_files.c.name)
        .join(attempts, attempts.c.id == attempt_files.c.attempt)
        .where(condition)
        .order_by(attempt_files.c.name)
    ):
        names.setdefault(attempt_id, []).append(name)
    return [
        Attempt(
            id=row.id,
            student=row.student,
            assignment=row.assignment,
            created_at=_time(row.created_at),
            state=row.state,
            seed=row.seed,
            files=tuple(names.get(row.id, ())),
            worker=row.worker,
            lease_until=row.lease_until and _time(row.lease_until),
            claims=row.claims,
            result=None if row.result is None else json.loads(row.result),
            graded_at=row.graded_at and _time(row.graded_at),
            error=row.error,
            progress=row.progress,
        )
        for row in rows
    ]


def _files(connection: Connection, attempt_id: int) -> dict[str, bytes]:
    found = connection.execute(
        select(attempt_files.c.name, attempt_files.c.content).where(attempt_files.c.attempt == attempt_id)
    )
    return {name: bytes(content) for name, content in found}


def _counts(connection: Connection, student: str, assignment: str, since: datetime) -> Counts:
    since_count, total = connection.execute(
        select(func.count(case((attempts.c.created_at >= since, 1))), func.count()).where(
            attempts.c.student == student, attempts.c.assignment == assignment
        )
    ).one()
    return Counts(int(since_count), int(total))


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(text: str, limit: int) -> str:
    """``text`` as a database column holds it: PostgreSQL's text takes no NUL, and neither database a
    lone surrogate (what a file name that was not UTF-8 decodes to); each becomes U+FFFD. At most
    ``limit`` characters."""
    if not isinstance(text, str):
        raise StoreError(f"{type(text).__name__}: the store keeps text")
    return _UNSTORABLE.sub("\ufffd", text[:limit])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _moment(value: datetime | None) -> datetime:
    """A time given to the store, in UTC; a time without a zone is refused (whose clock would it be?)."""
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise StoreError(f"{value}: a time needs its zone (datetime.now(UTC))")
    return value.astimezone(UTC)


def _time(value: datetime) -> datetime:
    """A time read back, in UTC: SQLite keeps the UTC time without its zone, PostgreSQL the zone too."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---------------------------------------------------------------------------------- the links
@dataclass
class Links:
    """What ``write_links`` did."""

    out: Path | None  # None: no link to write, so no file
    issued: list[str]  # the students whose (new) link is in ``out``
    kept: list[str]  # the roster's students who already had a link, not written again


def write_links(
    roster: Path, base_url: str, store_url: str, out: Path, renew: Sequence[str] = (), now: datetime | None = None
) -> Links:
    """A personal link for each student of the roster who has none (and for each of ``renew``, whose
    former link then stops working), written to the CSV ``out`` (which must not exist) in the same
    transaction as the tokens' hashes: the links are stored only once written."""
    from .collect import read_roster  # nbformat and the course: only for this command
    from .csv_cells import write_table

    address = urlsplit(base_url)
    if address.scheme not in ("http", "https") or not address.netloc or address.query or address.fragment:
        raise StoreError(f"{base_url!r}: the base URL is the service's address, such as https://notes.example.fr")
    if not out.parent.is_dir():
        raise StoreError(f"{out.parent} is not a folder: where should {out.name} go?")
    if out.exists() or out.is_symlink():
        raise StoreError(
            f"{out} exists: refusing to overwrite it (it may hold the only copy of links already issued). "
            "Give another --out, or move that file away first."
        )
    people: dict[str, Identity] = {}
    for person in read_roster(roster):
        people.setdefault(person.id, person)  # an id twice: its first line is the student
    unknown = [student for student in renew if student not in people]
    if unknown:
        raise StoreError(f"--renew {', '.join(unknown)}: not in the roster {roster}")
    written = False

    def deliver(tokens: dict[str, str]) -> None:
        nonlocal written
        if not tokens:
            return
        try:
            # The name taken, even from a file made since the check; readable by the teacher alone, since
            # each line opens a student's account.
            os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            written = True
        except FileExistsError as error:
            raise StoreError(f"{out} was made meanwhile: refusing to overwrite it") from error
        lines = [
            {
                "id": person.id,
                "prénom": person.first_name,
                "nom": person.last_name,
                "email": person.email,
                "lien": base_url.rstrip("/") + LINK_PATH + tokens[person.id],
            }
            for person in people.values()
            if person.id in tokens
        ]
        write_table(out, LINK_COLUMNS, lines)

    with Store(store_url) as store:
        try:
            issued = store.issue_tokens(list(people), renew, deliver=deliver, now=now)
        except BaseException:
            if written:
                out.unlink(missing_ok=True)  # made above; its links were never stored, so they open nothing
            raise
    return Links(out if issued else None, [s for s in people if s in issued], [s for s in people if s not in issued])
