"""The submission service's web application (Tornado): the students' pages, in French, and the teacher's.

``make_app(store, rules, releases, …)`` builds it; ``run(app, port)`` serves it until SIGTERM or SIGINT.
The application never runs a student's code: it checks an upload (``uploads.check_upload``), commits it
as an attempt (``attempts.Store``) before it answers, and shows the verdict the dispatcher wrote.

Who is who:
- a student opens ``/s/<token>`` (their link): the token is checked, a signed session cookie is set
  (the student's id and the fingerprint of their current token, ``HttpOnly``, ``SameSite=Lax``,
  ``Secure`` behind TLS), and the browser is sent to ``/`` so that the token leaves the address bar and
  the history. Every request checks the fingerprint again: a renewed link ends the old sessions; the
  page's "Se déconnecter" (``POST /logout``) ends this browser's, on a shared computer.
- the teacher opens ``/t/<teacher token>``, compared in constant time, for a cookie of their own.

What keeps one student out of another's attempts is structural: no route takes a student id, every
attempt is read with ``Store.attempt_of(student, id)`` for the session's student, and an id that is
another's answers the same 404 as an id that does not exist.

Every page carries a Content-Security-Policy (scripts and styles from the service only, no frame, no
referrer). A feedback page, the HTML that nbgrader made from a student's notebook, is served under a
policy of its own, ``sandbox`` and no script at all: whatever a student printed stays text and images.
An upload is refused by its declared size before its body is read (``413``), then streamed into memory
up to the TD's limit and a small envelope; the multipart form is parsed only then, and its XSRF token
checked (the form's ``_xsrf`` field travels in that body). Only an upload with a session may send such a
body (every other request's is cut off past ``OTHER_BODY_BYTES``), a student sends ``UPLOADS_AT_ONCE``
at most at a time, and ``REFUSALS_RECORDED_PER_HOUR`` of their refusals are recorded.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import math
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

import tornado.httpserver
import tornado.web
from tornado.http1connection import HTTP1Connection
from tornado.httputil import HTTPFile, HTTPInputError, parse_body_arguments
from tornado.log import access_log, app_log

from . import uploads
from .attempts import FAILED, GRADED, HOUR, LINK_PATH, QUEUED, RUNNING, Attempt, Store, TooMany
from .uploads import LABELS, Accepted, Reason

if TYPE_CHECKING:
    import nbformat

    from .serve_rules import TDRules

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates" / "serve"
STATIC = TEMPLATES / "static"
DEFAULT_ADDRESS = "127.0.0.1"  # behind the TLS proxy; another address is the teacher's explicit choice
PARIS = ZoneInfo("Europe/Paris")  # where the students read the times; the server keeps UTC
SESSION_COOKIE, TEACHER_COOKIE, XSRF_COOKIE = "session", "enseignant", "_xsrf"


def cookie_name(name: str, secure: bool) -> str:
    """Behind TLS a cookie's name takes the ``__Host-`` prefix: a browser then keeps it only if it is
    ``Secure``, for the whole site and this host alone, so a neighbouring subdomain cannot set it."""
    return f"__Host-{name}" if secure else name


TEACHER_PATH = "/t/"  # the teacher's link: BASE_URL + TEACHER_PATH + teacher token
SESSION_DAYS = 31  # a session lasts this long; the link opens a new one at any time
# The multipart envelope around the files (boundaries, each part's headers, the _xsrf field): a request
# body may exceed the TD's largest upload by this much before it is refused unread.
ENVELOPE_BYTES = 64 * 1024
# Any other request's body: the service's only form with a body is the upload, so a request elsewhere
# (or an upload without a session) is refused by its length before the server holds a byte of it.
OTHER_BODY_BYTES = ENVELOPE_BYTES
FILES_FIELD = "fichiers"  # the form's file input
REFRESH_SECONDS = 3  # an attempt's page reloads itself this often while it waits or is graded
MAX_ATTEMPT_ID = 2**31 - 1  # the store's ids are INTEGER: a longer number is no attempt
TEACHER_TOKEN_MIN = 32  # characters: the teacher's token opens every student's name and refusal
BODY_TIMEOUT_SECONDS = 120  # a slow upload of a few MiB on a poor connection, not a held socket
IDLE_SECONDS = 300
# A student's uploads being received at once: each is held whole in memory (a few copies of it while
# parsed), so one link opening many connections must not hold the service's memory. Two, not one: a
# double click sends a second form while the first one's connection is still open.
UPLOADS_AT_ONCE = 2
INLINE_CHECK_BYTES = 1 << 20  # an upload up to this size is judged on the event loop, a larger one in a thread
# A refused upload costs the student no attempt, so nothing else bounds them: beyond this many in an
# hour, a student's refusals are still answered but no longer recorded, so that a flood neither fills
# the store (nor holds its write lock) nor pushes the other students' refusals off the teacher's page.
REFUSALS_RECORDED_PER_HOUR = 60

# Every page's headers. Scripts, styles and images come from the service alone; no page may be framed.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # a shared computer's back button shows no one's results
}
# A feedback page: nbgrader's HTML of a student's notebook. ``sandbox`` gives it an origin of its own
# with scripts and forms disabled, and no script source is allowed either; its inline styles and
# embedded images still render.
FEEDBACK_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"

STATE_LABELS = {
    QUEUED: "en attente",
    RUNNING: "en cours de correction",
    GRADED: "corrigée",
    FAILED: "échec de la correction",
}
# The service's own refusal codes, beside uploads.Reason's, with the teacher page's labels.
NOT_OPEN, CLOSED, TOO_MANY, AT_ONCE = "not_open", "closed", "too_many", "at_once"
SERVICE_LABELS = {
    NOT_OPEN: "TD pas encore ouvert",
    CLOSED: "après la date limite",
    TOO_MANY: "trop de tentatives",
    AT_ONCE: "trop de dépôts simultanés",
}

# ------------------------------------------------------------------------------------- French wording
NOTHING_KEPT = uploads.NOTHING_KEPT
BAD_LINK = (
    "Ce lien n'est pas valide : il a peut-être été mal copié (vérifiez qu'il est complet), ou il a été "
    "remplacé par un nouveau lien. Utilisez le dernier lien reçu, ou demandez-en un nouveau à l'enseignant."
)
NO_SESSION = (
    "Vous n'êtes pas connecté·e, ou votre session a expiré. Ouvrez votre lien personnel (reçu par courriel "
    "ou sur Moodle) pour accéder à vos TD."
)
LOGGED_OUT = "Vous êtes déconnecté·e sur ce navigateur. Pour revenir à vos TD, ouvrez à nouveau votre lien personnel."
NO_TEACHER = "Cette page est réservée à l'enseignant : ouvrez-la avec le lien enseignant."
FORM_EXPIRED = "Le formulaire a expiré. Rechargez la page, puis déposez à nouveau vos notebooks. " + NOTHING_KEPT
NOT_FOUND = "Cette page n'existe pas."
UNREADABLE_FORM = (
    "Le formulaire reçu est illisible : rechargez la page, puis déposez à nouveau vos notebooks. " + NOTHING_KEPT
)
FORBIDDEN = "Cette action n'est pas autorisée. Rechargez la page du service, puis recommencez."
NO_FEEDBACK_YET = "Le retour détaillé de cette tentative sera visible après la date limite du TD."
SERVER_ERROR = (
    "Le service a rencontré une erreur. Réessayez dans un moment ; si vous déposiez des notebooks, la page de "
    "vos TD dit si la tentative a été enregistrée."
)
FAILED_TEXT = (  # when the dispatcher gave no reason of its own
    "Cette tentative n'a pas pu être corrigée. Elle ne vous est pas reprochée : déposez à nouveau vos "
    "notebooks, et prévenez l'enseignant si cela se reproduit."
)
MANUAL = "à corriger à la main"
UPLOADING = (
    "Vos dépôts précédents sont encore en cours d'envoi : attendez qu'ils aboutissent, puis rechargez la "
    "page de vos TD pour voir s'ils ont été enregistrés. " + NOTHING_KEPT
)
STATUS_TITLES = {400: "Dépôt refusé", 403: "Accès refusé", 404: "Page introuvable", 413: "Dépôt refusé"}


def when(moment: datetime) -> str:
    """A server time as a student reads it: Paris time, in French."""
    local = moment.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local:%H:%M}"


def points(value: float | None) -> str:
    """A score in French (a decimal comma, no trailing zeros)."""
    return "–" if value is None else f"{value:g}".replace(".", ",")


def out_of(verdict: Mapping[str, Any], manual: bool = False) -> float:
    """The points of the verdict's automatically graded cells (or, ``manual``, of its written answers):
    a verdict's score is the automatic points, the written answers being graded by hand at the deadline."""
    return math.fsum(
        float(cell.get("max_score") or 0) for cell in verdict.get("cells", []) if bool(cell.get("manual")) == manual
    )


