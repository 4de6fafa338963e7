"""The submission service (``autograde serve``) in a browser, end to end: the teacher's commands run as
they would for a semester (``serve links`` from a roster, ``serve run`` on a one-worker Dask cluster),
a student hands in TD 1 with the file picker and reads the named mistake of her wrong gradient, then
hands in a correct TD 1 and reads full points; another student's link sees none of it; the teacher's
page shows both attempts, the latency and the student without an attempt; SIGTERM stops everything.

With ``SAVE_README_SCREENSHOTS=1`` the student's verdict and the teacher's page are also saved as the
README's images (docs/images/service-*.png); otherwise the test writes nothing in the repository."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grading.test_grading_td1 as td1_grading
import psutil
import pytest
from conftest import MNIST_DIR, REPO, SUBMISSIONS

from .conftest import VIEWPORT, _free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TD1 = td1_grading.TestTD1.ASSIGNMENT
WRONG_GRADIENT, CORRECT = "chloe_gradient_faux", "alice_boucles"
GRADIENT_CELL = ("02_regression_lineaire", "test_gradient")
NAMED_MISTAKE = "erreur reconnue : le signe est inversé"  # as test_grading_td1.py asserts it
STUDENTS = ("e2026001", "e2026002")  # the roster: student 1 hands in, student 2 never does
STARTUP_TIMEOUT = 240  # s: the release generated, the Dask cluster up, on two busy cores
VERDICT_TIMEOUT_MS = 300_000  # a TD 1 attempt is graded in well under a minute on an idle machine
STOP_TIMEOUT = 90  # s: the dispatcher stops, the cluster closes
TEACHER_LINE = re.compile(r"the teacher's page: (\S+)")
README_IMAGES = REPO / "docs" / "images"
SAVE_README = "SAVE_README_SCREENSHOTS"
AUTOGRADE = Path(sys.executable).parent / "autograde"  # the console script, as the teacher runs it


BY_HAND = sum(sum(cells.values()) for cells in td1_grading.MANUAL.values())  # TD 1's written answers


def expected_points(student: str) -> tuple[float, float]:
    """The score and the maximum of ``student``'s TD 1 as the grading tests state them: the automatic
    points over the automatic maximum (the written answers are graded by hand, at the deadline)."""
    scores = td1_grading.TestTD1.EXPECTED[student]
    automatic = sum(sum(cells.values()) for cells in scores.values())
    return automatic, td1_grading.TestTD1.TOTAL - BY_HAND


def french(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        MNIST_DIR=str(MNIST_DIR),
        MPLBACKEND="Agg",
        PYTHONUNBUFFERED="1",
    )
    return env


def autograde(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [str(AUTOGRADE), "--repo", str(REPO), *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"autograde {' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Service:
    """``autograde serve run`` as a subprocess of its own session; its output in ``log``."""

    def __init__(self, scratch: Path, course: Path, store: str, rules: Path, port: int):
        self.log = scratch / "serve.log"
        self.port = port
        with open(self.log, "w", encoding="utf-8") as out:
            self.process = subprocess.Popen(
                [str(AUTOGRADE), "--repo", str(REPO), "serve", "run"]
                + ["--course", str(course), "--store", store, "--rules", str(rules)]
                + ["--port", str(port), "--address", "127.0.0.1", "--jobs", "1"],
                cwd=scratch,
                env=environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until_up(self) -> str:
        """The teacher's link, once the service prints it and answers."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve run exited ({self.process.returncode}) at startup:\n{self.output()}")
            found = TEACHER_LINE.search(self.output())
            if found:
                try:
                    urllib.request.urlopen(f"{self.base}/static/serve.css", timeout=10).close()
                    return found.group(1)
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve run did not answer in {STARTUP_TIMEOUT} s:\n{self.output()}")
            time.sleep(0.5)

    def family(self) -> list[psutil.Process]:
        try:
            return [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """The last resort of a failed test: the whole session killed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` still running (the same process: psutil compares the start times)."""
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except psutil.NoSuchProcess:
            pass
    return left


def session_of(leader: int) -> list[psutil.Process]:
    """The running processes of the session ``leader`` started (zombies left to an init that does not
    reap them are dead already)."""
    return alive([p for p in psutil.process_iter() if _session(p) == leader])


def _session(process: psutil.Process) -> int | None:
    try:
        return os.getsid(process.pid)
    except OSError:
        return None


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A scratch course, two students' links, and the service running TD 1 (open now, closing in a week)
    on a SQLite store; the links by student and the teacher's link."""
    from autograde.course import Course

    scratch = tmp_path_factory.mktemp("service")
    course = Course.init(scratch / "course", REPO).root
    store = f"sqlite:///{scratch / 'service.db'}"
    roster = scratch / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "prénom", "nom", "email"])
        writer.writerow([STUDENTS[0], "Chloé", "Martin", "chloe.martin@example.fr"])
        writer.writerow([STUDENTS[1], "Bruno", "Petit", "bruno.petit@example.fr"])
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    links_csv = scratch / "links.csv"
    autograde(
        "serve",
        "links",
        "--roster",
        str(roster),
        "--base-url",
        base,
        "--store",
        store,
        "--out",
        str(links_csv),
        cwd=scratch,
    )
    with open(links_csv, newline="", encoding="utf-8") as handle:
        links = {line["id"]: line["lien"] for line in csv.DictReader(handle)}
    assert sorted(links) == sorted(STUDENTS), links
    now = datetime.now(UTC).replace(microsecond=0)
    rules = scratch / "serve.toml"
    rules.write_text(
        f"[{TD1}]\nopens = {(now - timedelta(hours=1)).isoformat()}\ndeadline = {(now + timedelta(days=7)).isoformat()}\n",
        encoding="utf-8",
    )
    running = Service(scratch, course, store, rules, port)
    try:
        teacher = running.wait_until_up()
        yield running, links, teacher
    finally:
        running.kill()


