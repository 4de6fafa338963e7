"""The submission service's web application (autograde/serve_app.py), served on 127.0.0.1 by a thread of
the test and driven by a small cookie-keeping HTTP client: links and sessions, uploads and their
refusals, the attempt and feedback pages under the TD's rule, the teacher's page, the security headers,
and every route asked by another student for the first one's attempts. The store is a SQLite file in
the test's folder; the clock is the test's."""

import asyncio
import html
import http.client
import json
import logging
import re
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from tornado.testing import bind_unused_port

from autograde import serve_app, uploads
from autograde.attempts import GRADED, QUEUED, Store
from autograde.serve_app import FEEDBACK_POLICY, FILES_FIELD, PAGE_HEADERS, make_app
from autograde.serve_rules import TDRules
from autograde.uploads import LABELS, Reason

T0 = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
TD, LATER_TD = "td1", "td2"
TEACHER = "t" * 40
SECRET = b"s" * 32
MiB = 2**20
LIMIT = MiB  # the TD's largest upload


# ------------------------------------------------------------------------------------------ the course
def graded(grade_id, source="", **meta):
    return new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "schema_version": 3, **meta}})


def release():
    """A TD of two notebooks, by name without .ipynb (as course.release_notebooks gives them)."""
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {
        "01_a": new_notebook(
            cells=[
                graded("a_loss", "raise NotImplementedError()", solution=True),
                graded("a_test", "assert loss(1) == 1", grade=True, locked=True, points=2),
            ],
            metadata=kernel,
        ),
        "02_b": new_notebook(
            cells=[
                graded("b_grad", "raise NotImplementedError()", solution=True),
                graded("b_test", "assert grad(1) == 2", grade=True, locked=True, points=3),
            ],
            metadata=kernel,
        ),
    }


def notebook_bytes(name="01_a"):
    return nbformat.writes(release()[name]).encode()


def rule(assignment=TD, *, show="messages", per_hour=None, in_all=None, opens=T0 - timedelta(days=1)):
    return TDRules(
        assignment=assignment,
        opens=opens,
        deadline=T0 + timedelta(days=7),
        per_hour=per_hour,
        in_all=in_all,
        max_upload_bytes=LIMIT,
        show=show,
        counts="last",
    )


VERDICT = {
    "score": 2.0,
    "max_score": 6.0,  # every cell, the written answer included (as serve_dispatch.verdict_of)
    "graded_to_the_end": True,
    "cells": [
        {
            "notebook": "01_a",
            "cell": "a_test",
            "score": 2.0,
            "max_score": 2.0,
            "message": "",
            "mistakes": [],
            "manual": False,
        },
        {
            "notebook": "02_b",
            "cell": "b_test",
            "score": 0.0,
            "max_score": 3.0,
            "message": "Le gradient a le signe inversé.",
            "mistakes": ["signe_inverse"],
            "manual": False,
        },
        {
            "notebook": "02_b",
            "cell": "b_written",
            "score": 0.0,
            "max_score": 1.0,
            "message": "",
            "mistakes": [],
            "manual": True,
        },
    ],
    "feedback": {
        "02_b.html": '<html><body><p>retour</p><script>alert("x")</script><img src=x onerror="alert(1)"></body></html>'
    },
    "notes": ["Le notebook 01_a a été renommé."],
}
MESSAGE, MISTAKE = "Le gradient a le signe inversé.", "signe_inverse"


# ----------------------------------------------------------------------------------- server and client
class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


class Server:
    """The application on 127.0.0.1, in an event loop of its own thread, behind ``http_server``."""

    def __init__(self, app):
        sock, self.port = bind_unused_port()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve():
            asyncio.set_event_loop(self.loop)
            self.server = serve_app.http_server(app)
            self.server.add_sockets([sock])
            self.loop.call_soon(ready.set)
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert ready.wait(30)

    def close(self):
        async def stop():
            self.server.stop()
            await self.server.close_all_connections()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        self.html = body.decode("utf-8", "replace")
        self.text = html.unescape(self.html)  # what a reader sees: the templates escape every apostrophe

    def header(self, name):
        return self.headers.get(name)


