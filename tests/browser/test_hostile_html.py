"""A hostile student's HTML, rendered in Chromium after a real grading run, runs no script.

The student hands in TD 1's 02_regression_lineaire completed (alice_boucles's work) with every payload
of tests/unit/test_inert_html.py in a markdown cell, in the written answer and in a cell's outputs (HTML,
JavaScript, markdown, SVG); the roster gives them a name that is HTML too. Each payload, if it ran, would
set the page's title to the marker and send a request to a listener. Their feedback page (a file, as a
student opens it) and their graded notebook in the formgrader (on the Jupyter server's origin, the
teacher logged in) show the verdicts, a figure and the course's prose, with the title untouched, no
request to the listener and no dialog. A copy of the feedback page with a script put back after the
cleaning shows the second layer: the page's Content-Security-Policy refuses it (Chromium says so).
MathJax, which the policy allows from its pinned folder, still typesets the course's maths (served from
a local copy of the npm package: $MATHJAX_DIR, or `npm pack` into pytest's cache)."""

import mimetypes
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, SUBMISSIONS, nbgrader_meta, read
from unit.test_inert_html import HOSTILE_NAME, LISTENER, MARKER, PAYLOADS_MARKDOWN, RUN, hostile_cells

from autograde.feedback import MATHJAX_FOLDER

from .conftest import running_jupyterlab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TD1 = "td1_neurone_regression"
NOTEBOOK = "02_regression_lineaire"
STUDENT = "hostile_html"
WRITTEN = "reponse_pas_apprentissage"
# alice_boucles's functions are right: every automatic point of the notebook (loss 2, gradient 3, train 3);
# the payloads cost nothing and gain nothing.
AUTOMATIC = 8.0
VERDICT = "tous corrects"


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile_html")
    submissions = base / "copies"
    folder = submissions / STUDENT
    folder.mkdir(parents=True)
    shutil.copy(SUBMISSIONS / TD1 / "alice_boucles" / f"{NOTEBOOK}.ipynb", folder)
    path = folder / f"{NOTEBOOK}.ipynb"
    nb = read(path)
    [answer] = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == WRITTEN]
    answer.source = PAYLOADS_MARKDOWN
    nb.cells.extend(hostile_cells())
    nbformat.write(nb, str(path))
    course = base / "cours"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "autograde"),
            "--repo",
            str(REPO),
            "grade",
            TD1,
            str(submissions),
            "--course",
            str(course),
            "--jobs",
            "1",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"autograde grade: {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    # The payloads reached the graded notebook, each kind of output with them.
    graded = read(course / "autograded" / STUDENT / TD1 / f"{NOTEBOOK}.ipynb")
    kinds = {kind for output in graded.cells[-1].outputs for kind in output.get("data", {})}
    assert {"text/html", "application/javascript", "text/markdown", "image/svg+xml"} <= kinds, kinds
    assert sum(MARKER in cell.source for cell in graded.cells) == 3  # the answer, the markdown cell, the code
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student(STUDENT, first_name=HOSTILE_NAME, last_name=HOSTILE_NAME)
        assert gradebook.find_submission_notebook(NOTEBOOK, TD1, STUDENT).score == AUTOMATIC
    return course


@pytest.fixture(scope="module")
def lab(graded_course):
    with running_jupyterlab(graded_course, graded_course.parent / "jupyter") as server:
        yield server


class Watch:
    """What a page did that a script would do: requests to the listener, dialogs, console messages."""

    def __init__(self, page):
        self.requests, self.dialogs, self.console = [], [], []
        page.on("request", lambda r: self.requests.append(r.url) if r.url.startswith(LISTENER) else None)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))


def settle(page) -> None:
    """The page loaded, its images tried (an onerror would have fired), two frames painted."""
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def test_the_feedback_page_runs_no_script_and_shows_the_verdicts_and_a_figure(graded_course, page, step):
    from playwright.sync_api import expect

    feedback = graded_course / "feedback" / STUDENT / TD1 / f"{NOTEBOOK}.html"
    watch = Watch(page)
    with step("open the feedback page"):
        page.goto(feedback.as_uri())
        settle(page)
    with step("no script ran", shot=page.locator("h1, h2").first):
        assert page.title() == NOTEBOOK
        assert (watch.requests, watch.dialogs) == ([], [])
        assert (
            page.evaluate(
                "() => document.querySelectorAll('script:not([src]), iframe, svg, style:not(head style)').length"
            )
            == 1
        ), "only the hashed MathJax configuration"
    verdict = page.locator(".output_area", has_text=VERDICT).first
    with step("the verdicts, the written answer's text and a figure are shown", shot=verdict):
        expect(verdict).to_be_visible()
        expect(page.get_by_text("Ma réponse").first).to_be_visible()
        expect(page.locator("img[src^='data:image/png']").first).to_be_visible()
        expect(page.get_by_text("Score:").first).to_be_visible()


