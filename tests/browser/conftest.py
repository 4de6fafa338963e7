"""Browser tests: a real JupyterLab (with nbgrader's extensions) driven by Playwright in headless Chromium.

Each test module starts one JupyterLab on 127.0.0.1 (a free port, a token) in a temporary folder and
stops it at the end; one Chromium serves every module of a pytest process. Each step of a test saves a
screenshot, in ``$BROWSER_SCREENSHOTS/<module>/`` when set, else in pytest's temporary folder; a
failing step says which step it was and where its screenshot is.

Without Chromium the tests are skipped and say why; deselect them with ``-m "not browser"``."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import MNIST_DIR

CHROMIUM_ARGS = [
    "--disable-gpu",
    # Without these Chromium keeps calling Google's services (refused here, slow anywhere).
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium's own sandbox cannot start as root (a container, CI as root).
if hasattr(os, "geteuid") and os.geteuid() == 0:
    CHROMIUM_ARGS.append("--no-sandbox")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Set in CI, where a missing browser must fail the run rather than skip the tests unseen.
REQUIRED = "REQUIRE_BROWSER_TESTS"
VIEWPORT = {"width": 1400, "height": 1150}
STARTUP_TIMEOUT = 90  # seconds; JupyterLab starts in 3 s when the machine is idle


# ------------------------------------------------------------------------------------- Chromium
def _unavailable(reason: str):
    if os.environ.get(REQUIRED):
        pytest.fail(f"{reason} ({REQUIRED} is set: the browser tests must run here)")
    pytest.skip(reason)


def find_chromium() -> str | None:
    """The Chromium to drive: $CHROMIUM (a path or a command name) when set, else the first of
    CHROMIUM_NAMES on PATH; None when there is none."""
    names = [os.environ["CHROMIUM"]] if os.environ.get("CHROMIUM") else CHROMIUM_NAMES
    return next((found for found in map(shutil.which, names) if found), None)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]'): browser tests skipped")
    executable = find_chromium()
    with sync_playwright() as playwright:
        # Without a system Chromium, Playwright's own (`playwright install chromium`), if downloaded.
        if executable is None and not Path(playwright.chromium.executable_path).exists():
            looked_for = os.environ.get("CHROMIUM") or ", ".join(CHROMIUM_NAMES)
            _unavailable(
                f"no Chromium found ({looked_for} on PATH, nor Playwright's own): browser tests skipped. "
                "Install it with `sudo apt-get install chromium` (`make system-test` does as root) or "
                "set CHROMIUM=/path/to/chromium; deselect these tests with -m 'not browser'"
            )
        # launch() gives every run a fresh, temporary Chromium profile.
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


# ------------------------------------------------------------------------------------ JupyterLab
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class JupyterLab:
    """A running JupyterLab server, rooted at ``root``."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open(self, page, path: str = "", *, workspace: str) -> None:
        """Load JupyterLab in ``page``, with the notebook ``path`` (relative to the root) open. Each test
        names its own workspace and resets it, so that no tab of an earlier test comes back."""
        tree = f"/tree/{path}" if path else ""
        page.goto(f"{self.base}/lab/workspaces/{workspace}{tree}?reset&token={self.token}")
        page.locator("#jp-main-dock-panel").wait_for()

    def api(self, method: str, path: str):
        request = urllib.request.Request(
            f"{self.base}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Free the kernels a test started (two cores: idle kernels of earlier tests are not free)."""
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _write_settings(folder: Path) -> None:
    """User settings of the test's JupyterLab: no news (a network call, and a toast over the page)."""
    notification = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text(json.dumps({"fetchNews": "false"}), encoding="utf-8")


@contextmanager
def running_jupyterlab(root: Path, state: Path):
    """Start JupyterLab with ``root`` as its root and working folder (where nbgrader's server
    extensions look for nbgrader_config.py), its own config, data and runtime folders under ``state``;
    stop it, and its kernels, at the end."""
    state.mkdir(parents=True, exist_ok=True)
    _write_settings(state / "settings")
    port, token = _free_port(), secrets.token_hex(16)
    environment = dict(os.environ)
    # ipykernel uses the inline backend (figures in the notebook) only when MPLBACKEND is unset;
    # tests/conftest.py and the Makefile set it to Agg.
    environment.pop("MPLBACKEND", None)
    environment.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}",
        MNIST_DIR=str(MNIST_DIR),
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_DATA_DIR=str(state / "data"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = state / "jupyterlab.log"
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command, cwd=root, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = JupyterLab(root, port, token, process, log)
    try:
        _wait_until_up(lab)
        yield lab
    finally:
        _stop(process)


def _wait_until_up(lab: JupyterLab) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if lab.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({lab.process.returncode}) at startup:\n{lab.log_tail()}")
        try:
            lab.api("GET", "status")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer in {STARTUP_TIMEOUT} s:\n{lab.log_tail()}") from None
            time.sleep(0.25)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM: the server shuts its kernels down and exits; if it is still there after 20 s, its
    process group (made for it) is killed."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# ------------------------------------------------------------------------------- pages and steps
@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="module")
def screenshots(request, tmp_path_factory) -> Path:
    """This module's screenshot folder."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    chosen = os.environ.get("BROWSER_SCREENSHOTS")
    folder = Path(chosen) / module if chosen else tmp_path_factory.mktemp(f"screenshots-{module}", numbered=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Steps:
    """The steps of one browser test, each followed by a screenshot, ``<test>-<n>-<step>.png``."""

    page: object
    folder: Path
    test: str
    done: list[str] = field(default_factory=list)

    @contextmanager
    def __call__(self, name: str, shot=None):
        """``with step("open the notebook"):`` … ; ``shot`` (a locator) is scrolled into view first."""
        number = len(self.done) + 1
        stem = f"{self.test}-{number:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"
        try:
            yield
            if shot is not None:
                shot.scroll_into_view_if_needed()
        except Exception as error:
            path = self._screenshot(f"{stem}-FAILED")
            raise AssertionError(
                f"step {number} ({name!r}) failed after steps {self.done}; screenshot: {path}\n"
                f"{type(error).__name__}: {error}"
            ) from error
        self._screenshot(stem)
        self.done.append(name)

    def _screenshot(self, stem: str) -> Path | str:
        path = self.folder / f"{stem}.png"
        try:
            # Two frames: cells scrolled into view are painted (JupyterLab skips painting off-screen cells).
            self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            self.page.screenshot(path=str(path))
        except Exception as error:  # noqa: BLE001 - a crashed page: the step's own error matters more
            return f"none ({error})"
        return path


@pytest.fixture
def step(page, screenshots, request) -> Steps:
    name = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name.removeprefix("test_")).strip("-")
    return Steps(page, screenshots, name)