def not_open(assignment: str, opens: datetime) -> str:
    return f"Le TD « {assignment} » n'est pas encore ouvert : les dépôts ouvrent le {when(opens)}. {NOTHING_KEPT}"


def closed(assignment: str, deadline: datetime) -> str:
    return (
        f"La date limite du TD « {assignment} » est passée ({when(deadline)}, heure de Paris) : les dépôts "
        f"sont fermés. {NOTHING_KEPT}"
    )


def too_many(which: str, limit: int) -> str:
    if which == "per_hour":
        return (
            f"Vous avez déjà déposé {limit} tentative(s) de ce TD dans la dernière heure, le maximum : réessayez "
            f"un peu plus tard. {NOTHING_KEPT}"
        )
    return f"Vous avez atteint le nombre maximal de tentatives pour ce TD ({limit}). {NOTHING_KEPT}"


def waiting(queued: int) -> str:
    return (
        "Votre tentative attend son tour."
        if queued <= 1
        else f"Votre tentative attend son tour ({queued} tentatives en attente dans la file, la vôtre comprise)."
    )


# --------------------------------------------------------------------------------------- the pages
class Shown(tornado.web.HTTPError):
    """An error whose French ``text`` the page shows (``HTTPError``'s own message goes to the log only)."""

    def __init__(self, status: int, text: str, title: str | None = None, *, back: bool = True):
        super().__init__(status)
        self.text, self.title, self.back = text, title, back  # back: a link to the student's page helps


