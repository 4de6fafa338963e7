"""The grading workers (autograde/grading.py, autograde/worker.py): nothing a student writes reaches the
grader's control, a configuration that does not load is a clear error, a bad folder costs that student
alone, and killing `autograde grade` (SIGKILL included) leaves none of its processes behind."""

import io
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, SUBMISSIONS

from autograde import grading, pipeline, student_ids
from autograde.course import ConfigError, Course, NbgraderError
from autograde.sandbox import SandboxUnavailable, check_sandbox
from autograde.worker import CappedLog

TD1 = "td1_neurone_regression"
LINEAR = "02_regression_lineaire"
# What nbgrader logs when it cannot load its configuration, and what the grader once searched its
# output for: a student printing it stopped the whole class.
CONFIG_FAILED = "[NbGraderApp | ERROR] Exception while loading config file nbgrader_config.py"


# ----------------------------------------------------------------------------------- fast layer
@pytest.fixture
def broken_course(tmp_path):
    """A course with one submission, whose configuration raises when it is loaded."""
    course = Course.init(tmp_path / "course")
    (course.folder("submitted", "alice", TD1)).mkdir(parents=True)
    (course.root / "nbgrader_config.py").write_text("raise RuntimeError('configuration cassée')\n")
    return course


@pytest.mark.parametrize("task", ["autograde", "feedback"])
def test_a_configuration_that_does_not_load_stops_the_workers_with_a_clear_error(broken_course, task):
    run = grading.autograde if task == "autograde" else grading.generate_feedback
    with pytest.raises(NbgraderError, match=r"could not load .*nbgrader_config.py: RuntimeError: configuration cass"):
        run(broken_course, TD1, ["alice"], jobs=2)
    assert not (broken_course.root / "autograded").exists() and not (broken_course.root / "feedback").exists()


def test_nbgrader_commands_check_the_configuration_before_they_run(broken_course):
    with pytest.raises(ConfigError, match="configuration cassée"):
        broken_course.nbgrader("export", "--to", "grades.csv")
    assert not (broken_course.root / "grades.csv").exists()
    (broken_course.root / "nbgrader_config.py").write_text("load_subconfig('/nulle/part/nbgrader_config.py')\n")
    with pytest.raises(ConfigError, match="sets nothing"):
        broken_course.nbgrader("export", "--to", "grades.csv")


def test_unsafe_ids_never_reach_a_worker(tmp_path):
    course = Course.init(tmp_path / "course")
    with pytest.raises(NbgraderError, match="not safe student ids"):
        grading.autograde(course, TD1, ["alice", "a,b"])
    assert not (course.root / "autograded").exists() and not (course.root / "submitted").exists()


def test_workers_that_cannot_start_are_an_error_said_in_the_log(tmp_path):
    """A worker that fails before it takes a student (here: the course folder shadows the package) stops
    the grading with an error, and its traceback is in autograde.log."""
    course = Course.init(tmp_path / "course")
    (course.root / "autograde").mkdir()
    (course.root / "autograde" / "__init__.py").write_text("raise ImportError('paquet cassé')\n")
    with pytest.raises(NbgraderError, match="workers ended before they took a student"):
        grading.autograde(course, TD1, ["alice"], jobs=1)
    assert "ImportError: paquet cassé" in (course.root / "autograde.log").read_text()


def test_the_events_channel_keeps_only_whole_json_objects():
    lines = [
        b'{"event": "next"}\n',
        b"pas du json\n",
        b'["event"]\n',
        b'{"event": "' + b"x" * 40_000 + b'"}\n',
        b'{"event": "student", "student": "alice", "ok": true}\n',
        b'{"event": "tronqu',
    ]
    events = queue.Queue()
    grading._read_events(0, io.BufferedReader(io.BytesIO(b"".join(lines))), events)
    assert [events.get_nowait() for _ in range(events.qsize())] == [
        (0, {"event": "next"}),
        (0, {"event": "student", "student": "alice", "ok": True}),
        (0, None),
    ]


