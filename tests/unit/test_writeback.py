"""The client's side of the Dask engine, in-process and without a kernel: a graded submission written into
the course (autograde/writeback.py) as nbgrader's autograde writes it, manual grades kept; the folders
replaced only by complete successors; the stamp last; the settings a task carries; the course's lock."""

import json

import pytest
from fakes import code_cell, fast_gradebook, notebook, written_answer

from autograde import settings, writeback
from autograde.course import DONE, SUBMISSION, Course, CourseError
from autograde.dask_grading import run_settings
from autograde.pipeline import course_lock
from autograde.submission_task import Graded, safe_relative

ASSIGNMENT, NOTEBOOK = "td1", "nb"


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course whose gradebook knows the assignment: one notebook, a graded code cell worth 2 points
    and a written answer worth 1."""
    import copy

    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveCells

    fast_gradebook(monkeypatch)
    graded = code_cell("assert True", grade_id="test_f")
    graded.metadata["nbgrader"].update(grade=True, points=2, locked=True, solution=False)
    release = notebook(graded, written_answer("reponse", points=1))
    made = Course.init(tmp_path / "course")
    with Gradebook(made.db_url) as gradebook:
        gradebook.add_assignment(ASSIGNMENT)
    resources = {"nbgrader": {"db_url": made.db_url, "assignment": ASSIGNMENT, "notebook": NOTEBOOK}}
    SaveCells().preprocess(copy.deepcopy(release), resources)
    return made


def rows(auto: float | None, handed_in: bool = True) -> dict:
    """The gradebook rows a worker brings for one student: ``auto`` on the code cell, the answer unscored."""
    return {
        "timestamp": "2026-12-01T10:00:00",
        "handed_in": [NOTEBOOK] if handed_in else [],
        "notebooks": {
            NOTEBOOK: {
                "late_submission_penalty": None,
                "grades": {
                    "test_f": {"auto_score": auto, "needs_manual_grade": False},
                    "reponse": {"auto_score": None if handed_in else 0, "needs_manual_grade": handed_in},
                },
                "comments": {"reponse": None},
            }
        },
    }


def graded(student: str, auto: float | None, done: bool = True, **files) -> Graded:
    return Graded(
        student=student,
        digest="abc123",
        done=done,
        feedback_made=True,
        submitted=files.get("submitted", {f"{NOTEBOOK}.ipynb": b"{}"}),
        autograded=files.get("autograded", {f"{NOTEBOOK}.ipynb": b"{graded}"}),
        feedback=files.get("feedback", {f"{NOTEBOOK}.html": b"<html></html>"}),
        gradebook=rows(auto),
        rows=[],
        log="one line\nanother\n",
        worker="machine-7",
    )


def grade_of(course: Course, student: str, cell: str):
    from nbgrader.api import Gradebook, SubmittedAssignment

    with Gradebook(course.db_url) as gradebook:
        found = gradebook.find_grade(cell, NOTEBOOK, ASSIGNMENT, student)
        submissions = gradebook.db.query(SubmittedAssignment).count()
        return found.score, found.manual_score, found.needs_manual_grade, submissions


def test_a_written_student_has_nbgraders_rows_and_folders_and_the_stamp(course):
    submitted = course.folder("submitted", "alice", ASSIGNMENT)
    submitted.mkdir(parents=True)
    (submitted / SUBMISSION).write_text(json.dumps({"hash": "abc123"}))
    writeback.write(course, ASSIGNMENT, graded("alice", 2.0))
    assert grade_of(course, "alice", "test_f") == (2.0, None, False, 1)
    assert grade_of(course, "alice", "reponse")[2] is True  # a written answer waits for the teacher
    assert json.loads((course.folder("autograded", "alice", ASSIGNMENT) / DONE).read_text()) == {"hash": "abc123"}
    assert (course.folder("feedback", "alice", ASSIGNMENT) / f"{NOTEBOOK}.html").read_bytes() == b"<html></html>"
    # the intake's folder replaces the copy, and autograde's note of what was taken stays
    assert sorted(p.name for p in submitted.iterdir()) == [SUBMISSION, f"{NOTEBOOK}.ipynb"]
    assert "[machine-7] one line\n[machine-7] another\n" in (course.root / "autograde.log").read_text()


def test_a_regrade_keeps_the_teachers_grade_and_flags_it_for_review_as_nbgrader_does(course):
    from nbgrader.api import Gradebook

    writeback.write(course, ASSIGNMENT, graded("alice", 0.0))
    with Gradebook(course.db_url) as gradebook:
        gradebook.find_grade("test_f", NOTEBOOK, ASSIGNMENT, "alice").manual_score = 1.5
        gradebook.db.commit()
    writeback.write(course, ASSIGNMENT, graded("alice", 2.0))
    assert grade_of(course, "alice", "test_f") == (1.5, 1.5, True, 1)  # one submission, the teacher's score


def test_a_notebook_not_handed_in_is_zero_with_nothing_to_review(course):
    from nbgrader.api import Gradebook

    writeback.write(course, ASSIGNMENT, graded("alice", 2.0))
    with Gradebook(course.db_url) as gradebook:
        gradebook.find_grade("reponse", NOTEBOOK, ASSIGNMENT, "alice").manual_score = 1
        gradebook.db.commit()
    missing = graded("alice", 0)
    missing.gradebook = rows(0, handed_in=False)
    writeback.write(course, ASSIGNMENT, missing)
    assert grade_of(course, "alice", "reponse")[2] is False


def test_a_student_not_graded_to_the_end_gets_no_stamp_and_folders_are_replaced_whole(course):
    writeback.write(course, ASSIGNMENT, graded("alice", 2.0, autograded={"old.ipynb": b"1", "sub/x.txt": b"2"}))
    writeback.write(course, ASSIGNMENT, graded("alice", 1.0, done=False))
    folder = course.folder("autograded", "alice", ASSIGNMENT)
    assert sorted(p.name for p in folder.rglob("*")) == [f"{NOTEBOOK}.ipynb"]  # the old stamp went with the folder
    assert [p.name for p in folder.parent.iterdir()] == [ASSIGNMENT]  # no staging folder left beside it


def test_a_teachers_files_beside_the_students_folders_are_never_touched(course):
    mine = course.root / "autograded" / "alice" / "notes_du_prof.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("à garder")
    writeback.write(course, ASSIGNMENT, graded("alice", 2.0))
    assert mine.read_text() == "à garder"


@pytest.mark.parametrize("name", ["", "../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a\0b"])
def test_a_path_that_leaves_its_folder_is_refused(name, tmp_path):
    with pytest.raises(ValueError):
        safe_relative(name)
    with pytest.raises(ValueError):
        writeback.replace_folder(tmp_path / "out", {name: b"x"})
    assert not (tmp_path / "out").exists()


def test_a_task_carries_the_runs_limits_but_not_the_clients_gradebook_or_paths(monkeypatch):
    monkeypatch.setenv(settings.DB_URL.variable, "postgresql+psycopg://prof:secret@/cours")
    monkeypatch.setenv(settings.MNIST_DIR.variable, "/chez/le/client")
    monkeypatch.setenv(settings.MEMORY_MB.variable, "1024")
    chosen = run_settings(cell_timeout=15, sandbox=False)
    assert chosen == {
        settings.MEMORY_MB.variable: "1024",
        settings.CELL_TIMEOUT.variable: "15",
        settings.SANDBOX.variable: "off",
    }


def test_one_run_at_a_time_holds_a_course(tmp_path):
    with course_lock(tmp_path):
        with pytest.raises(CourseError, match=r"another autograde run is writing the course .*pid \d+"):
            with course_lock(tmp_path):
                pass
    with course_lock(tmp_path):  # released when its run ended
        pass


def test_a_worker_gets_the_assignments_rows_as_the_course_has_them(course, tmp_path):
    from nbgrader.api import Gradebook

    from autograde.dask_grading import assignment_gradebook

    copy = tmp_path / "copy.db"
    copy.write_bytes(assignment_gradebook(course.db_url, ASSIGNMENT))

    def rows_of(url):
        with Gradebook(url) as gradebook:
            [notebook] = gradebook.find_assignment(ASSIGNMENT).notebooks
            return (
                notebook.name,
                sorted((c.name, c.max_score, c.cell_type) for c in notebook.grade_cells),
                sorted(c.name for c in notebook.solution_cells),
                sorted((c.name, c.source, c.checksum, c.locked) for c in notebook.source_cells),
            )

    assert rows_of("sqlite:///" + str(copy)) == rows_of(course.db_url)
    assert rows_of(course.db_url)[1] == [("reponse", 1.0, "markdown"), ("test_f", 2.0, "code")]