class Browser:
    """A client that keeps its cookies and follows no redirect, so that each answer is seen."""

    def __init__(self, port):
        self.port, self.cookies, self.set_cookies = port, {}, []

    def request(self, method, path, body=None, headers=()):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers)
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(line)
            for name, morsel in SimpleCookie(line).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path):
        return self.request("GET", path)

    def xsrf(self, page="/"):
        found = re.search(r'name="_xsrf" value="([^"]+)"', self.get(page).html)
        assert found, "the page has no form"
        return found.group(1)

    def upload(self, files, assignment=TD, xsrf=True):
        fields = [("_xsrf", self.xsrf())] if xsrf else []
        body, content_type = multipart(fields, [(FILES_FIELD, name, content) for name, content in files])
        return self.request("POST", f"/td/{assignment}/upload", body=body, headers={"Content-Type": content_type})


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Service:
    def __init__(self, tmp_path, rules=None, secure_cookies=False, dispatcher=None):
        self.store = Store(f"sqlite:///{tmp_path / 'service.db'}")
        self.tokens = self.store.issue_tokens(["alice", "bruno", "chloe"], now=T0)
        self.clock = Clock()
        self.rules = rules or {TD: rule()}
        self.app = make_app(
            self.store,
            self.rules,
            {assignment: release() for assignment in self.rules},
            cookie_secret=SECRET,
            teacher_token=TEACHER,
            secure_cookies=secure_cookies,
            dispatcher=dispatcher,
            clock=self.clock,
        )
        self.server = Server(self.app)

    def browser(self):
        return Browser(self.server.port)

    def student(self, student):
        browser = self.browser()
        opened = browser.get(f"/s/{self.tokens[student]}")
        assert opened.status == 303 and opened.header("Location") == "/", opened.text
        return browser

    def teacher(self):
        browser = self.browser()
        assert browser.get(f"/t/{TEACHER}").status == 303
        return browser

    def grade(self, attempt_id, verdict=VERDICT):
        claim = self.store.claim("w1", 60, now=self.clock.now)
        assert claim is not None and claim.attempt.id == attempt_id
        assert self.store.finish(attempt_id, claim.key, verdict, now=self.clock.now)

    def close(self):
        self.server.close()
        self.store.close()


@pytest.fixture
def service(tmp_path):
    made = Service(tmp_path)
    yield made
    made.close()


def attempt_of(response):
    assert response.status == 303, response.text
    found = re.fullmatch(r"/attempt/([0-9]+)", response.header("Location"))
    assert found, response.header("Location")
    return int(found.group(1))


def whole_td():
    return [("01_a.ipynb", notebook_bytes("01_a")), ("02_b.ipynb", notebook_bytes("02_b"))]


# ------------------------------------------------------------------------------------ links, sessions
def test_a_bad_link_is_refused_in_french_and_sets_nothing(service):
    browser = service.browser()
    token = service.tokens["alice"]
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", token + "A"):
        answer = browser.get(f"/s/{wrong}")
        assert answer.status == 403
        assert "Ce lien n'est pas valide" in answer.text
        assert answer.header("Set-Cookie") is None
    assert browser.cookies == {}
    assert browser.get("/").status == 403