@dataclass(frozen=True)
class Service:
    """What every handler reads: the application's settings, typed."""

    store: Store
    rules: Mapping[str, TDRules]
    releases: Mapping[str, Mapping[str, nbformat.NotebookNode]]
    teacher_token: str
    secure_cookies: bool
    dispatcher: Any
    clock: Callable[[], datetime]
    max_body: int  # the largest upload's body
    # {student: uploads being received}: read and written by the event loop's thread alone
    uploading: dict[str, int] = field(default_factory=dict)
    # {student: when their refusals of the last hour were recorded}: the event loop's thread alone too
    refused: dict[str, list[datetime]] = field(default_factory=dict)

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the service's clock gives aware UTC times")
        return moment.astimezone(UTC)

    def body_cap(self, assignment: str) -> int:
        return self.rules[assignment].max_upload_bytes + ENVELOPE_BYTES


def _teacher_mark(token: str) -> str:
    """What the teacher's cookie carries: a hash of their token, so that a new token ends old sessions."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class _Headers:
    """The security headers of every response, error pages and static files included (Tornado calls
    ``set_default_headers`` again when it clears a response for an error)."""

    def set_default_headers(self) -> None:
        for name, value in PAGE_HEADERS.items():
            self.set_header(name, value)  # type: ignore[attr-defined]  # mixed into a RequestHandler


class StaticFiles(_Headers, tornado.web.StaticFileHandler):
    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "public, max-age=3600")  # no student data in a static file


class Page(_Headers, tornado.web.RequestHandler):
    """A page of the service: its French error pages, and who is asking."""

    @property
    def service(self) -> Service:
        service: Service = self.settings["service"]
        return service

    def get_template_namespace(self) -> dict[str, Any]:
        namespace = super().get_template_namespace()
        namespace.update(when=when, points=points, out_of=out_of, STATE_LABELS=STATE_LABELS)
        return namespace

    def check_xsrf_cookie(self) -> None:
        try:
            super().check_xsrf_cookie()
        except tornado.web.HTTPError as error:
            raise Shown(403, FORM_EXPIRED, "Formulaire expiré") from error

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Tornado's own line names the request by its whole URI, a link's secret included.
        where = f"{self.request.method} {logged_path(self.request.path)}"
        if isinstance(value, tornado.web.HTTPError):
            if value.log_message:
                app_log.warning("%d %s: %s", value.status_code, where, value.log_message % value.args)
        else:
            app_log.error("Uncaught exception in %s", where, exc_info=(typ, value, tb))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, Shown):
            text, title, back = error.text, error.title, error.back
        else:
            text = {403: FORBIDDEN, 404: NOT_FOUND, 405: NOT_FOUND}.get(status_code, SERVER_ERROR)
            title, back = None, True
        self.render("error.html", title=title or STATUS_TITLES.get(status_code, "Erreur"), text=text, back=back)

    async def student(self) -> str | None:
        """The session's student, if the cookie is ours, recent, and made from their current link."""
        raw = self.get_signed_cookie(self.cookie(SESSION_COOKIE), max_age_days=SESSION_DAYS)
        if raw is None:
            return None
        try:
            student, fingerprint = json.loads(raw)
        except (ValueError, TypeError):
            return None
        if not isinstance(student, str) or not isinstance(fingerprint, str):
            return None
        current = await asyncio.to_thread(self.service.store.token_fingerprint, student)
        if current is None or not hmac.compare_digest(fingerprint.encode(), current.encode()):
            self.forget(SESSION_COOKIE)  # a renewed link, or a student removed: this session is over
            return None
        return student

    def is_teacher(self) -> bool:
        raw = self.get_signed_cookie(self.cookie(TEACHER_COOKIE), max_age_days=SESSION_DAYS)
        expected = _teacher_mark(self.service.teacher_token).encode()
        return raw is not None and hmac.compare_digest(raw, expected)

    def cookie(self, name: str) -> str:
        return cookie_name(name, self.service.secure_cookies)

    def forget(self, name: str) -> None:
        """The cookie removed (a ``__Host-`` one only by a ``Secure`` answer)."""
        self.clear_cookie(self.cookie(name), path="/", secure=self.service.secure_cookies)

    def set_session(self, name: str, value: str) -> None:
        self.set_signed_cookie(
            self.cookie(name),
            value,
            expires_days=SESSION_DAYS,
            httponly=True,
            samesite="Lax",  # Strict would drop the cookie on the redirect that follows a link from a mail
            secure=self.service.secure_cookies,
        )


