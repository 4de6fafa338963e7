"""The submission service's grading side (autograde/serve_dispatch.py) on a local Dask cluster of two
workers: attempts of TD 1's sample submissions claimed from the store, graded with their own seeds, one
verdict each; a worker killed in the middle of an attempt, a dispatcher stopped in the middle of one.

The scores are those TD 1's grading tests state (tests/grading/test_grading_td1.py): a verdict is the
same grading as `autograde grade`'s, reached through the service."""

import html
import os
import re
import signal
from collections import Counter, defaultdict

import pytest
import test_grading_td1 as td1
from conftest import REPO, sample_files
from test_dask_faults import DaskCluster, _grading_in_progress, _wait_for

from autograde import dask_grading
from autograde.attempts import FAILED, GRADED, QUEUED, RUNNING, Store
from autograde.course import Course
from autograde.serve_dispatch import CLIENT_GONE, PROGRESS_CHECKING, PROGRESS_QUEUED, Dispatcher

TD1 = td1.TestTD1.ASSIGNMENT
CELL_TIMEOUT = 20
GIVE_UP = 5  # seconds a client of the test waits for its scheduler to come back before it closes
LEASE = 8  # seconds: a stopped dispatcher's attempt is claimed again this long after its last extension
GRADIENT = ("02_regression_lineaire", "test_gradient")
SIGN = "regression_lineaire.gradient/sign"
SIGN_MESSAGE = "erreur reconnue : le signe est inversé"
NOTEBOOK_LINE = re.compile(r"exécution de 0[1-3]_\w+\.ipynb \([1-3]/3\)")


class Recording(Store):
    """The store, counting the verdicts written per attempt and keeping the progress lines written."""

    def __init__(self, url: str):
        super().__init__(url)
        self.verdicts: Counter[int] = Counter()
        self.lines: defaultdict[int, list[str]] = defaultdict(list)

    def finish(self, attempt_id, claim, result, *, now=None):
        written = super().finish(attempt_id, claim, result, now=now)
        if written:
            self.verdicts[attempt_id] += 1
        return written

    def fail(self, attempt_id, claim, message, *, now=None):
        written = super().fail(attempt_id, claim, message, now=now)
        if written:
            self.verdicts[attempt_id] += 1
        return written

    def progress(self, attempt_id, claim, text):
        written = super().progress(attempt_id, claim, text)
        if written:
            self.lines[attempt_id].append(text)
        return written


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    made = Course.open(tmp_path_factory.mktemp("serve") / "course", REPO)
    made.ensure_release(TD1)
    return made


@pytest.fixture(scope="module")
def client():
    with dask_grading.cluster(2) as opened:
        yield opened


@pytest.fixture
def store(tmp_path):
    opened = Recording(f"sqlite:///{tmp_path / 'service.db'}")
    opened.issue_tokens(["alice", "chloe"])
    yield opened
    opened.close()


def upload(store: Store, student: str, sample: str) -> int:
    files = sample_files(TD1, sample)
    return store.add_attempt(student, TD1, files)


def attempt(store: Store, attempt_id: int):
    for student in ("alice", "chloe"):
        found = store.attempt_of(student, attempt_id)
        if found is not None:
            return found
    raise AssertionError(f"no attempt {attempt_id}")


def settled(store: Store, ids: list[int]) -> bool:
    return all(attempt(store, i).state in (GRADED, FAILED) for i in ids)


def automatic(verdict: dict) -> dict[str, dict[str, float]]:
    """The verdict's automatically graded cells as TD 1's tests state scores: by notebook, by cell."""
    table: dict[str, dict[str, float]] = {}
    for cell in verdict["cells"]:
        if not cell["manual"]:
            table.setdefault(cell["notebook"], {})[cell["cell"]] = cell["score"]
    return table


def cell_of(verdict: dict, notebook: str, grade_id: str) -> dict:
    [found] = [c for c in verdict["cells"] if (c["notebook"], c["cell"]) == (notebook, grade_id)]
    return found


def points(scores: dict[str, dict[str, float]]) -> float:
    return sum(score for cells in scores.values() for score in cells.values())


CHLOE = td1.TestTD1.EXPECTED["chloe_gradient_faux"]
ALICE = td1.TestTD1.EXPECTED["alice_boucles"]


def test_each_attempt_is_graded_once_with_its_own_seed_and_its_named_mistake(store, course, client):
    chloe = [upload(store, "chloe", "chloe_gradient_faux") for _ in range(2)]
    alice = upload(store, "alice", "alice_boucles")
    dispatcher = Dispatcher(store, course, client, name="serve-a", cell_timeout=CELL_TIMEOUT)
    dispatcher.start()
    try:
        _wait_for(lambda: settled(store, [*chloe, alice]), "three verdicts")
        workers = dispatcher.workers()
    finally:
        dispatcher.stop()
    assert not dispatcher.running()
    assert store.verdicts == {chloe[0]: 1, chloe[1]: 1, alice: 1}
    first, second, full = attempt(store, chloe[0]), attempt(store, chloe[1]), attempt(store, alice)
    assert {first.state, second.state, full.state} == {GRADED}, (first.error, second.error, full.error)

    # The same files twice: two seeds drawn, the same points.
    assert first.seed != second.seed
    for verdict in (first.result, second.result):
        assert automatic(verdict) == CHLOE
        assert (verdict["score"], verdict["max_score"]) == (points(CHLOE), td1.TestTD1.TOTAL)
        assert verdict["graded_to_the_end"] is True
    gradient = cell_of(first.result, *GRADIENT)
    assert (gradient["score"], gradient["max_score"], gradient["mistakes"]) == (0, 3, [SIGN])
    assert SIGN_MESSAGE in gradient["message"]
    page = " ".join(html.unescape(first.result["feedback"]["02_regression_lineaire.html"]).split())
    assert SIGN_MESSAGE in page
    assert sorted(first.result["feedback"]) == [f"{notebook}.html" for notebook in sorted(td1.FULL)]

    assert automatic(full.result) == ALICE and full.result["score"] == points(td1.FULL)
    assert all(c["message"] == "" and c["mistakes"] == [] for c in full.result["cells"] if not c["manual"])
    assert {(c["notebook"], c["cell"]) for c in full.result["cells"] if c["manual"]} == {
        (notebook, cell) for notebook, cells in td1.MANUAL.items() for cell in cells
    }
    assert full.result["notes"] == []

    for attempt_id in (*chloe, alice):
        lines = store.lines[attempt_id]
        assert lines[0] == PROGRESS_QUEUED and lines[-1] == PROGRESS_CHECKING, lines
        assert any(NOTEBOOK_LINE.fullmatch(line) for line in lines), lines
    assert len(workers) == 2 and all(threads == 1 for _, threads, _ in workers)