def test_a_link_opens_a_session_cookie_and_leaves_the_address_bar(service, caplog):
    caplog.set_level(logging.INFO, logger="tornado.access")
    browser = service.browser()
    answer = browser.get(f"/s/{service.tokens['alice']}")
    assert answer.status == 303 and answer.header("Location") == "/"
    [cookie] = [line for line in browser.set_cookies if line.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # this service is not behind TLS
    assert service.tokens["alice"] not in cookie  # the cookie names the student, not the token
    page = browser.get("/")
    assert page.status == 200 and "alice" in page.text and TD in page.text
    assert service.teacher().get("/teacher").status == 200
    logged = [record.getMessage() for record in caplog.records if record.name == "tornado.access"]
    assert "303 GET /s/… " in " ".join(logged) and "303 GET /t/… " in " ".join(logged)
    assert service.tokens["alice"] not in caplog.text and TEACHER not in caplog.text


def test_behind_tls_the_cookies_are_secure_and_for_this_host_alone(tmp_path):
    made = Service(tmp_path, secure_cookies=True)
    try:
        browser = made.student("alice")
        assert browser.get("/").status == 200
        token = browser.xsrf()
        cookies = {line.split("=", 1)[0]: line for line in browser.set_cookies}
        assert set(cookies) == {"__Host-session", "__Host-_xsrf"}
        for line in cookies.values():  # what a browser requires of a __Host- cookie
            assert "Secure" in line and "HttpOnly" in line and "Path=/" in line and "Domain" not in line
        browser.set_cookies.clear()
        answer = browser.request(
            "POST", "/logout", body=f"_xsrf={token}", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert answer.status == 200 and "__Host-session" not in browser.cookies
        [cleared] = [line for line in browser.set_cookies if line.startswith("__Host-session=")]
        assert "Secure" in cleared and "Path=/" in cleared  # else a browser keeps the session
        assert browser.get("/").status == 403
    finally:
        made.close()


def test_a_renewed_link_ends_the_sessions_of_the_old_one(service):
    browser = service.student("alice")
    assert browser.get("/").status == 200
    fresh = service.store.issue_tokens([], renew=["alice"], now=T0)["alice"]
    answer = browser.get("/")
    assert answer.status == 403 and "alice" not in answer.text
    assert service.browser().get(f"/s/{service.tokens['alice']}").status == 403  # the old link too
    browser = service.browser()
    assert browser.get(f"/s/{fresh}").status == 303 and browser.get("/").status == 200


def test_a_student_logs_out_of_a_shared_computer(service):
    """A session lasts a month: the page's button ends it on this browser, with the form's XSRF token."""
    browser = service.student("alice")
    page = browser.get("/")
    assert 'action="/logout"' in page.html and "Se déconnecter" in page.text
    assert browser.request("POST", "/logout").status == 403  # no XSRF token: nothing done
    assert browser.get("/").status == 200
    token = browser.xsrf()
    answer = browser.request(
        "POST", "/logout", body=f"_xsrf={token}", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status == 200 and serve_app.LOGGED_OUT in answer.text
    assert "session" not in browser.cookies
    assert browser.get("/").status == 403


def test_a_forged_or_unsigned_session_cookie_opens_nothing(service):
    browser = service.browser()
    fingerprint = service.store.token_fingerprint("alice")
    browser.cookies["session"] = json.dumps(["alice", fingerprint]).replace('"', "").replace(" ", "")
    assert browser.get("/").status == 403
    browser = service.student("bruno")
    value = browser.cookies["session"]
    browser.cookies["session"] = value[:-1] + ("0" if value[-1] != "0" else "1")  # the signature broken
    assert browser.get("/").status == 403


# ------------------------------------------------------------------------------------ the student's page
def test_the_students_page_lists_the_tds_with_a_form_that_works_without_javascript(tmp_path):
    made = Service(tmp_path, rules={TD: rule(), LATER_TD: rule(LATER_TD, opens=T0 + timedelta(days=2))})
    try:
        page = made.student("alice").get("/")
        assert page.status == 200
        assert "ouvert" in page.text and "pas encore ouvert" in page.text
        assert "22/01/2027 à 10:00" in page.text  # the deadline, 09:00 UTC, in Paris time
        forms = [form for form in re.findall(r"<form [^>]*>", page.html) if 'action="/logout"' not in form]
        assert len(forms) == 1, "an upload form for the open TD only"
        assert f'action="/td/{TD}/upload"' in forms[0] and 'enctype="multipart/form-data"' in forms[0]
        assert re.search(rf'<input type="file" name="{FILES_FIELD}" multiple', page.html)
        assert 'name="_xsrf"' in page.text and "upload.js" in page.text
        urls = re.findall(r'(?:href|action|src)="([^"]*)"', page.html)
        assert urls and not [url for url in urls if "alice" in url], "no student id in a URL"
    finally:
        made.close()


def test_the_static_script_and_style_are_served_with_the_headers(service):
    page = service.student("alice").get("/")
    for path in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.html):
        answer = service.browser().get(path)
        assert answer.status == 200 and answer.body
        assert answer.header("Content-Security-Policy") == PAGE_HEADERS["Content-Security-Policy"]


# ------------------------------------------------------------------------------------------- uploads
def test_an_accepted_upload_is_an_attempt_shown_queued_then_in_the_history(service):
    browser = service.student("alice")
    handed = notebook_bytes("01_a")
    attempt_id = attempt_of(browser.upload([("mon_a.ipynb", handed)]))
    attempt = service.store.attempt_of("alice", attempt_id)
    assert attempt.state == QUEUED and attempt.files == ("01_a.ipynb",)
    assert service.store.files_of("alice", attempt_id) == {"01_a.ipynb": handed}  # the bytes as handed in
    page = browser.get(f"/attempt/{attempt_id}")
    assert page.status == 200 and "en attente" in page.text
    assert '<meta http-equiv="refresh"' in page.text
    assert "02_b" in page.text  # the notebook not handed in is said
    polled = json.loads(browser.get(f"/attempt/{attempt_id}.json").body)
    assert polled["state"] == QUEUED and polled["done"] is False
    history = browser.get("/").text
    assert f'href="/attempt/{attempt_id}"' in history


def test_an_upload_without_the_xsrf_token_is_refused_and_nothing_is_stored(service):
    browser = service.student("alice")
    browser.xsrf()  # the cookie is there; the form's field is not
    answer = browser.upload(whole_td(), xsrf=False)
    assert answer.status == 403 and "Le formulaire a expiré" in answer.text
    assert service.store.attempts_of("alice") == []
    # A token of another session is no better.
    other = service.student("bruno").xsrf()
    fields, files = [("_xsrf", other)], [(FILES_FIELD, n, c) for n, c in whole_td()]
    body, content_type = multipart(fields, files)
    answer = browser.request("POST", f"/td/{TD}/upload", body=body, headers={"Content-Type": content_type})
    assert answer.status == 403 and service.store.attempts_of("alice") == []


def test_an_upload_without_a_session_is_refused_before_its_body(service):
    browser = service.browser()
    body, content_type = multipart([], [(FILES_FIELD, n, c) for n, c in whole_td()])
    answer = browser.request("POST", f"/td/{TD}/upload", body=body, headers={"Content-Type": content_type})
    assert answer.status == 403
    assert service.store.refusals() == [] and service.store.attempts_of("alice") == []


def test_a_refused_upload_says_why_in_french_is_recorded_and_stores_nothing(service):
    browser = service.student("alice")
    cases = [
        ([("notes.txt", b"hello")], 400, Reason.NOT_IPYNB),
        ([("01_a.ipynb", b"PK\x03\x04 zipped")], 400, Reason.ARCHIVE),
        ([("01_a.ipynb", b"[" * 5000 + b"]" * 5000)], 400, Reason.TOO_DEEP),
        ([("01_a.ipynb", b" " * (LIMIT + 1))], 413, Reason.TOO_LARGE),
        ([], 400, Reason.NO_FILE),
    ]
    for files, status, reason in cases:
        answer = browser.upload(files)
        assert answer.status == status, (reason, answer.text)
        assert "Rien n'a été enregistré" in answer.text
        assert service.store.refusals(limit=1)[0].reason == reason
    assert service.store.attempts_of("alice") == []
    assert [r.student for r in service.store.refusals()] == ["alice"] * len(cases)


def test_a_flood_of_refused_uploads_records_a_bounded_number(service, monkeypatch):
    """Refused uploads cost no attempt: a student sending thousands would fill the store (and take its
    write lock from everyone's uploads) and push every other refusal off the teacher's list. Each one
    is still answered; only the first few of the hour, per student, are recorded."""
    monkeypatch.setattr(serve_app, "REFUSALS_RECORDED_PER_HOUR", 3)
    alice, bruno = service.student("alice"), service.student("bruno")
    for _ in range(5):
        answer = alice.upload([])
        assert answer.status == 400 and "Aucun fichier reçu" in answer.text
    assert bruno.upload([]).status == 400
    assert [r.student for r in service.store.refusals()] == ["bruno"] + ["alice"] * 3
    service.clock.now = T0 + timedelta(hours=1, seconds=1)
    assert alice.upload([]).status == 400
    assert len(service.store.refusals()) == 5


def test_uploads_before_the_opening_or_after_the_deadline_are_refused(service):
    browser = service.student("alice")
    xsrf = browser.xsrf()
    body, content_type = multipart([("_xsrf", xsrf)], [(FILES_FIELD, n, c) for n, c in whole_td()])
    for moment, code, words in (
        (T0 + timedelta(days=7), serve_app.CLOSED, "La date limite"),  # the deadline itself is closed
        (T0 - timedelta(days=2), serve_app.NOT_OPEN, "pas encore ouvert"),
    ):
        service.clock.now = moment
        answer = browser.request("POST", f"/td/{TD}/upload", body=body, headers={"Content-Type": content_type})
        assert answer.status == 403 and words in answer.text, answer.text
        assert service.store.refusals(limit=1)[0].reason == code
    assert service.store.attempts_of("alice") == []


def test_too_many_attempts_are_refused_in_french_and_recorded(tmp_path):
    made = Service(tmp_path, rules={TD: rule(per_hour=1)})
    try:
        browser = made.student("alice")
        attempt_of(browser.upload(whole_td()))
        answer = browser.upload(whole_td())
        assert answer.status == 429 and "dans la dernière heure" in answer.text
        assert made.store.refusals(limit=1)[0].reason == serve_app.TOO_MANY
        assert len(made.store.attempts_of("alice")) == 1
        made.clock.now = T0 + timedelta(hours=1, seconds=1)
        attempt_of(browser.upload(whole_td()))
    finally:
        made.close()


def test_a_body_over_the_cap_is_refused_unread_with_413(service):
    """A request that announces 300 MB is answered 413 before a byte of its body is sent."""
    browser = service.student("alice")
    browser.xsrf()
    cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=60) as raw:
        raw.sendall(
            (
                f"POST /td/{TD}/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
                f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {300 * MiB}\r\n\r\n"
            ).encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = raw.recv(65536)
            assert chunk, answer
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert service.store.attempts_of("alice") == []
    assert service.store.refusals(limit=1)[0].reason == Reason.TOO_LARGE_TOTAL
    # An upload's body is capped a little over the largest TD's upload; every other body far lower.
    assert service.app.settings["max_body_size"] == LIMIT + serve_app.ENVELOPE_BYTES


@pytest.mark.parametrize("path", ["/", "/teacher", f"/s/{'x' * 43}", "/nowhere"])
def test_a_large_body_anywhere_but_an_upload_is_refused_unread(service, path):
    """Only a student's upload, once its session is checked, may send a body of the TD's size: elsewhere,
    and without a session, the server refuses a large body by its length, before holding a byte of it
    (else anyone could make the service hold the largest upload per connection, no link needed)."""
    announced = LIMIT  # under the upload's cap, far over what any other route takes
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as raw:
        raw.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {announced}\r\n\r\n"
            ).encode()
        )
        answer = raw.recv(65536)  # a server that waited for the body would time out here
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    # Same without a session on the upload's route: refused before its body (403 from its check).
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as raw:
        raw.sendall(
            (
                f"POST /td/{TD}/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {announced}\r\n\r\n"
            ).encode()
        )
        answer = raw.recv(65536)
    assert answer.startswith(b"HTTP/1.1 403 "), answer[:200]