class StudentPage(Page):
    """A page of a student's: 403 without a valid session."""

    student_id: str

    async def prepare(self) -> None:
        student = await self.student()
        if student is None:
            raise Shown(403, NO_SESSION, "Connexion nécessaire", back=False)
        self.student_id = student

    async def own_attempt(self, attempt_id: str) -> Attempt:
        """The session's student's attempt of this id, or the one 404 of every other case."""
        number = int(attempt_id)  # the route takes digits only
        found = None
        if number <= MAX_ATTEMPT_ID:
            found = await asyncio.to_thread(self.service.store.attempt_of, self.student_id, number)
        if found is None:
            raise tornado.web.HTTPError(404)
        return found


class Link(Page):
    """``/s/<token>``: a student's link opens a session, then leaves the address bar."""

    async def get(self, token: str) -> None:
        store = self.service.store
        student = await asyncio.to_thread(store.student_for, token)
        fingerprint = None if student is None else await asyncio.to_thread(store.token_fingerprint, student)
        # Asked again: a link renewed between the two reads above must not open a session of the new one.
        if fingerprint is None or await asyncio.to_thread(store.student_for, token) != student:
            raise Shown(403, BAD_LINK, "Lien non valide", back=False)
        self.set_session(SESSION_COOKIE, json.dumps([student, fingerprint]))
        self.redirect("/", status=303)


class Home(StudentPage):
    """``/``: the student's TDs, an upload form per open TD, and every attempt."""

    async def get(self) -> None:
        service, now = self.service, self.service.now()
        mine = await asyncio.to_thread(service.store.attempts_of, self.student_id)
        tds = []
        for assignment, rule in service.rules.items():
            attempts = [a for a in mine if a.assignment == assignment]
            counted = rule.counted(attempts)
            tds.append(
                {
                    "name": assignment,
                    "rule": rule,
                    "state": rule.state(now),
                    "open": rule.is_open(now),
                    "attempts": list(reversed(attempts)),
                    "counted": None if counted is None else counted.id,
                    "notebooks": [f"{name}{uploads.SUFFIX}" for name in service.releases[assignment]],
                }
            )
        self.render("student.html", student=self.student_id, tds=tds, files_field=FILES_FIELD)


