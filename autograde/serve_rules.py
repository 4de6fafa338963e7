"""The teacher's rules of each TD in the submission service: when it opens, its deadline, how many
attempts a student may make, the largest upload, what the verdict shows before the deadline, which
attempt counts. Pure: ``load_rules`` reads one file, the rest are functions of their arguments (the
time is always given, never read from the clock).

The rules live in a TOML file, ``serve.toml`` in the course folder by default (``rules_path``), one
table per TD, named by the TD's folder. A TD without a table is not open. Example::

    [td1_neurone_regression]
    opens = 2026-09-01T08:00:00+02:00      # required: a date, a time and its offset (ISO 8601)
    deadline = 2026-09-15T23:59:00+02:00   # required, after opens
    attempts_per_hour = 6                  # per student, in the hour before an upload
    attempts_in_all = 40                   # per student, until the deadline
    largest_upload_mb = 5                  # MiB, all the TD's notebooks together
    before_deadline = "messages"           # or "points": the messages only after the deadline
    counts = "last"                        # or "best"

    [td3_mnist_softmax]
    opens = 2026-09-22T08:00:00Z
    deadline = 2026-10-06T23:59:00Z
    attempts_per_hour = "unlimited"

Only ``opens`` and ``deadline`` are required; the others default to ``PER_HOUR``, ``IN_ALL``, the
intake's per-notebook limit (``AUTOGRADE_MAX_NOTEBOOK_MB``, read when the file is loaded), ``SHOW`` and
``COUNTS``. A count is a whole number ≥ 0, or ``"unlimited"``. A time without its offset is refused: the
teacher's clock and the server's may differ, and the file must say which one it means; times are kept
as written and compared as instants (UTC). Anything else (an unknown key, a TD that is not one of the
course's, a deadline not after the opening, a negative count, a wrong type) is a ``RulesError`` naming
the TD and the key.

The boundaries, one rule for all: a TD is open from ``opens`` (included) to ``deadline`` (excluded). An
attempt created exactly at the deadline is refused by the service and never counted; the verdict's
messages, when hidden before the deadline, show from the deadline on.

Which attempt counts (``counted``): among the student's attempts at the TD that were graded (state
``graded``) and created before the deadline, the last created (``counts = "last"``), or the one with the
highest score, the later one on a tie (``counts = "best"``). A failed attempt never counts; with none
graded, nothing counts.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NoReturn, cast

from . import settings
from .attempts import GRADED, Attempt

RULES_FILE = "serve.toml"  # in the course folder
PER_HOUR = 6  # attempts per student and TD in any hour
IN_ALL = 50  # attempts per student and TD in all
LARGEST_UPLOAD_MB = settings.MAX_NOTEBOOK_MB  # the intake's own per-notebook limit, read at load time
SHOW = "messages"
COUNTS = "last"
UNLIMITED = "unlimited"  # a count's value for no limit (TOML has no null)
MIB = 2**20
SHOWS = ("messages", "points")
COUNTINGS = ("last", "best")
# What the student's page says of a TD, by the phase ``phase`` tells.
STATE_WORDING = {"before": "pas encore ouvert", "open": "ouvert", "after": "fermé"}

Show = Literal["messages", "points"]
Counts = Literal["last", "best"]

# Each key of a TD's table, and the field of ``TDRules`` it sets.
KEYS = {
    "opens": "opens",
    "deadline": "deadline",
    "attempts_per_hour": "per_hour",
    "attempts_in_all": "in_all",
    "largest_upload_mb": "max_upload_bytes",
    "before_deadline": "show",
    "counts": "counts",
}
REQUIRED = ("opens", "deadline")
_KEY_OF = {field: key for key, field in KEYS.items()}


class RulesError(ValueError):
    """The rules cannot be used as written: the message (English, for the teacher) names the file's TD
    and key (``assignment`` and ``key``, None when the error is the file's)."""

    def __init__(self, message: str, assignment: str | None = None, key: str | None = None):
        where = "".join([f"[{assignment}]" if assignment is not None else "", f" {key}" if key is not None else ""])
        super().__init__(f"{where}: {message}" if where else message)
        self.assignment, self.key = assignment, key


@dataclass(frozen=True)
class TDRules:
    """One TD's rules; checked when made, so that rules made in code hold to the file's terms."""

    assignment: str
    opens: datetime
    deadline: datetime
    per_hour: int | None  # None: no limit
    in_all: int | None
    max_upload_bytes: int
    show: Show
    counts: Counts

    def __post_init__(self) -> None:
        for field in ("opens", "deadline"):
            value = getattr(self, field)
            if not isinstance(value, datetime):
                self._error(field, f"{value!r} is not a date and time, such as 2026-09-15T23:59:00+02:00")
            if value.utcoffset() is None:
                self._error(
                    field,
                    f"{value.isoformat()} has no offset: write the zone it is in, such as "
                    f"{value.replace(microsecond=0).isoformat()}+02:00 (Paris in summer) or …Z (UTC)",
                )
        if self.deadline <= self.opens:
            self._error("deadline", f"{self.deadline.isoformat()} is not after opens = {self.opens.isoformat()}")
        for field in ("per_hour", "in_all"):
            value = getattr(self, field)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                self._error(field, f"{value!r}: a count of attempts is a whole number ≥ 0, or {UNLIMITED!r}")
        size = self.max_upload_bytes
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            self._error("max_upload_bytes", f"{size!r} bytes: the largest upload is a size above 0")
        if self.show not in SHOWS:
            self._error("show", f"{self.show!r} is not one of {', '.join(map(repr, SHOWS))}")
        if self.counts not in COUNTINGS:
            self._error("counts", f"{self.counts!r} is not one of {', '.join(map(repr, COUNTINGS))}")

    def _error(self, field: str, message: str) -> NoReturn:
        raise RulesError(message, self.assignment, _KEY_OF[field])

    def phase(self, now: datetime) -> str:
        """``"before"`` the opening, ``"open"`` from it until the deadline (excluded), ``"after"``."""
        moment = _instant(now)
        if moment < self.opens:
            return "before"
        return "open" if moment < self.deadline else "after"

    def is_open(self, now: datetime) -> bool:
        """Whether an upload made at ``now`` may be taken: from ``opens`` (included) to ``deadline`` (excluded)."""
        return self.phase(now) == "open"

    def state(self, now: datetime) -> str:
        """The TD's state in French, as the student's page says it."""
        return STATE_WORDING[self.phase(now)]

    def shows_messages(self, now: datetime) -> bool:
        """Whether the verdict's messages are shown at ``now`` (else the points only): always when the
        rule is ``"messages"``, from the deadline on when it is ``"points"``."""
        return self.show == "messages" or _instant(now) >= self.deadline

    def counted(self, attempts: Iterable[Attempt]) -> Attempt | None:
        """The attempt that counts among one student's ``attempts`` (those of other TDs are left out):
        see the module. Raises ValueError when they are several students' (one call, one student)."""
        given = list(attempts)
        if len({attempt.student for attempt in given}) > 1:
            raise ValueError("counted() takes the attempts of one student")
        eligible = [
            attempt
            for attempt in given
            if attempt.assignment == self.assignment and attempt.state == GRADED and attempt.created_at < self.deadline
        ]
        if not eligible:
            return None
        if self.counts == "last":
            return max(eligible, key=lambda attempt: (attempt.created_at, attempt.id))
        return max(eligible, key=lambda attempt: (_score(attempt), attempt.created_at, attempt.id))


def rules_path(course_root: Path) -> Path:
    """Where the course's rules are, by default."""
    return course_root / RULES_FILE


def load_rules(path: Path, assignments: list[str]) -> dict[str, TDRules]:
    """Every TD's rules from the TOML file ``path`` (see the module), in the file's order; ``assignments``
    are the course's TDs (``course.assignments()``), the only tables allowed. Raises ``RulesError``."""
    try:
        with open(path, "rb") as handle:
            tables = tomllib.load(handle)
    except FileNotFoundError:
        raise RulesError(f"{path}: no such file; write each open TD's rules there (autograde/serve_rules.py)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(f"{path}: cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{path}: not valid TOML: {error}") from None
    largest_mb = LARGEST_UPLOAD_MB.get()
    return {name: _td_rules(name, table, assignments, largest_mb) for name, table in tables.items()}


def _td_rules(name: str, table: Any, assignments: list[str], largest_mb: float) -> TDRules:
    if not isinstance(table, dict):
        raise RulesError(f"a TD's rules are a table, [{name}], not {type(table).__name__}", name)
    if name not in assignments:
        raise RulesError(f"not a TD of this course (its TDs: {', '.join(assignments)})", name)
    for key in table:
        if key not in KEYS:
            raise RulesError(f"unknown key (the keys: {', '.join(KEYS)})", name, key)
    for key in REQUIRED:
        if key not in table:
            raise RulesError("missing: when the TD opens, and its deadline, are required", name, key)
    size_mb = table.get("largest_upload_mb", largest_mb)
    if isinstance(size_mb, bool) or not isinstance(size_mb, int | float) or not math.isfinite(size_mb) or size_mb <= 0:
        raise RulesError(f"{size_mb!r}: a size in MiB above 0, such as 5", name, "largest_upload_mb")
    return TDRules(
        assignment=name,
        opens=_time(table["opens"], name, "opens"),
        deadline=_time(table["deadline"], name, "deadline"),
        per_hour=_count(table, "attempts_per_hour", PER_HOUR, name),
        in_all=_count(table, "attempts_in_all", IN_ALL, name),
        max_upload_bytes=int(size_mb * MIB),
        show=cast(Show, _choice(table, "before_deadline", SHOW, SHOWS, name)),
        counts=cast(Counts, _choice(table, "counts", COUNTS, COUNTINGS, name)),
    )


def _time(value: Any, name: str, key: str) -> datetime:
    """A TOML offset date-time (tomllib makes it an aware datetime), or the same in a string."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise RulesError(
                f"{value!r} is not a date and time, such as 2026-09-15T23:59:00+02:00", name, key
            ) from None
    if not isinstance(value, datetime):  # a TOML date or time alone
        raise RulesError(f"{value!r} is not a date and time, such as 2026-09-15T23:59:00+02:00", name, key)
    return value  # TDRules refuses it without an offset


def _count(table: Mapping[str, Any], key: str, default: int, name: str) -> int | None:
    value = table.get(key, default)
    if value == UNLIMITED:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RulesError(f"{value!r}: a count of attempts is a whole number ≥ 0, or {UNLIMITED!r}", name, key)
    return value


def _choice(table: Mapping[str, Any], key: str, default: str, allowed: tuple[str, ...], name: str) -> str:
    value = table.get(key, default)
    if value not in allowed:
        raise RulesError(f"{value!r} is not one of {', '.join(map(repr, allowed))}", name, key)
    return str(value)


def _instant(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError(f"{now!r}: the service's time has its zone (datetime.now(UTC))")
    return now


def _score(attempt: Attempt) -> float:
    """An attempt's score for ``counts = "best"``; a verdict without a finite one ranks below all."""
    score = (attempt.result or {}).get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        return -math.inf
    return float(score)