def test_a_student_sends_two_uploads_at_once_at_most(service):
    """Each upload is held whole in memory: a link that opens many connections and sends slowly gets a
    429 for the third one, before its body is read; the places are given back when the uploads end,
    even cut off, and another student's upload is not held back."""
    alice = service.student("alice")
    alice.xsrf()
    cookies = "; ".join(f"{k}={v}" for k, v in alice.cookies.items())
    head = (
        f"POST /td/{TD}/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {LIMIT}\r\n\r\n"
    ).encode()
    held = []
    try:
        for _ in range(serve_app.UPLOADS_AT_ONCE):
            raw = socket.create_connection(("127.0.0.1", service.server.port), timeout=10)
            held.append(raw)
            raw.sendall(head + b"--x\r\n")  # a body begun, never ended
        time.sleep(0.5)  # the server reads those heads
        answer = alice.upload(whole_td())
        assert answer.status == 429 and serve_app.UPLOADING in answer.text
        assert service.store.refusals(limit=1)[0].reason == serve_app.AT_ONCE
        assert attempt_of(service.student("bruno").upload(whole_td()))
    finally:
        for raw in held:
            raw.close()
    deadline = time.monotonic() + 10
    while (answer := alice.upload(whole_td())).status == 429 and time.monotonic() < deadline:
        time.sleep(0.1)  # until the server sees the connections closed
    assert attempt_of(answer)
    uploading = service.app.settings["service"].uploading
    while uploading and time.monotonic() < deadline:
        time.sleep(0.1)  # each connection's close is seen in its own time
    assert uploading == {}, "a place is never given back"