def upload(page, student: str) -> int:
    """Hand in TD 1's notebooks of the sample ``student`` with the file picker; the new attempt's id."""
    notebooks = sorted((SUBMISSIONS / TD1 / student).glob("*.ipynb"))
    assert len(notebooks) == 3
    form = page.locator(f"#td-{TD1} form.depot")
    form.locator("input[type=file]").set_input_files([str(path) for path in notebooks])
    form.get_by_role("button", name="Déposer").click()
    page.wait_for_url(re.compile(r"/attempt/[0-9]+$"))
    return int(page.url.rsplit("/", 1)[1])


def cell_row(page, notebook: str, cell: str):
    return (
        page.locator("table.cells tr")
        .filter(has=page.locator("td", has_text=notebook))
        .filter(has=page.locator("td", has_text=re.compile(rf"^{re.escape(cell)}$")))
    )


def save_for_readme(page, name: str) -> None:
    if os.environ.get(SAVE_README) == "1":
        page.screenshot(path=str(README_IMAGES / name))


def test_two_students_and_the_teacher_through_the_service(service, page, step):
    from playwright.sync_api import expect

    running, links, teacher = service
    assert page.viewport_size == VIEWPORT
    first, second = STUDENTS

    with step("student 1 opens her link"):
        page.goto(links[first])
        assert page.url == f"{running.base}/", "the token leaves the address bar"
        expect(page.locator(f"#td-{TD1}")).to_contain_text("ouvert")
        expect(page.locator(f"#td-{TD1}")).to_contain_text("Aucune tentative pour ce TD.")

    with step("she hands in TD 1 with a wrong gradient"):
        wrong = upload(page, WRONG_GRADIENT)
        expect(page.locator("h1")).to_contain_text(f"tentative n° {wrong}")

    score, total = expected_points(WRONG_GRADIENT)
    with step("she reads the named mistake of her gradient", shot=cell_row(page, *GRADIENT_CELL)):
        expect(page.locator("p.score")).to_be_visible(timeout=VERDICT_TIMEOUT_MS)
        expect(page.locator("p.score")).to_have_text(
            f"Score : {french(score)} / {french(total)}, et {french(BY_HAND)} point(s) de réponses écrites à corriger à la main"
        )
        gradient = cell_row(page, *GRADIENT_CELL)
        expect(gradient).to_have_count(1)
        expect(gradient).to_contain_text("0 / 3")
        expect(gradient).to_contain_text(NAMED_MISTAKE)
        expect(page.locator("table.cells")).to_contain_text("à corriger à la main")
        # Every automatically graded cell at the score the grading tests state.
        for notebook, cells in td1_grading.TestTD1.EXPECTED[WRONG_GRADIENT].items():
            for cell, points in cells.items():
                full = td1_grading.FULL[notebook][cell]
                expect(cell_row(page, notebook, cell)).to_contain_text(f"{french(points)} / {french(full)}")
    page.locator("p.score").scroll_into_view_if_needed()
    save_for_readme(page, "service-student.png")

    with step("she hands in a corrected TD 1 and reads full points"):
        page.goto(f"{running.base}/")
        right = upload(page, CORRECT)
        score, total = expected_points(CORRECT)
        expect(page.locator("p.score")).to_be_visible(timeout=VERDICT_TIMEOUT_MS)
        expect(page.locator("p.score")).to_have_text(
            f"Score : {french(score)} / {french(total)}, et {french(BY_HAND)} point(s) de réponses écrites à corriger à la main"
        )
        assert score == sum(sum(cells.values()) for cells in td1_grading.FULL.values())
        expect(page.locator(".mistake")).to_have_count(0)

    with step("her page lists both attempts with their scores"):
        page.goto(f"{running.base}/")
        rows = page.locator(f"#td-{TD1} table tr")
        expect(rows).to_have_count(3)  # the header and two attempts
        expect(rows.filter(has_text=f"n° {right}")).to_contain_text("retenue pour la note")
        expect(rows.filter(has_text=f"n° {wrong}")).to_contain_text(f"{french(expected_points(WRONG_GRADIENT)[0])} /")

    page.context.clear_cookies()
    with step("student 2's page lists none of her attempts"):
        page.goto(links[second])
        expect(page.locator("p.who")).to_contain_text(second)
        expect(page.locator(f"#td-{TD1}")).to_contain_text("Aucune tentative pour ce TD.")
        expect(page.locator(f"a[href='/attempt/{wrong}']")).to_have_count(0)

    with step("student 2 is told her attempt does not exist"):
        answer = page.goto(f"{running.base}/attempt/{wrong}")
        assert answer is not None and answer.status == 404
        expect(page.locator("h1")).to_have_text("Page introuvable")
        expect(page.locator("body")).not_to_contain_text("gradient")
        for path in (
            f"/attempt/{wrong}.json",
            f"/attempt/{right}",
            f"/attempt/{wrong}/feedback/02_regression_lineaire.html",
        ):
            other = page.request.get(f"{running.base}{path}")
            assert other.status == 404, path
            assert "signe" not in other.text() and "score" not in other.text(), path

    page.context.clear_cookies()
    with step("the teacher's page shows both attempts, the latency and student 2 without one"):
        page.goto(teacher)
        assert page.url == f"{running.base}/teacher"
        queue = page.locator("table").first.locator("tr").filter(has_text=TD1)
        expect(queue.locator("td")).to_have_text([TD1, "0", "0", "2", "0", "2"])
        expect(page.locator("body")).to_contain_text("Du dépôt au verdict, sur 2 tentative(s) : médiane")
        heading = page.locator("h2", has_text="Étudiants sans tentative")
        without = heading.locator("xpath=following-sibling::table[1]").locator("tr").filter(has_text=TD1)
        expect(without.locator("td")).to_have_text([TD1, "1", second])
        expect(page.locator("body")).to_contain_text("2 étudiants ont un lien")
    save_for_readme(page, "service-teacher.png")

    family = running.family()
    assert len(family) > 1, "the service runs its Dask cluster in processes of its own"
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=STOP_TIMEOUT) == 0, running.output()[-4000:]
    deadline = time.monotonic() + 30  # the cluster's last processes may take a moment to exit
    while (alive(family) or session_of(running.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive(family), f"left running: {alive(family)}"
    left = session_of(running.process.pid)  # started after the list above was made, or moved out of the tree
    assert not left, f"left running in the service's session: {[(p.pid, p.cmdline()) for p in left]}"
