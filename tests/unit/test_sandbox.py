"""The sandbox of the grading kernels (autograde/sandbox.py): what it shows, what it hides, and what
happens without bubblewrap. The real pipeline under attack: tests/grading/test_grading_hostile.py."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_async

from autograde import sandbox, settings

needs_bwrap = pytest.mark.skipif(
    sandbox.bwrap() is None, reason="bubblewrap is not installed (apt-get install bubblewrap)"
)


def run_in_sandbox(code: str, source: Path | None = None) -> subprocess.CompletedProcess:
    box = sandbox.Sandbox(source)
    try:
        return box.run([sys.executable, "-c", code])
    finally:
        box.close()


def command_of(tmp_path, kernel_cmd) -> list[str]:
    return sandbox.bwrap_command(
        kernel_cmd, work=tmp_path / "w", comm=tmp_path / "c", staging=tmp_path / "s", seccomp=7
    )


@needs_bwrap
def test_the_command_mounts_nothing_of_the_repository_but_the_environment_and_the_data(tmp_path):
    command = command_of(tmp_path, [sys.executable, "-m", "ipykernel_launcher"])
    mounted = {command[i + 1] for i, arg in enumerate(command) if arg in ("--bind", "--ro-bind")}
    inside_repo = {m for m in mounted if Path(m).resolve().is_relative_to(REPO)}
    assert inside_repo <= {str(Path(sys.prefix)), os.path.realpath(settings.MNIST_DIR.get())}
    assert not {m for m in mounted if m.startswith(("/root", "/home", "/opt", "/sys", "/var"))} - {
        os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)
    }
    writable = {command[i + 2] for i, arg in enumerate(command) if arg == "--bind"}
    assert writable == {str(tmp_path / "c")}, "the sockets' folder only; the rest is size-limited tmpfs"
    size = str(settings.DISK_MB.get() << 20)
    bounded = {command[i + 3] for i, arg in enumerate(command) if arg == "--size" and command[i + 2] == "--tmpfs"}
    assert bounded >= {"/tmp", "/dev/shm", str(tmp_path / "w")} and command[command.index("--size") + 1] == size
    assert {
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--disable-userns",
    } <= set(command)
    assert command[command.index("--cap-drop") + 1] == "ALL" and command[command.index("--seccomp") + 1] == "7"
    assert command[command.index("--uid") + 1] == command[command.index("--gid") + 1] == str(sandbox.SANDBOX_UID)
    # Mounts made after the private /tmp stay visible: a virtualenv or data under /tmp (a clone in /tmp).
    private_tmp = command.index("/tmp")
    assert all(
        private_tmp < i for i, arg in enumerate(command) if arg in ("--bind", "--ro-bind") and command[i + 2] != "/tmp"
    )


@needs_bwrap
def test_the_kernels_environment_holds_nothing_of_the_graders(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRADE_SEED", "12345")
    monkeypatch.setenv("SOME_TOKEN", "secret")
    command = command_of(tmp_path, [sys.executable])
    variables = {command[i + 1] for i, arg in enumerate(command) if arg == "--setenv"}
    assert not variables & {"AUTOGRADE_SEED", "SOME_TOKEN", "JPY_PARENT_PID"}
    assert sandbox.BWRAP_ENV == {}, "bubblewrap itself (/proc/1/environ inside) runs with an empty environment"


@needs_bwrap
def test_inside_the_sandbox(tmp_path):
    (tmp_path / "copie").mkdir()
    (tmp_path / "copie" / "mes_donnees.txt").write_text("à moi")
    (tmp_path / "copie" / "devoir.ipynb").write_text("{}")
    (tmp_path / "copie" / "lien").symlink_to(REPO / "README.md")
    probe = f"""
import os, socket
print("own", open("mes_donnees.txt").read(), sorted(os.listdir(".")))
for path in ({str(REPO / "source")!r}, {str(REPO / "autograde")!r}, {str(REPO / "tests")!r}):
    print("sees", path, os.path.exists(path))
try:
    import autograde
    print("imports autograde")