def test_a_content_length_of_unicode_digits_is_no_server_error(service, caplog):
    """ "²" is a digit to ``str.isdigit`` (the header is read as Latin-1) but no number to ``int``: the
    length is the connection's to refuse (400), never a 500 with a traceback in the log per request."""
    browser = service.student("alice")
    browser.xsrf()
    cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    with socket.create_connection(("127.0.0.1", service.server.port), timeout=10) as raw:
        raw.sendall(
            f"POST /td/{TD}/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n".encode()
            + b"Content-Length: \xb2\r\n\r\n"
        )
        answer = raw.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert "Uncaught exception" not in caplog.text
    assert service.store.attempts_of("alice") == []
    uploading, deadline = service.app.settings["service"].uploading, time.monotonic() + 10
    while uploading and time.monotonic() < deadline:
        time.sleep(0.1)
    assert uploading == {}, "the upload's place is given back when the connection refuses its length"


def test_a_body_just_over_the_cap_sent_whole_gets_no_attempt(service):
    browser = service.student("alice")
    padding = b"x" * (LIMIT + serve_app.ENVELOPE_BYTES)
    fields = [("_xsrf", browser.xsrf()), ("padding", padding.decode())]
    body, content_type = multipart(fields, [(FILES_FIELD, n, c) for n, c in whole_td()])
    try:
        answer = browser.request("POST", f"/td/{TD}/upload", body=body, headers={"Content-Type": content_type})
        assert answer.status == 413
    except (ConnectionError, http.client.HTTPException):
        pass  # the server may close the connection while the client still sends: refused all the same
    assert service.store.attempts_of("alice") == []
    assert service.store.refusals(limit=1)[0].reason == Reason.TOO_LARGE_TOTAL


