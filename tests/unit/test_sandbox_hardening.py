"""The sandbox holds as root and as an unprivileged user (autograde/sandbox.py): no capability, an
unprivileged uid, a seccomp filter, no secret of the machine or of the grader, no remount, and limits
for all of a kernel's processes together (memory, processes, disk, CPU time).

Each probe runs a small script as the sandbox's kernel. "grader" runs it as this test process runs
the grader (root here and in CI); "nobody" runs the same command under an unprivileged user, with the
system's Python (the grader's virtualenv may be out of that user's reach)."""

import ctypes  # noqa: F401 - the probes use it inside the sandbox
import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from conftest import run_async

from autograde import sandbox, settings

pytestmark = pytest.mark.skipif(
    sandbox.bwrap() is None, reason="bubblewrap is not installed (apt-get install bubblewrap)"
)

NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"
X86_64 = platform.machine() == "x86_64"


def _reachable_by_others(path: str) -> bool:
    """Whether a user who owns nothing (nobody) can read ``path`` and every folder above it."""
    current = Path(path)
    for folder in [*reversed(current.parents), current]:
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return False
        if stat.S_ISDIR(mode) and not mode & 0o001:
            return False
    return bool(os.stat(current).st_mode & 0o004)


def _why_no_nobody() -> str | None:
    if os.geteuid() != 0:
        return "the tests run unprivileged already: no other user to switch to"
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is missing: no Python an unprivileged user can run"
    trial = subprocess.run(
        [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            sandbox.bwrap(),
            "--unshare-user",
            "--ro-bind",
            "/",
            "/",
            "true",
        ],
        capture_output=True,
        text=True,
        env={},
    )
    if trial.returncode != 0:
        return f"an unprivileged user cannot make a user namespace here: {trial.stderr.strip()}"
    return None


def run_as_nobody(code: str, monkeypatch) -> subprocess.CompletedProcess:
    """The sandbox as an unprivileged grader makes it (no cgroup: RLIMIT_NPROC), run by nobody."""
    monkeypatch.setattr(sandbox, "_cgroup_parents", lambda: {})
    box = sandbox.Sandbox()
    try:
        for path in [box.root, *box.root.rglob("*")]:
            os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
        fd = sandbox.seccomp_fd()
        try:
            command = sandbox.bwrap_command(
                [SYSTEM_PYTHON, "-c", code],
                work=box.work,
                comm=box.comm,
                staging=box.staging,
                seccomp=fd,
                processes=settings.MAX_PROCESSES.get(),
            )
            kept, i = [], 0
            while i < len(command):  # what that user cannot reach is not shown (the grader's Python under /root)
                if command[i] == "--ro-bind" and not _reachable_by_others(command[i + 1]):
                    i += 3
                    continue
                kept.append(command[i])
                i += 1
            return subprocess.run(
                ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *kept],
                env={},
                pass_fds=(fd,),
                capture_output=True,
                text=True,
                timeout=60,
                cwd="/",
            )
        finally:
            os.close(fd)
    finally:
        box.close()


def run_as_grader(code: str, monkeypatch=None) -> subprocess.CompletedProcess:
    box = sandbox.Sandbox()
    try:
        return box.run([sys.executable, "-c", code])
    finally:
        box.close()


@pytest.fixture(params=["grader", "nobody"])
def run(request, monkeypatch):
    if request.param == "nobody":
        reason = _why_no_nobody()
        if reason:
            pytest.skip(reason)
        return lambda code: run_as_nobody(code, monkeypatch)
    return run_as_grader


def probe(run, code: str) -> dict:
    """Run ``code`` (which fills a dict ``out``) in the sandbox; the dict back."""
    done = run("import json, os, sys\nout = {}\n" + code + "\nprint('OUT' + json.dumps(out))")
    lines = [line for line in done.stdout.splitlines() if line.startswith("OUT")]
    assert lines, f"the probe did not finish: {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return json.loads(lines[-1][3:])


