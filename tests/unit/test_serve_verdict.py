"""The service's verdict of a graded attempt (autograde/serve_dispatch.py's ``verdict_of``), from a
hand-made ``Graded``, and the Dask task's submission of a claimed attempt (its own seed, nbgrader's
timestamp, what the upload may not bring). The grading itself: tests/grading/test_serve_dispatch.py."""

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from autograde import settings
from autograde.attempts import Store
from autograde.course import INTAKE, SUBMISSION
from autograde.messages import notebook_not_handed_in
from autograde.results import CellResult
from autograde.serve_deadline import TIMESTAMP
from autograde.serve_dispatch import files_digest, submission_for, verdict_of
from autograde.submission_task import Graded

TD1 = "td1_neurone_regression"
SIGN = "regression_lineaire.gradient/sign"
GRADIENT_MESSAGE = "`gradient` — erreur reconnue : le signe est inversé."
PAGE = "<html><body>Réponse « juste » — ŷ</body></html>"


def row(notebook, grade_id, score, max_score, message="", mistakes=(), manual=False, student="chloe"):
    return CellResult(student, notebook, grade_id, score, max_score, message, mistakes, manual=manual)


def graded(**changes) -> Graded:
    made = {
        "student": "chloe",
        "digest": "d",
        "done": True,
        "feedback_made": True,
        "submitted": {
            "01_neurone.ipynb": b"{}",
            "03_regression_logistique.ipynb.illisible": b"not json",
            INTAKE: json.dumps(
                {
                    "03_regression_logistique": ["Le fichier n'est pas un notebook lisible : il n'a pas été corrigé."],
                    "01_neurone": ["L'ordre des cellules de l'énoncé a été rétabli avant la correction."],
                }
            ).encode(),
        },
        "autograded": {},
        "feedback": {
            "01_neurone.html": PAGE.encode(),
            "02_regression_lineaire.html": b"<p>bad byte \xff</p>",
            "images/figure.png": b"\x89PNG",
            "notes.txt": b"not a page",
        },
        "gradebook": {"timestamp": None, "notebooks": {}, "handed_in": ["01_neurone"]},
        "rows": [
            row("01_neurone", "test_activations", 2.0, 2.0),
            row("01_neurone", "reponse_elements", 0.0, 1.0, "à corriger à la main", manual=True),
            row("02_regression_lineaire", "test_gradient", 0.0, 3.0, GRADIENT_MESSAGE, (SIGN,)),
            row("02_regression_lineaire", "test_loss", 0.1, 0.2),
            row("02_regression_lineaire", "test_train", 0.2, 0.4),
            row("03_regression_logistique", "test_loss", 0.0, 2.0, "refusé"),
        ],
        "log": "",
    }
    return Graded(**{**made, **changes})


def test_the_verdict_holds_every_cell_its_points_message_and_named_mistakes():
    verdict = verdict_of(graded())
    assert verdict["score"] == 2.3 and verdict["max_score"] == 8.6  # summed exactly: not 2.3000000000000003
    assert verdict["graded_to_the_end"] is True
    assert verdict["cells"][2] == {
        "notebook": "02_regression_lineaire",
        "cell": "test_gradient",
        "score": 0.0,
        "max_score": 3.0,
        "message": GRADIENT_MESSAGE,
        "mistakes": [SIGN],
        "manual": False,
    }
    assert [(c["notebook"], c["cell"], c["manual"]) for c in verdict["cells"]][:2] == [
        ("01_neurone", "test_activations", False),
        ("01_neurone", "reponse_elements", True),
    ]
    assert verdict["cells"][0]["message"] == "" and verdict["cells"][0]["mistakes"] == []
    assert json.loads(json.dumps(verdict)) == verdict  # what Store.finish writes and the pages read back


def test_the_verdict_keeps_the_feedback_pages_decoded_and_nothing_else():
    feedback = verdict_of(graded())["feedback"]
    assert feedback == {"01_neurone.html": PAGE, "02_regression_lineaire.html": "<p>bad byte \ufffd</p>"}


def test_the_notes_say_what_the_intake_did_and_which_notebook_was_not_handed_in():
    notes = verdict_of(graded())["notes"]
    assert notes == [
        # 03 was handed in but set aside by the intake: its own note says why, not "non rendu"
        notebook_not_handed_in("02_regression_lineaire"),
        "03_regression_logistique.ipynb : Le fichier n'est pas un notebook lisible : il n'a pas été corrigé.",
        "01_neurone.ipynb : L'ordre des cellules de l'énoncé a été rétabli avant la correction.",
    ]


