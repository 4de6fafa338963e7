"""Nothing lost when a machine fails (issue 22, part 3), on the Dask engine (autograde/dask_grading.py):
a worker killed in the middle of a student, the client killed halfway, the scheduler gone, two runs at
once on one course, a scheduler that cannot be reached.

The class is small: copies of the hostile class's honest student (TD 1's notebook 02 only), whose every
clean grading is 8 of TD 1's 29 points (test_loss 2, test_gradient 3, test_train 3; the written answers
wait for the teacher). A test's own Dask cluster is plain `dask scheduler` and `dask worker` processes
on 127.0.0.1, as a department starts them; the client is `autograde grade` in a subprocess whenever the
test kills something of the run."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS
from test_grading_workers import _alive, _left_after, _tree

from autograde import dask_grading, pipeline
from autograde.course import DONE, Course
from autograde.results import read_results

TD1 = "td1_neurone_regression"
LINEAR = "02_regression_lineaire"
SAMPLE = SUBMISSIONS / "hostile" / "alice_honnete"
# What a clean grading gives the sample: the automatic cells of notebook 02 (every other cell: 0, or a
# written answer left to the teacher), out of the assignment's 29 points.
SAMPLE_SCORES = {"test_loss": 2, "test_gradient": 3, "test_train": 3}
SAMPLE_TOTAL, MAX_TOTAL = 8, 29
CELL_TIMEOUT = "20"
BACKSTOP = 600  # seconds: a wait that fails the test rather than hang it; a loaded machine stays far below
PRE_CONVERT = "[INFO] Running pre-convert hook"  # the first line nbgrader logs of a student's grading


# ------------------------------------------------------------------------------------------ helpers
def _class(folder: Path, students: list[str]) -> Path:
    for student in students:
        shutil.copytree(SAMPLE, folder / student)
    return folder


def _cli(folder: Path, course: Path, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "autograde.cli", "--repo", str(REPO), "grade", TD1, str(folder)]
    command += ["--course", str(course), "--cell-timeout", CELL_TIMEOUT, *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + BACKSTOP
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"the run ended (status {process.returncode}) before {what}: {process.stderr.read()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"{what}: not within {BACKSTOP} s")


def _stamped(course: Path) -> dict[str, float]:
    """The students stamped graded to the end, with their stamp's modification time."""
    return {path.parts[-3]: path.stat().st_mtime_ns for path in course.glob(f"autograded/*/{TD1}/{DONE}")}


def _gradebook(course: Path) -> dict[str, list[tuple[float, float]]]:
    """Per student of the gradebook, every submission of TD 1 as (score, max score)."""
    from nbgrader.api import Gradebook

    with Gradebook(Course(course).db_url) as gradebook:
        found: dict[str, list[tuple[float, float]]] = {s.id: [] for s in gradebook.students}
        for submission in gradebook.find_assignment(TD1).submissions:
            found[submission.student_id].append((submission.score, submission.max_score))
    return found


def _graded_in_log_section(course: Path, section: int = -1) -> list[str]:
    """The students whose grading a run (the last one by default) wrote in autograde.log, in order."""
    text = (course / "autograde.log").read_text(encoding="utf-8", errors="replace")
    runs = text.split("==== autograde ")[1:]
    return [
        line.split("] ", 1)[1].split(":", 1)[0] for line in runs[section].splitlines() if line.endswith(PRE_CONVERT)
    ]


def _being_graded(progress: list[str]) -> set[str]:
    """The students the progress lines showed at work ("[0/1 étudiants corrigés] en cours : ben · …")."""
    return {line.split(" en cours : ", 1)[1].split(" · ", 1)[0] for line in progress if " en cours : " in line}


def assert_exactly_once_with_clean_grades(course: Path, students: list[str]) -> None:
    """Every student once in the gradebook with the clean grading's score, and their graded notebook,
    feedback page and stamp in the course."""
    assert _gradebook(course) == {student: [(SAMPLE_TOTAL, MAX_TOTAL)] for student in students}
    automatic = {}
    for row in read_results(Course(course), TD1):
        if not row.manual and row.score:
            automatic[(row.student, row.notebook, row.grade_id)] = row.score
    assert automatic == {(s, LINEAR, cell): points for s in students for cell, points in SAMPLE_SCORES.items()}
    for student in students:
        assert Course(course).graded(student, TD1)
        assert (course / "autograded" / student / TD1 / f"{LINEAR}.ipynb").is_file()
        assert (course / "feedback" / student / TD1 / f"{LINEAR}.html").is_file()


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return 0
    return int(stat[stat.rfind(b")") + 2 :].split()[1])