@tornado.web.stream_request_body
class Upload(StudentPage):
    """``POST /td/<assignment>/upload``: refused by its declared size before a byte of it is read, then
    held in memory up to the TD's cap, then parsed, its XSRF token checked, and judged."""

    body: bytearray
    body_parsed = False
    counted = False  # whether this request holds a place in ``Service.uploading``

    async def prepare(self) -> None:
        await super().prepare()  # no session, nothing read
        assignment = self.path_args[0]
        if assignment not in self.service.rules:
            raise tornado.web.HTTPError(404)
        uploading = self.service.uploading
        if uploading.get(self.student_id, 0) >= UPLOADS_AT_ONCE:
            await self.refuse(assignment, AT_ONCE, UPLOADING, status=429)
        uploading[self.student_id] = uploading.get(self.student_id, 0) + 1
        self.counted = True
        cap = self.service.body_cap(assignment)
        declared = self.request.headers.get("Content-Length")
        # ASCII digits only: "²" is a digit to isdigit() (a header is Latin-1) but no int; any other
        # length is the connection's to refuse once this returns.
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > cap:
            await self.refuse(
                assignment, Reason.TOO_LARGE_TOTAL, uploads.too_large_total(int(declared), cap - ENVELOPE_BYTES)
            )
        # The server's cap is OTHER_BODY_BYTES: raised here, for a student's upload only. Beyond this
        # cap, a body without a length (chunked) is cut off by the connection itself.
        if isinstance(self.request.connection, HTTP1Connection):
            self.request.connection.set_max_body_size(cap)
        self.body = bytearray()

    def check_xsrf_cookie(self) -> None:
        # Tornado checks before ``prepare``, when the form's _xsrf field is still unread in the body:
        # ``post`` checks once it has parsed the body, before it reads anything else of it.
        if self.body_parsed:
            super().check_xsrf_cookie()

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self.body += chunk

    def _uploaded(self) -> None:
        """This request's place among the student's uploads at once given back, once."""
        if self.counted:
            self.counted = False
            left = self.service.uploading.get(self.student_id, 0) - 1
            if left > 0:
                self.service.uploading[self.student_id] = left
            else:
                self.service.uploading.pop(self.student_id, None)

    def on_finish(self) -> None:
        self._uploaded()

    def on_connection_close(self) -> None:
        # A client gone mid-body: Tornado never finishes the request, so ``on_finish`` is not called.
        self._uploaded()
        super().on_connection_close()

    async def post(self, assignment: str) -> None:
        service = self.service
        files: dict[str, list[HTTPFile]] = {}
        try:
            parse_body_arguments(
                self.request.headers.get("Content-Type", ""),
                bytes(self.body),
                self.request.body_arguments,
                files,
                self.request.headers,
            )
        except HTTPInputError:
            await self.refuse(assignment, Reason.UNREADABLE, UNREADABLE_FORM, status=400)
        del self.body
        for name, values in self.request.body_arguments.items():
            self.request.arguments.setdefault(name, []).extend(values)  # where get_argument looks
        self.body_parsed = True
        self.check_xsrf_cookie()

        rule, now = service.rules[assignment], service.now()
        if not rule.is_open(now):
            if rule.phase(now) == "before":
                await self.refuse(assignment, NOT_OPEN, not_open(assignment, rule.opens), status=403)
            await self.refuse(assignment, CLOSED, closed(assignment, rule.deadline), status=403)
        handed = [(file.filename, file.body) for file in files.get(FILES_FIELD, [])]
        judge = functools.partial(
            uploads.check_upload, handed, dict(service.releases[assignment]), rule.max_upload_bytes
        )
        # A usual upload is judged here, in a few ms: in a thread, its GIL hand-offs with this loop each
        # waited for a CPU that grading kept busy (a burst of 21 uploads beside two kernels: p50 0.39 s in
        # threads, 0.14 s here). A large one goes to a thread, so that it never holds the other students.
        judged = (
            judge() if sum(len(body) for _, body in handed) <= INLINE_CHECK_BYTES else await asyncio.to_thread(judge)
        )
        if not isinstance(judged, Accepted):
            status = 413 if judged.reason in (Reason.TOO_LARGE, Reason.TOO_LARGE_TOTAL) else 400
            await self.refuse(assignment, judged.reason, judged.message, judged.file or None, status=status)
        try:
            made = await asyncio.to_thread(
                service.store.add_attempt,
                self.student_id,
                assignment,
                judged.files,
                now=now,
                per_hour=rule.per_hour,
                in_all=rule.in_all,
            )
        except TooMany as error:
            await self.refuse(assignment, TOO_MANY, too_many(error.which, error.limit), status=429)
        self.redirect(f"/attempt/{made}", status=303)

    async def refuse(
        self, assignment: str, reason: str, message: str, file: str | None = None, *, status: int = 413
    ) -> NoReturn:
        """Record the refusal for the teacher (the first ``REFUSALS_RECORDED_PER_HOUR`` of the student's
        hour), then answer the student with its message (raises)."""
        now = self.service.now()
        recent = [moment for moment in self.service.refused.get(self.student_id, ()) if now - moment < HOUR]
        record = len(recent) < REFUSALS_RECORDED_PER_HOUR
        if record:
            recent.append(now)
        self.service.refused[self.student_id] = recent  # before the await: the student's other requests see it
        if record:
            await asyncio.to_thread(
                self.service.store.record_refusal, self.student_id, assignment, str(reason), message, file
            )
        raise Shown(status, message, "Dépôt refusé")


