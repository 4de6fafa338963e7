"""A TD's deadline on the submission service (autograde/serve_deadline.py), without grading: which
attempt is taken from a store holding several, the folder a counted attempt becomes (as a teacher's
hand-in), no close before the deadline, a second close that changes nothing, the teacher's submission
that wins, a close killed halfway finished by the next. The pipeline is replaced by one that takes the
submissions into the course (the real ``Course.take``) and stamps them graded; the real grading of a
close is tests/grading/test_serve_deadline.py's."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import sample_files

from autograde import pipeline
from autograde.attempts import Store
from autograde.course import DONE, SUBMISSION, Course
from autograde.serve_deadline import CLOSED, TIMESTAMP, CloseError, close, close_command
from autograde.serve_rules import TDRules

TD1 = "td1_neurone_regression"
DEADLINE = datetime(2027, 1, 15, 23, 59, tzinfo=UTC)
AFTER = DEADLINE + timedelta(minutes=1)
LEASE = 60
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


def before(**delta) -> datetime:
    return DEADLINE - timedelta(**delta)


class Service:
    """A store whose attempts are made, claimed and given their verdict at set times."""

    def __init__(self, url: str, students: list[str]):
        self.store = Store(url)
        self.store.issue_tokens(students, now=before(days=20))

    def attempt(self, student: str, files: dict[str, bytes], at: datetime, state: str = "graded", score=1.0) -> int:
        attempt_id = self.store.add_attempt(student, TD1, files, now=at)
        if state in ("graded", "failed"):
            claim = self.store.claim("worker-1", LEASE, now=at)
            assert claim is not None and claim.attempt.id == attempt_id
            if state == "graded":
                self.store.finish(attempt_id, claim.key, {"score": score, "max_score": 22}, now=at)
            else:
                self.store.fail(attempt_id, claim.key, "the grading process died", now=at)
        return attempt_id


@pytest.fixture
def service(tmp_path):
    made = Service(f"sqlite:///{tmp_path / 'service.db'}", ["alice", "bruno", "chloe", "dora"])
    yield made
    made.store.close()


@pytest.fixture
def course(tmp_path) -> Course:
    return Course.open(tmp_path / "course")


class FakePipeline:
    """``pipeline.grade`` as far as the course's folders go: the real take, then each student taken stamped
    graded (but those in ``failing``); the staging folder each call saw, file by file."""

    def __init__(self):
        self.calls: list[dict[str, bytes]] = []
        self.failing: set[str] = set()
        self.broken = False

    def __call__(self, assignment, submissions, course_dir, repo_root, **_options):
        if self.broken:
            raise pipeline.PipelineError("the sandbox is not available")
        root = Path(submissions)
        self.calls.append({p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()})
        course = Course.open(course_dir, repo_root)
        with pipeline.course_lock(course.root):
            plan = course.take(assignment, root)
        for student in plan.to_grade:
            if student not in self.failing:
                note = json.loads((course.folder("submitted", student, assignment) / SUBMISSION).read_text())
                graded = course.folder("autograded", student, assignment)
                graded.mkdir(parents=True, exist_ok=True)
                (graded / DONE).write_text(json.dumps({"hash": note["hash"]}))
        return pipeline.Run(course, [], plan, sorted(self.failing & set(plan.to_grade)))


@pytest.fixture
def graded(monkeypatch) -> FakePipeline:
    fake = FakePipeline()
    monkeypatch.setattr(pipeline, "grade", fake)
    return fake


def submitted(course: Course, student: str) -> dict[str, bytes]:
    folder = course.folder("submitted", student, TD1)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".autograde")}


def state_of(course: Course) -> dict[str, tuple[int, bytes]]:
    """Every file of the course but its lock, with its modification time."""
    return {
        p.relative_to(course.root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(course.root.rglob("*"))
        if p.is_file() and p.name != pipeline.LOCK
    }


# ------------------------------------------------------------------------------ which attempt
def test_the_last_graded_attempt_before_the_deadline_is_taken_and_nothing_else(service, course, graded):
    alice = {
        "first": service.attempt("alice", sample("bob_intact"), before(hours=3), score=5),
        "counted": service.attempt("alice", sample("alice_boucles"), before(hours=1), score=3),
        "failed": service.attempt("alice", sample("erreurs_1"), before(minutes=30), state="failed"),
        "after": service.attempt("alice", sample("erreurs_2"), DEADLINE + timedelta(seconds=1), score=22),
    }
    service.attempt("bruno", sample("erreurs_3"), before(hours=2), state="failed")  # failed only: nothing counts
    service.attempt("chloe", sample("chloe_gradient_faux"), before(hours=2))
    service.attempt("chloe", sample("alice_boucles"), before(minutes=10), state="queued")  # its verdict to come

    closed = close(course, service.store, RULE, now=AFTER)

    assert closed.taken == {"alice": alice["counted"]}
    assert closed.no_attempt == ["bruno", "dora"]
    assert closed.pending == ["chloe"], "the queued attempt may be the last one: chloe is not closed yet"
    assert (closed.already, closed.kept, closed.refused, closed.failed) == ({}, {}, {}, [])
    assert not closed.complete
    assert {name: content for name, content in submitted(course, "alice").items() if name != TIMESTAMP} == sample(
        "alice_boucles"
    )
    assert not course.folder("submitted", "chloe", TD1).exists()
    assert not course.folder("submitted", "bruno", TD1).exists()


def test_with_counts_best_the_best_score_is_taken(service, course, graded):
    best = service.attempt("alice", sample("alice_boucles"), before(hours=3), score=22)
    service.attempt("alice", sample("chloe_gradient_faux"), before(hours=1), score=19)
    closed = close(course, service.store, replace(RULE, counts="best"), now=AFTER)
    assert closed.taken == {"alice": best}
    assert {n: c for n, c in submitted(course, "alice").items() if n != TIMESTAMP} == sample("alice_boucles")


def test_a_student_is_closed_once_the_verdict_awaited_is_written(service, course, graded):
    service.attempt("chloe", sample("chloe_gradient_faux"), before(hours=2))
    late = service.attempt("chloe", sample("alice_boucles"), before(minutes=10), state="queued")
    assert close(course, service.store, RULE, now=AFTER).pending == ["chloe"]
    claim = service.store.claim("worker-1", LEASE, now=AFTER)
    assert claim is not None and claim.attempt.id == late
    assert close(course, service.store, RULE, now=AFTER).pending == ["chloe"], "running: still awaited"
    service.store.finish(late, claim.key, {"score": 22, "max_score": 22}, now=AFTER)
    closed = close(course, service.store, RULE, now=AFTER + timedelta(minutes=1))
    assert closed.taken == {"chloe": late} and closed.pending == []


# ---------------------------------------------------------------------------- the staged folder
def test_the_counted_attempt_arrives_as_a_teachers_hand_in_with_nbgraders_timestamp(service, course, graded):
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import parse_utc

    created = before(hours=1, microseconds=250)
    service.attempt("alice", sample("alice_boucles"), created)
    close(course, service.store, RULE, now=AFTER)

    [staged] = graded.calls
    assert set(staged) == {f"alice/{name}" for name in sample("alice_boucles")} | {f"alice/{TIMESTAMP}"}
    for name, content in sample("alice_boucles").items():
        assert staged[f"alice/{name}"] == content, "the student's bytes, unchanged"
    assert parse_utc(staged[f"alice/{TIMESTAMP}"].decode()) == created.replace(tzinfo=None)
    # What nbgrader's autograde will read from the course: the upload's time, to the microsecond.
    folder = course.folder("submitted", "alice", TD1)
    assert CourseDirectory().get_existing_timestamp(str(folder)) == created.replace(tzinfo=None)


@pytest.mark.parametrize("name", ["../../evil.ipynb", ".hidden.ipynb", "timestamp.txt", "notes.py", "a/b.ipynb"])
def test_a_file_name_that_is_no_notebooks_refuses_the_student_and_writes_nothing(service, course, graded, name):
    service.attempt("alice", {**sample("alice_boucles"), name: b"{}"}, before(hours=1))
    service.attempt("bruno", sample("chloe_gradient_faux"), before(hours=1))
    closed = close(course, service.store, RULE, now=AFTER)
    assert list(closed.refused) == ["alice"] and "cannot be a notebook" in closed.refused["alice"]
    assert list(closed.taken) == ["bruno"]
    assert [set(call) for call in graded.calls] == [
        {f"bruno/{n}" for n in sample("chloe_gradient_faux")} | {f"bruno/{TIMESTAMP}"}
    ]
    assert not (course.root / "evil.ipynb").exists() and not course.folder("submitted", "alice", TD1).exists()


# ------------------------------------------------------------------------------- the deadline
@pytest.mark.parametrize("now", [DEADLINE - timedelta(microseconds=1), DEADLINE - timedelta(days=3)])
def test_no_close_before_the_deadline(service, course, graded, now):
    service.attempt("alice", sample("alice_boucles"), before(hours=1))
    with pytest.raises(CloseError, match="cannot be closed before"):
        close(course, service.store, RULE, now=now)
    assert graded.calls == []
    assert not (course.root / CLOSED).exists() and not (course.root / "submitted").exists()


def test_a_time_without_its_zone_is_refused(service, course, graded):
    with pytest.raises(CloseError, match="zone"):
        close(course, service.store, RULE, now=AFTER.replace(tzinfo=None))


def test_the_deadline_itself_closes(service, course, graded):
    """The service refuses an upload at the deadline (serve_rules: open until the deadline, excluded)."""
    counted = service.attempt("alice", sample("alice_boucles"), before(seconds=1))
    assert close(course, service.store, RULE, now=DEADLINE).taken == {"alice": counted}


# ------------------------------------------------------------------------------ once, and safely
def test_a_second_close_changes_nothing(service, course, graded):
    alice = service.attempt("alice", sample("alice_boucles"), before(hours=1))
    chloe = service.attempt("chloe", sample("chloe_gradient_faux"), before(hours=1))
    first = close(course, service.store, RULE, now=AFTER)
    assert first.taken == {"alice": alice, "chloe": chloe} and first.complete
    record = json.loads((course.root / CLOSED).read_text())[TD1]
    assert {student: entry["attempt"] for student, entry in record.items()} == {"alice": alice, "chloe": chloe}
    before_second = state_of(course)

    second = close(course, service.store, RULE, now=AFTER + timedelta(hours=5))

    assert second.taken == {} and second.already == {"alice": alice, "chloe": chloe} and second.run is None
    assert len(graded.calls) == 1, "nothing to grade: the pipeline is not run"
    assert state_of(course) == before_second


def test_the_teachers_own_submission_wins_before_the_close_and_after(service, course, graded, tmp_path):
    service.attempt("alice", sample("alice_boucles"), before(hours=1))
    service.attempt("chloe", sample("chloe_gradient_faux"), before(hours=1))
    # Before the close: alice's copy put there by hand (no note of autograde's).
    by_hand = course.folder("submitted", "alice", TD1)
    by_hand.mkdir(parents=True)
    (by_hand / "01_neurone.ipynb").write_bytes(b"the teacher's copy")
    closed = close(course, service.store, RULE, now=AFTER)
    assert list(closed.kept) == ["alice"] and "teacher's wins" in closed.kept["alice"]
    assert list(closed.taken) == ["chloe"]
    assert (by_hand / "01_neurone.ipynb").read_bytes() == b"the teacher's copy"

    # After the close: the teacher takes chloe's Moodle hand-in with `autograde grade` (Course.take).
    moodle = tmp_path / "collected"
    (moodle / "chloe").mkdir(parents=True)
    (moodle / "chloe" / "02_regression_lineaire.ipynb").write_bytes(b"handed in on Moodle")
    assert course.take(TD1, moodle).to_grade == ["chloe"]
    teachers = submitted(course, "chloe")

    again = close(course, service.store, RULE, now=AFTER + timedelta(hours=1))
    assert sorted(again.kept) == ["alice", "chloe"] and again.taken == {}
    assert submitted(course, "chloe") == teachers
    assert len(graded.calls) == 1


def test_a_changed_rule_replaces_the_closes_own_folder_with_the_attempt_it_counts(service, course, graded):
    best = service.attempt("alice", sample("alice_boucles"), before(hours=3), score=22)
    last = service.attempt("alice", sample("chloe_gradient_faux"), before(hours=1), score=19)
    assert close(course, service.store, RULE, now=AFTER).taken == {"alice": last}
    closed = close(course, service.store, replace(RULE, counts="best"), now=AFTER)
    assert closed.taken == {"alice": best}
    assert {n: c for n, c in submitted(course, "alice").items() if n != TIMESTAMP} == sample("alice_boucles")


def test_a_close_whose_grading_could_not_run_is_finished_by_the_next(service, course, graded):
    alice = service.attempt("alice", sample("alice_boucles"), before(hours=1))
    graded.broken = True
    with pytest.raises(CloseError, match="close again"):
        close(course, service.store, RULE, now=AFTER)
    assert json.loads((course.root / CLOSED).read_text())[TD1]["alice"]["attempt"] == alice, "recorded first"
    graded.broken = False
    assert close(course, service.store, RULE, now=AFTER).taken == {"alice": alice}


def test_a_student_not_graded_to_the_end_is_graded_again_by_the_next_close_never_taken_twice(service, course, graded):
    alice = service.attempt("alice", sample("alice_boucles"), before(hours=1))
    graded.failing = {"alice"}
    first = close(course, service.store, RULE, now=AFTER)
    assert first.taken == {"alice": alice} and first.failed == ["alice"] and not first.complete
    note = (course.folder("submitted", "alice", TD1) / SUBMISSION).read_bytes()
    graded.failing = set()
    second = close(course, service.store, RULE, now=AFTER)
    assert second.taken == {"alice": alice} and second.failed == [] and second.complete
    assert (course.folder("submitted", "alice", TD1) / SUBMISSION).read_bytes() == note, "the same copy"
    assert close(course, service.store, RULE, now=AFTER).already == {"alice": alice}


def test_a_record_that_is_not_a_closes_refuses_to_guess(service, course, graded):
    service.attempt("alice", sample("alice_boucles"), before(hours=1))
    (course.root / CLOSED).write_text('{"td1_neurone_regression": {"alice": {"attempt": "3"}}}')
    with pytest.raises(CloseError, match="not what"):
        close(course, service.store, RULE, now=AFTER)
    assert graded.calls == []


def test_another_run_writing_the_course_refuses_the_close(service, course, graded):
    service.attempt("alice", sample("alice_boucles"), before(hours=1))
    with pipeline.course_lock(course.root), pytest.raises(CloseError, match="another autograde run"):
        close(course, service.store, RULE, now=AFTER)
    assert graded.calls == [] and not (course.root / CLOSED).exists()


# ------------------------------------------------------------------------------------ the command
def rules_file(tmp_path: Path, deadline: datetime) -> Path:
    path = tmp_path / "serve.toml"
    path.write_text(
        f"[{TD1}]\nopens = {(deadline - timedelta(days=14)).isoformat()}\ndeadline = {deadline.isoformat()}\n",
        encoding="utf-8",
    )
    return path


def test_the_command_refuses_before_the_deadline_and_an_unknown_td(service, course, graded, tmp_path, capsys):
    future = datetime.now(UTC) + timedelta(days=1)
    code = close_command(course.root, service.store.shown_url, rules_file(tmp_path, future), TD1)
    assert code == 2 and "cannot be closed before" in capsys.readouterr().err
    code = close_command(course.root, service.store.shown_url, rules_file(tmp_path, future), "td2_descente_gradient")
    assert code == 2 and "no rules for 'td2_descente_gradient'" in capsys.readouterr().err
    assert graded.calls == []


def test_the_command_says_what_it_took(service, course, graded, tmp_path, capsys, monkeypatch):
    from autograde import lms, report

    written = []
    monkeypatch.setattr(report, "write_report", lambda course, assignment, rows: written.append("report") or "r.html")
    monkeypatch.setattr(lms, "write_moodle_csv", lambda course: written.append("moodle") or "m.csv")
    deadline = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    attempt = service.store.add_attempt("alice", TD1, sample("alice_boucles"), now=deadline - timedelta(hours=1))
    claim = service.store.claim("w", LEASE, now=deadline)
    service.store.finish(attempt, claim.key, {"score": 22}, now=deadline)
    rules = rules_file(tmp_path, deadline)

    assert close_command(course.root, service.store.shown_url, rules, TD1) == 0
    out = capsys.readouterr().out
    assert f"taken: alice (attempt {attempt})" in out and "bruno, chloe, dora" in out
    assert written == ["report", "moodle"]
    assert close_command(course.root, service.store.shown_url, rules, TD1) == 0
    assert "0 attempt(s) taken into the course, 1 taken by an earlier close" in capsys.readouterr().out
    assert written == ["report", "moodle"], "nothing graded: nothing written again"
