"""The sandbox of every kernel that runs a student's code at grading time, with bubblewrap.

nbclient starts one kernel per notebook through a jupyter_client kernel manager; nbgrader_config.py
makes it :class:`SandboxedKernelManager`, whose kernel runs as ``bwrap … python -m ipykernel_launcher``.
What holds whoever runs the grader, root included:

- **what it sees**: the system (/usr, /etc) and the Python environment read-only, without the
  ``autograde`` package (an editable install points into the repository, which is not mounted; an
  installed one is hidden); the MNIST folder read-only; its own folder and /tmp. Every file of /etc
  that other users may not read (``/etc/shadow``, ``/etc/gshadow``, private keys) is replaced by an
  empty file or folder. It does not see the course directory, ``source/``, the gradebook, the other
  students, the repository, /root, /home, /opt, /sys, nor the grader's environment: bubblewrap itself
  is started with an empty one, so that no ``/proc/*/environ`` inside holds anything of the grader's.
- **who it is**: uid and gid 65534 ("nobody") in a user namespace of its own, with no capability
  (``--cap-drop ALL``) and no way to make new namespaces (``--disable-userns``, and the filter below).
  65534 rather than 1000: it is the one unprivileged user that every system's /etc/passwd names, so
  that libraries that look the user up (``getpass.getuser()``) work. Run by root, the kernel's
  processes are still uid 0 outside: that is why the unreadable files of /etc are masked (the owner's
  permission bits apply to them) and why every mount but its own folders is read-only.
- **what it may ask the Linux kernel**: a seccomp filter (Flatpak's list, built with libseccomp)
  refuses mount and the new mount API, namespaces (``unshare``, ``setns``, ``clone`` with a namespace
  flag; ``clone3`` answers ENOSYS so that the C library falls back to ``clone``), ``ptrace`` and
  ``process_vm_*``, keyrings, ``bpf``, ``perf_event_open``, modules, ``kexec``, ``reboot``, swap,
  ``acct``, ``quotactl``, ``open_by_handle_at``, ``userfaultfd``, ``io_uring``, personalities other
  than Linux's, the ``TIOCSTI``/``TIOCLINUX`` ioctls and socket families other than Unix, IPv4, IPv6
  and netlink.
- **no network**: a network namespace of its own, loopback down; it talks to the grader through Unix
  sockets in a folder of its own (jupyter_client's ``ipc`` transport).
- **every process dies with it**: a PID namespace of its own (``--die-with-parent``), a process that
  detached itself included.
- **limits for all of a kernel's processes together**: memory and processes with a cgroup per kernel
  manager where the machine offers a writable one (v1 ``memory``/``pids``/``cpuacct`` or v2); without
  one (an unprivileged grader, usually), a watchdog thread of the grader sums the memory (PSS) of the
  sandbox's processes every quarter of a second and kills the largest above the limit, and
  RLIMIT_NPROC bounds the processes (not as root, where it does not apply). The per-process
  RLIMIT_AS stays as a second guard, with RLIMIT_FSIZE (file size). Its folder, /tmp and /dev/shm are
  size-limited tmpfs (``AUTOGRADE_DISK_MB`` each; their content counts as the kernel's memory too).
- **the one folder it shares with the grader** (its sockets', on the grader's disk): a watchdog thread
  of the grader stops the kernel that writes anything there beyond its sockets and connection file.
- **its output**: the kernel's stdout and stderr go to a bounded file of the manager's private folder
  (RLIMIT_FSIZE), never to the grader's: :meth:`SandboxedKernelManager.kernel_log_tail`.
- **its CPU time**: :meth:`SandboxedKernelManager.cpu_seconds`, for the time limits.

The student's own files (their submission folder, without notebooks) are copied by the grader into
the manager's private folder, shown read-only inside, and copied by the launcher into the kernel's
fresh folder at every start. A restarted kernel (the executor restarts a kernel that died or hung and
replays the cells before) starts from the submitted files again: what the previous kernel wrote is
gone, and the replayed cells write it again.

What it costs, kept small without giving any of the above up:

- **a kernel prepared ahead** (:func:`prepare_kernel`, :func:`take_prepared`): while a notebook runs,
  the grader starts the kernel of the same student's next notebook, in a sandbox of its own (a fresh
  private folder with that student's files, a fresh cgroup, a kernel no code has run in). The next
  notebook takes it if it was prepared for the same folder, the same files (their size, time and
  inode) and the same arguments, and if it is alive; otherwise it is killed and removed. A kernel is
  never used for two notebooks, nor prepared across students, and one at a time is prepared.
- **stopped at once**: a sandboxed kernel is always killed, never asked to exit (its folders are
  tmpfs, its PID namespace takes every process along), which spares the interpreter's teardown, a
  second of the grader's time per notebook with scikit-learn loaded; its end is polled every 5 ms.
- **ready at once**: :class:`ReadyKernelClient` does not end the wait for a started kernel with
  0.2 s of silence awaited on IOPub (nbclient and the grader read only the answers to their own
  requests).
- a grading process checks only that bubblewrap is there and that the filter builds
  (:func:`require_sandbox`); the trial sandbox of :func:`check_sandbox` runs once, in the command
  that starts a grading, and again in the grader when a sandboxed kernel does not start (to say why).

Without bubblewrap, :class:`LimitedKernelManager` keeps the per-process memory and file-size limits
only; grades computed so are marked "non vérifié".
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import functools
import inspect
import itertools
import os
import platform
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from traitlets import default

from . import settings
from .niceness import session_at_own_niceness

INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
    "bubblewrap), or grade without the sandbox with `autograde grade --no-sandbox` "
    '(AUTOGRADE_SANDBOX=off): every grade of such a run is marked "non vérifié".'
)
SECCOMP_HINT = (
    "libseccomp is missing: the sandbox's system-call filter cannot be built. Install it (Debian/Ubuntu: "
    "sudo apt-get install libseccomp2; Fedora: sudo dnf install libseccomp) and the Python package "
    "pyseccomp (pip install pyseccomp)."
)

SANDBOX_UID = 65534  # see the module docstring
STAGING = "/run/autograde"  # inside the sandbox: the student's files, read-only, that the launcher copies
WATCHDOG_PERIOD_S = 0.25
KILL_POLL_S = 0.005  # how often the end of a killed kernel is looked for
COMM_MAX_ENTRIES, COMM_MAX_BYTES = 32, 64 << 10  # the sockets' folder: five sockets and a connection file
LOG_KEPT_BYTES = 64 << 10


class SandboxUnavailable(RuntimeError):
    """Grading was asked to sandbox the kernels and cannot."""


# The function's source, run by the launcher (which has no access to this package).
_SESSION_AT_OWN_NICENESS = f"{inspect.getsource(session_at_own_niceness)}\n{session_at_own_niceness.__name__}()"


def _launcher(memory_mb: int, file_mb: int, processes: int | None, staging: str | None = None) -> str:
    """Python code run as the sandbox's command: it copies the student's files into the kernel's folder
    (the current directory) and /tmp, sets the limits, then becomes the kernel (exec), so that the kernel
    inherits them and cannot raise them (soft and hard limits are both set)."""
    lines = ["import os, resource, sys"]
    if staging:
        # A file that does not fit (the folder's size) costs the student that file, not the kernel.
        lines += [
            "import shutil",
            f"for src, dst in (({staging + '/work'!r}, '.'), ({staging + '/tmp'!r}, '/tmp')):\n"
            "    try:\n"
            "        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)\n"
            "    except (OSError, shutil.Error) as error:\n"
            "        print('autograde: copy of', src, 'incomplete:', str(error)[:2000], file=sys.stderr)",
        ]
    # bubblewrap's --new-session made a session of its own: its CPU share follows the kernel's niceness.
    lines += [
        _SESSION_AT_OWN_NICENESS,
        f"resource.setrlimit(resource.RLIMIT_AS, ({memory_mb << 20}, {memory_mb << 20}))",
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({file_mb << 20}, {file_mb << 20}))",
        "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))",
    ]
    if processes:
        lines.append(f"resource.setrlimit(resource.RLIMIT_NPROC, ({processes}, {processes}))")
    lines.append("os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")
    return "\n".join(lines)


def _limited(kernel_cmd: list[str], processes: int | None, staging: str | None = None) -> list[str]:
    """``python -m ipykernel_launcher …`` becomes ``python -S -c <limits, then exec> -m ipykernel_launcher …``
    (``-S``: the launcher needs no site-packages, and starts in a few milliseconds)."""
    code = _launcher(settings.MEMORY_MB.get(), settings.MAX_FILE_MB.get(), processes, staging)
    return [kernel_cmd[0], "-S", "-c", code, *kernel_cmd[1:]]


# ------------------------------------------------------------------------------- processes, CPU time
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    """The children of ``pid`` (of every thread of it), from /proc (CONFIG_PROC_CHILDREN)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found += [int(child) for child in listing.read().split()]
    except OSError:
        pass
    return found