class AttemptPage(StudentPage):
    """``/attempt/<id>``: queued, its progress, then the verdict as the TD's rule lets it be seen."""

    async def get(self, attempt_id: str) -> None:
        attempt = await self.own_attempt(attempt_id)
        service, now = self.service, self.service.now()
        rule = service.rules.get(attempt.assignment)
        messages = rule is not None and rule.shows_messages(now)
        queued = 0
        if attempt.state == QUEUED:  # the queue's length, not the place in it: one cheap query
            summary = await asyncio.to_thread(service.store.queue_summary)
            queued = sum(states[QUEUED] for states in summary.values())
        verdict = attempt.result if attempt.state == GRADED else None
        releases = service.releases.get(attempt.assignment, {})
        missing = [f"{name}{uploads.SUFFIX}" for name in releases if f"{name}{uploads.SUFFIX}" not in attempt.files]
        self.render(
            "attempt.html",
            attempt=attempt,
            verdict=verdict,
            messages=messages,
            waiting=waiting(queued) if attempt.state == QUEUED else None,
            refresh=REFRESH_SECONDS if attempt.state in (QUEUED, RUNNING) else None,
            missing=[uploads.not_handed_in(name) for name in missing] if verdict is None else [],
            failed_text=FAILED_TEXT,
            manual=MANUAL,
        )


class AttemptJson(StudentPage):
    """``/attempt/<id>.json``: the attempt's state and score, for a page or a test that polls."""

    async def get(self, attempt_id: str) -> None:
        attempt = await self.own_attempt(attempt_id)
        verdict = attempt.result if attempt.state == GRADED else None
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.write(
            json.dumps(
                {
                    "id": attempt.id,
                    "td": attempt.assignment,
                    "state": attempt.state,
                    "label": STATE_LABELS[attempt.state],
                    "progress": attempt.progress if attempt.state == RUNNING else None,
                    "score": None if verdict is None else verdict.get("score"),
                    "max_score": None if verdict is None else out_of(verdict),
                    "by_hand": None if verdict is None else out_of(verdict, manual=True),
                    "done": attempt.state in (GRADED, FAILED),
                }
            )
        )


class Feedback(StudentPage):
    """``/attempt/<id>/feedback/<notebook>.html``: nbgrader's feedback page, when the rule shows messages,
    under a policy that runs nothing of it."""

    async def get(self, attempt_id: str, name: str) -> None:
        attempt = await self.own_attempt(attempt_id)
        pages = (attempt.result or {}).get("feedback", {}) if attempt.state == GRADED else {}
        page = pages.get(name) if isinstance(pages, dict) else None
        if not isinstance(page, str):
            raise tornado.web.HTTPError(404)
        rule = self.service.rules.get(attempt.assignment)
        if rule is None or not rule.shows_messages(self.service.now()):
            raise Shown(403, NO_FEEDBACK_YET, "Retour détaillé")
        self.set_header("Content-Security-Policy", FEEDBACK_POLICY)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(page)


