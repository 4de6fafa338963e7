"""The submission service under a class's rush (issue 23): N students hand in TD 1 within a minute to
``autograde serve run`` on a LocalCluster of 2 workers, while one Dask worker is killed and the service
restarted once; then every attempt's verdict is waited for, and the store is read.

    .venv/bin/python benchmarks/service_load.py                # 200 students within 60 s, 2 workers
    .venv/bin/python benchmarks/service_load.py --quick        # 12 students within 15 s: a check run

Everything runs on 127.0.0.1 in a scratch folder removed at the end: a course (``Course.init``), a
roster and its links (``autograde serve links``), the service as a subprocess of its own session, on a
PostgreSQL store (tests/postgres.py's throw-away server) when PostgreSQL is installed, else on SQLite
(the run says which). The clients are threads with the standard library's HTTP client, one cookie jar
per student (the session cookie and the XSRF cookie), the XSRF token read from the student's page, as
a browser does. Most students hand in alice_boucles (full marks), some chloe_gradient_faux (a wrong
gradient), and a few a bad upload that must be refused: a zip, a file that is not a notebook, a
notebook of another TD. An upload that meets the service restarting is sent again, as a student
would (counted). Bounded: the uploads within ``--within`` s, the verdicts within ``--timeout`` s.

It prints: uploads accepted and refused; p50/p95 time to accept an upload (client side: request sent
to the service's 303); p50/p95 upload-to-verdict (the store's creation and verdict times); attempts
lost (accepted, but not in the store or without a verdict by the timeout: must be 0); attempts
claimed more than once (a lease that ended under a killed worker or the restart: graded once all the
same, since only the last claim may write the verdict, which the store writes once by construction);
the throughput (attempts per minute per worker); and, for the 1.2x goal, one upload's verdict on an
empty queue beside the same submission graded alone by ``autograde grade``.
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import io
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Iterator

import psutil
from class_grading import load_postgres_helper  # this folder is on sys.path when a benchmark runs

from autograde.attempts import FAILED, GRADED, Store
from autograde.course import Course

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AUTOGRADE = BIN / "autograde"
TD1 = "td1_neurone_regression"
OTHER_TD = "td2_descente_gradient"
SAMPLES = REPO / "tests" / "submissions"
CORRECT, WRONG = "alice_boucles", "chloe_gradient_faux"  # 22 and 19 automatic points (test_grading_td1.py)
EXPECTED_SCORE = {CORRECT: 22.0, WRONG: 19.0}
BAD_KINDS = ("zip", "not_a_notebook", "other_td")
WRONG_SHARE, BAD_SHARE = 0.15, 0.06  # of the students: chloe's wrong gradient, and bad uploads
QUICK = {"students": 12, "within": 15.0}
GOAL_ACCEPT_P95 = 0.200  # s
GOAL_EMPTY_QUEUE_RATIO = 1.2
STARTUP_TIMEOUT = 240.0  # s: the service's start (release checked, Dask cluster up)
STOP_TIMEOUT = 90.0
REQUEST_TIMEOUT = 60.0
RETRY_FOR = 180.0  # s: how long an upload is sent again while the service is away (restarting)
TEACHER_LINE = re.compile(r"the teacher's page: (\S+)")
XSRF_FIELD = re.compile(r'name="_xsrf" value="([^"]+)"')
FILES_FIELD = "fichiers"


# ------------------------------------------------------------------------------------------ helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        MNIST_DIR=str(REPO / "data" / "mnist"),
        MPLBACKEND="Agg",
        PYTHONUNBUFFERED="1",
    )
    return env


def autograde(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [str(AUTOGRADE), "--repo", str(REPO), *args], cwd=cwd, env=environment(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"autograde {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest rank, as the teacher's page computes it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else None


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f} s" if value < 1 else f"{value:.1f} s"


@contextmanager
def store_url(scratch: Path, sqlite: bool) -> Iterator[tuple[str, str]]:
    """The service's store (its URL, and which database it is): PostgreSQL when it can be started."""
    if not sqlite:
        helper = load_postgres_helper()
        try:
            server = helper.Server.start()
        except helper.Unavailable as why:
            print(f"PostgreSQL unavailable ({str(why).splitlines()[0][:200]}): the store is SQLite")
        else:
            try:
                yield server.create_database(), "PostgreSQL (tests/postgres.py's throw-away server)"
            finally:
                server.stop()
            return
    yield f"sqlite:///{scratch / 'service.db'}", "SQLite"