def process_tree(pid: int | None) -> list[int]:
    """``pid`` and its descendants still in /proc (zombies included)."""
    if not pid or not os.path.exists(f"/proc/{pid}"):
        return []
    tree: list[int]
    tree, todo = [], [pid]
    while todo and len(tree) < 100_000:
        current = todo.pop()
        tree.append(current)
        todo += _children(current)
    return tree


def _cpu_of(pid: int) -> float:
    """CPU seconds of a process and of its children it waited for (utime+stime+cutime+cstime)."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            fields = stat_file.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return sum(int(value) for value in fields[11:15]) / _CLOCK_TICKS


def _memory_of(pid: int) -> int:
    """Bytes of memory of a process, shared pages divided among their users (PSS), else its RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) << 10
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class _Kernels:
    """What a kernel manager keeps across its successive kernels (one at a time): a private folder of the
    grader (never shown to a kernel), the kernels' output, their CPU time."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="autograde-kernel-"))
        self.log_path = self.root / "kernel.log"
        self._pid: int | None = None
        self._cpu_done = 0.0  # CPU seconds of the kernels before the current one
        self._cpu_last = 0.0  # the current kernel's, at the last reading
        self._lock = threading.Lock()

    def open_log(self):
        """The file the kernel's stdout and stderr go to; RLIMIT_FSIZE, set by the launcher, bounds it.
        Past 1 MiB, a new kernel starts with its predecessors' last 64 KiB, so that it has room to write."""
        try:
            if self.log_path.stat().st_size > 16 * LOG_KEPT_BYTES:
                tail = self.log_tail(LOG_KEPT_BYTES).encode()
                self.log_path.write_bytes(tail)
        except OSError:
            pass
        return open(self.log_path, "ab")

    def started(self, pid: int | None) -> None:
        with self._lock:
            self._cpu_done += self._cpu_last
            self._cpu_last = 0.0
            self._pid = pid

    def cpu_seconds(self) -> float:
        """CPU seconds of the current kernel's process tree, plus those of the earlier kernels. A process
        that left the tree (a daemon, without a PID namespace) takes its time with it; the time between
        the last reading and a kernel's death is not counted (at most one poll)."""
        with self._lock:
            if self._pid is not None:
                reading = sum(_cpu_of(pid) for pid in process_tree(self._pid))
                self._cpu_last = max(self._cpu_last, reading)
            return self._cpu_done + self._cpu_last

    def log_tail(self, limit: int = 4096) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(max(0, os.fstat(log.fileno()).st_size - limit))
                return log.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self) -> None:
        with self._lock:
            self._pid = None
        shutil.rmtree(self.root, ignore_errors=True)