def test_an_attempt_whose_worker_is_killed_mid_grading_is_graded_once(store, course, client):
    """SIGKILL of the Dask worker whose grading process runs the attempt's kernel: Dask runs the task
    again on the other worker, within the same claim, and one verdict is written."""
    chloe = upload(store, "chloe", "chloe_gradient_faux")
    dispatcher = Dispatcher(store, course, client, name="serve-b", cell_timeout=CELL_TIMEOUT)
    dispatcher.start()
    try:
        worker, student = _wait_for(lambda: _grading_in_progress(os.getpid()), "a kernel grading the attempt")
        assert student == "chloe"
        os.kill(worker, signal.SIGKILL)
        _wait_for(lambda: settled(store, [chloe]), "the verdict")
    finally:
        dispatcher.stop()
    graded = attempt(store, chloe)
    assert graded.state == GRADED, graded.error
    assert automatic(graded.result) == CHLOE
    assert store.verdicts == {chloe: 1} and graded.claims == 1


def test_a_dispatcher_stopped_mid_grading_and_started_again_finishes_the_queue(store, course, client):
    """stop() while the first of two attempts is being graded gives its claim back (queued again, at once)
    and leaves the second queued; started again, the dispatcher grades both: one verdict each."""
    chloe, alice = upload(store, "chloe", "chloe_gradient_faux"), upload(store, "alice", "alice_boucles")
    dispatcher = Dispatcher(
        store, course, client, name="serve-c", lease_seconds=LEASE, slots=1, cell_timeout=CELL_TIMEOUT
    )
    dispatcher.start()
    try:
        _, student = _wait_for(lambda: _grading_in_progress(os.getpid()), "a kernel grading the first attempt")
        dispatcher.stop()
        assert not dispatcher.running()
        left = (attempt(store, chloe).state, attempt(store, alice).state)
        dispatcher.start()
        _wait_for(lambda: settled(store, [chloe, alice]), "both verdicts")
    finally:
        dispatcher.stop()
    assert student == "chloe" and left == (QUEUED, QUEUED)
    first, second = attempt(store, chloe), attempt(store, alice)
    assert (first.state, second.state) == (GRADED, GRADED), (first.error, second.error)
    assert automatic(first.result) == CHLOE and automatic(second.result) == ALICE
    # the claim given back is not counted among those that stopped the grader (max_claims)
    assert (first.claims, second.claims) == (1, 1)
    assert store.verdicts == {chloe: 1, alice: 1}


@pytest.mark.slow
def test_a_scheduler_restarted_after_its_client_gave_up_loses_no_attempt_and_grades_none_twice(store, course, tmp_path):
    """`--scheduler`: the scheduler and its workers killed while an attempt is graded, and started again on
    the same port once the dispatcher's client has closed (as a machine's supervisor restarts them). The
    dispatcher gives its claims back, connects a new client, and each attempt gets one verdict, its usual
    score, from one claim each."""
    chloe, alice = upload(store, "chloe", "chloe_gradient_faux"), upload(store, "alice", "alice_boucles")
    cluster = DaskCluster(tmp_path / "cluster", workers=2)
    from distributed import Client

    def connect():
        return Client(cluster.address, timeout=GIVE_UP)

    first = connect()
    dispatcher = Dispatcher(store, course, first, name="serve-d", cell_timeout=CELL_TIMEOUT, reconnect=connect)
    dispatcher.start()
    try:
        _wait_for(
            lambda: next(filter(None, (_grading_in_progress(w.pid) for w in cluster.workers)), None),
            "a kernel grading an attempt",
        )
        port = int(cluster.address.rsplit(":", 1)[1])
        cluster.stop()
        _wait_for(lambda: first.status in CLIENT_GONE, "the client giving its scheduler up")
        assert {attempt(store, chloe).state, attempt(store, alice).state} <= {QUEUED, RUNNING}
        cluster.start(port)
        _wait_for(lambda: settled(store, [chloe, alice]), "both verdicts")
    finally:
        dispatcher.stop()
        first.close()
        cluster.stop()
    assert dispatcher.client is not first
    graded_chloe, graded_alice = attempt(store, chloe), attempt(store, alice)
    assert (graded_chloe.state, graded_alice.state) == (GRADED, GRADED), (graded_chloe.error, graded_alice.error)
    assert automatic(graded_chloe.result) == CHLOE and automatic(graded_alice.result) == ALICE
    assert (graded_chloe.claims, graded_alice.claims) == (1, 1)  # given back, not left to their leases
    assert store.verdicts == {chloe: 1, alice: 1}
