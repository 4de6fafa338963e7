"""The sandbox of every kernel that runs a student's code at grading time, with bubblewrap.

nbclient starts one kernel per notebook through a jupyter_client kernel manager; nbgrader_config.py
makes it :class:`SandboxedKernelManager`, whose kernel runs as ``bwrap … python -m ipykernel_launcher``:

- it sees the system (/usr, /etc) and the Python environment read-only, without the ``autograde``
  package (an editable install points into the repository, which is not mounted; an installed one is
  hidden); the MNIST folder read-only; a private writable copy of the student's folder (without
  notebooks); a private /tmp;
- it does not see the course directory, ``source/``, the gradebook, the other students, the repository;
- it has no network (a network namespace of its own, loopback down): it talks to the grader through
  Unix sockets in a folder of its own (jupyter_client's ``ipc`` transport);
- every process it starts lives in its PID namespace and dies with it (``--die-with-parent``, and the
  namespace's first process ending kills the rest), including a process that detached itself;
- limits: address space (memory), file size, processes (a pids cgroup when the grader is root, for
  root ignores RLIMIT_NPROC; RLIMIT_NPROC, counted in the sandbox's own user namespace, otherwise),
  and the time per cell that the grader enforces.

Without bubblewrap, :class:`LimitedKernelManager` keeps the memory and file-size limits only; grades
computed so are marked "non vérifié".
"""
from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from . import settings

INSTALL_HINT = ("Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
                "bubblewrap), or grade without the sandbox with `autograde grade --no-sandbox` "
                "(AUTOGRADE_SANDBOX=off): every grade of such a run is marked \"non vérifié\".")


class SandboxUnavailable(RuntimeError):
    """Grading was asked to sandbox the kernels and cannot."""


def _launcher(memory_mb: int, file_mb: int, processes: int | None) -> str:
    """Python code run as the sandbox's command: it sets the limits, then becomes the kernel (exec),
    so that the kernel inherits them and cannot raise them (soft and hard limits are both set)."""
    lines = ["import os, resource, sys",
             f"resource.setrlimit(resource.RLIMIT_AS, ({memory_mb << 20}, {memory_mb << 20}))",
             f"resource.setrlimit(resource.RLIMIT_FSIZE, ({file_mb << 20}, {file_mb << 20}))",
             "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))"]
    if processes:
        lines.append(f"resource.setrlimit(resource.RLIMIT_NPROC, ({processes}, {processes}))")
    lines.append("os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")
    return "; ".join(lines)


def _limited(kernel_cmd: list[str], processes: int | None) -> list[str]:
    """``python -m ipykernel_launcher …`` becomes ``python -S -c <limits, then exec> -m ipykernel_launcher …``
    (``-S``: the launcher needs no site-packages, and starts in a few milliseconds)."""
    code = _launcher(settings.MEMORY_MB.get(), settings.MAX_FILE_MB.get(), processes)
    return [kernel_cmd[0], "-S", "-c", code, *kernel_cmd[1:]]


class LimitedKernelManager(AsyncKernelManager):
    """A kernel with the memory and file-size limits, and no sandbox (``--no-sandbox``)."""

    async def _async_pre_start_kernel(self, **kw):
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        kw["stdout"] = subprocess.DEVNULL  # ipykernel's connection banner; its errors go to stderr
        kw["env"] = {k: v for k, v in (kw.get("env") or os.environ).items() if k != "MPLBACKEND"}  # inline figures
        return _limited(kernel_cmd, None), kw


# ------------------------------------------------------------------------------------------ bubblewrap
def bwrap() -> str | None:
    return shutil.which("bwrap")


def _is_root() -> bool:
    return os.geteuid() == 0


def _read_only_system() -> list[str]:
    """The system and the Python environment, read-only; the autograde package hidden if it is there."""
    args = []
    for top in ("/usr", "/etc", "/opt"):
        if os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    prefixes = sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)} | {sys.prefix})
    for prefix in prefixes:
        if not prefix.startswith(("/usr/", "/opt/")):
            args += ["--ro-bind", prefix, prefix]
    package = Path(__file__).resolve().parent
    if any(str(package).startswith(prefix.rstrip("/") + "/") for prefix in [*prefixes, "/usr", "/opt"]):
        args += ["--tmpfs", str(package)]  # a non-editable install: hide it
    return args


