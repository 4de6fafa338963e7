"""The teacher pipeline, made of nbgrader's own commands run in a course directory.

release → submit → autograde → feedback → export, then the grades are read back from the
gradebook, with the reason for every lost point taken from the autograded notebooks.
"""
from __future__ import annotations

import functools
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import messages, settings
from .execution import RECORD
from .intake import SET_ASIDE_SUFFIX, take_in
from .results import CellResult
from .sandbox import SandboxUnavailable, check_sandbox

REPO_ROOT = Path(__file__).resolve().parent.parent
_BIN = Path(sys.executable).parent


class PipelineError(RuntimeError):
    """An nbgrader command failed in a way that is not one student's fault."""


# nbgrader logs this and goes on with its defaults (English stub, 30 s, no guarded execution).
CONFIG_FAILED = "Exception while loading config file"


def cell_timeout_s() -> int:
    """The per-cell time limit (``AUTOGRADE_CELL_TIMEOUT``, read by nbgrader_config.py)."""
    return settings.CELL_TIMEOUT.get()


def nbgrader_env(course_dir: Path, cell_timeout: int | None = None, sandbox: bool | None = None) -> dict[str, str]:
    """The environment of nbgrader and of the kernels it starts.

    This interpreter's executables first (nbgrader calls ``alembic`` and ``jupyter`` by name); an
    IPython directory of the course's own; the repository's MNIST folder, so no notebook downloads
    at grading time; this run's time limit and sandbox setting, which nbgrader_config.py reads."""
    env = dict(os.environ, PATH=f"{_BIN}{os.pathsep}{os.environ.get('PATH', '')}", MPLBACKEND="Agg",
               IPYTHONDIR=str(Path(course_dir).resolve() / ".ipython"), PYTHONWARNINGS="ignore")
    # Students' small matrix products run far faster on one BLAS thread, and kernels do not fight
    # over the cores.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    env.setdefault(settings.MNIST_DIR.variable, settings.MNIST_DIR.get())
    if cell_timeout is not None:
        env[settings.CELL_TIMEOUT.variable] = str(cell_timeout)
    if sandbox is not None:
        env[settings.SANDBOX.variable] = "on" if sandbox else "off"
    return env