class LimitedKernelManager(AsyncKernelManager):
    """A kernel with the memory and file-size limits, and no sandbox (``--no-sandbox``)."""

    _kernels: _Kernels | None = None
    _log = None

    async def _async_pre_start_kernel(self, **kw):
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        self._kernels = self._kernels or _Kernels()
        self._log = self._kernels.open_log()
        kw["stdout"] = kw["stderr"] = self._log
        kw["env"] = {k: v for k, v in (kw.get("env") or os.environ).items() if k != "MPLBACKEND"}  # inline figures
        return _limited(kernel_cmd, None), kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            self._log.close()
        self._kernels.started(getattr(self.provisioner, "pid", None))

    def cpu_seconds(self) -> float:
        """User and system CPU seconds of every process of this manager's kernels since its first start."""
        return self._kernels.cpu_seconds() if self._kernels else 0.0

    def kernel_log_tail(self, limit: int = 4096) -> str:
        """The end of what this manager's kernels wrote to their stdout and stderr."""
        return self._kernels.log_tail(limit) if self._kernels else ""

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._kernels is not None:
            self._kernels.close()
            self._kernels = None


# -------------------------------------------------------------------------------------------- seccomp
# Flatpak's list (flatpak-run.c, setup_seccomp), plus the namespace flags of clone, process_vm_*, bpf,
# kexec, modules, swap, reboot, open_by_handle_at, userfaultfd and io_uring.
_REFUSED = {
    errno.EPERM: (
        "syslog",
        "uselib",
        "acct",
        "modify_ldt",
        "quotactl",
        "quotactl_fd",
        "add_key",
        "keyctl",
        "request_key",
        "move_pages",
        "mbind",
        "get_mempolicy",
        "set_mempolicy",
        "migrate_pages",
        "unshare",
        "setns",
        "mount",
        "umount",
        "umount2",
        "pivot_root",
        "chroot",
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "bpf",
        "perf_event_open",
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "swapon",
        "swapoff",
        "reboot",
        "open_by_handle_at",
        "name_to_handle_at",
        "userfaultfd",
        "fanotify_init",
        "lookup_dcookie",
        "iopl",
        "ioperm",
    ),
    # The C library falls back to what is allowed when these answer "not implemented".
    errno.ENOSYS: (
        "clone3",
        "open_tree",
        "move_mount",
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "mount_setattr",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
    ),
}
_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
_TIOCSTI, _TIOCLINUX = 0x5412, 0x541C
_SOCKET_FAMILIES = (1, 2, 10, 16)  # AF_UNIX, AF_INET, AF_INET6, AF_NETLINK
_AF_MAX = 46


@functools.lru_cache(maxsize=1)
def seccomp_filter() -> bytes:
    """The BPF program bubblewrap loads before it executes the launcher (``--seccomp FD``)."""
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError, OSError) as error:
        raise SandboxUnavailable(f"{SECCOMP_HINT} ({error})") from None
    arch = seccomp.system_arch()
    known = lambda name: seccomp.resolve_syscall(arch, name) >= 0  # noqa: E731 - absent on this architecture
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for code, names in _REFUSED.items():
        for name in names:
            if known(name):
                rules.add_rule(seccomp.ERRNO(code), name)
    flags_arg = 1 if platform.machine().startswith("s390") else 0  # CONFIG_CLONE_BACKWARDS2
    for flag in _NAMESPACE_FLAGS:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(flags_arg, seccomp.MASKED_EQ, flag, flag))
    for request in (_TIOCSTI, _TIOCLINUX):
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "personality", seccomp.Arg(0, seccomp.NE, 0))  # PER_LINUX only
    for family in range(_AF_MAX):
        if family not in _SOCKET_FAMILIES:
            rules.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, family))
    rules.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.GE, _AF_MAX))
    with tempfile.TemporaryFile() as program:
        rules.export_bpf(program)
        program.seek(0)
        return program.read()


def seccomp_fd() -> int:
    """A file descriptor to read the filter from, for one bubblewrap (to be passed with pass_fds, closed after)."""
    program = seccomp_filter()
    read, write = os.pipe()
    try:
        if len(program) > 65536:  # a pipe's buffer: the write must not wait for bubblewrap
            raise SandboxUnavailable(f"the seccomp filter is unexpectedly large ({len(program)} bytes)")
        os.write(write, program)
    finally:
        os.close(write)
    return read


# ------------------------------------------------------------------------------------------ bubblewrap
def bwrap() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=4)
def _bwrap_options(path: str) -> frozenset[str]:
    """The options this bubblewrap knows (``--size`` and ``--disable-userns`` came with 0.7 and 0.8)."""
    shown = subprocess.run([path, "--help"], capture_output=True, text=True, env={})
    return frozenset(word for word in (shown.stdout + shown.stderr).split() if word.startswith("--"))


def _is_root() -> bool:
    return os.geteuid() == 0