def _grading_in_progress(root: int) -> tuple[int, str] | None:
    """Below ``root``: a grading server whose grading process runs a kernel, as (the Dask worker
    process that started the server, the student being graded), or None."""
    from autograde.sandbox import process_tree

    tree = process_tree(root)
    for pid in tree:
        worker = _parent(pid)
        if "autograde.submission_task" not in _command(pid) or "autograde.submission_task" in _command(worker):
            continue  # not a grading server
        below = process_tree(pid)
        if not any("ipykernel" in _command(child) for child in below):
            continue
        for child in below[1:]:
            try:  # the grading process works in its scratch course, which holds the one student
                scratch = Path(os.readlink(f"/proc/{child}/cwd"))
                (student,) = [p.name for p in (scratch / "submitted").iterdir()]
            except (OSError, ValueError):
                continue
            return worker, student
    return None


def _kill_tree(pid: int) -> None:
    """``pid`` (a process this test started) and every process below it."""
    from autograde.sandbox import process_tree

    for child in reversed(process_tree(pid)):
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _address(scheduler_file: Path) -> str | None:
    try:
        return json.loads(scheduler_file.read_text()).get("address")
    except (OSError, ValueError):  # not written yet, or half
        return None


class DaskCluster:
    """A `dask scheduler` and `dask worker` processes of this test module, plain TCP on 127.0.0.1."""

    def __init__(self, folder: Path, workers: int):
        self.folder, self.count = folder, workers
        folder.mkdir(parents=True)
        self.start()

    def start(self, port: int = 0) -> None:
        """The scheduler on ``port`` (any free one: 0), then its workers, once they have all joined."""
        workers, folder = self.count, self.folder
        file = folder / "scheduler.json"
        file.unlink(missing_ok=True)
        self.scheduler = self._start("scheduler", "--scheduler-file", str(file), "--port", str(port))
        self.address = _wait_for(lambda: _address(file), "the scheduler's address", self.scheduler)
        self.workers = [
            self._start(
                "worker",
                "--scheduler-file",
                str(file),
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--memory-limit",
                "0",
                "--local-directory",
                str(folder / f"worker-{k}"),
                "--death-timeout",
                "120",
            )
            for k in range(workers)
        ]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=BACKSTOP)

    def _start(self, role: str, *options: str) -> subprocess.Popen:
        log = open(self.folder / f"{role}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - the process's
        command = [str(Path(sys.executable).parent / "dask"), role, "--host", "127.0.0.1", "--no-dashboard", *options]
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)

    def stop(self) -> None:
        for process in (*self.workers, self.scheduler):
            _kill_tree(process.pid)
            process.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    cluster = DaskCluster(tmp_path_factory.mktemp("dask") / "cluster", workers=2)
    yield cluster
    cluster.stop()


# -------------------------------------------------------------------------------------------- tests
@pytest.mark.slow
def test_a_worker_killed_mid_student_costs_a_regrade_elsewhere_and_a_second_run_is_refused(dask_cluster, tmp_path):
    """SIGKILL of the Dask worker whose grading process runs a student's kernel: Dask runs the task
    again, and the student is once in the gradebook with the clean grade. Meanwhile a second run on the
    same course is refused, changing nothing."""
    students = ["ana", "ben", "cyd"]
    course = tmp_path / "course"
    grader = _cli(_class(tmp_path / "copies", students), course, "--scheduler", dask_cluster.address)
    try:
        worker, victim = _wait_for(
            lambda: next(filter(None, (_grading_in_progress(w.pid) for w in dask_cluster.workers)), None),
            "a grading process running a kernel",
            grader,
        )
        assert victim not in _stamped(course)
        os.kill(worker, signal.SIGKILL)

        # Two runs at once: the second, on another class folder, is refused while the first holds the lock.
        lock = (course / pipeline.LOCK).read_text()
        with pytest.raises(
            pipeline.PipelineError, match=r"another autograde run is writing the course .*: nothing was changed"
        ):
            pipeline.grade(TD1, _class(tmp_path / "others", ["zoe"]), course, REPO, scheduler=dask_cluster.address)
        assert lock == (course / pipeline.LOCK).read_text() == f"pid {grader.pid} on {os.uname().nodename}\n"
        assert not (course / "submitted" / "zoe").exists()

        out, err = grader.communicate(timeout=BACKSTOP)
        assert grader.returncode == 0, err[-3000:]
    finally:
        grader.kill()
    assert "[3/3 étudiants corrigés] en " in out and "3 corrigé(s)" in out
    assert_exactly_once_with_clean_grades(course, students)
    # The one grading of each student that reached the client is the one in the log.
    assert sorted(_graded_in_log_section(course)) == students


