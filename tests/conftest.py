"""Shared fixtures: the repository, notebook helpers, and a class graded once per test session."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

# The tests shared by every TD's grading tests live in grading_suite.py: rewrite its asserts too.
pytest.register_assert_rewrite("grading_suite")

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "source"
RELEASE = REPO / "release"
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"

# nbgrader runs `alembic` and kernels by name: this interpreter's bin first.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("MPLBACKEND", "Agg")
# Two pytest workers on two cores: one BLAS thread each (small products are faster so, too).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
# The 10,000 real MNIST digits shipped in the repository: the notebooks' loader reads them, never the network.
MNIST_DIR = REPO / "data" / "mnist"
os.environ.setdefault("MNIST_DIR", str(MNIST_DIR))


TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """The layers (folders of tests/): every test of tests/notebooks/ executes notebooks in a real kernel
    (marked `notebook` and `slow`), every test of tests/grading/ and every test that grades a class
    through nbgrader is `slow`: `make test-fast` leaves them out."""
    for item in items:
        layer = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if layer == "notebooks":
            item.add_marker(pytest.mark.notebook)
        if layer in ("notebooks", "grading") or "graded_class" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def alembic_head_found_once():
    """nbgrader stamps every new gradebook with the head of its migrations, found by running `alembic
    heads` (a subprocess of a second or two): the head is the same all session, so it is found once."""
    import nbgrader.api

    find = nbgrader.api.get_alembic_version
    head = find()
    nbgrader.api.get_alembic_version = lambda: head
    yield
    nbgrader.api.get_alembic_version = find


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this test process's own (tests/postgres.py), started on first use and
    stopped at the end. Missing PostgreSQL skips the test, with the reason, except as root: there
    `make test` installs it, and a missing server must not pass unseen."""
    import postgres

    try:
        server = postgres.Server.start()
    except postgres.Unavailable as why:
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            pytest.fail(str(why))
        pytest.skip(str(why))
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The SQLAlchemy URL of a new, empty database of its own for one test."""
    return postgres_server.create_database()


def sample_files(assignment: str, student: str) -> dict[str, bytes]:
    """A sample submission's notebooks by file name, as an upload to the submission service stores them."""
    return {path.name: path.read_bytes() for path in sorted((SUBMISSIONS / assignment / student).glob("*.ipynb"))}


def run_async(coroutine):
    """``asyncio.run(coroutine)`` in a thread of its own: a test that ran before in this process may have
    left an event loop running in the main thread (Playwright's sync API, nbclient's and Dask's helpers)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def notebooks(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def execute(nb: nbformat.NotebookNode, cwd: Path, env: dict | None = None) -> list[tuple[str, str]]:
    """Run every cell of ``nb`` headless (outputs kept in ``nb``); return the (ename, evalue) of each error."""
    from nbclient import NotebookClient

    NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(cwd)}}
    ).execute(**({"env": env} if env else {}))
    return [
        (o.ename, o.evalue) for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]


def notebook_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def run_in_process(path: Path, fake_mnist=None) -> dict:
    """Execute the notebook's code cells in this process and return its namespace.

    The notebook's folder is importable while it runs, as in Jupyter (the MNIST notebooks import
    the ``mnist.py`` shipped beside them; ``fake_mnist``, when given, is imported instead). Any
    ``mnist`` module imported before is put back afterwards, and the figures are closed."""
    import matplotlib.pyplot as plt

    saved = sys.modules.pop("mnist", None)
    sys.path.insert(0, str(path.parent))
    if fake_mnist is not None:
        sys.modules["mnist"] = fake_mnist
    namespace = {"__name__": "__notebook__"}
    try:
        for cell in read(path).cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, f"{path.name}:{nbgrader_meta(cell).get('grade_id')}", "exec"), namespace)  # noqa: S102
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop("mnist", None)
        if saved is not None:
            sys.modules["mnist"] = saved
        plt.close("all")
    return namespace


@dataclass
class GradedClass:
    course: Path
    rows: list
    progress: list
    run: object = None  # the pipeline's Run: the Course, who was graded, skipped, refused

    def intake_notes(self, assignment: str) -> dict:
        return self.run.course.intake_notes(assignment)

    def score(self, student: str, notebook: str, grade_id: str) -> float:
        return self.row(student, notebook, grade_id).score

    def row(self, student: str, notebook: str, grade_id: str):
        matches = [r for r in self.rows if (r.student, r.notebook, r.grade_id) == (student, notebook, grade_id)]
        assert len(matches) == 1, f"no single result for {student}/{notebook}/{grade_id}"
        return matches[0]

    def scores(self, student: str) -> dict[str, dict[str, float]]:
        """The student's score in every automatically graded cell, by notebook."""
        table: dict[str, dict[str, float]] = {}
        for r in self.rows:
            if r.student == student and not r.manual:
                table.setdefault(r.notebook, {})[r.grade_id] = r.score
        return table

    def feedback_html(self, student: str, assignment: str, notebook: str) -> str:
        """The feedback page, with every run of white space as one space (the grader wraps long
        verdicts over several lines)."""
        page = (self.course / "feedback" / student / assignment / f"{notebook}.html").read_text(encoding="utf-8")
        return " ".join(page.split())

    def autograded_cell(self, student: str, assignment: str, notebook: str, grade_id: str):
        """The cell ``grade_id`` of the student's notebook as nbgrader autograded it (with its outputs)."""
        graded = read(self.course / "autograded" / student / assignment / f"{notebook}.ipynb")
        [cell] = [c for c in graded.cells if nbgrader_meta(c).get("grade_id") == grade_id]
        return cell


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """Grade the sample submissions of an assignment once, through the real nbgrader pipeline."""
    from autograde import pipeline

    done: dict[str, GradedClass] = {}

    def grade(
        assignment: str, samples: str | None = None, cell_timeout: int | None = None, jobs: int = 1
    ) -> GradedClass:
        """``samples``: the folder of tests/submissions/ (default: the assignment's); ``cell_timeout``:
        a short per-cell limit keeps the endless-loop samples cheap, where every correct cell is fast;
        ``jobs``: one by default, pytest already runs two workers on two cores."""
        samples = samples or assignment
        if samples not in done:
            course = tmp_path_factory.mktemp(f"course-{samples}") / "course"
            progress: list[str] = []
            run = pipeline.grade(
                assignment,
                SUBMISSIONS / samples,
                course,
                REPO,
                progress=progress.append,
                cell_timeout=cell_timeout,
                jobs=jobs,
            )
            done[samples] = GradedClass(run.course.root, run.rows, progress, run)
        return done[samples]

    return grade