# ------------------------------------------------------------------------------------------ uploads
def notebooks_of(assignment: str, student: str) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in sorted((SAMPLES / assignment / student).glob("*.ipynb"))]


def upload_files(kind: str) -> list[tuple[str, bytes]]:
    """What a student of ``kind`` hands in."""
    if kind in (CORRECT, WRONG):
        return notebooks_of(TD1, kind)
    if kind == "zip":
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w") as archive:
            for name, content in notebooks_of(TD1, CORRECT):
                archive.writestr(name, content)
        return [("td1.zip", packed.getvalue())]
    if kind == "not_a_notebook":
        return [("01_neurone.ipynb", b"def neuron(x, w, b):\n    return x @ w + b\n")]
    if kind == "other_td":
        return notebooks_of(OTHER_TD, CORRECT)[:1]
    raise ValueError(kind)


def multipart(xsrf: str, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """The upload form's body, as a browser sends it (the XSRF field first, then the files)."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="_xsrf"\r\n\r\n{xsrf}\r\n'.encode()]
    for name, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{FILES_FIELD}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """The upload's 303 is its answer: the attempt's address, not a page to fetch."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


@dataclass
class Student:
    id: str
    link: str
    kind: str
    opener: urllib.request.OpenerDirector = field(init=False, repr=False)
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar, repr=False)
    sent_at: float | None = None  # time.monotonic() of the accepted (or refused) request
    accept_seconds: float | None = None
    status: int | None = None
    attempt: int | None = None
    retries: int = 0
    error: str | None = None

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def sign_in(self, base: str) -> str:
        """The link opens the session (a 303 to the student's page); the page's XSRF token."""
        try:
            self.opener.open(self.link, timeout=REQUEST_TIMEOUT).close()
        except urllib.error.HTTPError as answer:
            if answer.code != 303:
                raise
        with self.opener.open(f"{base}/", timeout=REQUEST_TIMEOUT) as page:
            found = XSRF_FIELD.search(page.read().decode("utf-8"))
        if found is None:
            raise RuntimeError(f"{self.id}: no upload form on the student's page")
        return found.group(1)

    def hand_in(self, base: str, xsrf: str) -> None:
        """POST the upload; sent again while the service is away (a restart), for ``RETRY_FOR`` s."""
        body, content_type = multipart(xsrf, upload_files(self.kind))
        give_up = time.monotonic() + RETRY_FOR
        while True:
            request = urllib.request.Request(
                f"{base}/td/{TD1}/upload", data=body, method="POST", headers={"Content-Type": content_type}
            )
            start = time.monotonic()
            try:
                with self.opener.open(request, timeout=REQUEST_TIMEOUT) as answer:
                    self.status = answer.status  # a 2xx: not what the service answers an upload
            except urllib.error.HTTPError as answer:
                self.status = answer.code
                location = answer.headers.get("Location", "")
                found = re.fullmatch(r"/attempt/([0-9]+)", location)
                if answer.code == 303 and found:
                    self.attempt = int(found.group(1))
                answer.close()
            except (OSError, urllib.error.URLError) as error:  # the service restarting: send it again
                if time.monotonic() > give_up:
                    self.error = f"{type(error).__name__}: {error}"
                    return
                self.retries += 1
                time.sleep(0.5)
                continue
            self.sent_at, self.accept_seconds = start, time.monotonic() - start
            return


def kinds_of(count: int, rng: random.Random) -> list[str]:
    """The class's mix: a few bad uploads (each kind at least once), some wrong gradients, the rest right."""
    bad = max(len(BAD_KINDS), round(BAD_SHARE * count))
    wrong = max(1, round(WRONG_SHARE * count))
    kinds = [BAD_KINDS[k % len(BAD_KINDS)] for k in range(bad)] + [WRONG] * wrong
    kinds += [CORRECT] * (count - len(kinds))
    rng.shuffle(kinds)
    return kinds