@functools.lru_cache(maxsize=1)
def _unreadable_in_etc() -> tuple[list[str], list[str]]:
    """Files and folders of /etc that other users may not read: the kernel must not either (run by
    root, it is their owner outside its user namespace)."""
    files, folders = [], []
    for top, dirs, names in os.walk("/etc"):
        for name in dirs:
            path = os.path.join(top, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode) and mode & 0o005 != 0o005:
                folders.append(path)
        dirs[:] = [name for name in dirs if os.path.join(top, name) not in folders]
        for name in names:
            path = os.path.join(top, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode) and not mode & 0o004:
                files.append(path)
    return files, folders


def _read_only_system(empty_file: Path) -> list[str]:
    """The system and the Python environment, read-only; /etc's secrets masked; the autograde package
    hidden if it is there."""
    args = []
    for top in ("/usr", "/etc"):
        args += ["--ro-bind", top, top]
    files, folders = _unreadable_in_etc()
    for path in files:
        args += ["--ro-bind", str(empty_file), path]
    for path in folders:
        args += ["--tmpfs", path, "--remount-ro", path]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    prefixes = sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)} | {sys.prefix})
    for prefix in prefixes:
        if not prefix.startswith("/usr/"):
            args += ["--ro-bind", prefix, prefix]
    package = Path(__file__).resolve().parent
    if any(str(package).startswith(prefix.rstrip("/") + "/") for prefix in [*prefixes, "/usr"]):
        args += ["--tmpfs", str(package), "--remount-ro", str(package)]  # a non-editable install: hide it
    return args


def _environment(tmp: str) -> list[str]:
    """A clean environment: nothing of the grader's (tokens, the seed) reaches the student's code."""
    # No MPLBACKEND: the kernel's inline backend puts the student's figures in the graded notebook, for
    # the feedback and the formgrader.
    keep = {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONWARNINGS", "LANG"}
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        PATH=f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        HOME=f"{tmp}/home",
        MPLCONFIGDIR=f"{tmp}/matplotlib",
        IPYTHONDIR=f"{tmp}/ipython",
        XDG_CACHE_HOME=f"{tmp}/cache",
        PYTHONDONTWRITEBYTECODE="1",
    )
    mnist = settings.MNIST_DIR.get()
    if os.path.isdir(mnist):
        env["MNIST_DIR"] = os.path.realpath(mnist)
    args = ["--clearenv"]
    for name, value in sorted(env.items()):
        args += ["--setenv", name, value]
    return args


def bwrap_command(
    kernel_cmd: list[str], *, work: Path, comm: Path, staging: Path, seccomp: int, processes: int | None = None
) -> list[str]:
    """The kernel's command, run in a sandbox that sees only what the module docstring lists.

    ``work``: the kernel's folder inside (a fresh tmpfs); ``comm``: the grader's folder of the kernel's
    sockets, shared; ``staging``: the grader's folder of what the launcher copies (``work/``, ``tmp/``,
    and ``empty``, the file shown in place of /etc's secrets); ``seccomp``: a descriptor of the filter;
    ``processes``: RLIMIT_NPROC, where no cgroup limits them."""
    path = bwrap()
    options = _bwrap_options(path)
    size = ["--size", str(settings.DISK_MB.get() << 20)] if "--size" in options else []
    no_userns = ["--disable-userns"] if "--disable-userns" in options else []
    mnist = os.path.realpath(settings.MNIST_DIR.get())
    data = ["--ro-bind", mnist, mnist] if os.path.isdir(mnist) else []
    # The private /tmp first: what is mounted after it stays visible, a virtualenv under /tmp included
    # (a clone in /tmp, as CI may make it).
    return [
        path,
        "--unshare-all",
        "--unshare-user",
        *no_userns,
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
        *size,
        "--tmpfs",
        "/tmp",
        *_read_only_system(staging / "empty"),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        *size,
        "--tmpfs",
        "/dev/shm",
        *data,
        "--ro-bind",
        str(staging),
        STAGING,
        *size,
        "--tmpfs",
        str(work),
        "--bind",
        str(comm),
        str(comm),
        "--chdir",
        str(work),
        "--remount-ro",
        "/",  # the sandbox's own root, where the mount points were made
        "--seccomp",
        str(seccomp),
        *_environment("/tmp"),
        *_limited(kernel_cmd, processes, STAGING),
    ]


# -------------------------------------------------------------------------------------------- cgroups
def _parse_mounts(mountinfo: str) -> tuple[dict[str, str], str | None]:
    """Mount points of the cgroup v1 controllers, and of the v2 hierarchy."""
    v1: dict[str, str]
    v1, v2 = {}, None
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        point = fields[4].replace("\\040", " ")
        if tail[0] == "cgroup2":
            v2 = point
        elif tail[0] == "cgroup":
            for option in tail[2].split(","):
                v1.setdefault(option, point)
    return v1, v2


def _v2_enable(parent: Path, controllers: set[str]) -> set[str] | None:
    """The controllers the children of a v2 cgroup have, after asking for ``controllers`` (refused when
    that cgroup holds processes and is not the root); None if no child can be made there."""
    control = parent / "cgroup.subtree_control"
    try:
        enabled = set(control.read_text().split())
        missing = controllers & set((parent / "cgroup.controllers").read_text().split()) - enabled
        if missing and os.access(control, os.W_OK):
            try:
                control.write_text(" ".join(f"+{name}" for name in sorted(missing)))
            except OSError:
                pass
            enabled = set(control.read_text().split())
    except OSError:
        return None
    return enabled if os.access(parent, os.W_OK) else None


