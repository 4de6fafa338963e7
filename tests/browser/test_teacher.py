"""The teacher's side, in nbgrader's formgrader inside JupyterLab: the assignment, the graded
submissions with their scores, a student's graded notebook with the grader's French messages, and a
manual grade with a comment on a written answer, which reaches the gradebook and the exported grades.

TD 1 has written answers, graded by hand (markdown, nbgrader ``solution`` and ``grade``): the teacher grades
the one on the learning rate η that ends 02_regression_lineaire (``reponse_pas_apprentissage``, 1 point), in
which each student of the class writes their own words.

The tests run in file order, as a teacher works: the last but one grades chloe's written answer; the last
does it again in a course whose gradebook is a PostgreSQL database."""

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grading.test_grading_td1 as test_grading_td1
import nbformat
import pytest
from conftest import REPO, SUBMISSIONS, nbgrader_meta, read

from .conftest import running_jupyterlab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TD1 = "td1_neurone_regression"
NOTEBOOK = "02_regression_lineaire"
WRITTEN = "reponse_pas_apprentissage"  # grade id of the written answer the teacher grades (1 point)
# The class: who hands what in, the written answer included (bob hands the release in untouched).
ANSWERS = {
    "alice_boucles": "Avec 1 000 époques, $w$ et $b$ restent loin de `linregress` ; avec $\\eta = 0{,}01$ on le "
    "rejoint. Avec $\\eta = 1$ la perte explose : les pas sont trop grands, la descente diverge.",
    "chloe_gradient_faux": "Avec plus d'époques la droite est meilleure. Avec $\\eta = 1$ ça ne marche pas.",
    "bob_intact": None,  # the release's stub, untouched
}
# Their automatic scores (TD 1's grading test states them cell by cell); the written answers are at 0 until graded
# by hand.
AUTOMATIC = {
    student: float(sum(sum(cells.values()) for cells in test_grading_td1.TestTD1.EXPECTED[student].values()))
    for student in ANSWERS
}
MAX_SCORE = float(test_grading_td1.TestTD1.TOTAL)  # automatic and written points
GRADED_STUDENT = "chloe_gradient_faux"
MANUAL_SCORE = 0.5
MANUAL_COMMENT = "Juste pour η = 1, mais pourquoi ? Et rien sur 1 000 époques."


def write_answer(path: Path, text: str) -> None:
    """Write ``text`` in the notebook's written-answer cell ``WRITTEN``, as the student would."""
    nb = read(path)
    [answer] = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == WRITTEN]
    assert answer.cell_type == "markdown" and nbgrader_meta(answer)["solution"], "a written answer"
    answer.source = text
    nbformat.write(nb, str(path))


def graded(base: Path, students: list[str], db_url: str | None = None) -> Path:
    """A course directory with a graded class: the one place that makes it.

    ``students``' submissions of TD 1 with their answer on η, graded by the project's command
    (release, intake, sandboxed autograde, feedback, export). ``db_url``: the gradebook's database
    server, written in the course's configuration by hand, as a teacher does."""
    submissions = base / "copies"
    for student in students:
        shutil.copytree(SUBMISSIONS / TD1 / student, submissions / student)
        if ANSWERS[student] is not None:
            write_answer(submissions / student / f"{NOTEBOOK}.ipynb", ANSWERS[student])
    course = base / "cours"
    if db_url is not None:
        from autograde.course import Course

        with open(Course.init(course).root / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"c.CourseDirectory.db_url = {db_url!r}\n")
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
    return course


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> Path:
    return graded(tmp_path_factory.mktemp("teacher"), list(ANSWERS))


@pytest.fixture(scope="module")
def lab(graded_course):
    with running_jupyterlab(graded_course, graded_course.parent / "jupyter") as server:
        yield server


def open_formgrader(lab, page, workspace: str):
    """JupyterLab, then Nbgrader > Formgrader; the formgrader's frame."""
    lab.open(page, workspace=workspace)
    page.keyboard.press("ControlOrMeta+b")  # hide the file browser: the formgrader gets the room
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    page.get_by_role("menuitem", name="Formgrader", exact=True).click()
    return page.frame_locator("#formgrader iframe")