def test_the_feedback_pages_policy_refuses_a_script_that_got_past_the_cleaning(graded_course, page, step, tmp_path):
    feedback = (graded_course / "feedback" / STUDENT / TD1 / f"{NOTEBOOK}.html").read_text(encoding="utf-8")
    # As if the cleaning had missed them: an inline script and an event handler, after the policy.
    slipped = feedback.replace("<body>", f'<body><script>{RUN}</script><img src="x" onerror="{RUN}">', 1)
    assert slipped != feedback
    copy = tmp_path / "slipped.html"
    copy.write_text(slipped, encoding="utf-8")
    watch = Watch(page)
    with step("open the page with a script put back"):
        page.goto(copy.as_uri())
        settle(page)
    with step("the policy refused it, and said so"):
        assert page.title() == NOTEBOOK
        assert (watch.requests, watch.dialogs) == ([], [])
        refused = [m for m in watch.console if "Content Security Policy" in m and "script" in m]
        assert len(refused) >= 2, watch.console  # the inline script and the inline handler


def test_the_formgrader_page_runs_no_script_and_shows_the_verdicts_and_a_figure(graded_course, lab, page, step):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    with Gradebook(f"sqlite:///{graded_course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(NOTEBOOK, TD1, STUDENT).id
    watch = Watch(page)
    with step("open the graded notebook in the formgrader"):
        page.goto(f"{lab.base}/formgrader/submissions/{submission}/?token={lab.token}")
        settle(page)
        expect(page.locator(f"#{WRITTEN}")).to_be_visible()  # the grading page, its own scripts working
    with step("no script of the student's ran"):
        assert page.title() == NOTEBOOK and MARKER not in page.title()
        assert (watch.requests, watch.dialogs) == ([], [])
        assert [m for m in watch.console if MARKER in m] == []
        assert page.evaluate("() => document.querySelectorAll('iframe, svg, .output_javascript script').length") == 0
    verdict = page.locator(".output_area", has_text=VERDICT).first
    with step("the verdicts, the written answer, the student's name as text and a figure", shot=verdict):
        expect(verdict).to_be_visible()
        expect(page.locator(".nbgrader_cell", has=page.locator(f"#{WRITTEN}"))).to_contain_text("Ma réponse")
        expect(page.get_by_text(HOSTILE_NAME).first).to_be_attached()
        expect(page.locator("img[src^='data:image/png']").first).to_be_visible()


MATHJAX_VERSION = MATHJAX_FOLDER.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def mathjax(request) -> Path:
    """A local copy of the MathJax the feedback pages load: $MATHJAX_DIR, else the npm package."""
    if os.environ.get("MATHJAX_DIR"):
        return Path(os.environ["MATHJAX_DIR"])
    cache = request.config.cache.mkdir(f"mathjax-{MATHJAX_VERSION}")
    if not (cache / "package" / "MathJax.js").exists():
        npm = shutil.which("npm")
        done = npm and subprocess.run(
            [npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--pack-destination", str(cache)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if not done or done.returncode != 0:
            # A download, not the browser: skipped even where the browser tests are required.
            pytest.skip(
                f"no copy of MathJax {MATHJAX_VERSION} (set MATHJAX_DIR, or install npm): "
                f"{done.stderr[-300:] if done else 'npm not found'}"
            )
        with tarfile.open(cache / f"mathjax-{MATHJAX_VERSION}.tgz") as archive:
            archive.extractall(cache, filter="data")
    return cache / "package"


def test_mathjax_typesets_the_feedback_under_its_policy(graded_course, mathjax, page, step):
    from playwright.sync_api import expect

    def serve(route):
        found = mathjax / route.request.url[len(MATHJAX_FOLDER) :].split("?")[0]
        if found.is_file():
            route.fulfill(body=found.read_bytes(), content_type=mimetypes.guess_type(found.name)[0] or "text/plain")
        else:
            route.fulfill(status=404, body="")

    page.route(MATHJAX_FOLDER + "**", serve)
    watch = Watch(page)
    with step("open the feedback page, MathJax served from its pinned folder"):
        page.goto((graded_course / "feedback" / STUDENT / TD1 / f"{NOTEBOOK}.html").as_uri())
        settle(page)
    typeset = page.locator(".mjx-chtml")
    with step("the maths are typeset, no script refused", shot=typeset.first):
        expect(typeset.first).to_be_visible(timeout=60_000)
        assert [m for m in watch.console if "Content Security Policy" in m and "script" in m] == []
        assert page.title() == NOTEBOOK and watch.requests == []