def cgroup_parents(own: str, mountinfo: str, root: bool) -> dict[str, tuple[int, Path]]:
    """Where a kernel's cgroup can be made, for each of "memory", "pids", "cpu": (version, parent
    folder). ``own``: /proc/self/cgroup; ``mountinfo``: /proc/self/mountinfo.

    v1: a child of this process's cgroup of that controller, if writable. v2: a child of this process's
    cgroup when its children have the controllers (or can be given them), else, as root, of the
    hierarchy's root (a process cannot live in a v2 cgroup whose children have controllers)."""
    v1_mounts, v2_mount = _parse_mounts(mountinfo)
    found: dict[str, tuple[int, Path]] = {}
    v2_path = None
    for line in own.splitlines():
        number, _, rest = line.partition(":")
        controllers, _, relative = rest.partition(":")
        if number == "0" and controllers == "":
            v2_path = relative
            continue
        for controller in controllers.split(","):
            name = "cpu" if controller == "cpuacct" else controller
            if (
                name in ("memory", "pids", "cpu")
                and controller in v1_mounts
                and (name != "cpu" or controller == "cpuacct")
            ):
                parent = Path(v1_mounts[controller]) / relative.lstrip("/")
                if (parent / "cgroup.procs").exists() and os.access(parent, os.W_OK):
                    found[name] = (1, parent)
    wanted = {"memory", "pids", "cpu"} - set(found)
    if v2_mount and v2_path is not None and wanted:
        # A process is in one v2 cgroup: every controller taken from v2 shares one parent.
        own_v2 = Path(v2_mount) / v2_path.lstrip("/")
        candidates = [own_v2] + ([Path(v2_mount)] if root and own_v2 != Path(v2_mount) else [])
        limits = wanted & {"memory", "pids"}
        enabled: set[str] | None
        chosen, enabled = None, set()
        for parent in candidates:
            enabled = _v2_enable(parent, limits)
            if enabled is not None and limits <= enabled:
                chosen = parent
                break
        if chosen is None and os.access(own_v2, os.W_OK):
            chosen, enabled = own_v2, set()  # its CPU time only (cpu.stat: every v2 cgroup has one)
        for name in wanted:
            if chosen is not None and (name == "cpu" or name in (enabled or set())):
                found[name] = (2, chosen)
    return found


@functools.lru_cache(maxsize=1)
def _cgroup_parents() -> dict[str, tuple[int, Path]]:
    try:
        own = Path("/proc/self/cgroup").read_text()
        mountinfo = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return {}
    return cgroup_parents(own, mountinfo, _is_root())


_cgroup_names = itertools.count()