class Logout(Page):
    """``POST /logout``: the session's cookie removed from this browser. A session lasts a month and the
    students work on shared computers: without it, the next one at the keyboard would read their attempts
    and upload in their name. (A form, with its XSRF token, as every POST.)"""

    def post(self) -> None:
        self.forget(SESSION_COOKIE)
        self.forget(TEACHER_COOKIE)
        self.render("error.html", title="Déconnexion", text=LOGGED_OUT, back=False)


class TeacherLink(Page):
    """``/t/<token>``: the teacher's link opens the teacher's session."""

    def get(self, token: str) -> None:
        if not hmac.compare_digest(token.encode("utf-8"), self.service.teacher_token.encode("utf-8")):
            raise Shown(403, BAD_LINK, "Lien non valide", back=False)
        self.set_session(TEACHER_COOKIE, _teacher_mark(self.service.teacher_token))
        self.redirect("/teacher", status=303)


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (sorted, increasing), None when there is none."""
    if not values:
        return None
    return values[max(0, math.ceil(fraction * len(values)) - 1)]


def cluster_rows(dispatcher: Any) -> tuple[list[tuple[str, ...]], bool]:
    """The cluster's workers as the dispatcher sees them (name, threads, tasks executing), as text, and
    whether it answered: the teacher page is shown even when the scheduler is not."""
    if dispatcher is None:
        return [], True
    try:
        return [tuple(str(field) for field in worker) for worker in dispatcher.workers()], True
    except Exception:  # noqa: BLE001 - a scheduler gone: said on the page, the rest of it still shown
        return [], False


class Teacher(Page):
    """``/teacher``: the queue, the workers, the attempts per TD, the latency of the last hour, the
    students without an attempt, the refused uploads."""

    def prepare(self) -> None:
        if not self.is_teacher():
            raise Shown(403, NO_TEACHER, "Accès réservé", back=False)

    async def get(self) -> None:
        now = self.service.now()
        self.render("teacher.html", now=now, **await asyncio.to_thread(self.figures, now))

    def figures(self, now: datetime) -> dict[str, Any]:
        store, dispatcher = self.service.store, self.service.dispatcher
        summary = store.queue_summary()
        cluster, answered = cluster_rows(dispatcher)
        latencies = store.latencies(now - HOUR)
        students = store.students()
        # One count per student and TD: small queries, in a thread of their own, for a page read rarely.
        without = {
            assignment: [s for s in students if store.counts_since(s, assignment, now).total == 0]
            for assignment in self.service.rules
        }
        refusals = [(refusal, _label(refusal.reason)) for refusal in store.refusals()]  # newest first, bounded
        return {
            "summary": summary,
            "rules": self.service.rules,
            "queued": sum(states[QUEUED] for states in summary.values()),
            "running": sum(states[RUNNING] for states in summary.values()),
            "cluster": cluster,
            "cluster_answered": answered,
            "busy": store.workers_busy(),
            "dispatcher": dispatcher is not None,
            "latency_count": len(latencies),
            "p50": percentile(latencies, 0.50),
            "p95": percentile(latencies, 0.95),
            "students": students,
            "without": without,
            "refusals": refusals,
        }


def _label(reason: str) -> str:
    try:
        return LABELS[Reason(reason)]
    except ValueError:
        return SERVICE_LABELS.get(reason, reason)


class Missing(Page):
    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)


def logged_path(path: str) -> str:
    """A request's path as the logs show it: a link's secret is left out (logs are read by more eyes
    than the links); no query, no client address."""
    for secret in (LINK_PATH, TEACHER_PATH):
        if path.startswith(secret):
            return secret + "…"
    return path


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log line, with ``logged_path``."""
    status = handler.get_status()
    log = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    log(
        "%d %s %s %.1f ms",
        status,
        handler.request.method,
        logged_path(handler.request.path),
        1000 * handler.request.request_time(),
    )