def test_the_log_keeps_a_bounded_number_of_bytes_per_student(tmp_path):
    handler = CappedLog(tmp_path / "autograde.log", "[w] ", cap=1000)
    log = logging.getLogger("test_grading_workers.capped")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(handler)
    try:
        handler.begin("alice")
        for _ in range(100):
            log.info("x" * 100)
        handler.begin("bob")
        log.info("bob commence")
    finally:
        log.removeHandler(handler)
    text = (tmp_path / "autograde.log").read_text()
    alice = [line for line in text.splitlines() if line.startswith("[w] alice:")]
    assert sum(len(line) + 1 for line in alice[:-1]) <= 1000 and alice[-1].endswith("1000 bytes at most per student")
    assert text.splitlines()[-1] == "[w] bob: [INFO] bob commence"


# ------------------------------------------------------------------------------------ slow layer
def _noisy(notebook: Path) -> None:
    """The notebook, with a last cell writing nbgrader's config failure and 5 MB to the kernel's stdout
    and stderr (its file descriptors, past Python's streams)."""
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import os\n"
            f"for fd in (1, 2):\n    os.write(fd, {CONFIG_FAILED!r}.encode() * 10 + b'\\n')\n"
            "for _ in range(50):\n    os.write(2, b'bruit ' * 16_000 + b'\\n')\n"
        )
    )
    nbformat.write(nb, str(notebook))


@pytest.fixture(scope="module")
def mixed_class(tmp_path_factory):
    """Two honest students and a noisy one (TD 1's notebook 02 only: the hostile class's honest students),
    beside folders no student id may come from."""
    root = tmp_path_factory.mktemp("mixed")
    folder = root / "copies"
    for student, sample in (
        ("alice", "alice_honnete"),
        ("bruno", "bruno_signe_inverse"),
        ("bavard", "alice_honnete"),
        ("a,b", "alice_honnete"),
        ("x\ny", "alice_honnete"),
        ("-rf", "alice_honnete"),
    ):
        shutil.copytree(SUBMISSIONS / "hostile" / sample, folder / student)
    _noisy(folder / "bavard" / f"{LINEAR}.ipynb")
    (folder / "lien").symlink_to(folder / "bruno")
    (folder / "boucle").mkdir()
    shutil.copy(SUBMISSIONS / "hostile" / "alice_honnete" / f"{LINEAR}.ipynb", folder / "boucle")
    (folder / "boucle" / "encore").symlink_to(folder / "boucle")
    progress = []
    run = pipeline.grade(TD1, folder, root / "course", REPO, progress=progress.append, jobs=2)
    return run, progress


@pytest.mark.slow
def test_good_students_get_their_usual_scores_and_bad_folders_are_refused(mixed_class):
    run, _ = mixed_class
    # As in a run of the hostile class's honest students (tests/grading/test_grading_hostile.py, test_semester.py):
    # the automatically graded cells of notebook 02; the noise changes nothing.
    linear = {(r.student, r.grade_id): r.score for r in run.rows if r.notebook == LINEAR and not r.manual}
    assert linear == {
        (student, cell): points
        for student, gradient in (("alice", 3), ("bruno", 0), ("bavard", 3))
        for cell, points in (("test_loss", 2), ("test_gradient", gradient), ("test_train", 3))
    }
    assert sorted(run.plan.to_grade) == ["alice", "bavard", "bruno"] and run.failed == []
    assert sorted(run.plan.refused) == sorted(["a,b", "x\ny", "-rf", "lien", "boucle"])
    for name in ("a,b", "x\ny", "-rf"):
        assert run.plan.refused[name] == student_ids.problem(name)
    assert run.plan.refused["lien"] == "« lien » est un lien symbolique : refusé, jamais suivi."
    assert run.plan.refused["boucle"] == "copie refusée : « encore » est un lien symbolique : refusé, jamais suivi."
    assert {r.student for r in run.rows} == {"alice", "bruno", "bavard"}


@pytest.mark.slow
def test_what_a_kernel_prints_stays_out_of_the_graders_log_and_control(mixed_class):
    run, progress = mixed_class
    log = (run.course.root / "autograde.log").read_text(encoding="utf-8", errors="replace")
    noisy = nbformat.read(str(run.course.root / "autograded" / "bavard" / TD1 / f"{LINEAR}.ipynb"), as_version=4)
    assert "os.write(fd" in noisy.cells[-1].source and noisy.cells[-1].execution_count, "the noise was made"
    assert "Exception while loading config file" not in log and "bruit" not in log
    assert len(log) < 200_000
    assert progress[-1].startswith("[3/3 étudiants corrigés]")
    for student in ("alice", "bruno", "bavard"):
        assert (run.course.root / "feedback" / student / TD1 / f"{LINEAR}.html").exists()