class Cgroup:
    """The cgroups of one kernel manager's kernels: the memory and process limits of all their processes
    together, and their CPU time (dead processes and earlier kernels included)."""

    def __init__(self, parents: dict[str, tuple[int, Path]]) -> None:
        self.folders: dict[str, tuple[int, Path]] = {}
        made: dict[Path, Path] = {}
        name = f"autograde-{os.getpid()}-{next(_cgroup_names)}"
        for controller, (version, parent) in sorted(parents.items()):
            folder = made.get(parent)
            if folder is None:
                try:
                    (parent / name).mkdir()
                except OSError:
                    continue
                folder = made[parent] = parent / name
            if self._limit(controller, version, folder):
                self.folders[controller] = (version, folder)
        self._made = list(made.values())
        for parent in {parent for _, parent in parents.values()}:
            _remove_orphans(parent)

    @staticmethod
    def _limit(controller: str, version: int, folder: Path) -> bool:
        memory = settings.MEMORY_MB.get() << 20
        writes = {
            ("memory", 1): [("memory.limit_in_bytes", memory), ("memory.memsw.limit_in_bytes", memory)],
            ("memory", 2): [("memory.max", memory), ("memory.swap.max", 0)],
            ("pids", 1): [("pids.max", settings.MAX_PROCESSES.get())],
            ("pids", 2): [("pids.max", settings.MAX_PROCESSES.get())],
            ("cpu", 1): [],
            ("cpu", 2): [],
        }[controller, version]
        for index, (file, value) in enumerate(writes):
            try:
                (folder / file).write_text(str(value))
            except OSError:
                if index == 0:  # the limit itself (swap's may be absent: no swap accounting)
                    return False
        probe = {("cpu", 1): "cpuacct.usage", ("cpu", 2): "cpu.stat"}.get((controller, version))
        return probe is None or (folder / probe).exists()

    @property
    def procs_files(self) -> list[Path]:
        return [folder / "cgroup.procs" for folder in self._made if any(f == folder for _, f in self.folders.values())]

    def cpu_seconds(self) -> float | None:
        if "cpu" not in self.folders:
            return None
        version, folder = self.folders["cpu"]
        try:
            if version == 1:
                return int((folder / "cpuacct.usage").read_text()) / 1e9
            for line in (folder / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        except (OSError, ValueError):
            pass
        return None

    def kill_all(self) -> None:
        """SIGKILL whatever is left in the cgroups (a kernel's processes, after its sandbox ended)."""
        for procs in self.procs_files:
            try:
                pids = [int(pid) for pid in procs.read_text().split()]
            except (OSError, ValueError):
                continue
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def remove(self) -> None:
        for _attempt in range(200):
            self.kill_all()
            left = []
            for folder in self._made:
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    left.append(folder)
            self._made = left
            if not left:
                return
            threading.Event().wait(0.005)  # the killed processes are being reaped (a few ms)


def _remove_orphans(parent: Path) -> None:
    """The empty cgroups of graders that ended without removing theirs (killed)."""
    try:
        names = [entry.name for entry in os.scandir(parent) if entry.name.startswith("autograde-")]
    except OSError:
        return
    for name in names:
        owner = name.split("-")[1]
        if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
            try:
                (parent / name).rmdir()
            except OSError:
                pass


def join_cgroups(command: list[str], procs_files: list[Path]) -> list[str]:
    """Join the cgroups before bubblewrap starts, so that every process of the sandbox is counted."""
    if not procs_files:
        return command
    # (sh exports PWD: bubblewrap's environment is to stay empty.)
    script = (
        'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; '
        'unset PWD; exec "$@"'
    )
    return ["/bin/sh", "-c", script, "sh", str(len(procs_files)), *map(str, procs_files), *command]


# --------------------------------------------------------------------------------------------- sandbox
@functools.lru_cache(maxsize=1)
def _font_cache() -> Path | None:
    """matplotlib's font list, built once by this process: every sandbox starts with an empty
    MPLCONFIGDIR, where matplotlib would otherwise rebuild it (a fifth of a second per kernel)."""
    try:
        import matplotlib
        from matplotlib.font_manager import FontManager, fontManager  # noqa: F401 - builds the list if missing
    except ImportError:
        return None
    cached = Path(matplotlib.get_cachedir(), f"fontlist-v{FontManager.__version__}.json")
    return cached if cached.exists() else None


def _own_files(source: Path):
    """(folder relative to ``source``, its files to copy as (name, path, lstat)) for each folder of the
    student's own files: without the notebooks (graded ones hold the hidden tests' ids) and without
    symbolic links (never followed: one could name another student's work)."""
    for top, dirs, names in os.walk(source, followlinks=False):
        dirs[:] = [
            name for name in dirs if name != ".ipynb_checkpoints" and not os.path.islink(os.path.join(top, name))
        ]
        files = []
        for name in names:
            path = os.path.join(top, name)
            try:
                status = os.lstat(path)
            except OSError:
                continue
            if not name.endswith(".ipynb") and stat.S_ISREG(status.st_mode):
                files.append((name, path, status))
        yield Path(top).relative_to(source), files


def _copy_own_files(source: Path, target: Path) -> None:
    for relative, files in _own_files(source):
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name, path, _ in files:
            try:
                shutil.copyfile(path, target / relative / name, follow_symlinks=False)
            except OSError:
                pass


def own_files_state(source: str | os.PathLike | None) -> tuple:
    """What :class:`Sandbox` would copy of ``source``, as (path, size, modification time, inode) of
    each file: two equal states copy the same files."""
    if not source or not os.path.isdir(source):
        return ()
    return tuple(
        (str(relative / name), status.st_size, status.st_mtime_ns, status.st_ino)
        for relative, files in _own_files(Path(source))
        for name, _, status in sorted(files)
    )


#: The environment bubblewrap itself runs with: /proc/1/environ inside the sandbox is bubblewrap's.
BWRAP_ENV: dict[str, str] = {}


class Sandbox(_Kernels):
    """One kernel manager's sandbox: its private folder (the staged files, the kernel's sockets, its log),
    its cgroups, its watchdog; its kernels, one at a time, run in it."""

    def __init__(self, source: str | os.PathLike | None = None) -> None:
        super().__init__()
        self.staging, self.comm = self.root / "staging", self.root / "comm"
        self.work = self.root / "work"  # only inside the sandbox, a tmpfs
        for folder in (self.staging / "work", self.staging / "tmp" / "home", self.comm):
            folder.mkdir(parents=True)
        (self.staging / "empty").touch(mode=0o444)
        fonts = _font_cache()
        if fonts is not None:
            (self.staging / "tmp" / "matplotlib").mkdir()
            shutil.copy2(fonts, self.staging / "tmp" / "matplotlib" / fonts.name)
        if source and os.path.isdir(source):
            _copy_own_files(Path(source), self.staging / "work")
        self.cgroup = Cgroup(_cgroup_parents())
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None

    def command(self, kernel_cmd: list[str], seccomp: int) -> list[str]:
        processes = None if "pids" in self.cgroup.folders or _is_root() else settings.MAX_PROCESSES.get()
        command = bwrap_command(
            kernel_cmd, work=self.work, comm=self.comm, staging=self.staging, seccomp=seccomp, processes=processes
        )
        return join_cgroups(command, self.cgroup.procs_files)

    def prepare_restart(self) -> None:
        """Before a new kernel: nothing of the previous one is left (processes, what it put in the
        shared folder, a symbolic link where the grader will write the connection file included)."""
        self.cgroup.kill_all()
        for entry in os.scandir(self.comm):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass

    def started(self, pid: int | None) -> None:
        super().started(pid)
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="autograde-sandbox-watchdog", daemon=True)
            self._watchdog.start()

    def _log(self, line: str) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"\nautograde: {line}\n".encode())

    def _watch(self) -> None:
        """What no mount option bounds: the shared sockets' folder (a kernel could fill the grader's disk
        through it: it is stopped, and what it wrote there removed); and, without a memory cgroup, the
        memory of the sandbox's processes together (the largest killed beyond the limit, as the kernel's
        OOM killer would)."""
        limit = settings.MEMORY_MB.get() << 20
        while not self._stop.wait(WATCHDOG_PERIOD_S):
            if not self._comm_is_small():
                for pid in process_tree(self._pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                self.prepare_restart()
                self._log("the kernel wrote into its sockets' folder: stopped")
            if "memory" in self.cgroup.folders:
                continue
            tree = process_tree(self._pid)[1:]  # not bubblewrap's monitor, which holds nothing
            sizes = {pid: _memory_of(pid) for pid in tree}
            if sizes and sum(sizes.values()) > limit:
                largest = max(sizes, key=sizes.__getitem__)
                try:
                    os.kill(largest, signal.SIGKILL)
                except OSError:
                    continue
                self._log(
                    f"memory limit ({limit >> 20} MiB for the kernel's processes together) reached: "
                    f"process {largest} ({sizes[largest] >> 20} MiB) killed"
                )

    def _comm_is_small(self) -> bool:
        """Only sockets and the connection file belong there."""
        try:
            with os.scandir(self.comm) as entries:
                total, count = 0, 0
                for entry in entries:
                    count += 1
                    status = entry.stat(follow_symlinks=False)
                    if not stat.S_ISSOCK(status.st_mode):
                        total += status.st_size
                    if count > COMM_MAX_ENTRIES or total > COMM_MAX_BYTES:
                        return False
        except OSError:
            pass
        return True

    def cpu_seconds(self) -> float:
        """User and system CPU seconds of every process of the kernels of this sandbox, from the cgroup
        when there is one, else from the process tree."""
        from_cgroup = self.cgroup.cpu_seconds()
        return from_cgroup if from_cgroup is not None else super().cpu_seconds()

    def popen(self, argv: list[str], **kw) -> subprocess.Popen:
        """Start a command (a small script, in tests and in :func:`check_sandbox`) as a kernel of this sandbox."""
        fd = seccomp_fd()
        try:
            process = subprocess.Popen(
                self.command(argv, fd),
                env=BWRAP_ENV,
                pass_fds=(fd,),
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **kw},
            )
        finally:
            os.close(fd)
        self.started(process.pid)
        return process

    def run(self, argv: list[str], timeout: float = 60, **kw) -> subprocess.CompletedProcess:
        process = self.popen(argv, **kw)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def close(self) -> None:
        self._stop.set()
        self.cgroup.remove()
        super().close()