# ---------------------------------------------------------------------------------- the application
def make_app(
    store: Store,
    rules: dict[str, TDRules],
    releases: dict[str, dict[str, nbformat.NotebookNode]],
    *,
    cookie_secret: bytes,
    teacher_token: str,
    secure_cookies: bool,
    dispatcher: Any = None,
    clock: Callable[[], datetime] | None = None,
) -> tornado.web.Application:
    """The service's application. ``rules`` and ``releases`` are keyed by assignment (every TD of the
    rules needs its release notebooks, by name without ``.ipynb``); ``cookie_secret`` signs the session
    cookies (32 random bytes or more, kept across restarts so that sessions survive them);
    ``secure_cookies`` is True behind TLS; ``dispatcher``, if any, tells its ``workers()``; ``clock``
    gives the aware UTC present (the tests set it). Serve it with ``run``, whose HTTP server caps an
    upload's body at ``app.settings["max_body_size"]`` and every other body far lower (``http_server``)."""
    if len(cookie_secret) < 32:
        raise ValueError("cookie_secret: 32 random bytes at least (secrets.token_bytes(32))")
    if len(teacher_token) < TEACHER_TOKEN_MIN:
        raise ValueError(f"teacher_token: {TEACHER_TOKEN_MIN} characters at least (secrets.token_urlsafe(32))")
    if not rules:
        raise ValueError("rules: at least one TD")
    unreleased = [assignment for assignment in rules if not releases.get(assignment)]
    if unreleased:
        raise ValueError(f"no release notebooks for {', '.join(unreleased)}")
    service = Service(
        store=store,
        rules=dict(rules),
        releases={assignment: dict(releases[assignment]) for assignment in rules},
        teacher_token=teacher_token,
        secure_cookies=secure_cookies,
        dispatcher=dispatcher,
        clock=clock or (lambda: datetime.now(UTC)),
        max_body=max(rule.max_upload_bytes for rule in rules.values()) + ENVELOPE_BYTES,
    )
    digits = rf"([0-9]{{1,{len(str(MAX_ATTEMPT_ID))}}})"
    return tornado.web.Application(
        [
            (rf"{LINK_PATH}([^/]+)", Link),
            (r"/", Home),
            (r"/td/([^/]+)/upload", Upload),
            (rf"/attempt/{digits}", AttemptPage),
            (rf"/attempt/{digits}\.json", AttemptJson),
            (rf"/attempt/{digits}/feedback/([^/]+)", Feedback),
            (rf"{TEACHER_PATH}([^/]+)", TeacherLink),
            (r"/teacher", Teacher),
            (r"/logout", Logout),
        ],
        service=service,
        max_body_size=service.max_body,
        cookie_secret=cookie_secret,
        xsrf_cookies=True,
        xsrf_cookie_name=cookie_name(XSRF_COOKIE, secure_cookies),
        xsrf_cookie_kwargs={"httponly": True, "samesite": "Strict", "secure": secure_cookies},
        cross_origin_protection=True,  # a browser's cross-site POST is refused before any byte is read
        template_path=str(TEMPLATES),
        autoescape="xhtml_escape",
        static_path=str(STATIC),
        static_url_prefix="/static/",
        static_handler_class=StaticFiles,
        default_handler_class=Missing,
        log_function=log_request,
    )


def http_server(app: tornado.web.Application, *, xheaders: bool = False) -> tornado.httpserver.HTTPServer:
    """The HTTP server of ``app``: every request body capped at ``OTHER_BODY_BYTES``, so that a larger one
    is cut off before it is in memory; an upload's own cap (a TD's largest upload and its envelope, at
    most ``app.settings["max_body_size"]``) is raised by ``Upload.prepare`` once the session is checked,
    so that no one without a link makes the server hold that much per connection. Slow bodies and idle
    connections closed."""
    return tornado.httpserver.HTTPServer(
        app,
        xheaders=xheaders,
        max_body_size=OTHER_BODY_BYTES,
        body_timeout=BODY_TIMEOUT_SECONDS,
        idle_connection_timeout=IDLE_SECONDS,
    )


async def serve(
    app: tornado.web.Application,
    port: int,
    address: str = DEFAULT_ADDRESS,
    *,
    xheaders: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve ``app`` until SIGTERM or SIGINT (or until ``stop`` is set), then close its connections.
    ``xheaders``: behind a reverse proxy, read the client's address and scheme from its headers."""
    server = http_server(app, xheaders=xheaders)
    server.listen(port, address)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        server.stop()
        await server.close_all_connections()


def run(app: tornado.web.Application, port: int, address: str = DEFAULT_ADDRESS, *, xheaders: bool = False) -> None:
    """``serve`` in an event loop of its own: returns after SIGTERM or SIGINT."""
    asyncio.run(serve(app, port, address, xheaders=xheaders))