# ------------------------------------------------------------------------------------------ the service
class Service:
    """``autograde serve run`` in a session of its own, its output appended to ``log``."""

    def __init__(self, scratch: Path, course: Path, store: str, rules: Path, port: int, jobs: int):
        self.command = [
            str(AUTOGRADE), "--repo", str(REPO), "serve", "run", "--course", str(course), "--store", store,
            "--rules", str(rules), "--port", str(port), "--address", "127.0.0.1", "--jobs", str(jobs),
        ]  # fmt: skip
        self.scratch, self.port, self.log = scratch, port, scratch / "serve.log"
        self.process: subprocess.Popen | None = None
        self.teacher: str | None = None
        self.started = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start it and wait until it answers; the seconds that took."""
        begin = time.monotonic()
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "a", encoding="utf-8") as out:
            self.process = subprocess.Popen(
                self.command, cwd=self.scratch, env=environment(), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.started += 1
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"serve run exited ({self.process.returncode}):\n{self.tail()}")
            found = TEACHER_LINE.search(self.log.read_text(encoding="utf-8", errors="replace")[offset:])
            if found:
                try:
                    urllib.request.urlopen(f"{self.base}/static/serve.css", timeout=10).close()
                    self.teacher = found.group(1)
                    return time.monotonic() - begin
                except OSError:
                    pass
            if time.monotonic() - begin > STARTUP_TIMEOUT:
                raise SystemExit(f"serve run did not answer in {STARTUP_TIMEOUT:.0f} s:\n{self.tail()}")
            time.sleep(0.2)

    def stop(self) -> tuple[int | None, float]:
        """SIGTERM, and wait (the session killed after STOP_TIMEOUT); the exit status and the seconds."""
        assert self.process is not None
        begin = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            status: int | None = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            status = None
        self.kill_session()
        return status, time.monotonic() - begin

    def kill_session(self) -> None:
        """Whatever is left of the service's session (its own group): killed."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def workers(self) -> list[psutil.Process]:
        """The Dask worker processes among the service's descendants, the busiest first: the nannies, in the
        local cluster's own process (a multiprocessing child of the service), start each worker as a
        multiprocessing child; a worker starts none (its grading servers are not multiprocessing's)."""
        assert self.process is not None
        try:
            descendants = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for process in descendants:
            try:
                line = " ".join(process.cmdline())
                below = process.children(recursive=True)
                if (
                    ("spawn_main" in line or "forkserver" in line)
                    and "resource_tracker" not in line
                    and not any("spawn_main" in " ".join(child.cmdline()) for child in below)
                ):
                    found.append((len(below), process))
            except psutil.Error:
                continue
        return [process for _, process in sorted(found, key=lambda pair: -pair[0])]

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


# ------------------------------------------------------------------------------------------ the run
def standalone_seconds(scratch: Path) -> tuple[float, float]:
    """One TD 1 submission (alice_boucles) graded alone by ``autograde grade`` in a course of its own, on
    one worker: the command's wall time (the release made beforehand, untimed); and the same submission's
    grading task alone in this process (``submission_task.grade``, as a Dask worker runs it: no cluster
    to start, no course to write), the floor of any verdict."""
    from autograde import dask_grading, submission_task

    course = Course.init(scratch / "standalone")
    course.ensure_release(TD1)
    folder = scratch / "standalone-class"
    shutil.copytree(SAMPLES / TD1 / CORRECT, folder / "seul")
    start = time.monotonic()
    autograde("grade", TD1, str(folder), "--course", str(course.root), "--jobs", "1", cwd=scratch)
    command = time.monotonic() - start
    package = dask_grading.assignment_package(course, TD1)
    submission = dask_grading.submission_of(course, TD1, "seul", dask_grading.run_settings(None, True))
    before, tempfile.tempdir = tempfile.tempdir, str(scratch)  # the task's scratch courses: removed with it
    try:
        start = time.monotonic()
        graded = submission_task.grade(package, submission)
        task = time.monotonic() - start
    finally:
        tempfile.tempdir = before
    if not graded.done:
        raise SystemExit(f"the standalone submission was not graded to the end:\n{graded.log[-1500:]}")
    return command, task


