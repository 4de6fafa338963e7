"""A TD's deadline on the submission service, graded for real (autograde/serve_deadline.py): a class of
two students on TD 1, each with several attempts in the service's store, closed at the deadline; the
counted attempts land in the nbgrader gradebook with the exact scores TD 1's grading test states, the
upload's time as nbgrader's timestamp, the feedback and the Moodle CSV as after `autograde grade`; a
second close, after the teacher graded a written answer by hand, changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import test_grading_td1 as td1  # TD 1's exact scores, stated once (a module: its test class is not collected here)
from conftest import sample_files

from autograde.attempts import Store
from autograde.course import Course
from autograde.results import read_results
from autograde.serve_deadline import CLOSED, close
from autograde.serve_rules import TDRules

pytestmark = pytest.mark.slow

TD1 = td1.TestTD1.ASSIGNMENT
STUDENTS = ("alice_boucles", "chloe_gradient_faux")
DEADLINE = datetime(2027, 1, 15, 23, 59, tzinfo=UTC)
RULE = TDRules(
    assignment=TD1,
    opens=DEADLINE - timedelta(days=14),
    deadline=DEADLINE,
    per_hour=None,
    in_all=None,
    max_upload_bytes=2**20,
    show="messages",
    counts="last",
)


def sample(student: str) -> dict[str, bytes]:
    return sample_files(TD1, student)


def graded_attempt(store: Store, student: str, files: dict[str, bytes], at: datetime) -> int:
    attempt = store.add_attempt(student, TD1, files, now=at)
    claim = store.claim("worker-1", 60, now=at)
    assert claim is not None and claim.attempt.id == attempt
    store.finish(attempt, claim.key, {"score": 0, "max_score": 22}, now=at)
    return attempt


@pytest.fixture(scope="module")
def closed_class(tmp_path_factory):
    """The class closed once: (course, store, the first close, each counted attempt's upload time)."""
    root = tmp_path_factory.mktemp("serve-close")
    course = Course.open(root / "course")
    store = Store(f"sqlite:///{root / 'service.db'}")
    store.issue_tokens(STUDENTS, now=DEADLINE - timedelta(days=20))
    uploaded = {}
    # alice: first the release untouched, then her answers (the last graded before the deadline), then
    # another student's mistakes after it: only her answers count.
    graded_attempt(store, "alice_boucles", sample("bob_intact"), DEADLINE - timedelta(hours=5))
    uploaded["alice_boucles"] = DEADLINE - timedelta(hours=2, microseconds=500)
    graded_attempt(store, "alice_boucles", sample("alice_boucles"), uploaded["alice_boucles"])
    graded_attempt(store, "alice_boucles", sample("erreurs_1"), DEADLINE + timedelta(minutes=3))
    uploaded["chloe_gradient_faux"] = DEADLINE - timedelta(minutes=1)
    graded_attempt(store, "chloe_gradient_faux", sample("chloe_gradient_faux"), uploaded["chloe_gradient_faux"])
    first = close(course, store, RULE, now=DEADLINE + timedelta(minutes=5), jobs=1)
    yield course, store, first, uploaded
    store.close()


def automatic_scores(course: Course, student: str) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for row in read_results(course, TD1):
        if row.student == student and not row.manual:
            table.setdefault(row.notebook, {})[row.grade_id] = row.score
    return table


def test_every_counted_attempt_is_taken_and_graded_to_the_end(closed_class):
    course, store, first, _ = closed_class
    counted = {student: RULE.counted(store.attempts_of(student, TD1)).id for student in STUDENTS}
    assert first.taken == counted and first.complete
    assert (first.no_attempt, first.pending, first.kept, first.refused, first.failed) == ([], [], {}, {}, [])
    assert all(course.graded(student, TD1) for student in STUDENTS)


@pytest.mark.parametrize("student", STUDENTS)
def test_the_gradebook_holds_the_exact_scores_of_td1(closed_class, student):
    course, *_ = closed_class
    assert automatic_scores(course, student) == td1.TestTD1.EXPECTED[student]


def test_the_gradebook_has_the_uploads_time_and_the_written_answers_wait_for_the_teacher(closed_class):
    from nbgrader.api import Gradebook

    course, _, _, uploaded = closed_class
    with Gradebook(course.db_url) as gradebook:
        for student in STUDENTS:
            submission = gradebook.find_submission(TD1, student)
            assert submission.timestamp == uploaded[student].replace(tzinfo=None)
            assert submission.total_seconds_late == 0
    written = [r for r in read_results(course, TD1) if r.student == "alice_boucles" and r.manual]
    assert written and all(r.needs_manual_grade and r.message == "à corriger à la main" for r in written)


def test_the_feedback_and_the_moodle_csv_are_as_after_autograde_grade(closed_class):
    import csv
    import html

    from autograde import lms

    course, *_ = closed_class
    page = (course.root / "feedback" / "chloe_gradient_faux" / TD1 / "02_regression_lineaire.html").read_text()
    assert "erreur reconnue : le signe est inversé" in " ".join(html.unescape(page).split())
    with open(lms.write_moodle_csv(course), newline="", encoding="utf-8") as table:
        lines = {line["id"]: line for line in csv.DictReader(table)}
    [points] = [column for column in lines["alice_boucles"] if column.startswith(f"{TD1} (points sur")]
    assert lines["alice_boucles"][points] == "22" and lines["chloe_gradient_faux"][points] == "19"


def test_a_second_close_changes_nothing_and_keeps_the_teachers_manual_grade(closed_class):
    from nbgrader.api import Gradebook

    course, store, first, _ = closed_class
    with Gradebook(course.db_url) as gradebook:
        grade = gradebook.find_grade("reponse_gradient", "02_regression_lineaire", TD1, "alice_boucles")
        grade.manual_score = 2
        gradebook.db.commit()
    folders = [course.root / kind for kind in ("submitted", "autograded", "feedback")]
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file()) + [course.root / CLOSED]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    rows_before = read_results(course, TD1)

    second = close(course, store, RULE, now=DEADLINE + timedelta(hours=3), jobs=1)

    assert second.taken == {} and second.already == first.taken and second.run is None
    after = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file()) + [course.root / CLOSED]
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in after} == before
    assert read_results(course, TD1) == rows_before
    with Gradebook(course.db_url) as gradebook:
        grade = gradebook.find_grade("reponse_gradient", "02_regression_lineaire", TD1, "alice_boucles")
        assert grade.manual_score == 2