# ---------------------------------------------------------------------------------------- who it is
def test_no_capability_and_an_unprivileged_uid(run):
    out = probe(
        run,
        """
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
out.update({key: status[key].strip() for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")})
out["ids"] = [os.getuid(), os.geteuid(), os.getgid(), os.getegid()]
out["groups"] = os.getgroups()
""",
    )
    assert {out[key] for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")} == {"0000000000000000"}
    assert out["ids"] == [NOBODY] * 4 and out["groups"] == []
    assert out["NoNewPrivs"] == "1" and out["Seccomp"] == "2", "a seccomp filter is loaded"


SYSCALLS = """
import ctypes, errno, socket, threading
libc = ctypes.CDLL(None, use_errno=True)
def err(result):
    return 0 if result != -1 else ctypes.get_errno()
out["mount"] = err(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
out["umount2"] = err(libc.umount2(b"/proc", 2))
out["unshare_user"] = err(libc.unshare(0x10000000))
out["unshare_mount"] = err(libc.unshare(0x00020000))
out["setns"] = err(libc.setns(0, 0))
out["ptrace"] = err(libc.ptrace(0, 0, 0, 0))
out["personality_bsd"] = err(libc.personality(6))
out["personality_linux"] = err(libc.personality(0))
out["tiocsti"] = err(libc.ioctl(0, 0x5412, ctypes.c_char_p(b"x")))
try:
    socket.socket(17, socket.SOCK_RAW)  # AF_PACKET
    out["af_packet"] = 0
except OSError as error:
    out["af_packet"] = error.errno
if X86_64:
    raw = {"clone_newuser": (56, 0x10000000 | 17, 0, 0, 0, 0), "clone_newnet": (56, 0x40000000 | 17, 0, 0, 0, 0),
           "clone3": (435, 0, 0), "process_vm_readv": (310, os.getpid(), 0, 0, 0, 0, 0), "keyctl": (250, 0, 0, 0, 0, 0),
           "add_key": (248, 0, 0, 0, 0, 0), "bpf": (321, 0, 0, 0), "perf_event_open": (298, 0, 0, 0, 0, 0),
           "userfaultfd": (323, 0), "kexec_load": (246, 0, 0, 0, 0), "init_module": (175, 0, 0, 0),
           "swapon": (167, 0, 0), "reboot": (169, 0, 0, 0, 0), "open_by_handle_at": (304, 0, 0, 0),
           "pivot_root": (155, 0, 0), "io_uring_setup": (425, 0, 0), "acct": (163, 0)}
    for name, call in raw.items():
        out[name] = err(libc.syscall(*[ctypes.c_long(arg) for arg in call]))
# What a kernel needs still works: threads (clone3 -> clone), processes, Unix sockets.
thread = threading.Thread(target=lambda: None)
thread.start()
thread.join()
pid = os.fork()
if pid == 0:
    os._exit(7)
out["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
out["unix_socket"] = bool(socket.socketpair())
"""


def test_the_filter_refuses_mounts_namespaces_ptrace_keyrings_and_more(run):
    out = probe(run, f"X86_64 = {X86_64}\n" + SYSCALLS)
    refused = {name: errno_ for name, errno_ in out.items() if name not in ("fork", "unix_socket", "personality_linux")}
    expected = {name: 1 for name in refused}  # EPERM
    expected.update(af_packet=97)  # EAFNOSUPPORT: not even the family exists
    if X86_64:
        expected.update(clone3=38, io_uring_setup=38)  # ENOSYS, so that the C library falls back to clone
    assert refused == expected
    assert out["personality_linux"] == 0 and out["fork"] == 7 and out["unix_socket"]


@pytest.mark.skipif(not X86_64, reason="raw system call numbers of x86_64")
def test_without_the_filter_the_same_calls_are_not_refused_so(tmp_path):
    """Without the filter, the same calls fail otherwise (or succeed): the filter is what refuses them."""
    box = sandbox.Sandbox()
    try:
        # (Not ptrace(PTRACE_TRACEME): it would succeed, and bubblewrap would then see its child stopped.)
        code = SYSCALLS.replace("libc.ptrace(0, 0, 0, 0)", "0")
        command = box.command(
            [
                sys.executable,
                "-c",
                "import json, os, sys\nout = {}\nX86_64 = True\n" + code + "\nprint('OUT' + json.dumps(out))",
            ],
            seccomp=0,
        )
        i = command.index("--seccomp")
        done = subprocess.run(command[:i] + command[i + 2 :], capture_output=True, text=True, env={}, timeout=60)
    finally:
        box.close()
    out = json.loads(done.stdout.split("OUT")[-1])
    assert out["clone3"] != 38 and out["af_packet"] != 97 and out["process_vm_readv"] == 0, out


# ------------------------------------------------------------------------------------------ what it sees
def test_nothing_can_be_remounted_read_write_nor_written_into_the_environment(run):
    site = sysconfig.get_paths()["purelib"]
    out = probe(
        run,
        f"""
import ctypes, subprocess
site = {site!r}
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
for target in (site, "/", "/usr", "/etc"):
    out["remount " + target] = libc.mount(None, target.encode(), None, MS_REMOUNT | MS_BIND, None) == 0 or ctypes.get_errno()
if os.path.exists("/usr/bin/mount"):
    done = subprocess.run(["/usr/bin/mount", "-o", "remount,rw", site], capture_output=True)
    out["mount command"] = done.returncode
out["site visible"] = os.path.isdir(site)
for path in (site + "/autograde-escape.pth", "/usr/lib/autograde-escape.pth", "/etc/autograde-escape"):
    try:
        open(path, "w").write("import os")
        out["wrote " + path] = True
    except OSError as error:
        out["wrote " + path] = error.errno
""",
    )
    assert {value for key, value in out.items() if key.startswith("remount")} == {1}  # EPERM
    assert out.get("mount command", 1) != 0
    written = {key: value for key, value in out.items() if key.startswith("wrote")}
    assert all(value in (2, 13, 30) for value in written.values()), written  # ENOENT, EACCES, EROFS
    assert not Path(site, "autograde-escape.pth").exists()


def test_the_machines_secrets_are_not_readable(run):
    out = probe(
        run,
        """
for path in ("/etc/shadow", "/etc/gshadow"):
    try:
        out[path] = open(path).read()
    except OSError as error:
        out[path] = error.errno
out["/etc/passwd"] = "root:" in open("/etc/passwd").read()
out["/etc/ssl/private"] = os.listdir("/etc/ssl/private") if os.path.isdir("/etc/ssl/private") else []
for path in ("/root", "/home", "/opt", "/sys", "/var"):
    out[path] = os.listdir(path) if os.path.exists(path) else None
""",
    )
    assert out["/etc/passwd"], "the ordinary system files stay readable"
    for path in ("/etc/shadow", "/etc/gshadow"):
        assert out[path] in ("", 2, 13), (path, out[path])
    assert out["/etc/ssl/private"] == []
    assert out["/home"] is out["/opt"] is out["/sys"] is out["/var"] is None
    # Only the way to a Python environment under /root (pyenv's, read-only), if the grader's is there.
    on_the_way = {
        Path(prefix).relative_to("/root").parts[0]
        for prefix in (sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix))
        if prefix.startswith("/root/")
    }
    assert out["/root"] is None or set(out["/root"]) <= on_the_way


