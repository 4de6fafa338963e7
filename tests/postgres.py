"""A PostgreSQL server of the tests' own: `initdb` in a new temporary folder, listening on a Unix socket
in that folder only (no TCP port: nothing else on the machine can reach it, two test processes never
collide), trust authentication for the one role ``autograde``, fsync off (a test's data need not
survive a crash of the machine).

PostgreSQL refuses to run as root: as root, the server runs as an unprivileged user (``nobody``) that
owns the folder; otherwise as whoever runs the tests. The tests' own processes connect through the
socket as role ``autograde`` whatever their user (trust).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

ROLE = "autograde"
SERVER_USER = "nobody"  # as root: who runs the server
DEBIAN_BIN = "/usr/lib/postgresql/*/bin"  # Debian's `postgresql` package: initdb and pg_ctl live here
START_TIMEOUT = 120  # seconds pg_ctl waits for the server (a loaded CI machine)


class Unavailable(RuntimeError):
    """PostgreSQL's programs are not on this machine (or the server did not start): why."""


def find_bin() -> Path:
    """The folder of initdb and pg_ctl: PATH's first, else Debian's highest version."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent

    def version(folder: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(folder).parent.name)) or (0,)

    for folder in sorted(glob.glob(DEBIAN_BIN), key=version, reverse=True):
        if os.access(Path(folder) / "initdb", os.X_OK) and os.access(Path(folder) / "pg_ctl", os.X_OK):
            return Path(folder)
    raise Unavailable(
        f"PostgreSQL is not installed (no initdb and pg_ctl on PATH nor in {DEBIAN_BIN}): "
        "`make system-test` installs Debian's postgresql as root, or `apt-get install postgresql`"
    )


def _as_server_user() -> list[str]:
    """The prefix that runs a command as the server's user: none unless root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVER_USER, "--"]
    return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_USER}", "--clear-groups", "--"]


@dataclass
class Server:
    folder: Path  # made by start(), removed by stop()
    bin: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder

    @classmethod
    def start(cls) -> "Server":
        bin_dir = find_bin()
        # Short: a Unix socket's path is at most 107 bytes.
        folder = Path(tempfile.mkdtemp(prefix="autograde-pg-"))
        server = cls(folder, bin_dir)
        try:
            if os.geteuid() == 0:
                shutil.chown(folder, SERVER_USER)
            server._run(
                "initdb", "-D", str(server.data), f"--username={ROLE}", "--auth=trust", "--encoding=UTF8",
                "--no-locale", "--no-sync",
            )  # fmt: skip
            options = (
                f"-c listen_addresses='' -k {folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            server._run(
                "pg_ctl", "start", "-D", str(server.data), "-l", str(folder / "server.log"), "-w",
                "-t", str(START_TIMEOUT), "-o", options,
            )  # fmt: skip
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*_as_server_user(), str(self.bin / program), *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise Unavailable(f"{program} failed ({done.returncode}): {done.stderr[-2000:]}{tail}")

    def stop(self) -> None:
        """Stop the server at once (its data is thrown away) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), user=ROLE, dbname=dbname, autocommit=True)

    def url(self, dbname: str) -> str:
        """The SQLAlchemy URL of one database (psycopg 3, through the socket)."""
        return f"postgresql+psycopg://{ROLE}@/{dbname}?host={self.socket_dir}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = "gradebook_" + uuid.uuid4().hex[:12]
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
