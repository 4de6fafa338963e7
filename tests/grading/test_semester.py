"""A semester in one course directory (autograde/course.py): assignments one after the other in one
gradebook, late students graded alone, manual grades that survive a regrade, a folder that is not a
course left untouched, a run killed halfway that resumes to the same grades.

The tests about the gradebook run on both of its backends: nbgrader's SQLite file, and a PostgreSQL
database (a server of the tests' own, tests/postgres.py) named by AUTOGRADE_DB_URL, as a teacher sets it."""

import contextlib
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS

from autograde import pipeline, settings
from autograde.course import DONE, MARKER, Course, CourseError

TD1, TD3 = "td1_neurone_regression", "td3_mnist_softmax"
BACKENDS = ("sqlite", "postgresql")
# nbgrader's export at the end of the semester: every student of the gradebook for every assignment (0
# without a submission); bruno's 6.5 holds the teacher's 1.5 given by hand.
EXPORTED = {
    (TD1, "alice_honnete"): 8,
    (TD1, "bruno_signe_inverse"): 6.5,
    (TD1, "claire_en_retard"): 8,
    (TD1, "alice_boucles"): 0,
    (TD3, "alice_boucles"): 14,
    (TD3, "alice_honnete"): 0,
    (TD3, "bruno_signe_inverse"): 0,
    (TD3, "claire_en_retard"): 0,
}


@contextlib.contextmanager
def gradebook_of(backend: str, course: Path, request):
    """The gradebook's URL while the course is graded: the SQLite file beside the course's
    configuration, or a new PostgreSQL database exported in AUTOGRADE_DB_URL (which nbgrader's
    processes, the workers and `autograde grade` run as a command inherit)."""
    if backend == "sqlite":
        yield "sqlite:///" + str(course / "gradebook.db")
        return
    url = request.getfixturevalue("postgres_server").create_database()
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv(settings.DB_URL.variable, url)
        yield url


def copies(root: Path, assignment: str, *students: str, source: str | None = None) -> Path:
    """A folder of submissions <root>/<student>/*.ipynb copied from the samples."""
    for student in students:
        shutil.copytree(SUBMISSIONS / (source or assignment) / student, root / student)
    return root


def graded_times(course: Path, assignment: str, student: str) -> dict[str, float]:
    folder = course / "autograded" / student / assignment
    return {p.name: p.stat().st_mtime for p in folder.glob("*.ipynb")}