def test_nothing_of_the_graders_environment_is_anywhere_inside(run, monkeypatch):
    monkeypatch.setenv("AUTOGRADE_TEST_SECRET", "s3cr3t-of-the-grader")
    out = probe(
        run,
        """
import glob
found = []
for path in glob.glob("/proc/[0-9]*/environ") + ["/proc/self/environ"]:
    try:
        if b"s3cr3t-of-the-grader" in open(path, "rb").read():
            found.append(path)
    except OSError:
        pass
out["found"] = found
out["pid 1 environment"] = open("/proc/1/environ", "rb").read().decode(errors="replace")
out["own"] = "AUTOGRADE_TEST_SECRET" in os.environ
""",
    )
    assert out["found"] == [] and not out["own"]
    assert out["pid 1 environment"] == "", "bubblewrap itself runs with an empty environment"


# ---------------------------------------------------------------------------------------------- limits
def test_a_fork_bomb_is_bounded(run, monkeypatch):
    monkeypatch.setenv(settings.MAX_PROCESSES.variable, "16")
    if run is run_as_grader and os.geteuid() == 0 and "pids" not in sandbox._cgroup_parents():
        pytest.skip("root without a writable pids cgroup: nothing bounds the processes (check_sandbox says so)")
    out = probe(
        run,
        """
import time
started = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        started += 1
except OSError as error:
    out["refused"] = error.errno
out["started"] = started
""",
    )
    assert out.get("refused") == 11 and out["started"] < 16, out  # EAGAIN


def test_the_writable_folders_are_bounded_in_size(run, monkeypatch):
    monkeypatch.setenv(settings.DISK_MB.variable, "4")
    out = probe(
        run,
        """
for folder in (".", "/tmp", "/dev/shm"):
    try:
        with open(os.path.join(folder, "big"), "wb") as big:
            for _ in range(6):
                big.write(b"1" * (1 << 20))
                big.flush()
        out[folder] = "written"
    except OSError as error:
        out[folder] = error.errno
""",
    )
    assert out == {".": 28, "/tmp": 28, "/dev/shm": 28}  # ENOSPC


def without_cgroups(monkeypatch):
    monkeypatch.setattr(sandbox, "_cgroup_parents", lambda: {})


