"""Every setting of grading, with its one default. Each is read from an environment variable, so that
`autograde grade`, `nbgrader autograde` run by hand (through nbgrader_config.py) and the kernels all
see the same value. The "Limits at grading time" table of docs/teachers.md documents them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    variable: str
    default: object
    meaning: str

    def get(self):
        raw = os.environ.get(self.variable)
        if raw is None or raw == "":
            return self.default
        return (
            type(self.default)(raw)
            if not isinstance(self.default, bool)
            else raw.lower() not in ("0", "off", "no", "false")
        )


CELL_TIMEOUT = Setting("AUTOGRADE_CELL_TIMEOUT", 60, "seconds a cell may run before it is interrupted (0 point)")
MEMORY_MB = Setting("AUTOGRADE_MEMORY_LIMIT_MB", 2048, "address space of a student's kernel, in MiB")
MAX_PROCESSES = Setting("AUTOGRADE_MAX_PROCESSES", 64, "processes and threads a student's kernel may run at once")
MAX_FILE_MB = Setting("AUTOGRADE_MAX_FILE_MB", 64, "largest file a student's kernel may write, in MiB")
MAX_OUTPUT_LINES = Setting("AUTOGRADE_MAX_OUTPUT_LINES", 200, "lines of output kept per cell")
JOBS = Setting("AUTOGRADE_JOBS", min(4, os.cpu_count() or 1), "students graded at once")
SEED = Setting("AUTOGRADE_SEED", 20261121, "course seed from which every hidden check draws its cases")
SANDBOX = Setting("AUTOGRADE_SANDBOX", True, "run every student's kernel in the bubblewrap sandbox")
MNIST_DIR = Setting("MNIST_DIR", str(REPO_ROOT / "data" / "mnist"), "folder of the MNIST IDX files the notebooks read")
MAX_NOTEBOOK_MB = Setting(
    "AUTOGRADE_MAX_NOTEBOOK_MB", 20, "largest notebook file the intake and collect accept, in MiB"
)

WALL_FACTOR = Setting(
    "AUTOGRADE_WALL_FACTOR",
    3,
    "a kernel that sleeps or blocks is stopped after this many times its CPU time limit, in wall-clock time",
)
NOTEBOOK_CPU_BUDGET = Setting(
    "AUTOGRADE_NOTEBOOK_CPU_BUDGET",
    600,
    "CPU seconds a notebook's kernel may spend in all, restarts and replays included (then every remaining graded cell 0)",
)
MAX_MESSAGE_MB = Setting(
    "AUTOGRADE_MAX_MESSAGE_MB", 32, "largest message the grader decodes from a kernel, in MiB (over it: that cell 0)"
)
MAX_CELL_OUTPUTS = Setting("AUTOGRADE_MAX_CELL_OUTPUTS", 500, "outputs (prints, displays) kept per cell")
MAX_NOTEBOOK_OUTPUTS = Setting("AUTOGRADE_MAX_NOTEBOOK_OUTPUTS", 5000, "outputs kept per notebook")
MAX_CELL_TEXT_MB = Setting("AUTOGRADE_MAX_CELL_TEXT_MB", 2, "text and data (images aside) kept per cell, in MiB")
MAX_NOTEBOOK_TEXT_MB = Setting(
    "AUTOGRADE_MAX_NOTEBOOK_TEXT_MB", 10, "text and data (images aside) kept per notebook, in MiB"
)
MAX_CELL_IMAGES = Setting("AUTOGRADE_MAX_CELL_IMAGES", 20, "images kept per cell")
MAX_NOTEBOOK_IMAGES = Setting("AUTOGRADE_MAX_NOTEBOOK_IMAGES", 100, "images kept per notebook")
MAX_CELL_IMAGE_MB = Setting("AUTOGRADE_MAX_CELL_IMAGE_MB", 5, "bytes of images kept per cell, in MiB")
MAX_NOTEBOOK_IMAGE_MB = Setting("AUTOGRADE_MAX_NOTEBOOK_IMAGE_MB", 20, "bytes of images kept per notebook, in MiB")

# Empty: nbgrader's SQLite file beside the course's nbgrader_config.py (one teacher on one machine).
DB_URL = Setting(
    "AUTOGRADE_DB_URL",
    "",
    "the gradebook's SQLAlchemy URL, e.g. postgresql+psycopg://USER@/DBNAME?host=/var/run/postgresql "
    "(default: gradebook.db beside the course's nbgrader_config.py)",
)

SCHEDULER = Setting(
    "AUTOGRADE_SCHEDULER",
    "",
    "address of the Dask scheduler that grades, e.g. tcp://HOST:8786 (default: a local cluster of AUTOGRADE_JOBS workers)",
)
ENGINE = Setting(
    "AUTOGRADE_ENGINE",
    "dask",
    "dask (a task per student on a Dask cluster, the client writes the course) or processes (the former "
    "workers, each writing the gradebook)",
)

DISK_MB = Setting(
    "AUTOGRADE_DISK_MB", 512, "size of each writable folder of a student's kernel (its folder, /tmp, /dev/shm), in MiB"
)

ALL = (
    CELL_TIMEOUT,
    MEMORY_MB,
    MAX_PROCESSES,
    MAX_FILE_MB,
    MAX_OUTPUT_LINES,
    JOBS,
    SEED,
    SANDBOX,
    MNIST_DIR,
    MAX_NOTEBOOK_MB,
    WALL_FACTOR,
    NOTEBOOK_CPU_BUDGET,
    MAX_MESSAGE_MB,
    MAX_CELL_OUTPUTS,
    MAX_NOTEBOOK_OUTPUTS,
    MAX_CELL_TEXT_MB,
    MAX_NOTEBOOK_TEXT_MB,
    MAX_CELL_IMAGES,
    MAX_NOTEBOOK_IMAGES,
    MAX_CELL_IMAGE_MB,
    MAX_NOTEBOOK_IMAGE_MB,
    DISK_MB,
    SCHEDULER,
    ENGINE,
    DB_URL,
)