def limits_mode() -> str:
    """How this machine's sandboxes bound memory, processes, CPU accounting and disk (check_sandbox's text)."""
    parents = _cgroup_parents()
    version = lambda name: f"cgroup v{parents[name][0]}"  # noqa: E731
    memory = version("memory") if "memory" in parents else "watchdog of the grader (sum of the processes' PSS)"
    if "pids" in parents:
        processes = version("pids")
    else:
        processes = "none (root ignores RLIMIT_NPROC)" if _is_root() else "RLIMIT_NPROC in the sandbox's user namespace"
    cpu = version("cpu") if "cpu" in parents else "process tree in /proc"
    options = _bwrap_options(bwrap())
    disk = "size-limited tmpfs" if "--size" in options else "unbounded tmpfs (bubblewrap < 0.7 has no --size)"
    userns = "" if "--disable-userns" in options else "; new user namespaces refused by seccomp only (bubblewrap < 0.8)"
    return f"memory: {memory}; processes: {processes}; CPU time: {cpu}; disk: {disk}{userns}"


def require_sandbox() -> None:
    """What a grading process checks before its kernels: bubblewrap is there, the filter builds. Whether
    bubblewrap can make a sandbox on this machine is :func:`check_sandbox`'s trial, which the command
    that starts a grading runs once (and the grader, when a sandboxed kernel does not start)."""
    if bwrap() is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed: the students' code cannot be sandboxed. " + INSTALL_HINT
        )
    seccomp_filter()


def warm_up() -> None:
    """Compute now what every sandboxed kernel of this process needs once (the seccomp filter,
    bubblewrap's options, the cgroup parents, the font cache, /etc's unreadable files): a grading server
    calls it before it forks a process per student, which then inherits it all."""
    try:
        require_sandbox()
        _bwrap_options(bwrap())
        _cgroup_parents()
        _unreadable_in_etc()
        _font_cache()
    except (SandboxUnavailable, OSError):  # a grading process says why, when it needs a sandbox
        pass


@functools.lru_cache(maxsize=1)
def check_sandbox() -> str:
    """Raise :class:`SandboxUnavailable` unless a sandbox can be made here; say how its limits are held."""
    require_sandbox()
    trial_box = Sandbox()
    try:
        trial = trial_box.run([sys.executable, "-c", "import numpy"])
    finally:
        trial_box.close()
    if trial.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot make a sandbox on this machine: {trial.stderr.strip()[-500:]} " + INSTALL_HINT
        )
    return limits_mode()


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel in a bubblewrap sandbox (see the module docstring). One sandbox per kernel manager, kept
    across restarts (its cgroups, its log, its CPU time), removed at the end."""

    _sandbox: Sandbox | None = None
    _seccomp: int | None = None
    _log = None

    @default("client_factory")
    def _ready_client(self):
        return ReadyKernelClient

    async def _async_pre_start_kernel(self, **kw):
        require_sandbox()
        if self._sandbox is None:
            self._sandbox = Sandbox(kw.get("cwd"))
        else:
            self._sandbox.prepare_restart()
            self._connection_file_written = False  # written again, into the emptied folder
        comm = self._sandbox.comm
        self.transport = "ipc"
        self.connection_file = str(comm / "kernel.json")
        self.ip = str(comm / "kernel")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        self._seccomp = seccomp_fd()
        self._log = self._sandbox.open_log()
        kw.update(
            cwd=str(self._sandbox.root),
            env=dict(BWRAP_ENV),
            pass_fds=(self._seccomp,),
            stdout=self._log,
            stderr=self._log,
            independent=True,
        )  # independent: no JPY_PARENT_PID in bubblewrap's environment
        return self._sandbox.command(kernel_cmd, self._seccomp), kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            os.close(self._seccomp)
            self._log.close()
        self._sandbox.started(getattr(self.provisioner, "pid", None))

    def cpu_seconds(self) -> float:
        """User and system CPU seconds used so far by every process of this manager's kernels, since its
        first start (restarts and dead processes included)."""
        return self._sandbox.cpu_seconds() if self._sandbox else 0.0

    def kernel_log_tail(self, limit: int = 4096) -> str:
        """The end of what this manager's kernels wrote to their stdout and stderr (never the grader's)."""
        return self._sandbox.log_tail(limit) if self._sandbox else ""

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by message: the kernel is in a session of its own, beyond the reach of a signal sent
        to the launcher's process group."""
        if self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    interrupt_kernel = _async_interrupt_kernel

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """Always at once: the kernel has nothing to save (its folders are tmpfs that die with it) and its
        PID namespace takes every process it started along. A clean exit would let the interpreter tear
        down its modules first, a second of the grader's time with scikit-learn loaded."""
        await super()._async_shutdown_kernel(now=True, restart=restart)

    shutdown_kernel = _async_shutdown_kernel

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client polls every 0.1 s for the end of a kernel it killed, which takes milliseconds.
        await super()._async_wait(pollinterval=min(pollinterval, KILL_POLL_S))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def discard(self) -> None:
        """Kill this manager's kernel and remove its sandbox, without an event loop (at the process's end)."""
        process = getattr(self.provisioner, "process", None)
        if self._sandbox is not None:
            self._sandbox.cgroup.kill_all()
        if process is not None:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait(timeout=5)
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None