except ImportError:
    print("no autograde")
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    print("network")
except OSError:
    print("no network")
for path in ("/usr/x", {str(Path(sys.prefix) / "x")!r}, "/x", "/tmp/autograde-test-x"):
    try:
        open(path, "w").close()
        print("wrote", path)
    except OSError:
        pass
"""
    done = run_in_sandbox(probe, tmp_path / "copie")
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert "own à moi ['mes_donnees.txt']" in out, "without the notebooks, without links (never followed)"
    assert "no autograde" in out and "no network" in out
    assert [line for line in out if line.startswith("sees")] and all(
        line.endswith("False") for line in out if line.startswith("sees")
    )
    assert [line for line in out if line.startswith("wrote")] == ["wrote /tmp/autograde-test-x"]
    assert not os.path.exists("/tmp/autograde-test-x"), "the sandbox's /tmp is its own"


@needs_bwrap
def test_memory_and_file_size_are_limited(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.MEMORY_MB.variable, "300")
    monkeypatch.setenv(settings.MAX_FILE_MB.variable, "1")
    probe = (
        "import sys\n"
        "try:\n    bytearray(400 << 20)\nexcept MemoryError:\n    print('memory limited')\n"
        "try:\n    open('big', 'wb').write(b'0' * (2 << 20))\nexcept OSError:\n    print('file size limited')\n"
    )
    # The launcher sets the limits, then becomes the kernel: here, a script instead of the kernel.
    done = run_in_sandbox(probe)
    assert done.stdout.split("\n")[:2] == ["memory limited", "file size limited"], done.stderr


def test_without_bubblewrap_grading_refuses_and_says_how_to_install(monkeypatch, tmp_path, capsys):
    from autograde import cli

    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap there
    sandbox.check_sandbox.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
            sandbox.kernel_manager_class(True)
        assert sandbox.kernel_manager_class(False) is sandbox.LimitedKernelManager
        submissions = tmp_path / "copies"
        submissions.mkdir()
        code = cli.main(
            [
                "--repo",
                str(REPO),
                "grade",
                "td1_neurone_regression",
                str(submissions),
                "--course",
                str(tmp_path / "course"),
            ]
        )
    finally:
        sandbox.check_sandbox.cache_clear()
    assert code != 0
    assert "apt-get install bubblewrap" in capsys.readouterr().err
    assert not (tmp_path / "course").exists(), "nothing is graded, nothing is created"


def test_the_launcher_sets_every_limit_before_it_becomes_the_kernel():
    code = sandbox._launcher(memory_mb=100, file_mb=2, processes=10)
    assert "RLIMIT_AS, (104857600, 104857600)" in code and "RLIMIT_FSIZE, (2097152, 2097152)" in code
    assert "RLIMIT_NPROC, (10, 10)" in code and code.endswith(
        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    )
    staged = sandbox._launcher(memory_mb=100, file_mb=2, processes=None, staging="/run/x")
    assert (
        staged.index("copytree") < staged.index("RLIMIT_AS") and "'/run/x/work'" in staged and "'/run/x/tmp'" in staged
    )


def test_the_state_of_the_own_files_is_what_the_sandbox_copies(tmp_path):
    folder = tmp_path / "copie"
    (folder / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / ".ipynb_checkpoints" / "devoir-checkpoint.txt").write_text("x")
    (folder / "mes_donnees.txt").write_text("à moi")
    (folder / "devoir.ipynb").write_text("{}")
    (folder / "lien").symlink_to(REPO / "README.md")
    state = sandbox.own_files_state(folder)
    assert [entry[0] for entry in state] == ["mes_donnees.txt"]
    (folder / "devoir.ipynb").write_text("{ }")
    assert sandbox.own_files_state(folder) == state, "a notebook written meanwhile is not the kernel's business"
    (folder / "mes_donnees.txt").write_text("changé")
    assert sandbox.own_files_state(folder) != state
    assert sandbox.own_files_state(None) == () == sandbox.own_files_state(tmp_path / "absent")


def _cmdlines_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if marker.encode() in cmdline.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


@needs_bwrap
def test_a_kernel_asked_to_stop_is_killed_at_once_with_every_process_it_started(tmp_path):

    marker = f"autograde-test-detached-{os.getpid()}"
    detach = (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {marker!r}], start_new_session=True)"
    )

    async def scenario():
        km = sandbox.SandboxedKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(tmp_path))
        root = km._sandbox.root
        client = km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(detach, timeout=60, output_hook=lambda msg: None)
        running = _cmdlines_with(marker)
        client.stop_channels()
        await km.shutdown_kernel()  # nbclient's graceful request
        return reply["content"]["status"], running, root, km.has_kernel

    status, running, root, has_kernel = run_async(scenario())
    assert status == "ok" and running, "the detached process ran"
    assert _cmdlines_with(marker) == [] and not has_kernel, "killed with the kernel, not left to finish"
    assert not root.exists(), "the sandbox's private folder is removed"


@needs_bwrap
def test_a_prepared_kernel_is_taken_only_for_its_folder_its_files_and_its_arguments(tmp_path):

    folder, other = tmp_path / "alice", tmp_path / "bob"
    for student in (folder, other):
        student.mkdir()
        (student / "donnees.csv").write_text(student.name)
    arguments = ["--HistoryManager.hist_file=:memory:"]
    manager_class = sandbox.SandboxedKernelManager

    async def scenario():
        await sandbox.prepare_kernel(manager_class(kernel_name="python3"), str(folder), arguments)
        taken = await sandbox.take_prepared(manager_class, "python3", str(folder), arguments)
        assert taken is not None and sandbox._prepared is None
        client = taken.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)
        printed: list[str] = []
        await client.execute_interactive(
            "import os\nprint(sorted(os.listdir('.')), open('donnees.csv').read())",
            timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
        client.stop_channels()
        await taken.shutdown_kernel()
        refused = {}
        for change in ("another folder", "other arguments", "files changed since"):
            manager = manager_class(kernel_name="python3")
            await sandbox.prepare_kernel(manager, str(folder), arguments)
            root, pid = manager._sandbox.root, manager.provisioner.pid
            if change == "files changed since":
                (folder / "donnees.csv").write_text("changé")
            got = await sandbox.take_prepared(
                manager_class,
                "python3",
                str(other if change == "another folder" else folder),
                [*arguments, "--x"] if change == "other arguments" else arguments,
            )
            refused[change] = (got, root.exists(), sandbox.process_tree(pid))
        return "".join(printed), refused

    printed, refused = run_async(scenario())
    assert printed == "['donnees.csv'] alice\n", "the student's files are in the prepared kernel's folder"
    assert refused == dict.fromkeys(refused, (None, False, [])), "not taken: killed and removed"
    assert sandbox._prepared is None


@needs_bwrap
def test_a_kernel_started_at_a_niceness_gives_it_to_its_own_session():
    """bubblewrap's --new-session makes a session of its own: where Linux shares the CPU between sessions
    (autogroups), the kernel's must weigh as its niceness, not as much as the whole grader."""
    if not os.path.exists("/proc/self/autogroup"):
        pytest.skip("this Linux has no autogroups")
    code = "import os; print(os.getpriority(os.PRIO_PROCESS, 0), open('/proc/self/autogroup').read().split()[-1])"

    def started_at(niceness: int) -> list[str]:
        done = run_in_a_thread_at(niceness, lambda: run_in_sandbox(code))
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.split()

    here = os.getpriority(os.PRIO_PROCESS, 0)
    assert started_at(max(here, 10)) == [str(max(here, 10))] * 2
    assert started_at(here) == [str(here), str(here) if here > 0 else "0"]


def run_in_a_thread_at(niceness: int, call):
    """``call()`` from a thread of its own at ``niceness`` (what it starts inherits it); its result."""
    import threading

    from autograde.niceness import lower_this_threads_priority

    result = []

    def body():
        lower_this_threads_priority(niceness)
        result.append(call())

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return result[0]