# ----------------------------------------------------------------------------------- fast layer
def test_a_non_empty_folder_that_is_not_a_course_is_refused_and_left_untouched(tmp_path):
    (tmp_path / "notes.txt").write_text("mes notes de cours")
    with pytest.raises(CourseError, match="not a course directory"):
        Course.open(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    with pytest.raises(pipeline.PipelineError):
        pipeline.grade(TD1, tmp_path, tmp_path, REPO, sandbox=False)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_makes_a_course_that_loads_the_repositorys_configuration(tmp_path):
    course = Course.init(tmp_path / "semestre")
    assert sorted(p.name for p in course.root.iterdir()) == sorted([MARKER, "nbgrader_config.py"])
    config = (course.root / "nbgrader_config.py").read_text()
    assert str(REPO / "nbgrader_config.py") in config and "gradebook.db" in config
    assert Course.open(course.root) == course, "an existing course opens as it is"
    with pytest.raises(CourseError):
        Course.remove_scratch(course.root)  # not the demo's scratch course: never removed
    assert course.root.exists()


def test_the_repository_is_a_course_directory():
    assert Course.open(REPO).is_repository


# ------------------------------------------------------------------------------- a semester
@pytest.fixture(scope="module", params=BACKENDS)
def semester(request, tmp_path_factory):
    """TD 1 for two students, then TD 3, then a manual grade, a late student, a --force regrade, and
    nbgrader's export; on each backend of the gradebook."""
    root = tmp_path_factory.mktemp("semester")
    course = root / "course"
    with gradebook_of(request.param, course, request) as url:
        steps = _semester(root, course, url)
    return course, steps, url


def _semester(root: Path, course: Path, url: str) -> dict:
    # TD 1's notebook 02 only (the hostile class's honest students), to keep the four runs short.
    td1 = copies(root / "td1", TD1, "alice_honnete", "bruno_signe_inverse", source="hostile")
    steps = {"td1": pipeline.grade(TD1, td1, course, REPO, jobs=1)}
    steps["td3"] = pipeline.grade(TD3, copies(root / "td3", TD3, "alice_boucles"), course, REPO, jobs=1)
    steps["times_before_late"] = {s: graded_times(course, TD1, s) for s in ("alice_honnete", "bruno_signe_inverse")}
    from nbgrader.api import Gradebook

    with Gradebook(url) as gradebook:
        grade = gradebook.find_grade("test_gradient", "02_regression_lineaire", TD1, "bruno_signe_inverse")
        grade.manual_score = 1.5
        comment = gradebook.find_comment("gradient", "02_regression_lineaire", TD1, "bruno_signe_inverse")
        comment.manual_comment = "Bonne idée, mais le signe : revoyez la dérivée de (ŷ − y)²."
        gradebook.db.commit()
    time.sleep(1.1)  # file times have a one-second grain on some file systems
    shutil.copytree(SUBMISSIONS / "hostile" / "alice_honnete", td1 / "claire_en_retard")
    steps["late"] = pipeline.grade(TD1, td1, course, REPO, jobs=1)
    steps["times_after_late"] = {s: graded_times(course, TD1, s) for s in ("alice_honnete", "bruno_signe_inverse")}
    steps["forced"] = pipeline.grade(TD1, td1, course, REPO, jobs=1, force=True)
    Course.open(course).nbgrader("export")
    with open(course / "grades.csv", newline="", encoding="utf-8") as export:
        steps["export"] = list(csv.DictReader(export))
    steps["db_url"] = Course.open(course).db_url
    return steps


@pytest.mark.slow
def test_two_assignments_share_one_gradebook(semester):
    course, steps, url = semester
    from nbgrader.api import Gradebook

    with Gradebook(url) as gradebook:
        assert sorted(a.name for a in gradebook.assignments) == [TD1, TD3]
        assert gradebook.find_submission(TD1, "alice_honnete").score == 8
        assert gradebook.find_submission(TD3, "alice_boucles").score == 14
        assert sorted(s.id for s in gradebook.students) == [
            "alice_boucles",
            "alice_honnete",
            "bruno_signe_inverse",
            "claire_en_retard",
        ]
    assert {r.student for r in steps["td3"].rows} == {"alice_boucles"}
    assert steps["db_url"] == url, "the course reports the gradebook nbgrader wrote"
    assert (course / "gradebook.db").exists() == url.startswith("sqlite"), "no SQLite file beside a server's gradebook"


@pytest.mark.slow
def test_nbgraders_export_has_every_grade_the_manual_one_included(semester):
    _, steps, _ = semester
    scores = {(row["assignment"], row["student_id"]): float(row["score"]) for row in steps["export"]}
    assert scores == EXPORTED


@pytest.mark.slow
def test_a_late_student_is_graded_alone(semester):
    _, steps, _ = semester
    late = steps["late"].plan
    assert late.to_grade == ["claire_en_retard"] and sorted(late.unchanged) == ["alice_honnete", "bruno_signe_inverse"]
    assert steps["times_after_late"] == steps["times_before_late"], "the others' graded notebooks were not touched"
    assert sum(r.score for r in steps["late"].rows if r.student == "claire_en_retard") == 8
    assert {r.student for r in steps["late"].rows} == {"alice_honnete", "bruno_signe_inverse", "claire_en_retard"}


@pytest.mark.slow
def test_a_manual_grade_and_its_comment_survive_a_forced_regrade(semester):
    _, steps, url = semester
    assert sorted(steps["forced"].plan.to_grade) == ["alice_honnete", "bruno_signe_inverse", "claire_en_retard"]
    from nbgrader.api import Gradebook

    with Gradebook(url) as gradebook:
        grade = gradebook.find_grade("test_gradient", "02_regression_lineaire", TD1, "bruno_signe_inverse")
        comment = gradebook.find_comment("gradient", "02_regression_lineaire", TD1, "bruno_signe_inverse")
        assert (grade.auto_score, grade.manual_score, grade.score) == (0, 1.5, 1.5)
        assert comment.manual_comment.startswith("Bonne idée")
    row = next(
        r
        for r in steps["forced"].rows
        if (r.student, r.grade_id, r.notebook) == ("bruno_signe_inverse", "test_gradient", "02_regression_lineaire")
    )
    assert row.score == 1.5


@pytest.mark.slow
def test_a_resubmission_is_graded_again(tmp_path):
    course = tmp_path / "course"
    folder = copies(tmp_path / "copies", TD1, "alice_honnete", source="hostile")
    first = pipeline.grade(TD1, folder, course, REPO, jobs=1)
    shutil.rmtree(folder / "alice_honnete")
    shutil.copytree(SUBMISSIONS / "hostile" / "bruno_signe_inverse", folder / "alice_honnete")  # a new version
    again = pipeline.grade(TD1, folder, course, REPO, jobs=1)
    assert first.plan.to_grade == again.plan.to_grade == ["alice_honnete"]
    linear = {r.grade_id: r.score for r in again.rows if r.notebook == "02_regression_lineaire"}
    # The written answers wait for the teacher: 0 until graded by hand.
    assert linear == {
        "test_loss": 2,
        "test_gradient": 0,
        "test_train": 3,
        "reponse_gradient": 0,
        "reponse_pas_apprentissage": 0,
    }


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_run_killed_halfway_resumes_to_the_grades_of_a_clean_run(tmp_path, backend, request):
    """Kill `autograde grade` (and its nbgrader and kernels) once two students are graded; run it again:
    only the others are graded, and every score equals a clean run's."""
    with gradebook_of(backend, tmp_path / "course", request):
        _killed_and_resumed(tmp_path)


def _killed_and_resumed(tmp_path: Path) -> None:
    students = [f"etudiant_{k}" for k in range(5)]
    folder = tmp_path / "copies"
    for k, student in enumerate(students):
        sample = "bruno_signe_inverse" if k % 2 else "alice_honnete"
        shutil.copytree(SUBMISSIONS / "hostile" / sample, folder / student)
    course = tmp_path / "course"
    command = [
        sys.executable,
        "-m",
        "autograde.cli",
        "--repo",
        str(REPO),
        "grade",
        TD1,
        str(folder),
        "--course",
        str(course),
        "--jobs",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(course.glob(f"autograded/*/{TD1}/{DONE}"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = sorted(p.parent.parent.name for p in course.glob(f"autograded/*/{TD1}/{DONE}"))
    assert 2 <= len(done_before) < len(students), done_before
    times = {s: graded_times(course, TD1, s) for s in done_before}

    resumed = pipeline.grade(TD1, folder, course, REPO, jobs=1)
    assert sorted(resumed.plan.to_grade) == sorted(set(students) - set(done_before))
    assert {s: graded_times(course, TD1, s) for s in done_before} == times, "nothing already graded is lost"
    # A clean run of these samples (tests/grading/test_grading_hostile.py): 2 + 3 + 3, and 2 + 0 + 3 (the
    # automatically graded cells; the written answers wait for the teacher).
    linear = {
        (r.student, r.grade_id): r.score
        for r in resumed.rows
        if r.notebook == "02_regression_lineaire" and not r.manual
    }
    assert linear == {
        (student, cell): points
        for k, student in enumerate(students)
        for cell, points in (("test_loss", 2), ("test_gradient", 0 if k % 2 else 3), ("test_train", 3))
    }


@pytest.mark.slow
def test_grading_that_cannot_start_exits_non_zero_and_says_why(tmp_path, capsys):
    """A course whose configuration nbgrader cannot load (here: it raises) is not graded with nbgrader's
    defaults (English stub, no sandbox): autograde grade stops, exit status 2."""
    from autograde import cli

    course = Course.init(tmp_path / "course")
    (course.root / "nbgrader_config.py").write_text("raise RuntimeError('configuration cassée')\n")
    copies_folder = copies(tmp_path / "copies", TD1, "alice_honnete", source="hostile")
    code = cli.main(
        ["--repo", str(REPO), "grade", TD1, str(copies_folder), "--course", str(course.root), "--no-sandbox"]
    )
    assert code == 2
    assert "could not load" in capsys.readouterr().err
    assert not (course.root / "submitted").exists()


def test_a_submitted_folder_autograde_did_not_make_is_never_replaced(tmp_path):
    course = Course.init(tmp_path / "course")
    foreign = course.folder("submitted", "alice", TD1)
    foreign.mkdir(parents=True)
    (foreign / "01_neurone.ipynb").write_text("{}")  # as `nbgrader collect` would have put it
    copies_folder = tmp_path / "copies"
    (copies_folder / "alice").mkdir(parents=True)
    (copies_folder / "alice" / "01_neurone.ipynb").write_text('{"cells": []}')
    plan = course.take(TD1, copies_folder)
    assert "alice" in plan.refused and plan.to_grade == []
    assert (foreign / "01_neurone.ipynb").read_text() == "{}"


def test_a_new_version_replaces_autogrades_own_copy_and_an_unchanged_one_is_kept(tmp_path):
    course = Course.init(tmp_path / "course")
    copies_folder = tmp_path / "copies"
    (copies_folder / "alice").mkdir(parents=True)
    (copies_folder / "alice" / "01_neurone.ipynb").write_text("version 1")
    assert course.take(TD1, copies_folder).to_grade == ["alice"]
    copied = course.folder("submitted", "alice", TD1) / "01_neurone.ipynb"
    assert copied.read_text() == "version 1"
    (copies_folder / "alice" / "01_neurone.ipynb").write_text("version 2")
    assert course.take(TD1, copies_folder).to_grade == ["alice"]
    assert copied.read_text() == "version 2"


def test_the_intake_hook_repairs_tells_nbgrader_and_keeps_earlier_notes(tmp_path):
    """nbgrader's pre-convert hook: a renamed notebook is graded under its name, and nbgrader's own list
    of notebooks (which it passes to the hook, then uses) is updated in place."""
    from autograde.course import INTAKE, before_autograde

    course = tmp_path / "course"
    shutil.copytree(REPO / "release" / TD1, course / "release" / TD1)
    folder = course / "submitted" / "alice" / TD1
    folder.mkdir(parents=True)
    shutil.copy(
        SUBMISSIONS / "hostile" / "alice_honnete" / "02_regression_lineaire.ipynb",
        folder / "02_regression_lineaire (1).ipynb",
    )
    notebooks = [str(folder / "02_regression_lineaire (1).ipynb")]
    before_autograde(assignment=TD1, student="alice", notebooks=notebooks)
    assert notebooks == [str(folder / "02_regression_lineaire.ipynb")]
    before_autograde(assignment=TD1, student="alice", notebooks=notebooks)  # a resumed run
    import json

    notes = json.loads((folder / INTAKE).read_text())
    assert any("02_regression_lineaire (1).ipynb" in note for note in notes["02_regression_lineaire"])