@pytest.mark.parametrize("intake", [b"not json", b"[1, 2]", json.dumps({"01_neurone": "not a list"}).encode(), None])
def test_notes_the_intake_did_not_write_as_expected_are_left_out(intake):
    submitted = {"01_neurone.ipynb": b"{}"} | ({INTAKE: intake} if intake is not None else {})
    verdict = verdict_of(graded(submitted=submitted, gradebook=None))
    assert verdict["notes"] == []  # and no "non rendu" either: without nbgrader's rows, nothing is known


def test_a_grading_that_did_not_reach_the_end_says_so_and_only_the_students_rows_count():
    verdict = verdict_of(graded(done=False, rows=[row("01_neurone", "test_neuron", 2, 2, student="other")]))
    assert verdict["graded_to_the_end"] is False
    assert verdict["cells"] == [] and verdict["score"] == 0 and verdict["max_score"] == 0


# ------------------------------------------------------------------------------ the submission
NOW = datetime(2027, 1, 15, 9, 30, 12, 345678, tzinfo=UTC)
UPLOAD = {"01_neurone.ipynb": b'{"cells": []}', "02_regression_lineaire.ipynb": "é".encode()}


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'service.db'}") as opened:
        opened.issue_tokens(["chloe"])
        yield opened


def claimed(store: Store, files: dict[str, bytes]):
    store.add_attempt("chloe", TD1, files, now=NOW)
    claim = store.claim("dispatcher", 60, now=NOW)
    assert claim is not None
    return claim


def test_a_submission_carries_the_attempts_own_seed_and_the_runs_settings(store):
    first, second = claimed(store, UPLOAD), claimed(store, UPLOAD)
    run = {settings.CELL_TIMEOUT.variable: "20", settings.SANDBOX.variable: "on", settings.SEED.variable: "1"}
    one, two = submission_for(first, run, "topic-1"), submission_for(second, run, "topic-2")
    assert first.attempt.seed != second.attempt.seed
    assert one.settings == {**run, settings.SEED.variable: str(first.attempt.seed)}
    assert two.settings[settings.SEED.variable] == str(second.attempt.seed)
    assert run[settings.SEED.variable] == "1"  # the run's settings themselves untouched
    assert (one.student, one.progress_topic) == ("chloe", "topic-1")
    assert one.digest == two.digest == files_digest(UPLOAD)  # the same files: the same hash, as Course.take


def test_a_submission_is_the_upload_with_the_attempts_time_and_the_note_of_what_was_taken(store):
    claim = claimed(store, UPLOAD)
    files = submission_for(claim, {}).files
    assert {name: files[name] for name in UPLOAD} == UPLOAD
    assert set(files) == {*UPLOAD, SUBMISSION, TIMESTAMP}
    assert json.loads(files[SUBMISSION]) == {"hash": files_digest(UPLOAD), "from": f"attempt {claim.attempt.id}"}
    from nbgrader.utils import parse_utc

    assert parse_utc(files[TIMESTAMP].decode()) == NOW.replace(tzinfo=None)  # nbgrader's naive UTC


def test_an_upload_cannot_bring_its_own_timestamp_or_autograde_notes(store):
    forged = {
        **UPLOAD,
        TIMESTAMP: b"2020-01-01 00:00:00 UTC",
        SUBMISSION: b'{"hash": "forged"}',
        INTAKE: b'{"01_neurone": ["forged"]}',
    }
    files = submission_for(claimed(store, forged), {}).files
    assert set(files) == {*UPLOAD, SUBMISSION, TIMESTAMP}
    assert files[TIMESTAMP] != forged[TIMESTAMP] and json.loads(files[SUBMISSION])["hash"] == files_digest(UPLOAD)


# ------------------------------------------------------------------------------ the dispatcher
# Its loop on a fake Dask client (the real cluster: tests/grading/test_serve_dispatch.py): what each
# outcome of a task writes in the store, in French, and what the teacher's log gets.
class Done:
    """A finished fake task: its result, or the exception it raised."""

    status = "finished"

    def __init__(self, outcome):
        self.outcome, self.cancelled = outcome, False

    def done(self):
        return True

    def result(self):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome

    def release(self):
        pass

    def cancel(self):
        self.cancelled = True