def _environment(tmp: str) -> list[str]:
    """A clean environment: nothing of the grader's (tokens, the seed) reaches the student's code."""
    # No MPLBACKEND: the kernel's inline backend puts the student's figures in the graded notebook, for
    # the feedback and the formgrader.
    keep = {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONWARNINGS", "LANG"}
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(PATH=f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin", HOME=f"{tmp}/home",
               MPLCONFIGDIR=f"{tmp}/matplotlib", IPYTHONDIR=f"{tmp}/ipython", XDG_CACHE_HOME=f"{tmp}/cache",
               PYTHONDONTWRITEBYTECODE="1")
    mnist = settings.MNIST_DIR.get()
    if os.path.isdir(mnist):
        env["MNIST_DIR"] = os.path.realpath(mnist)
    args = ["--clearenv"]
    for name, value in sorted(env.items()):
        args += ["--setenv", name, value]
    return args


def bwrap_command(kernel_cmd: list[str], *, work: Path, tmp: Path, comm: Path) -> list[str]:
    """The kernel's command, run in a sandbox that sees only what the module docstring lists."""
    mnist = os.path.realpath(settings.MNIST_DIR.get())
    data = ["--ro-bind", mnist, mnist] if os.path.isdir(mnist) else []
    # The private /tmp first: what is mounted after it stays visible, a virtualenv under /tmp included
    # (a clone in /tmp, as CI may make it).
    return [bwrap(), "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox",
            "--bind", str(tmp), "/tmp", *_read_only_system(), "--proc", "/proc", "--dev", "/dev", *data,
            "--bind", str(work), str(work), "--bind", str(comm), str(comm), "--chdir", str(work),
            "--remount-ro", "/",  # the sandbox's own root, where the mount points were made
            *_environment("/tmp"),
            *_limited(kernel_cmd, None if _is_root() else settings.MAX_PROCESSES.get())]


def _pids_cgroup_parent() -> Path | None:
    """Where this (root) process may create a cgroup limiting its processes, if anywhere."""
    v1 = Path("/sys/fs/cgroup/pids")
    if (v1 / "cgroup.procs").exists() and os.access(v1, os.W_OK):
        return v1
    try:
        own = Path("/proc/self/cgroup").read_text().splitlines()
        relative = next(line.split("::", 1)[1] for line in own if line.startswith("0::"))
        v2 = Path("/sys/fs/cgroup") / relative.lstrip("/")
        if "pids" in (v2 / "cgroup.subtree_control").read_text().split() and os.access(v2, os.W_OK):
            return v2
    except (OSError, StopIteration):
        pass
    return None


_cgroup_names = itertools.count()


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


def _new_pids_cgroup() -> Path | None:
    parent = _pids_cgroup_parent() if _is_root() else None
    if parent is None:
        return None
    cgroup = parent / f"autograde-{os.getpid()}-{next(_cgroup_names)}"
    try:
        cgroup.mkdir()
        (cgroup / "pids.max").write_text(str(settings.MAX_PROCESSES.get()))
    except OSError:
        return None
    return cgroup


@functools.lru_cache(maxsize=1)
def check_sandbox() -> str:
    """Raise :class:`SandboxUnavailable` unless a sandbox can be made here; say how processes are limited."""
    if bwrap() is None:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: the students' code cannot be sandboxed. "
                                 + INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="autograde-sandbox-check-") as scratch:
        folders = [Path(scratch) / name for name in ("work", "tmp", "comm")]
        for folder in folders:
            folder.mkdir()
        command = bwrap_command([sys.executable, "-c", "import numpy"], work=folders[0], tmp=folders[1], comm=folders[2])
        trial = subprocess.run(command, capture_output=True, text=True)
    if trial.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot make a sandbox on this machine: {trial.stderr.strip()[-500:]} "
                                 + INSTALL_HINT)
    if not _is_root():
        return "RLIMIT_NPROC in the sandbox's user namespace"
    return "pids cgroup" if _pids_cgroup_parent() else "none (root without a writable pids cgroup)"


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel in a bubblewrap sandbox (see the module docstring). One private folder per kernel manager,
    kept across restarts (a restarted kernel finds the files the student's code wrote), removed at the end."""

    _root: Path | None = None
    _cgroup: Path | None = None

    async def _async_pre_start_kernel(self, **kw):
        check_sandbox()
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="autograde-kernel-"))
            for name in ("work", "tmp", "comm"):
                (self._root / name).mkdir()
            (self._root / "tmp" / "home").mkdir()
            fonts = _font_cache()
            if fonts is not None:
                (self._root / "tmp" / "matplotlib").mkdir()
                shutil.copy2(fonts, self._root / "tmp" / "matplotlib" / fonts.name)
            source = kw.get("cwd")
            if source and os.path.isdir(source):
                # The student's own files, without the notebooks (graded ones hold the hidden tests' ids).
                shutil.copytree(source, self._root / "work", dirs_exist_ok=True, symlinks=False,
                                ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        comm = self._root / "comm"
        self.transport = "ipc"
        self.connection_file = str(comm / "kernel.json")
        self.ip = str(comm / "kernel")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        command = bwrap_command(kernel_cmd, work=self._root / "work", tmp=self._root / "tmp", comm=comm)
        self._cgroup = self._cgroup or _new_pids_cgroup()
        if self._cgroup is not None:
            # Join the cgroup before bwrap starts, so that every process of the sandbox is counted.
            command = ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self._cgroup / "cgroup.procs"), *command]
        kw["cwd"] = str(self._root)
        kw["stdout"] = subprocess.DEVNULL  # ipykernel's connection banner; its errors go to stderr
        return command, kw

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by message: the kernel is in a session of its own, beyond the reach of a signal sent
        to the launcher's process group."""
        if self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    interrupt_kernel = _async_interrupt_kernel

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if restart:
            return
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
        if self._cgroup is not None:
            try:
                self._cgroup.rmdir()
            except OSError:
                pass
            self._cgroup = None


def kernel_manager_class(sandboxed: bool) -> type[AsyncKernelManager]:
    """The kernel manager of grading kernels; :class:`SandboxUnavailable` when a sandbox cannot be made."""
    if sandboxed:
        check_sandbox()
        return SandboxedKernelManager
    return LimitedKernelManager
