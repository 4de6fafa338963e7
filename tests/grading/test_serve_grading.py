"""autograde.serve.GradingSide: the service's dispatcher and local cluster, started by a thread at
GRADING_NICENESS. Every process of the cluster and what a task starts (a student's kernel) run below the
thread that answers the students; stopping kills what the workers run rather than waiting for it, and
leaves no process behind."""

import os
import signal
import subprocess
import sys
import time

import pytest
import test_dask_faults as faults
from conftest import REPO

from autograde.attempts import Store
from autograde.course import Course
from autograde.sandbox import process_tree
from autograde.serve import GRADING_NICENESS, GradingSide


def _priorities() -> tuple[set[int], int]:
    """In a worker: the niceness of every thread of the worker, and of a process the task starts (as a
    kernel is started)."""
    threads = {os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in os.listdir("/proc/self/task")}
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return threads, int(child.stdout)


def _sleeping() -> None:
    """A task whose process does not end by itself (a kernel in an endless loop)."""
    subprocess.run(["sleep", "600"], check=False)


@pytest.mark.slow
def test_grading_runs_below_the_service_and_stops_without_waiting_for_its_tasks(tmp_path):
    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert here < GRADING_NICENESS, "run the tests at a niceness below the grading's"
    course = Course.open(tmp_path / "course", REPO)
    store = Store(f"sqlite:///{tmp_path / 'service.db'}")
    before = set(process_tree(os.getpid()))
    grading = GradingSide(store, course, jobs=2, scheduler=None).start()
    try:
        faults._wait_for(lambda: grading.dispatcher is not None, "the cluster started")
        client = grading.dispatcher.client
        seen = client.gather([client.submit(_priorities, pure=False, key=f"niceness-{i}") for i in range(2)])
        assert seen == [({GRADING_NICENESS}, GRADING_NICENESS)] * 2
        assert [threads for _, threads, _ in grading.workers()] == [1, 1]
        sleepers = [client.submit(_sleeping, pure=False, key=f"sleeping-{i}") for i in range(2)]
        faults._wait_for(
            lambda: sum("sleep 600" in faults._command(p) for p in process_tree(os.getpid())) == 2, "two sleepers"
        )
    finally:
        stopping = time.monotonic()
        grading.stop(timeout=120)
        print(f"the grading side stopped in {time.monotonic() - stopping:.1f} s")
        store.close()
    assert os.getpriority(os.PRIO_PROCESS, 0) == here  # the thread answering the students is left as it was
    assert not grading.failed and all(s.status != "finished" for s in sleepers)

    # Nothing the grading side started is left (the sleepers were killed, not awaited for their 600 s);
    # multiprocessing's resource tracker serves this process for its whole life.
    def left() -> set[int]:
        return {p for p in set(process_tree(os.getpid())) - before if "resource_tracker" not in faults._command(p)}

    deadline = time.monotonic() + 60
    while left() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left() == set()


@pytest.mark.slow
def test_a_local_cluster_killed_is_started_again_and_grades(tmp_path):
    """The local cluster's process killed (the out-of-memory killer's choice, say): the grading side sees
    its client give it up, starts a new cluster, and tasks run there."""
    course = Course.open(tmp_path / "course", REPO)
    store = Store(f"sqlite:///{tmp_path / 'service.db'}")
    grading = GradingSide(store, course, jobs=1, scheduler=None).start()
    try:
        first = faults._wait_for(lambda: grading.dispatcher, "the cluster started")
        [host] = [p for p in process_tree(os.getpid())[1:] if faults._parent(p) == os.getpid()
                  and "spawn_main" in faults._command(p) and any(faults._parent(q) == p for q in process_tree(p))]  # fmt: skip
        os.kill(host, signal.SIGKILL)
        second = faults._wait_for(
            lambda: grading.dispatcher if grading.dispatcher not in (None, first) else None, "a new cluster"
        )
        assert second.client.submit(_priorities, pure=False).result() == ({GRADING_NICENESS}, GRADING_NICENESS)
    finally:
        grading.stop(timeout=120)
        store.close()
    assert not grading.failed