def wait_for_verdict(store: Store, student: str, attempt: int, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = store.attempt_of(student, attempt)
        if found is not None and found.state in (GRADED, FAILED):
            return True
        time.sleep(0.25)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--within", type=float, default=60.0, help="seconds over which the uploads are spread")
    parser.add_argument("--jobs", type=int, default=2, help="the service's Dask workers")
    parser.add_argument(
        "--quick", action="store_true", help=f"a check run: {QUICK['students']} students within {QUICK['within']:g} s"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds to wait for the verdicts (default: from the class's size)"
    )
    parser.add_argument("--sqlite", action="store_true", help="a SQLite store even when PostgreSQL is there")
    parser.add_argument("--seed", type=int, default=23, help="the order of the class's mix and upload times")
    parser.add_argument(
        "--accept-only",
        action="store_true",
        help="the rush and the accept figures only, without waiting for the verdicts (minutes, not half an hour)",
    )
    args = parser.parse_args()
    if args.quick:
        args.students, args.within = QUICK["students"], QUICK["within"]
    if not 1 <= args.students <= 1000 or not 0 < args.within <= 600 or not 1 <= args.jobs <= 16:
        parser.error("bounded: 1..1000 students, within 0..600 s, 1..16 workers")
    timeout = args.timeout or 300 + 40 * args.students / args.jobs  # TD 1 grades in ~10-20 s on an idle core
    rng = random.Random(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="autograde-service-load-"))
    service: Service | None = None
    try:
        with store_url(scratch, args.sqlite) as (url, which):
            print(f"store: {which}; {args.students} students within {args.within:g} s; {args.jobs} Dask workers")
            alone, task = standalone_seconds(scratch)
            print(
                f"one TD 1 submission graded alone: `autograde grade --jobs 1` {alone:.1f} s (wall: the cluster's "
                f"start and the course's writes included); its grading task alone in this process {task:.1f} s"
            )

            course = Course.init(scratch / "course")
            roster = scratch / "roster.csv"
            ids = ["seul"] + [f"e{k:04d}" for k in range(args.students)]
            with open(roster, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["id", "prénom", "nom", "email"])
                writer.writerows([student, "Prénom", student.upper(), f"{student}@example.fr"] for student in ids)
            port = free_port()
            links_csv = scratch / "links.csv"
            autograde("serve", "links", "--roster", str(roster), "--base-url", f"http://127.0.0.1:{port}",
                      "--store", url, "--out", str(links_csv), cwd=scratch)  # fmt: skip
            with open(links_csv, newline="", encoding="utf-8") as handle:
                links = {line["id"]: line["lien"] for line in csv.DictReader(handle)}
            now = datetime.now(UTC).replace(microsecond=0)
            rules = scratch / "serve.toml"
            rules.write_text(
                f"[{TD1}]\nopens = {(now - timedelta(hours=1)).isoformat()}\n"
                f"deadline = {(now + timedelta(days=7)).isoformat()}\n"
                'attempts_per_hour = "unlimited"\nattempts_in_all = "unlimited"\n',
                encoding="utf-8",
            )
            service = Service(scratch, course.root, url, rules, port, args.jobs)
            print(f"service up in {service.start():.1f} s")
            store = Store(url)

            # One upload on an empty queue: the 1.2x goal.
            solo = Student("seul", links["seul"], CORRECT)
            solo.hand_in(service.base, solo.sign_in(service.base))
            if solo.attempt is None or not wait_for_verdict(store, "seul", solo.attempt, 600):
                raise SystemExit(
                    f"the empty-queue upload got no verdict ({solo.status}, {solo.error}):\n{service.tail()}"
                )
            one = store.attempt_of("seul", solo.attempt)
            assert one is not None and one.graded_at is not None
            empty_queue = (one.graded_at - one.created_at).total_seconds()
            print(
                f"empty queue: upload to verdict {empty_queue:.1f} s, {empty_queue / alone:.2f}x `autograde grade` "
                f"alone (goal ≤ {GOAL_EMPTY_QUEUE_RATIO}x); score {one.result and one.result.get('score')}"
            )

            # The class: signed in first (a student's page is open), then the uploads at their times.
            kinds = kinds_of(args.students, rng)
            students = [Student(student, links[student], kind) for student, kind in zip(ids[1:], kinds)]
            tokens = {student.id: student.sign_in(service.base) for student in students}
            offsets = sorted(rng.uniform(0, args.within) for _ in students)
            rng.shuffle(students)
            begin = time.monotonic()
            wall_begin = datetime.now(UTC)

            def run(student: Student, at: float) -> None:
                time.sleep(max(0.0, begin + at - time.monotonic()))
                student.hand_in(service.base, tokens[student.id])

            threads = [
                threading.Thread(target=run, args=(student, at), daemon=True) for student, at in zip(students, offsets)
            ]
            for thread in threads:
                thread.start()

            # The faults: a worker killed at 30 % of the window, the service restarted at 60 %.
            faults: list[str] = []
            time.sleep(max(0.0, begin + 0.3 * args.within - time.monotonic()))
            workers = service.workers()
            if workers:
                victim = workers[0]
                victim.kill()
                faults.append(f"Dask worker pid {victim.pid} killed (SIGKILL) at {time.monotonic() - begin:.1f} s")
            else:
                faults.append("no Dask worker process found to kill")
            time.sleep(max(0.0, begin + 0.6 * args.within - time.monotonic()))
            at = time.monotonic() - begin
            status, stopping = service.stop()
            restarted = service.start()
            faults.append(
                f"service restarted at {at:.1f} s: SIGTERM → exit {status} in {stopping:.1f} s, up again in {restarted:.1f} s"
            )
            for thread in threads:
                thread.join(timeout=RETRY_FOR + REQUEST_TIMEOUT + args.within)
            uploads_done = time.monotonic() - begin

            # Every accepted attempt's verdict, bounded.
            accepted = [s for s in students if s.attempt is not None]
            end = time.monotonic() + (0 if args.accept_only else timeout)
            pending = {s.id: s.attempt for s in accepted}
            while pending and time.monotonic() < end:
                for student_id, attempt_id in list(pending.items()):
                    found = store.attempt_of(student_id, attempt_id)
                    if found is not None and found.state in (GRADED, FAILED):
                        del pending[student_id]
                if pending:
                    time.sleep(1.0)
            waited = time.monotonic() - begin

            # What the store says.
            rows = {s.id: store.attempts_of(s.id, TD1) for s in students}
            lost = [
                s.id for s in accepted if not any(a.id == s.attempt and a.state in (GRADED, FAILED) for a in rows[s.id])
            ]
            failed = [a for attempts in rows.values() for a in attempts if a.state == FAILED]
            graded = [a for attempts in rows.values() for a in attempts if a.state == GRADED]
            claimed_again = [a for attempts in rows.values() for a in attempts if a.claims > 1]
            doubled = [s.id for s in students if len(rows[s.id]) > 1]  # an answer lost in the restart, sent again
            bad = [s for s in students if s.kind in BAD_KINDS]
            bad_accepted = [s.id for s in bad if s.attempt is not None or rows[s.id]]
            refused = [s for s in students if s.status is not None and 400 <= s.status < 500]
            unanswered = [s.id for s in students if s.status is None]
            wrong_scores = [
                (s.id, a.result.get("score"))
                for s in accepted
                for a in rows[s.id]
                if a.id == s.attempt and a.state == GRADED and a.result and s.kind in EXPECTED_SCORE
                and a.result.get("score") != EXPECTED_SCORE[s.kind]
            ]  # fmt: skip
            refusals = store.refusals(since=wall_begin, limit=1000)
            accept_times = [s.accept_seconds for s in accepted if s.accept_seconds is not None]
            to_verdict = [(a.graded_at - a.created_at).total_seconds() for a in graded if a.graded_at]
            if graded:
                first = min(a.created_at for a in graded)
                last = max(a.graded_at for a in graded if a.graded_at)
                minutes = (last - first).total_seconds() / 60
                throughput = len(graded) / minutes / args.jobs if minutes > 0 else None
            else:
                throughput = None
            store.close()

            print()
            print("faults: " + "; ".join(faults))
            print(
                f"uploads: {len(accepted)} accepted, {len(refused)} refused ({len(bad)} bad uploads sent: "
                f"{', '.join(f'{k} {sum(s.kind == k for s in bad)}' for k in BAD_KINDS)}; refusals recorded "
                f"{len(refusals)}), {len(unanswered)} unanswered; {sum(s.retries for s in students)} "
                f"connection retries while the service restarted; sent in {uploads_done:.1f} s"
            )
            p95_accept = percentile(accept_times, 0.95)
            print(
                f"time to accept an upload: p50 {seconds(percentile(accept_times, 0.5))}, p95 {seconds(p95_accept)} "
                f"(goal p95 < {GOAL_ACCEPT_P95 * 1000:.0f} ms: {'met' if p95_accept is not None and p95_accept < GOAL_ACCEPT_P95 else 'missed'}), "
                f"max {seconds(max(accept_times, default=None))}"
            )
            # Where the slow ones are: each 10 s of the rush, and the uploads sent again after the restart.
            windows = []
            for low in range(0, math.ceil(args.within), 10):
                sent = [s.accept_seconds for s in accepted if s.sent_at is not None and s.accept_seconds is not None
                        and low <= s.sent_at - begin < low + 10 and not s.retries]  # fmt: skip
                windows.append(f"{low}-{low + 10} s: {len(sent)}, p95 {seconds(percentile(sent, 0.95))}")
            again = [s.accept_seconds for s in accepted if s.retries and s.accept_seconds is not None]
            print(
                "time to accept, by when it was sent (first tries): " + "; ".join(windows)
                + f"; sent again after the restart: {len(again)}, p50 {seconds(percentile(again, 0.5))}, "
                f"p95 {seconds(percentile(again, 0.95))}"
            )  # fmt: skip
            if args.accept_only:
                status, stopping = service.stop()
                service = None
                print(f"service stopped: exit {status} in {stopping:.1f} s (--accept-only: verdicts not awaited)")
                return
            print(
                f"upload to verdict: p50 {seconds(percentile(to_verdict, 0.5))}, p95 {seconds(percentile(to_verdict, 0.95))} "
                f"(mean {seconds(statistics.fmean(to_verdict)) if to_verdict else '–'}), all verdicts {waited:.0f} s after the first upload"
            )
            print(
                f"attempts lost (accepted, no verdict by {timeout:.0f} s or not in the store): {len(lost)} {lost[:10]} (must be 0)"
            )
            print(
                f"graded twice: 0 by construction (one verdict per attempt, written by its last claim); attempts "
                f"claimed more than once (a lease ended under the killed worker or the restart): {len(claimed_again)}"
            )
            print(f"failed attempts: {len(failed)} {[(a.id, (a.error or '')[:80]) for a in failed[:5]]}")
            print(f"bad uploads accepted: {len(bad_accepted)} {bad_accepted[:10]} (must be 0)")
            print(
                f"students with two attempts (an answer lost in the restart, sent again): {len(doubled)} {doubled[:10]}"
            )
            print(f"scores other than the grading tests': {len(wrong_scores)} {wrong_scores[:10]}")
            print(
                f"throughput: {throughput:.2f} attempts per minute per worker ({len(graded)} graded on {args.jobs} workers)"
                if throughput
                else "throughput: –"
            )
            print(
                f"empty queue: verdict in {empty_queue:.1f} s vs {alone:.1f} s alone with `autograde grade`: "
                f"{empty_queue / alone:.2f}x (goal ≤ {GOAL_EMPTY_QUEUE_RATIO}x); vs the grading task alone "
                f"{task:.1f} s: {empty_queue / task:.2f}x"
            )
            status, stopping = service.stop()
            print(f"service stopped: exit {status} in {stopping:.1f} s")
            service = None
            failures = lost or bad_accepted or unanswered or wrong_scores
            if failures:
                print(f"service log (last lines):\n{service_tail(scratch)}")
            sys.exit(1 if failures else 0)
    finally:
        if service is not None:
            service.kill_session()
        shutil.rmtree(scratch, ignore_errors=True)


def service_tail(scratch: Path, lines: int = 60) -> str:
    log = scratch / "serve.log"
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]) if log.exists() else ""


if __name__ == "__main__":
    main()