def link_to(formgrader, page: str):
    """The formgrader's link to ``/formgrader/<page>``, found by where it leads rather than by its text: the page
    being left may still be shown when the next link is looked up, and the formgrader's first page has a link named
    after the assignment too (to its source folder, in JupyterLab)."""
    return formgrader.locator(f'a[href$="/formgrader/{page}"]')


def open_graded_notebook(formgrader, student: str, submissions: int = len(ANSWERS)) -> None:
    """Manual Grading > the assignment > the notebook > the student (names are hidden until asked)."""
    formgrader.get_by_role("link", name="Manual Grading").click()
    link_to(formgrader, f"gradebook/{TD1}").click()
    link_to(formgrader, f"gradebook/{TD1}/{NOTEBOOK}").click()
    formgrader.get_by_role("link", name=f"Submission #{submissions}").wait_for()  # the table is loaded
    formgrader.get_by_role("button", name="Show All Names").click()
    formgrader.get_by_role("link", name=student).click()


def wait_for_the_grade(answer) -> None:
    """Wait until the formgrader's script has loaded the cell's grade from the gradebook (it then sets the
    extra credit's placeholder): a score typed in before is overwritten by the loaded one, never saved."""
    from playwright.sync_api import expect

    expect(answer.locator(".extra-credit")).to_have_attribute("placeholder", "0")


def score(points: float) -> str:
    return f"{points:g} / {MAX_SCORE:g}"


def submission_row(formgrader, student: str):
    return formgrader.locator("tr", has=formgrader.get_by_text(student, exact=True))


def french_failure(course: Path, student: str, grade_id: str) -> str:
    """The message the grader wrote into the student's graded cell (autograded/…)."""
    graded = read(course / "autograded" / student / TD1 / f"{NOTEBOOK}.ipynb")
    [cell] = [c for c in graded.cells if nbgrader_meta(c).get("grade_id") == grade_id]
    [error] = [o for o in cell.outputs if o.output_type == "error"]
    return f"{error.ename}: {error.evalue}".splitlines()[0]


def test_formgrader_lists_the_assignment_and_the_scored_submissions(lab, page, step):
    from playwright.sync_api import expect

    with step("open the formgrader from the Nbgrader menu"):
        formgrader = open_formgrader(lab, page, step.test)
        assignment = formgrader.locator("tr", has=formgrader.get_by_role("link", name=TD1))
        expect(assignment).to_be_visible()
    with step("the submissions with their scores"):
        assignment.get_by_role("link", name=str(len(ANSWERS)), exact=True).click()  # the "# Submissions" column
        for student, points in AUTOMATIC.items():
            expect(submission_row(formgrader, student)).to_contain_text(score(points))
        # A written answer waits for the teacher; bob's untouched stub does not (nbgrader gives it 0).
        expect(submission_row(formgrader, "alice_boucles")).to_contain_text("needs manual grading")
        expect(submission_row(formgrader, "bob_intact")).to_contain_text("graded")
        expect(submission_row(formgrader, "bob_intact")).not_to_contain_text("needs manual grading")


def test_formgrader_shows_a_graded_notebook_with_the_french_messages(lab, page, step, graded_course):
    from playwright.sync_api import expect

    message = french_failure(graded_course, GRADED_STUDENT, "test_gradient")
    assert "erreur reconnue" in message, message  # chloe's gradient mistake is a catalogued one
    with step("open chloe's graded notebook"):
        formgrader = open_formgrader(lab, page, step.test)
        open_graded_notebook(formgrader, GRADED_STUDENT)
        expect(formgrader.locator(f"#{WRITTEN}")).to_be_visible()  # the grading page of that notebook
    passed = formgrader.locator(".output_area", has_text="`loss` : ")
    with step("a passed check says so, in French", shot=passed):
        expect(passed).to_contain_text("tous corrects")
    failure = formgrader.locator(".output_error", has_text=message)
    with step("the wrong gradient's message, in French", shot=failure):
        expect(failure).to_be_visible()
        failure.evaluate("node => node.scrollIntoView({block: 'center'})")