class FakeClient:
    status = "running"

    def __init__(self, outcomes):
        self.outcomes, self.scattered, self.submitted = list(outcomes), [], []

    def scheduler_info(self, n_workers=-1):
        metrics = {"task_counts": {"executing": 1, "memory": 3}}
        return {"workers": {"tcp://127.0.0.1:1": {"name": 0, "nthreads": 2, "metrics": metrics}}}

    def scatter(self, data, **options):
        self.scattered.append(data)
        return Done(data)

    def submit(self, function, package, submission, key, pure):
        self.submitted.append(submission)
        return Done(self.outcomes.pop(0))

    def get_events(self, topic):
        return ((0.0, {"student": "chloe", "notebook": "02_regression_lineaire"}),)


def run_dispatcher(store, tmp_path, monkeypatch, outcomes, count):
    """Upload ``count`` attempts, let a dispatcher on a fake client settle them all, stop it."""
    import time

    import distributed

    from autograde import serve_dispatch
    from autograde.attempts import FAILED, GRADED
    from autograde.course import Course
    from autograde.submission_task import Assignment

    built = []

    def package(course, assignment):
        built.append(assignment)
        release = {f"{name}.ipynb": b"{}" for name in ("01_neurone", "02_regression_lineaire")}
        return Assignment(assignment, "config", {}, release, b"")

    monkeypatch.setattr(serve_dispatch.dask_grading, "assignment_package", package)
    monkeypatch.setattr(distributed, "wait", lambda futures, timeout, return_when: None)  # every fake is done
    ids = [store.add_attempt("chloe", TD1, UPLOAD) for _ in range(count)]
    client = FakeClient(outcomes)
    dispatcher = serve_dispatch.Dispatcher(store, Course(tmp_path), client, name="fake")
    assert dispatcher.workers() == [("0", 2, 1)]
    dispatcher.start()
    deadline = time.monotonic() + 60  # a backstop, never the assertion
    while time.monotonic() < deadline and any(store.attempt_of("chloe", i).state not in (GRADED, FAILED) for i in ids):
        time.sleep(0.01)
    dispatcher.stop()
    assert not dispatcher.running()
    return [store.attempt_of("chloe", i) for i in ids], client, built


def test_a_graded_task_is_the_verdict_and_the_tds_package_is_built_and_scattered_once(store, tmp_path, monkeypatch):
    from autograde.attempts import GRADED

    outcomes = [graded(), graded(rows=graded().rows[:1])]
    (first, second), client, built = run_dispatcher(store, tmp_path, monkeypatch, outcomes, 2)
    assert (first.state, second.state) == (GRADED, GRADED)
    assert first.result == verdict_of(outcomes[0]) and second.result == verdict_of(outcomes[1])
    assert built == [TD1] and len(client.scattered) == 1
    assert [s.settings[settings.SEED.variable] for s in client.submitted] == [str(first.seed), str(second.seed)]
    assert len({s.progress_topic for s in client.submitted}) == 2  # a topic per attempt


def test_a_failed_task_is_a_french_message_for_the_student_and_the_cause_in_the_teachers_log(
    store, tmp_path, monkeypatch
):
    from distributed import KilledWorker

    from autograde import serve_dispatch
    from autograde.attempts import FAILED

    outcomes = [
        RuntimeError("Traceback: secret detail"),
        KilledWorker("autograde-serve-x", SimpleNamespace(address="tcp://127.0.0.1:1"), 3),
        graded(done=False, log="nbgrader stopped at notebook 02"),
    ]
    attempts, _, _ = run_dispatcher(store, tmp_path, monkeypatch, outcomes, 3)
    assert [a.state for a in attempts] == [FAILED] * 3
    assert [a.error for a in attempts] == [
        serve_dispatch.FAILED_SERVICE,
        serve_dispatch.FAILED_KILLED_WORKERS,
        serve_dispatch.FAILED_NOT_TO_THE_END,
    ]
    teachers = (tmp_path / "autograde.log").read_text(encoding="utf-8")
    assert "RuntimeError: Traceback: secret detail" in teachers and "nbgrader stopped at notebook 02" in teachers
    assert all(f"attempt {a.id} of chloe ({TD1}) failed" in teachers for a in attempts)


def test_a_task_the_cluster_lost_is_submitted_again_within_its_claim(store, tmp_path, monkeypatch):
    from concurrent.futures import CancelledError

    from autograde.attempts import GRADED

    [done], client, _ = run_dispatcher(store, tmp_path, monkeypatch, [CancelledError(), graded()], 1)
    assert done.state == GRADED and done.claims == 1 and done.result == verdict_of(graded())
    assert len(client.submitted) == 2 and client.submitted[0].settings == client.submitted[1].settings