def test_a_chunked_body_over_the_cap_is_cut_off_by_the_connection(service):
    """Without a Content-Length, the connection stops reading at the TD's cap: no attempt."""
    browser = service.student("alice")
    fields = [("_xsrf", browser.xsrf()), ("padding", "x" * (LIMIT + serve_app.ENVELOPE_BYTES))]
    body, content_type = multipart(fields, [(FILES_FIELD, n, c) for n, c in whole_td()])
    chunks = (body[start : start + 65536] for start in range(0, len(body), 65536))
    connection = http.client.HTTPConnection("127.0.0.1", service.server.port, timeout=60)
    cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    try:
        connection.request(
            "POST",
            f"/td/{TD}/upload",
            body=chunks,
            headers={"Content-Type": content_type, "Cookie": cookies},
            encode_chunked=True,
        )
        assert connection.getresponse().status == 400
    except (ConnectionError, http.client.HTTPException):
        pass  # cut off while the client still sends
    finally:
        connection.close()
    assert service.store.attempts_of("alice") == []


# ------------------------------------------------------------------------------------ the verdict
def test_the_verdict_shows_points_messages_mistakes_and_written_answers(service):
    browser = service.student("alice")
    attempt_id = attempt_of(browser.upload(whole_td()))
    service.grade(attempt_id)
    page = browser.get(f"/attempt/{attempt_id}")
    assert page.status == 200 and "corrigée" in page.text and "refresh" not in page.text
    assert "Score : <strong>2 / 5</strong>, et 1 point(s) de réponses écrites" in page.text and "0 / 3" in page.text
    assert MESSAGE in page.text
    assert MISTAKE not in page.text  # the catalogue's id is the grader's; the message names the mistake in French
    assert serve_app.MANUAL in page.text
    assert "Le notebook 01_a a été renommé." in page.text
    assert f'href="/attempt/{attempt_id}/feedback/02_b.html"' in page.text
    polled = json.loads(browser.get(f"/attempt/{attempt_id}.json").body)
    assert polled == {**polled, "state": GRADED, "score": 2.0, "max_score": 5.0, "by_hand": 1.0, "done": True}
    assert "2 / 5" in browser.get("/").text and "retenue pour la note" in browser.get("/").text


def test_points_only_before_the_deadline_then_the_messages(tmp_path):
    made = Service(tmp_path, rules={TD: rule(show="points")})
    try:
        browser = made.student("alice")
        attempt_id = attempt_of(browser.upload(whole_td()))
        made.grade(attempt_id)
        page = browser.get(f"/attempt/{attempt_id}")
        assert "0 / 3" in page.text
        assert MESSAGE not in page.text and "feedback" not in page.text
        hidden = browser.get(f"/attempt/{attempt_id}/feedback/02_b.html")
        assert hidden.status == 403 and "alert" not in hidden.text
        made.clock.now = T0 + timedelta(days=7)
        page = browser.get(f"/attempt/{attempt_id}")
        assert MESSAGE in page.text
        assert browser.get(f"/attempt/{attempt_id}/feedback/02_b.html").status == 200
    finally:
        made.close()


