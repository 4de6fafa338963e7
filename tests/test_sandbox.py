"""The sandbox of the grading kernels (autograde/sandbox.py): what it shows, what it hides, and what
happens without bubblewrap. The real pipeline under attack: tests/test_grading_hostile.py."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograde import sandbox, settings
from conftest import REPO

needs_bwrap = pytest.mark.skipif(sandbox.bwrap() is None, reason="bubblewrap is not installed (apt-get install bubblewrap)")


def run_in_sandbox(tmp_path, code: str) -> subprocess.CompletedProcess:
    folders = [tmp_path / name for name in ("work", "tmp", "comm")]
    for folder in folders:
        folder.mkdir(exist_ok=True)
    command = sandbox.bwrap_command([sys.executable, "-c", code], work=folders[0], tmp=folders[1], comm=folders[2])
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_the_command_mounts_nothing_of_the_repository_but_the_environment_and_the_data(tmp_path):
    command = sandbox.bwrap_command([sys.executable, "-m", "ipykernel_launcher"], work=tmp_path / "w",
                                    tmp=tmp_path / "t", comm=tmp_path / "c")
    mounted = {command[i + 1] for i, arg in enumerate(command) if arg in ("--bind", "--ro-bind")}
    inside_repo = {m for m in mounted if Path(m).resolve().is_relative_to(REPO)}
    assert inside_repo <= {str(Path(sys.prefix)), os.path.realpath(settings.MNIST_DIR.get())}
    writable = {command[i + 2] for i, arg in enumerate(command) if arg == "--bind"}
    assert writable == {"/tmp", str(tmp_path / "w"), str(tmp_path / "c")}
    assert {"--unshare-all", "--die-with-parent", "--new-session", "--clearenv"} <= set(command)
    # Mounts made after the private /tmp stay visible: a virtualenv or data under /tmp (a clone in /tmp).
    private_tmp = command.index("/tmp")
    assert all(private_tmp < i for i, arg in enumerate(command) if arg in ("--bind", "--ro-bind") and command[i + 2] != "/tmp")


def test_the_kernels_environment_holds_nothing_of_the_graders(monkeypatch):
    monkeypatch.setenv("AUTOGRADE_SEED", "12345")
    monkeypatch.setenv("SOME_TOKEN", "secret")
    command = sandbox.bwrap_command([sys.executable], work=Path("/w"), tmp=Path("/t"), comm=Path("/c"))
    variables = {command[i + 1] for i, arg in enumerate(command) if arg == "--setenv"}
    assert not variables & {"AUTOGRADE_SEED", "SOME_TOKEN", "JPY_PARENT_PID"}


@needs_bwrap
def test_inside_the_sandbox(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "mes_donnees.txt").write_text("à moi")
    probe = f"""
import os, socket
print("own", open("mes_donnees.txt").read())
for path in ({str(REPO / 'source')!r}, {str(REPO / 'autograde')!r}, {str(REPO / 'tests')!r}):
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
for path in ("/usr/x", {str(Path(sys.prefix) / 'x')!r}, "/x", "/tmp/x"):
    try:
        open(path, "w").close()
        print("wrote", path)
    except OSError:
        pass
"""
    done = run_in_sandbox(tmp_path, probe)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert "own à moi" in out and "no autograde" in out and "no network" in out
    assert [line for line in out if line.startswith("sees")] and all(line.endswith("False") for line in out
                                                                        if line.startswith("sees"))
    assert [line for line in out if line.startswith("wrote")] == ["wrote /tmp/x"]
    assert (tmp_path / "tmp" / "x").exists(), "the sandbox's /tmp is its own folder"


@needs_bwrap
def test_memory_and_file_size_are_limited(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.MEMORY_MB.variable, "300")
    monkeypatch.setenv(settings.MAX_FILE_MB.variable, "1")
    folders = [tmp_path / name for name in ("work", "tmp", "comm")]
    for folder in folders:
        folder.mkdir()
    probe = ("import sys\n"
             "try:\n    bytearray(400 << 20)\nexcept MemoryError:\n    print('memory limited')\n"
             "try:\n    open('big', 'wb').write(b'0' * (2 << 20))\nexcept OSError:\n    print('file size limited')\n")
    # The launcher sets the limits, then becomes the kernel: here, a script instead of the kernel.
    (folders[0] / "probe.py").write_text(probe)
    command = sandbox.bwrap_command([sys.executable, str(folders[0] / "probe.py")], work=folders[0], tmp=folders[1],
                                    comm=folders[2])
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
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
        code = cli.main(["--repo", str(REPO), "grade", "td1_neurone_regression", str(submissions),
                         "--course", str(tmp_path / "course")])
    finally:
        sandbox.check_sandbox.cache_clear()
    assert code != 0
    assert "apt-get install bubblewrap" in capsys.readouterr().err
    assert not (tmp_path / "course").exists(), "nothing is graded, nothing is created"


def test_the_launcher_sets_every_limit_before_it_becomes_the_kernel():
    code = sandbox._launcher(memory_mb=100, file_mb=2, processes=10)
    assert "RLIMIT_AS, (104857600, 104857600)" in code and "RLIMIT_FSIZE, (2097152, 2097152)" in code
    assert "RLIMIT_NPROC, (10, 10)" in code and code.endswith("os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")