def test_manual_grade_and_comment_reach_the_gradebook_and_the_export(lab, page, step, graded_course, tmp_path):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    with step("open chloe's graded notebook"):
        formgrader = open_formgrader(lab, page, step.test)
        open_graded_notebook(formgrader, GRADED_STUDENT)
    answer = formgrader.locator(".nbgrader_cell", has=formgrader.locator(f"#{WRITTEN}"))
    with step("grade the written answer and comment on it", shot=answer):
        expect(answer).to_contain_text(ANSWERS[GRADED_STUDENT].split(".")[0])  # her own words
        wait_for_the_grade(answer)
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as saved:
            answer.locator(f"#{WRITTEN}").fill(f"{MANUAL_SCORE:g}")
            answer.locator(f"#{WRITTEN}").press("Tab")
        assert saved.value.ok, saved.value.status
        with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT") as saved:
            answer.locator(f"#{WRITTEN}-comment").fill(MANUAL_COMMENT)
            answer.locator(f"#{WRITTEN}-comment").press("Tab")
        assert saved.value.ok, saved.value.status
    new_total = AUTOMATIC[GRADED_STUDENT] + MANUAL_SCORE
    with step("the formgrader's new total"):
        formgrader.get_by_role("link", name=TD1).click()  # the breadcrumb, back to the pages with a menu
        formgrader.get_by_role("link", name="Manage Assignments").click()
        link_to(formgrader, f"manage_submissions/{TD1}").click()  # the "# Submissions" column
        expect(submission_row(formgrader, GRADED_STUDENT)).to_contain_text(score(new_total))
    with Gradebook(f"sqlite:///{graded_course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(WRITTEN, NOTEBOOK, TD1, GRADED_STUDENT)
        assert (grade.manual_score, grade.needs_manual_grade) == (MANUAL_SCORE, False)
        assert gradebook.find_comment(WRITTEN, NOTEBOOK, TD1, GRADED_STUDENT).manual_comment == MANUAL_COMMENT
        assert gradebook.find_submission(TD1, GRADED_STUDENT).score == new_total
    row = exported_row(graded_course, tmp_path / "grades.csv", GRADED_STUDENT)
    assert (float(row["score"]), float(row["max_score"])) == (new_total, MAX_SCORE)


def exported_row(course: Path, exported: Path, student: str) -> dict[str, str]:
    """The student's line of `nbgrader export`, run in the course directory as a teacher runs it."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), "export", "--to", str(exported)],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with open(exported, encoding="utf-8") as rows:
        [row] = [r for r in csv.DictReader(rows) if r["student_id"] == student]
    return row


@pytest.fixture(scope="module")
def postgres_course(tmp_path_factory, postgres_server) -> Path:
    return graded(tmp_path_factory.mktemp("teacher-postgresql"), [GRADED_STUDENT], postgres_server.create_database())


@pytest.fixture(scope="module")
def postgres_lab(postgres_course):
    with running_jupyterlab(postgres_course, postgres_course.parent / "jupyter") as server:
        yield server


def test_the_formgrader_on_a_postgresql_gradebook_gives_a_manual_grade_that_reaches_the_export(
    postgres_lab, page, step, postgres_course, tmp_path
):
    from playwright.sync_api import expect

    assert not (postgres_course / "gradebook.db").exists(), "the gradebook is the server's, not a SQLite file"
    with step("open chloe's graded notebook in the formgrader of the PostgreSQL course"):
        formgrader = open_formgrader(postgres_lab, page, step.test)
        open_graded_notebook(formgrader, GRADED_STUDENT, submissions=1)
    answer = formgrader.locator(".nbgrader_cell", has=formgrader.locator(f"#{WRITTEN}"))
    with step("grade the written answer", shot=answer):
        expect(answer).to_contain_text(ANSWERS[GRADED_STUDENT].split(".")[0])
        wait_for_the_grade(answer)
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as saved:
            answer.locator(f"#{WRITTEN}").fill(f"{MANUAL_SCORE:g}")
            answer.locator(f"#{WRITTEN}").press("Tab")
        assert saved.value.ok, saved.value.status
    row = exported_row(postgres_course, tmp_path / "grades.csv", GRADED_STUDENT)
    assert (float(row["score"]), float(row["max_score"])) == (AUTOMATIC[GRADED_STUDENT] + MANUAL_SCORE, MAX_SCORE)
    assert not (postgres_course / "gradebook.db").exists()