def test_a_failed_attempt_says_so_in_french(service):
    browser = service.student("alice")
    attempt_id = attempt_of(browser.upload(whole_td()))
    claim = service.store.claim("w1", 60, now=T0)
    assert service.store.fail(attempt_id, claim.key, "La correction a échoué <à cause du service>.", now=T0)
    page = browser.get(f"/attempt/{attempt_id}")
    assert "échec de la correction" in page.text
    assert "La correction a échoué &lt;à cause du service&gt;." in page.html


def test_a_running_attempt_shows_its_progress_line(service):
    browser = service.student("alice")
    attempt_id = attempt_of(browser.upload(whole_td()))
    claim = service.store.claim("w1", 60, now=T0)
    assert service.store.progress(attempt_id, claim.key, "Notebook 01_a : cellule 2 sur 4")
    page = browser.get(f"/attempt/{attempt_id}")
    assert "Notebook 01_a : cellule 2 sur 4" in page.text and '<meta http-equiv="refresh"' in page.text


def test_the_feedback_page_is_served_whole_under_a_sandbox_policy(service):
    browser = service.student("alice")
    attempt_id = attempt_of(browser.upload(whole_td()))
    service.grade(attempt_id)
    answer = browser.get(f"/attempt/{attempt_id}/feedback/02_b.html")
    assert answer.status == 200
    assert answer.text == VERDICT["feedback"]["02_b.html"]  # as nbgrader made it; the policy disarms it
    assert answer.header("Content-Security-Policy") == FEEDBACK_POLICY
    assert FEEDBACK_POLICY.startswith("sandbox;") and "script-src" not in FEEDBACK_POLICY
    assert "default-src 'none'" in FEEDBACK_POLICY
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert answer.header("Content-Type").startswith("text/html")
    assert browser.get(f"/attempt/{attempt_id}/feedback/01_a.html").status == 404


# ------------------------------------------------------------------------------- another student's ids
def test_every_attempt_route_answers_another_student_as_a_missing_attempt(service):
    alice = service.student("alice")
    attempt_id = attempt_of(alice.upload(whole_td()))
    service.grade(attempt_id)
    bruno = service.student("bruno")
    missing = attempt_id + 1000
    for path in ("/attempt/{}", "/attempt/{}.json", "/attempt/{}/feedback/02_b.html"):
        theirs, nobodys = bruno.get(path.format(attempt_id)), bruno.get(path.format(missing))
        assert theirs.status == nobodys.status == 404, path
        assert theirs.body == nobodys.body.replace(str(missing).encode(), str(attempt_id).encode())
        for secret in ("alice", MESSAGE, "alert", "2 / 5", "02_b.ipynb"):
            assert secret not in theirs.text
    assert "alice" not in bruno.get("/").text
    # Bruno's own upload does not make alice's attempt his, and a huge id is no attempt.
    attempt_of(bruno.upload(whole_td()))
    assert bruno.get(f"/attempt/{attempt_id}").status == 404
    assert bruno.get("/attempt/99999999999").status == 404
    assert bruno.get("/attempt/abc").status == 404


def test_pages_ask_for_a_session(service):
    attempt_id = attempt_of(service.student("alice").upload(whole_td()))
    nobody = service.browser()
    for path in ("/", f"/attempt/{attempt_id}", f"/attempt/{attempt_id}.json", f"/attempt/{attempt_id}/feedback/x"):
        answer = nobody.get(path)
        assert answer.status == 403 and "Ouvrez votre lien personnel" in answer.text, path


# ------------------------------------------------------------------------------------- the teacher
class Dispatcher:
    def workers(self):
        return [("tcp://127.0.0.1:1", 2, 1), ("worker-<b>", 2, 0)]


def test_the_teacher_page_is_the_teachers_alone(service):
    assert service.browser().get("/t/" + "u" * 40).status == 403
    assert service.browser().get("/teacher").status == 403
    assert service.student("alice").get("/teacher").status == 403
    browser = service.browser()
    answer = browser.get(f"/t/{TEACHER}")
    assert answer.status == 303 and answer.header("Location") == "/teacher"
    assert browser.get("/teacher").status == 200
    assert browser.get("/").status == 403  # the teacher is no student