def _stat(pid: int) -> tuple[str, int] | None:
    """A process's state and start time, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    return fields[0].decode(), int(fields[19])


def _tree(pid: int) -> dict[int, tuple[int, str]]:
    """Every process below ``pid``: {pid: (start time, command line)}."""
    from autograde.sandbox import process_tree

    found = {}
    for child in process_tree(pid)[1:]:
        stat = _stat(child)
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if stat:
            found[child] = (stat[1], command)
    return found


def _left_after(processes: dict[int, tuple[int, str]], seconds: float = 60) -> dict[int, str]:
    """What of ``processes`` is still alive once they had ``seconds`` to end (a backstop for a busy
    machine: they normally go at once)."""
    deadline = time.monotonic() + seconds
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _alive(processes)


def _alive(processes: dict[int, tuple[int, str]]) -> dict[int, str]:
    left = {}
    for pid, (started, command) in processes.items():
        stat = _stat(pid)
        if stat and stat[1] == started and stat[0] != "Z":
            left[pid] = command
    return left


# The processes of each engine that run the grading: the Dask workers' grading servers and the
# processes they fork (autograde/submission_task.py), or the former worker processes (autograde/worker.py).
GRADING_PROCESS = {"dask": "autograde.submission_task", "processes": "autograde.worker"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("engine", "sandbox"),
    [("dask", True), ("dask", False), ("processes", True)],
    ids=["dask-sandbox", "dask-no-sandbox", "processes-sandbox"],
)
def test_killing_autograde_grade_leaves_none_of_its_processes(tmp_path, engine, sandbox):
    if sandbox:
        try:
            check_sandbox()
        except SandboxUnavailable as error:
            pytest.skip(str(error))
    folder = tmp_path / "copies"
    for k in range(4):
        shutil.copytree(SUBMISSIONS / "hostile" / "alice_honnete", folder / f"etudiant_{k}")
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
        str(tmp_path / "course"),
        "--jobs",
        "2",
        "--engine",
        engine,
        *([] if sandbox else ["--no-sandbox"]),
    ]
    grader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and grader.poll() is None:
            tree = _tree(grader.pid)
            kernels = [c for _, c in tree.values() if "ipykernel" in c]
            workers = [c for _, c in tree.values() if GRADING_PROCESS[engine] in c]
            if kernels and len(workers) >= 2:
                break
            time.sleep(0.05)
        assert grader.poll() is None and kernels, "the grading was killed while its kernels ran"
        tree = _tree(grader.pid)
        grader.send_signal(signal.SIGKILL)  # the grader alone: its workers must take their kernels along
        grader.wait()
        assert _left_after(tree) == {}
        commands = [command for _, command in tree.values()]
        assert any("ipykernel" in c for c in commands) and any(GRADING_PROCESS[engine] in c for c in commands)
    finally:
        grader.kill()
        for pid in _alive(locals().get("tree", {})):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_sigterm_stops_the_workers_and_their_kernels(tmp_path):
    folder = tmp_path / "copies"
    for k in range(2):
        shutil.copytree(SUBMISSIONS / "hostile" / "alice_honnete", folder / f"etudiant_{k}")
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
        str(tmp_path / "course"),
        "--jobs",
        "1",
        "--no-sandbox",
    ]
    grader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = {}
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and grader.poll() is None:
            tree = _tree(grader.pid)
            if any("ipykernel" in c for _, c in tree.values()):
                break
            time.sleep(0.05)
        grader.send_signal(signal.SIGTERM)
        assert grader.wait(120) == 128 + signal.SIGTERM
        # multiprocessing's resource tracker (the local cluster's workers are spawned) ends by itself once
        # the grader's end of its pipe is closed, that is just after the grader: it alone may outlive it.
        running = {pid: command for pid, command in _alive(tree).items() if "resource_tracker" not in command}
        assert running == {}, "the grader returns once its workers and kernels are gone"
        assert _left_after(tree) == {}
    finally:
        grader.kill()
        for pid in _alive(tree):
            os.kill(pid, signal.SIGKILL)