class ReadyKernelClient(AsyncKernelClient):
    """jupyter_client's client, whose wait for a kernel's readiness does not end with 0.2 s of silence
    awaited on IOPub: what arrives there after the kernel's first answer (its status messages) is for
    no cell, and nbclient and the grader read only the messages of their own requests."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        asked: set[str] = set()  # this wait's kernel_info requests
        while True:
            asked.add(self.kernel_info())
            try:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply" and _parent_id(reply) in asked:
                # IOPub is connected once it carries the status of one of this wait's requests. A message
                # of the kernel before a restart, still queued, proves nothing: the subscription to the
                # new kernel may not be made yet, and the next cell's output would be lost.
                if await self._iopub_answers(asked, seconds=0.2):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    async def _iopub_answers(self, asked: set[str], seconds: float) -> bool:
        """Whether IOPub carries a message of one of the ``asked`` requests within ``seconds`` (the
        messages of other requests read meanwhile are for no cell)."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            try:
                message = await ensure_async(self.iopub_channel.get_msg(timeout=left))
            except Empty:
                return False
            if _parent_id(message) in asked:
                return True
        return False

    wait_for_ready = _async_wait_for_ready


def _parent_id(message: dict) -> str | None:
    return (message.get("parent_header") or {}).get("msg_id")


# ------------------------------------------------------------------------------------ prepared kernels
@dataclass
class _Prepared:
    manager: SandboxedKernelManager
    key: tuple


_prepared: _Prepared | None = None


def _prepared_key(manager_class: type, kernel_name: str, folder: str | None, arguments: list[str]) -> tuple:
    return (
        manager_class,
        kernel_name,
        os.path.realpath(folder) if folder else None,
        tuple(arguments),
        own_files_state(folder),
    )


async def prepare_kernel(manager: SandboxedKernelManager, folder: str | None, arguments: list[str]) -> None:
    """Start ``manager``'s kernel now, for the next notebook graded from ``folder`` (the same student's
    next notebook), so that it is ready when that notebook starts: a fresh sandbox (its own private
    folder, cgroup, kernel), which no code of any student has run in. One at a time: a kernel prepared
    earlier and not taken is stopped first."""
    global _prepared
    await discard_prepared()
    key = _prepared_key(type(manager), manager.kernel_name, folder, arguments)
    try:
        await manager.start_kernel(cwd=folder, extra_arguments=list(arguments))
    except BaseException:
        await _discard(manager)
        raise
    _prepared = _Prepared(manager, key)


async def take_prepared(
    manager_class: type, kernel_name: str, folder: str | None, arguments: list[str]
) -> SandboxedKernelManager | None:
    """The kernel prepared for a notebook graded from ``folder`` with these arguments, started but never
    used, or None; a prepared kernel that does not fit (another folder, files changed since, other
    arguments, dead) is stopped and removed."""
    global _prepared
    prepared, _prepared = _prepared, None
    if prepared is None:
        return None
    if (
        prepared.key == _prepared_key(manager_class, kernel_name, folder, arguments)
        and await prepared.manager.is_alive()
    ):
        return prepared.manager
    await _discard(prepared.manager)
    return None


async def discard_prepared() -> None:
    global _prepared
    prepared, _prepared = _prepared, None
    if prepared is not None:
        await _discard(prepared.manager)


async def _discard(manager: SandboxedKernelManager) -> None:
    try:
        await manager.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - a kernel that failed to start: what it made is removed below
        manager.discard()


@atexit.register
def _discard_prepared_at_exit() -> None:
    """A grading process that ends normally leaves no prepared kernel (one ended by ``os._exit`` kills it
    with its other descendants, and leaves its private folder in the temporary folder)."""
    global _prepared
    prepared, _prepared = _prepared, None
    if prepared is not None:
        prepared.manager.discard()


def kernel_manager_class(sandboxed: bool) -> type[AsyncKernelManager]:
    """The kernel manager of grading kernels; :class:`SandboxUnavailable` when a sandbox cannot be made."""
    if sandboxed:
        require_sandbox()
        return SandboxedKernelManager
    return LimitedKernelManager