def test_the_teacher_page_shows_the_queue_latency_students_and_refusals_escaped(tmp_path):
    made = Service(tmp_path, dispatcher=Dispatcher())
    try:
        alice = made.student("alice")
        first = attempt_of(alice.upload(whole_td()))
        made.clock.now = T0 + timedelta(seconds=30)
        made.grade(first)
        attempt_of(alice.upload(whole_td()))
        hostile = "<img src=x onerror=alert(1)>.txt"
        assert alice.upload([(hostile, b"x")]).status == 400
        refused = made.store.refusals(limit=1)[0]
        page = made.teacher().get("/teacher")
        assert page.status == 200
        assert "<img src=x" not in page.html and "&lt;img src=x onerror=alert(1)&gt;.txt" in page.html
        assert LABELS[Reason(refused.reason)] in page.text
        assert "worker-&lt;b&gt;" in page.html and "tcp://127.0.0.1:1" in page.text
        assert "1 tentative(s) en attente" in page.text
        assert "médiane 30 s" in page.text
        without = re.search(rf"<tr><td>{TD}</td><td>2</td><td>([^<]*)</td></tr>", page.html)
        assert without and without.group(1) == "bruno, chloe"
    finally:
        made.close()


# ------------------------------------------------------------------------------------- every page
def test_every_page_carries_the_security_headers(service):
    alice = service.student("alice")
    attempt_id = attempt_of(alice.upload(whole_td()))
    answers = [
        alice.get("/"),
        alice.get(f"/attempt/{attempt_id}"),
        alice.get(f"/attempt/{attempt_id}.json"),
        alice.get("/nowhere"),
        service.browser().get("/s/bad"),
        service.browser().get(f"/s/{service.tokens['bruno']}"),
        service.teacher().get("/teacher"),
    ]
    for answer in answers:
        for name, value in PAGE_HEADERS.items():
            assert answer.header(name) == value, (name, answer.status, answer.text[:200])
    assert "frame-ancestors 'none'" in PAGE_HEADERS["Content-Security-Policy"]
    assert PAGE_HEADERS["Referrer-Policy"] == "no-referrer"


def test_no_template_writes_a_value_unescaped():
    for template in Path(serve_app.TEMPLATES).glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "{% raw" not in text and "{% autoescape" not in text, template.name


def test_the_app_refuses_weak_secrets_and_tds_without_notebooks(tmp_path):
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        common = {"cookie_secret": SECRET, "teacher_token": TEACHER, "secure_cookies": True}
        with pytest.raises(ValueError, match="cookie_secret"):
            make_app(store, {TD: rule()}, {TD: release()}, **{**common, "cookie_secret": b"short"})
        with pytest.raises(ValueError, match="teacher_token"):
            make_app(store, {TD: rule()}, {TD: release()}, **{**common, "teacher_token": "short"})
        with pytest.raises(ValueError, match=TD):
            make_app(store, {TD: rule()}, {}, **common)


def test_serve_answers_until_it_is_stopped(tmp_path):
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        app = make_app(
            store, {TD: rule()}, {TD: release()}, cookie_secret=SECRET, teacher_token=TEACHER, secure_cookies=False
        )
        sock, port = bind_unused_port()
        sock.close()

        async def scenario():
            stop = asyncio.Event()
            served = asyncio.create_task(serve_app.serve(app, port, stop=stop))
            # A generous bound: a loaded machine may take seconds to start the server (a CI run failed at 5 s).
            until = time.monotonic() + 60
            while True:
                try:
                    answer = await asyncio.to_thread(Browser(port).get, "/s/bad")
                    break
                except ConnectionRefusedError:
                    if time.monotonic() > until:
                        raise
                    await asyncio.sleep(0.05)
            stop.set()
            await asyncio.wait_for(served, 30)
            return answer

        assert asyncio.run(scenario()).status == 403  # the main thread: the service sets signal handlers
        with pytest.raises(ConnectionRefusedError):
            Browser(port).get("/")


def test_student_words_are_french_and_the_wording_is_reused():
    assert serve_app.NOTHING_KEPT == uploads.NOTHING_KEPT
    assert serve_app.too_many("per_hour", 3).endswith(uploads.NOTHING_KEPT)
    assert serve_app.when(datetime(2027, 7, 1, 12, 0, tzinfo=UTC)) == "01/07/2027 à 14:00"  # summer time
    assert serve_app.points(2.5) == "2,5" and serve_app.points(3.0) == "3"