@pytest.fixture(params=["cgroup", "fallback"])
def accounting(request, monkeypatch):
    """The cgroup where the machine gives one (root here), and the fallback (the grader's watchdog
    thread, the process tree in /proc) that an unprivileged grader gets, tested here as root too."""
    if request.param == "cgroup":
        if not {"memory", "cpu"} <= set(sandbox._cgroup_parents()):
            pytest.skip(f"no writable memory and cpu cgroup here ({sandbox.limits_mode()})")
    else:
        without_cgroups(monkeypatch)
    return request.param


HOGS = """
import subprocess, sys, time
hog = "b = b'1' * (120 << 20)\\nprint('held', flush=True)\\nimport time\\ntime.sleep(60)"
children = [subprocess.Popen([sys.executable, "-S", "-c", hog], stdout=subprocess.PIPE, text=True) for _ in range(4)]
for child in children:
    child.stdout.readline()  # 'held', or nothing when it died
deadline = time.monotonic() + 30
while all(child.poll() is None for child in children) and time.monotonic() < deadline:
    time.sleep(0.05)
print("OUT" + str([child.poll() for child in children]), flush=True)
for child in children:
    child.kill()
"""


def test_memory_is_limited_for_all_of_a_kernels_processes_together(accounting, monkeypatch):
    monkeypatch.setenv(settings.MEMORY_MB.variable, "300")  # each hog fits, four do not
    box = sandbox.Sandbox()
    try:
        done = box.run([sys.executable, "-c", HOGS], timeout=90)
        log = box.log_tail()
    finally:
        box.close()
    states = json.loads(done.stdout.split("OUT")[-1].replace("None", "null"))
    assert len(states) == 4 and any(state is not None and state != 0 for state in states), (states, done.stderr)
    if accounting == "fallback":
        assert "memory limit (300 MiB" in log


BURN = """
import subprocess, sys, time
burn = "import time\\nwhile time.process_time() < {seconds}: pass"
children = [subprocess.Popen([sys.executable, "-S", "-c", burn.format(seconds={seconds})]) for _ in range({children})]
for child in children:
    child.wait()
print("burnt", flush=True)
time.sleep(60)
"""


def test_cpu_seconds_count_every_process_of_every_kernel_of_the_manager(accounting):
    box = sandbox.Sandbox()
    try:
        assert box.cpu_seconds() == 0
        first = box.popen([sys.executable, "-c", BURN.format(seconds=0.5, children=2)])
        assert first.stdout.readline() == "burnt\n"
        after_first = box.cpu_seconds()
        assert after_first >= 1.0, "two children of 0.5 CPU second each, dead and waited for"
        first.kill()
        first.communicate()
        assert box.cpu_seconds() >= after_first
        second = box.popen([sys.executable, "-c", BURN.format(seconds=0.3, children=1)])  # a restart
        assert second.stdout.readline() == "burnt\n"
        assert box.cpu_seconds() >= after_first + 0.3
        second.kill()
        second.communicate()
    finally:
        box.close()


# ------------------------------------------------------------------------------------------ the cgroups
def test_cgroups_v2_are_found_where_a_kernel_can_join_them(tmp_path):
    hierarchy = tmp_path / "unified"
    own = hierarchy / "grader.service"
    own.mkdir(parents=True)
    for folder, controllers, enabled in (
        (hierarchy, "cpu memory pids", "memory pids"),
        (own, "memory pids", "memory pids"),
    ):
        (folder / "cgroup.controllers").write_text(controllers)
        (folder / "cgroup.subtree_control").write_text(enabled)
        (folder / "cgroup.procs").write_text("")
    mountinfo = f"30 1 0:26 / {hierarchy} rw,nosuid - cgroup2 cgroup2 rw\n"
    # A cgroup whose children have the controllers (delegated, holding no process): the kernels' go there.
    assert sandbox.cgroup_parents("0::/grader.service\n", mountinfo, root=True) == {
        name: (2, own) for name in ("memory", "pids", "cpu")
    }
    # One whose children cannot have them (a folder in place of the file stands for the refusal).
    (own / "cgroup.subtree_control").unlink()
    (own / "cgroup.subtree_control").mkdir()
    assert sandbox.cgroup_parents("0::/grader.service\n", mountinfo, root=True) == {
        name: (2, hierarchy) for name in ("memory", "pids", "cpu")
    }, "as root, the hierarchy's root"
    assert sandbox.cgroup_parents("0::/grader.service\n", mountinfo, root=False) == {"cpu": (2, own)}