@pytest.mark.slow
def test_a_client_killed_halfway_leaves_no_process_and_the_next_run_grades_only_the_rest(tmp_path):
    """SIGKILL of `autograde grade` (the default engine: a local cluster) once a student is written:
    none of its processes stays, and the next run grades only the student it had not written."""
    students = ["ana", "ben"]
    folder, course = _class(tmp_path / "copies", students), tmp_path / "course"
    grader = _cli(folder, course, "--jobs", "1")
    tree = {}
    try:
        stamped = _wait_for(lambda: _stamped(course), "a student written", grader)
        tree = _tree(grader.pid)
        grader.send_signal(signal.SIGKILL)
        grader.wait()
        commands = [command for _, command in tree.values()]
        assert any("autograde.submission_task" in c for c in commands), commands
        assert _left_after(tree) == {}
    finally:
        grader.kill()
        for pid in _alive(tree):
            os.kill(pid, signal.SIGKILL)
    assert list(stamped) == ["ana"] and _stamped(course) == stamped

    progress = []
    run = pipeline.grade(TD1, folder, course, REPO, progress=progress.append, cell_timeout=int(CELL_TIMEOUT), jobs=1)
    assert run.plan.to_grade == ["ben"] and run.failed == []
    assert _being_graded(progress) == {"ben"} and progress[-1].startswith("[1/1 étudiants corrigés] en ")
    assert _graded_in_log_section(course) == ["ben"]
    assert _stamped(course)["ana"] == stamped["ana"]
    assert_exactly_once_with_clean_grades(course, students)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(dask_grading, "CONNECT_SECONDS", 2)  # the default waits longer for a busy scheduler
    folder, course = _class(tmp_path / "copies", ["ana"]), tmp_path / "course"
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{unused.getsockname()[1]}"  # bound, never listening: refused
        with pytest.raises(pipeline.PipelineError, match=f"cannot reach the Dask scheduler at {address}: Timed out"):
            pipeline.grade(TD1, folder, course, REPO, scheduler=address)
    with pytest.raises(
        pipeline.PipelineError, match="cannot reach the Dask scheduler at udp://x:1: unknown address scheme"
    ):
        pipeline.grade(TD1, folder, course, REPO, scheduler="udp://x:1")
    assert _stamped(course) == {} and not (course / "autograded").exists()


@pytest.mark.slow
def test_the_scheduler_gone_ends_the_run_with_a_clear_error_keeping_what_was_written(dask_cluster, tmp_path):
    """The scheduler killed once a student is written: `autograde grade` exits 2 naming the scheduler
    and what was written; the written students keep their grades, and a run on another scheduler (a
    local cluster) grades only the others. (Last of the module: its cluster has no scheduler after it.)"""
    students = ["ana", "ben", "cyd"]
    folder, course = _class(tmp_path / "copies", students), tmp_path / "course"
    grader = _cli(folder, course, "--scheduler", dask_cluster.address)
    try:
        _wait_for(lambda: _stamped(course), "a student written", grader)
        dask_cluster.scheduler.send_signal(signal.SIGKILL)
        dask_cluster.scheduler.wait()
        killed = time.monotonic()
        _, err = grader.communicate(timeout=BACKSTOP)
        print(f"autograde grade ended {time.monotonic() - killed:.1f} s after its scheduler was killed")
    finally:
        grader.kill()
    stamped = _stamped(course)
    written, left = sorted(stamped), sorted(set(students) - set(stamped))
    assert grader.returncode == 2 and 1 <= len(written) < len(students)
    # Why the connection ended depends on the moment it is seen (closed stream, reset by peer): the rest is fixed.
    said = (
        re.escape(f"autograde grade: the Dask scheduler {dask_cluster.address} went away (")
        + ".+"
        + re.escape(
            f"): {len(written)} student(s) graded and written, {len(left)} not graded ({', '.join(left)}); "
            "run the same command again to grade them"
        )
    )
    assert any(re.fullmatch(said, line) for line in err.splitlines()), err
    assert {s: scores for s, scores in _gradebook(course).items() if s in written} == {
        s: [(SAMPLE_TOTAL, MAX_TOTAL)] for s in written
    }

    progress = []
    run = pipeline.grade(TD1, folder, course, REPO, progress.append, cell_timeout=int(CELL_TIMEOUT), jobs=2)
    assert run.plan.to_grade == left and run.failed == [] and _being_graded(progress) == set(left)
    assert sorted(_graded_in_log_section(course)) == left
    assert {s: m for s, m in _stamped(course).items() if s in written} == stamped
    assert_exactly_once_with_clean_grades(course, students)


def _diagnostics() -> dict:
    import dask
    import distributed  # noqa: F401 - its defaults enter Dask's configuration when it is imported

    return {key: dask.config.get(key) for key in dask_grading.QUIET_DIAGNOSTICS}


@pytest.mark.slow
def test_the_local_clusters_workers_run_without_dasks_diagnostics_and_leave_the_callers_configuration_alone():
    before = _diagnostics()
    with dask_grading.cluster(2) as client:
        seen = client.run(_diagnostics)
    assert len(seen) == 2
    assert all(found == dask_grading.QUIET_DIAGNOSTICS for found in seen.values())
    assert _diagnostics() == before  # the caller's own settings, as they were