def run_nbgrader(course_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course_dir`` with this environment's executables on PATH."""
    done = subprocess.run([str(_BIN / "nbgrader"), *args], cwd=course_dir, env=nbgrader_env(course_dir),
                          capture_output=True, text=True)
    if CONFIG_FAILED in done.stdout + done.stderr:
        raise PipelineError(f"nbgrader could not load {Path(course_dir) / 'nbgrader_config.py'}:\n{done.stderr[-4000:]}")
    if check and done.returncode != 0:
        raise PipelineError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done


def assignments(repo_root: Path = REPO_ROOT) -> list[str]:
    return sorted(p.name for p in (repo_root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def prepare_course(course_dir: Path, repo_root: Path = REPO_ROOT, only: list[str] | None = None) -> Path:
    """A fresh course directory holding the config and the source of the given assignments."""
    course_dir = Path(course_dir)
    if course_dir.exists():
        shutil.rmtree(course_dir)
    (course_dir / "source").mkdir(parents=True)
    shutil.copy2(repo_root / "nbgrader_config.py", course_dir / "nbgrader_config.py")
    for name in only or assignments(repo_root):
        shutil.copytree(repo_root / "source" / name, course_dir / "source" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return course_dir


def generate_release(course_dir: Path, assignment: str) -> Path:
    run_nbgrader(course_dir, "generate_assignment", assignment, "--force")
    return Path(course_dir) / "release" / assignment


INTAKE_NOTES = "intake.json"


def submit(course_dir: Path, assignment: str, submissions_dir: Path) -> list[str]:
    """Copy ``submissions_dir/<student>/*`` to ``submitted/<student>/<assignment>/`` (what
    ``nbgrader collect`` or ``zip_collect`` produce), then check and repair each notebook against
    the release (:mod:`autograde.intake`); the notes go to ``intake.json``. Returns the student ids."""
    import nbformat

    releases = {p.stem: nbformat.read(str(p), as_version=4)
                for p in sorted((Path(course_dir) / "release" / assignment).glob("*.ipynb"))}
    students, notes = [], {}
    for student_dir in sorted(Path(submissions_dir).iterdir()):
        if not student_dir.is_dir():
            continue
        target = Path(course_dir) / "submitted" / student_dir.name / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(student_dir, target)
        students.append(student_dir.name)
        found = take_in(target, releases)
        if found:
            notes[student_dir.name] = found
    (Path(course_dir) / INTAKE_NOTES).write_text(json.dumps(notes, ensure_ascii=False, indent=1), encoding="utf-8")
    return students


def intake_notes(course_dir: Path) -> dict[str, dict[str, list[str]]]:
    path = Path(course_dir) / INTAKE_NOTES
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


Progress = Callable[[str], None]
_CONVERTING = re.compile(r"Sanitizing .*?submitted[/\\]([^/\\]+)[/\\][^/\\]+[/\\]([^/\\]+)\.ipynb")


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def default_jobs() -> int:
    """Students graded at once: ``AUTOGRADE_JOBS``, else one per core up to 4 (each kernel may take
    up to the memory limit)."""
    return int(os.environ.get("AUTOGRADE_JOBS", min(4, os.cpu_count() or 1)))


def _read_lines(worker: int, stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put((worker, line))
    lines.put((worker, None))


def autograde(course_dir: Path, assignment: str, progress: Progress | None = None,
              cell_timeout: int | None = None, jobs: int | None = None, sandbox: bool = True) -> int:
    """Autograde every submitted student with ``nbgrader autograde``, reporting progress.

    The class is split over ``jobs`` nbgrader processes (each excludes the others' students); they
    share the gradebook, whose writes are short. ``progress`` receives a line each time a notebook
    starts (students done out of total, the current student and notebook, elapsed time), then a
    last one. nbgrader's log is kept in ``autograde.log``. Returns the worst exit status: non-zero
    when nbgrader could not process a student, whose cells the results then show as not graded."""
    course_dir = Path(course_dir)
    students = sorted(p.name for p in (course_dir / "submitted").iterdir() if p.is_dir())
    jobs = max(1, min(jobs or default_jobs(), len(students)))
    chunks = [students[i::jobs] for i in range(jobs)]
    start, lines = time.monotonic(), queue.Queue()
    current: dict[int, str] = {}
    finished: set[str] = set()
    processes = []
    for worker, chunk in enumerate(chunks):
        others = [s for s in students if s not in chunk]
        command = [str(_BIN / "nbgrader"), "autograde", assignment, "--force"]
        if others:
            command.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
        process = subprocess.Popen(command, cwd=course_dir, env=nbgrader_env(course_dir, cell_timeout, sandbox),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=_read_lines, args=(worker, process.stdout, lines), daemon=True).start()
        processes.append(process)
    running = len(processes)
    with open(course_dir / "autograde.log", "w", encoding="utf-8") as log:
        while running:
            worker, line = lines.get()
            if line is None:
                running -= 1
                finished.update([current.pop(worker)] if worker in current else [])
                continue
            log.write(f"[{worker}] {line}" if jobs > 1 else line)
            if CONFIG_FAILED in line:
                for process in processes:
                    process.kill()
                raise PipelineError(f"nbgrader could not load {course_dir / 'nbgrader_config.py'}; see {log.name}")
            match = _CONVERTING.search(line)
            if match:
                student, notebook = match.groups()
                if current.get(worker, student) != student:
                    finished.add(current[worker])
                current[worker] = student
                if progress:
                    progress(f"[{len(finished)}/{len(students)} étudiants corrigés] en cours : {student} · {notebook} "
                             f"· {_clock(time.monotonic() - start)} écoulées")
    codes = [process.wait() for process in processes]
    if progress:
        progress(f"[{len(students)}/{len(students)} étudiants corrigés] en {_clock(time.monotonic() - start)}"
                 + (f" ({jobs} en parallèle)" if jobs > 1 else ""))
    return max(codes, key=abs)


def generate_feedback(course_dir: Path, assignment: str) -> subprocess.CompletedProcess:
    return run_nbgrader(course_dir, "generate_feedback", assignment, "--force", check=False)


def export_grades(course_dir: Path, to: str = "grades.csv") -> Path:
    run_nbgrader(course_dir, "export", "--to", to)
    return Path(course_dir) / to


VERIFICATION = "verification"  # the column of grades.csv saying whether the run was sandboxed


def mark_verification(grades_csv: Path, assignment: str, rows: list[CellResult]) -> None:
    """Add to nbgrader's export, for this assignment's lines, whether each grade is verified: a grade
    computed without the sandbox is "non vérifié" (the student's code could have reached the grader)."""
    import csv

    unverified = {row.student for row in rows if not row.verified}
    with open(grades_csv, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, lines = list(reader.fieldnames or []), list(reader)
    if VERIFICATION not in fields:
        fields.append(VERIFICATION)
    for line in lines:
        if line.get("assignment") == assignment:
            line[VERIFICATION] = messages.UNVERIFIED if line.get("student_id") in unverified else "vérifié"
    with open(grades_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(lines)


_TIMEOUT_ERRORS = ("CellTimeoutError", "KeyboardInterrupt", "TimeoutError", messages.KERNEL_STUCK)


def _timed_out(cell: dict) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") in _TIMEOUT_ERRORS for o in cell.get("outputs", []))


def _failure_message(cell: dict, timeout: int | None) -> str:
    """Why a graded cell got 0, in French: the grader's verdicts first (kept as data in the cell's
    metadata), else the visible self-check's error from the kernel."""
    record = cell.get("metadata", {}).get(RECORD, {})
    failed = [check["message"] for check in record.get("checks", []) if not check.get("passed")]
    if failed:
        return "\n".join(failed)
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    for output in errors:  # the grader's own words say the most
        if output.get("ename") in messages.GRADER_ERRORS:
            return output.get("evalue", "")
    for output in errors:
        name, value = output.get("ename", ""), output.get("evalue", "")
        if name in _TIMEOUT_ERRORS:
            return messages.time_limit(timeout)
        if name == "MemoryError":
            return messages.memory()
        return messages.self_check_failed(name, value)
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return messages.wrote_to_stderr("".join(output.get("text", "")))
    return record.get("message") or messages.no_verdict()


def _mistakes(cell: dict) -> tuple[str, ...]:
    record = cell.get("metadata", {}).get(RECORD, {})
    return tuple(check["mistake"] for check in record.get("checks", []) if check.get("mistake"))


def results(course_dir: Path, assignment: str, cell_timeout: int | None = None) -> list[CellResult]:
    """Every graded cell of every submitted student, with its score and why points were lost."""
    from nbgrader.api import Gradebook, MissingEntry

    course_dir = Path(course_dir)
    timeout = cell_timeout or cell_timeout_s()
    notes = intake_notes(course_dir)
    rows: list[CellResult] = []
    db_url = "sqlite:///" + str(course_dir / "gradebook.db")
    with Gradebook(db_url) as gradebook:
        source_assignment = gradebook.find_assignment(assignment)
        submitted_students = sorted(p.name for p in (course_dir / "submitted").iterdir() if p.is_dir())
        for student in submitted_students:
            for notebook in source_assignment.notebooks:
                graded_path = course_dir / "autograded" / student / assignment / f"{notebook.name}.ipynb"
                cells, interrupted, verified = {}, [], True
                if graded_path.exists():
                    graded_nb = json.loads(graded_path.read_text(encoding="utf-8"))
                    verified = bool(graded_nb.get("metadata", {}).get(RECORD, {}).get("sandboxed"))
                    for index, cell in enumerate(graded_nb["cells"]):
                        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                        if grade_id:
                            cells[grade_id] = cell
                        if _timed_out(cell):
                            interrupted.append(grade_id or f"n°{index + 1}")
                for grade_cell in notebook.grade_cells:
                    try:
                        grade = gradebook.find_grade(grade_cell.name, notebook.name, assignment, student)
                        score = grade.score
                    except MissingEntry:
                        score = 0.0
                    message, mistakes = "", ()
                    if score < grade_cell.max_score:
                        if not graded_path.exists():
                            submitted = course_dir / "submitted" / student / assignment / f"{notebook.name}.ipynb"
                            if submitted.with_name(submitted.name + SET_ASIDE_SUFFIX).exists():  # refused at intake
                                message = " ".join(notes.get(student, {}).get(notebook.name, []))
                            elif submitted.exists():
                                message = messages.notebook_not_graded(notebook.name)
                            else:
                                message = messages.notebook_not_handed_in(notebook.name)
                        elif grade_cell.name not in cells:
                            message = messages.cell_missing()
                        else:
                            message = _failure_message(cells[grade_cell.name], timeout)
                            mistakes = _mistakes(cells[grade_cell.name])
                            others = [name for name in interrupted if name != grade_cell.name]
                            if others:
                                message += messages.also_interrupted(others)
                    rows.append(CellResult(student, notebook.name, grade_cell.name, float(score),
                                           float(grade_cell.max_score), message, mistakes,
                                           verified=verified or not graded_path.exists()))
    return rows


def grade_table(rows: list[CellResult]) -> str:
    """Students × notebooks, with totals: the table a teacher reads first."""
    notebooks = list(dict.fromkeys(r.notebook for r in rows))
    students = list(dict.fromkeys(r.student for r in rows))
    header = ["étudiant", *notebooks, "total"]
    lines = []
    for student in students:
        mine = [r for r in rows if r.student == student]
        cells = []
        for notebook in notebooks:
            nb_rows = [r for r in mine if r.notebook == notebook]
            cells.append(f"{sum(r.score for r in nb_rows):g}/{sum(r.max_score for r in nb_rows):g}")
        cells.append(f"{sum(r.score for r in mine):g}/{sum(r.max_score for r in mine):g}"
                     + ("" if all(r.verified for r in mine) else f" ({messages.UNVERIFIED})"))
        lines.append([student, *cells])
    return "\n".join(_render(header, lines))


def _render(header: list[str], lines: list[list[str]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    render = lambda row: "  ".join(str(value).ljust(width) for value, width in zip(row, widths)).rstrip()  # noqa: E731
    return [render(header), render(["-" * w for w in widths]), *map(render, lines)]


def summary(rows: list[CellResult]) -> str:
    """Per graded cell: the class average and the most frequent named mistake."""
    cells = list(dict.fromkeys((r.notebook, r.grade_id) for r in rows))
    lines = []
    for notebook, grade_id in cells:
        mine = [r for r in rows if (r.notebook, r.grade_id) == (notebook, grade_id)]
        mistakes = Counter(name for r in mine for name in r.mistakes)
        common = mistakes.most_common(1)
        lines.append([f"{notebook} · {grade_id}", f"{sum(r.score for r in mine) / len(mine):.2f}/{mine[0].max_score:g}",
                      f"{sum(r.score == r.max_score for r in mine)}/{len(mine)}",
                      f"{common[0][0]} ({common[0][1]})" if common else "—"])
    return "\n".join(_render(["cellule", "moyenne", "réussie par", "erreur reconnue la plus fréquente"], lines))


def lost_points(rows: list[CellResult]) -> str:
    """One line per graded cell that lost points: who, where, and the message."""
    return "\n".join(f"{r.student} · {r.notebook} · {r.grade_id} ({r.score:g}/{r.max_score:g}) : "
                     + r.message.replace("\n", " / ") for r in rows if r.score < r.max_score)


def grade(assignment: str, submissions_dir: Path, course_dir: Path, repo_root: Path = REPO_ROOT,
          progress: Progress | None = None, cell_timeout: int | None = None, jobs: int | None = None,
          sandbox: bool = True) -> list[CellResult]:
    """The whole pipeline for one assignment in a fresh course directory.

    ``cell_timeout`` overrides ``AUTOGRADE_CELL_TIMEOUT`` for this run, ``jobs`` ``AUTOGRADE_JOBS``;
    without ``sandbox`` the kernels run unconfined and every grade is marked "non vérifié"."""
    if sandbox:
        try:
            check_sandbox()
        except SandboxUnavailable as error:
            raise PipelineError(str(error)) from None
    prepare_course(course_dir, repo_root, only=[assignment])
    generate_release(course_dir, assignment)
    submit(course_dir, assignment, submissions_dir)
    autograde(course_dir, assignment, progress, cell_timeout, jobs, sandbox)
    generate_feedback(course_dir, assignment)
    grades = export_grades(course_dir)
    rows = results(course_dir, assignment, cell_timeout)
    mark_verification(grades, assignment, rows)
    return rows
