"""The end of a local cluster's run (autograde/dask_grading.py), without a cluster: a process counts as
ended once it is gone or a zombie, and this process collects the zombies that are its own children."""

import os
import subprocess
import sys
import time

import psutil
import pytest

from autograde.dask_grading import _wait_ended


def _zombie_of(child: subprocess.Popen) -> psutil.Process:
    handle = psutil.Process(child.pid)
    for _ in range(500):  # at most 5 s for `true` to end
        if handle.status() == psutil.STATUS_ZOMBIE:
            return handle
        time.sleep(0.01)
    raise AssertionError(f"{child.args} did not end")


def test_a_zombie_child_has_ended_and_is_collected():
    child = subprocess.Popen(["true"])
    zombie = _zombie_of(child)
    assert _wait_ended([zombie], 10) == []
    with pytest.raises(ChildProcessError):  # collected: no child of that pid is left
        os.waitpid(child.pid, os.WNOHANG)


def test_a_process_still_running_when_the_time_is_up_is_returned():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = psutil.Process(child.pid)
        assert _wait_ended([running], 0.05) == [running]
    finally:
        child.kill()
        child.wait()


def test_a_gone_process_has_ended():
    child = subprocess.Popen(["true"])
    handle = psutil.Process(child.pid)
    child.wait()
    assert _wait_ended([handle], 10) == []
