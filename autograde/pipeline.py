"""The teacher pipeline, made of nbgrader's own commands run in a course directory.

release → submit → autograde → feedback → export, then the grades are read back from the
gradebook, with the reason for every lost point taken from the autograded notebooks.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_BIN = Path(sys.executable).parent


class PipelineError(RuntimeError):
    """An nbgrader command failed in a way that is not one student's fault."""


@dataclass(frozen=True)
class CellResult:
    student: str
    notebook: str
    grade_id: str
    score: float
    max_score: float
    message: str  # French, empty when the cell got all its points


def run_nbgrader(course_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course_dir`` with this environment's executables on PATH."""
    env = dict(os.environ, PATH=f"{_BIN}{os.pathsep}{os.environ.get('PATH', '')}", MPLBACKEND="Agg")
    done = subprocess.run([str(_BIN / "nbgrader"), *args], cwd=course_dir, env=env,
                          capture_output=True, text=True)
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


def submit(course_dir: Path, assignment: str, submissions_dir: Path) -> list[str]:
    """Copy ``submissions_dir/<student>/*`` to ``submitted/<student>/<assignment>/`` (what
    ``nbgrader collect`` or ``zip_collect`` produce). Returns the student ids."""
    students = []
    for student_dir in sorted(Path(submissions_dir).iterdir()):
        if not student_dir.is_dir():
            continue
        target = Path(course_dir) / "submitted" / student_dir.name / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(student_dir, target)
        students.append(student_dir.name)
    return students


def autograde(course_dir: Path, assignment: str) -> subprocess.CompletedProcess:
    """Autograde every submitted student. A student whose notebook nbgrader cannot process makes
    the command exit non-zero, but the others are graded: the results tell who got what."""
    return run_nbgrader(course_dir, "autograde", assignment, "--force", check=False)


def generate_feedback(course_dir: Path, assignment: str) -> subprocess.CompletedProcess:
    return run_nbgrader(course_dir, "generate_feedback", assignment, "--force", check=False)


def export_grades(course_dir: Path, to: str = "grades.csv") -> Path:
    run_nbgrader(course_dir, "export", "--to", to)
    return Path(course_dir) / to


_TIMEOUT_ERRORS = ("CellTimeoutError", "KeyboardInterrupt", "TimeoutError")


def _timed_out(cell: dict) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") in _TIMEOUT_ERRORS for o in cell.get("outputs", []))


def _failure_message(cell: dict, timeout: int | None) -> str:
    """Why a graded cell got 0, in French, from its outputs in the autograded notebook."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            name, value = output.get("ename", ""), output.get("evalue", "")
            if name == "HiddenTestFailure":
                return value
            if name in _TIMEOUT_ERRORS:
                limit = f" ({timeout} s)" if timeout else ""
                return f"Le test a dépassé la limite de temps{limit} et a été interrompu : boucle infinie ?"
            if name == "DeadKernelError":
                return "Le noyau Python s'est arrêté pendant ce test (plantage ou mémoire épuisée)."
            return f"Erreur {name} : {value}".strip()
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "Le test a écrit sur la sortie d'erreur : " + "".join(output.get("text", ""))[:300]
    return "Cellule non notée (aucune sortie d'erreur, mais pas de point attribué)."


def results(course_dir: Path, assignment: str) -> list[CellResult]:
    """Every graded cell of every submitted student, with its score and why points were lost."""
    from nbgrader.api import Gradebook, MissingEntry

    course_dir = Path(course_dir)
    timeout = int(os.environ.get("AUTOGRADE_CELL_TIMEOUT", 60))
    rows: list[CellResult] = []
    db_url = "sqlite:///" + str(course_dir / "gradebook.db")
    with Gradebook(db_url) as gradebook:
        source_assignment = gradebook.find_assignment(assignment)
        submitted_students = sorted(p.name for p in (course_dir / "submitted").iterdir() if p.is_dir())
        for student in submitted_students:
            for notebook in source_assignment.notebooks:
                graded_path = course_dir / "autograded" / student / assignment / f"{notebook.name}.ipynb"
                cells, interrupted = {}, []
                if graded_path.exists():
                    for index, cell in enumerate(json.loads(graded_path.read_text(encoding="utf-8"))["cells"]):
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
                    message = ""
                    if score < grade_cell.max_score:
                        if not graded_path.exists():
                            submitted = course_dir / "submitted" / student / assignment / f"{notebook.name}.ipynb"
                            message = (f"Notebook {notebook.name}.ipynb non corrigé : il n'a pas pu être lu ou exécuté."
                                       if submitted.exists() else f"Notebook {notebook.name}.ipynb non rendu.")
                        elif grade_cell.name not in cells:
                            message = "Cellule de test absente du notebook corrigé."
                        else:
                            message = _failure_message(cells[grade_cell.name], timeout)
                            others = [name for name in interrupted if name != grade_cell.name]
                            if others:
                                message += (" (Dans ce notebook, la limite de temps a interrompu la cellule "
                                            + ", ".join(f"« {name} »" for name in others) + ".)")
                    rows.append(CellResult(student, notebook.name, grade_cell.name, float(score),
                                           float(grade_cell.max_score), message))
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
        cells.append(f"{sum(r.score for r in mine):g}/{sum(r.max_score for r in mine):g}")
        lines.append([student, *cells])
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    render = lambda row: "  ".join(str(value).ljust(width) for value, width in zip(row, widths))  # noqa: E731
    return "\n".join([render(header), render(["-" * w for w in widths]), *map(render, lines)])


def lost_points(rows: list[CellResult]) -> str:
    """One line per graded cell that lost points: who, where, and the message."""
    return "\n".join(f"{r.student} · {r.notebook} · {r.grade_id} ({r.score:g}/{r.max_score:g}) : "
                     + r.message.replace("\n", " / ") for r in rows if r.score < r.max_score)


def grade(assignment: str, submissions_dir: Path, course_dir: Path, repo_root: Path = REPO_ROOT) -> list[CellResult]:
    """The whole pipeline for one assignment in a fresh course directory."""
    prepare_course(course_dir, repo_root, only=[assignment])
    generate_release(course_dir, assignment)
    submit(course_dir, assignment, submissions_dir)
    autograde(course_dir, assignment)
    generate_feedback(course_dir, assignment)
    export_grades(course_dir)
    return results(course_dir, assignment)