def test_cgroups_v1_are_children_of_the_graders_own():
    mountinfo = (
        "35 25 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "36 25 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    )
    v1, v2 = sandbox._parse_mounts(mountinfo)
    assert v1["memory"] == "/sys/fs/cgroup/memory" and v1["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct" and v2 is None


def test_check_sandbox_says_how_the_limits_are_held():
    sandbox.check_sandbox.cache_clear()
    try:
        said = sandbox.check_sandbox()
    finally:
        sandbox.check_sandbox.cache_clear()
    assert said.startswith("memory: ") and "processes: " in said and "CPU time: " in said and "disk: " in said


def test_without_libseccomp_the_sandbox_refuses_and_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # an import that fails
    sandbox.seccomp_filter.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install libseccomp2"):
            sandbox.seccomp_filter()
    finally:
        sandbox.seccomp_filter.cache_clear()


# ------------------------------------------------------------------------------- the real kernel manager
KERNEL_PROBE = """
import glob, os, sys, time, subprocess
found = [p for p in glob.glob("/proc/[0-9]*/environ") if b"s3cr3t-of-the-grader" in open(p, "rb").read()]
os.write(2, b"[NbGraderApp | ERROR] Exception while loading config file nbgrader_config.py\\n")
os.write(1, b"kernel stdout line\\n")
subprocess.run([sys.executable, "-c", "import time\\nwhile time.process_time() < 0.4: pass"])
print("found", found, sorted(os.listdir(".")))
open("written_by_the_kernel.txt", "w").write("x")
"""


def test_a_real_kernel_keeps_its_output_to_itself_and_counts_its_cpu(tmp_path, monkeypatch, capfd):
    from autograde.sandbox import SandboxedKernelManager

    monkeypatch.setenv("AUTOGRADE_TEST_SECRET", "s3cr3t-of-the-grader")
    (tmp_path / "donnees.csv").write_text("1,2\n")

    async def scenario():
        km = SandboxedKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(tmp_path))
        outputs = []
        try:
            client = km.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            for code in (KERNEL_PROBE, "import os\nprint(sorted(os.listdir('.')))"):
                reply = await client.execute_interactive(
                    code, timeout=60, output_hook=lambda msg: outputs.append(msg["content"].get("text", ""))
                )
                assert reply["content"]["status"] == "ok", reply["content"]
                if code == KERNEL_PROBE:
                    cpu = km.cpu_seconds()
                    await km.restart_kernel(now=True)
                    await client.wait_for_ready(timeout=60)
            client.stop_channels()
            return outputs, cpu, km.cpu_seconds(), km.kernel_log_tail()
        finally:
            await km.shutdown_kernel(now=True)

    outputs, cpu, cpu_after_restart, log = run_async(scenario())
    printed = "".join(outputs)
    assert "found [] ['donnees.csv']" in printed
    assert "['donnees.csv']" in printed.split("found")[-1], "a restarted kernel starts from the submitted files again"
    assert cpu >= 0.4 and cpu_after_restart >= cpu
    assert "Exception while loading config file" in log and "kernel stdout line" in log
    captured = capfd.readouterr()
    assert "Exception while loading config file" not in captured.err + captured.out


def test_a_kernel_that_fills_its_sockets_folder_is_stopped():
    """The sockets' folder is the one place inside that is on the grader's disk."""
    box = sandbox.Sandbox()
    try:
        code = (
            f"import os, time\nfor i in range(1000):\n    open(os.path.join({str(box.comm)!r}, f'f{{i}}'), 'wb')"
            ".write(b'1' * 4096)\nprint('written', flush=True)\ntime.sleep(60)"
        )
        done = box.run([sys.executable, "-c", code], timeout=90)
        assert done.returncode == -9, (done.stdout, done.stderr)  # stopped (while writing or after)
        for _ in range(600):  # the watchdog writes the log after it removed the files
            if "sockets' folder: stopped" in box.log_tail():
                break
            time.sleep(0.05)
        assert "sockets' folder: stopped" in box.log_tail()
        assert len(os.listdir(box.comm)) < sandbox.COMM_MAX_ENTRIES
    finally:
        box.close()


def test_without_the_sandbox_the_kernels_output_and_cpu_time_are_kept_too(tmp_path, capfd):
    from autograde.sandbox import LimitedKernelManager

    async def scenario():
        km = LimitedKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(tmp_path))
        try:
            client = km.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            code = "\n".join(
                line for line in KERNEL_PROBE.splitlines() if "environ" not in line and "found" not in line
            )
            reply = await client.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
            client.stop_channels()
            assert reply["content"]["status"] == "ok", reply["content"]
            return km.cpu_seconds(), km.kernel_log_tail()
        finally:
            await km.shutdown_kernel(now=True)

    cpu, log = run_async(scenario())
    assert cpu >= 0.4 and "Exception while loading config file" in log
    captured = capfd.readouterr()
    assert "Exception while loading config file" not in captured.err + captured.out
