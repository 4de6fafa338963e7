"""A course directory that lasts a semester, in nbgrader's layout.

One folder holds ``nbgrader_config.py``, ``source/``, ``release/``, one ``gradebook.db`` for every
assignment, and the ``submitted/``, ``autograded/`` and ``feedback/`` folders. It is the repository
itself by default (nbgrader's own layout), or a folder made by ``autograde init``. Grading adds what is
new and keeps what was graded; nothing the teacher made is ever removed:

- a submission is copied to ``submitted/<student>/<assignment>/`` with a note of its content's hash
  (``.autograde-submission.json``); only a folder carrying that note, that is one this program made,
  is ever replaced, and only by a new version of the same student's submission;
- a student is graded again only when the submission changed, or on ``--force``: nbgrader's
  post-convert hook stamps each graded student (``.autograde-done.json`` in ``autograded/``) with the
  hash it graded, after the last notebook, so that a run killed halfway resumes with the students it
  did not finish;
- the intake (autograde/intake.py) runs in nbgrader's pre-convert hook, so that ``nbgrader autograde``
  and the formgrader take submissions in exactly as ``autograde grade`` does.
"""
from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import settings

REPO_ROOT = settings.REPO_ROOT
MARKER = ".autograde-course.json"  # a course directory made by `autograde init`
SUBMISSION = ".autograde-submission.json"  # in submitted/<student>/<assignment>/: what was copied there
DONE = ".autograde-done.json"  # in autograded/<student>/<assignment>/: graded to the end, and what
INTAKE = ".autograde-intake.json"  # in submitted/<student>/<assignment>/: the intake's notes
_BIN = Path(sys.executable).parent


class CourseError(RuntimeError):
    """A course directory cannot be used as asked; nothing was changed."""


class NbgraderError(RuntimeError):
    """An nbgrader command failed in a way that is not one student's fault."""


# nbgrader logs this and goes on with its defaults (English stub, 30 s, no guarded execution).
CONFIG_FAILED = "Exception while loading config file"


def assignments(repo_root: Path = REPO_ROOT) -> list[str]:
    return sorted(p.name for p in (repo_root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def submission_hash(folder: Path) -> str:
    """The hash of every file of a student's submission folder (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


CONFIG = '''"""nbgrader configuration of this course directory, made by `autograde init`: the course repository's
configuration, with this folder's own gradebook."""
import os

c = get_config()  # noqa: F821 - provided by nbgrader
load_subconfig({config!r})  # noqa: F821 - provided by nbgrader
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "gradebook.db")
'''


@dataclass(frozen=True)
class Course:
    root: Path
    repo: Path = REPO_ROOT

    # ---------------------------------------------------------------------------------- opening
    @classmethod
    def open(cls, root: Path, repo: Path = REPO_ROOT) -> "Course":
        """The course directory at ``root``: the repository, a folder made by ``autograde init`` (or by
        nbgrader: it has an ``nbgrader_config.py``), or a new course when ``root`` is empty or absent.
        A non-empty folder that is none of these is refused, untouched."""
        root = Path(root).resolve()
        if (root / "nbgrader_config.py").exists():
            return cls(root, Path(repo).resolve())
        if root.exists() and any(root.iterdir()):
            raise CourseError(f"{root} is not empty and is not a course directory (no nbgrader_config.py): nothing "
                              "was changed. Give an empty or new folder, or a course made by `autograde init`.")
        return cls.init(root, repo)

    @classmethod
    def init(cls, root: Path, repo: Path = REPO_ROOT, scratch: bool = False) -> "Course":
        """Make a course directory: a configuration that loads the repository's, and a marker saying so
        (``scratch``: the demo's, which the demo may remove and make again)."""
        root, repo = Path(root).resolve(), Path(repo).resolve()
        if root.exists() and any(root.iterdir()):
            raise CourseError(f"{root} is not empty: nothing was changed.")
        root.mkdir(parents=True, exist_ok=True)
        (root / "nbgrader_config.py").write_text(CONFIG.format(config=str(repo / "nbgrader_config.py")),
                                                 encoding="utf-8")
        _write_json(root / MARKER, {"made_by": "autograde init", "repository": str(repo), "scratch": scratch})
        return cls(root, repo)

    @staticmethod
    def remove_scratch(root: Path) -> None:
        """Remove a scratch course (the demo's), and nothing else: a folder without the scratch marker
        is left as it is."""
        root = Path(root)
        if root.exists():
            if not _read_json(root / MARKER).get("scratch"):
                raise CourseError(f"{root} is not a scratch course made by the demo: nothing was removed.")
            shutil.rmtree(root)

    @property
    def is_repository(self) -> bool:
        return self.root == self.repo

    @property
    def db_url(self) -> str:
        return "sqlite:///" + str(self.root / "gradebook.db")

    def folder(self, kind: str, student: str, assignment: str) -> Path:
        """``submitted``, ``autograded`` or ``feedback`` folder of one student's assignment."""
        return self.root / kind / student / assignment

    def students(self, assignment: str) -> list[str]:
        """The students with a submission of ``assignment``."""
        submitted = self.root / "submitted"
        return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.is_dir() else []

    # ----------------------------------------------------------------------------------- nbgrader
    def env(self, cell_timeout: int | None = None, sandbox: bool | None = None) -> dict[str, str]:
        """The environment of nbgrader and of the kernels it starts: this interpreter's executables
        first (nbgrader calls ``alembic`` and ``jupyter`` by name), the repository's MNIST folder (no
        notebook downloads at grading time), this run's time limit and sandbox setting."""
        env = dict(os.environ, PATH=f"{_BIN}{os.pathsep}{os.environ.get('PATH', '')}", MPLBACKEND="Agg",
                   PYTHONWARNINGS="ignore")
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

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``nbgrader ARGS`` in the course directory."""
        done = subprocess.run([str(_BIN / "nbgrader"), *args], cwd=self.root, env=self.env(), capture_output=True,
                              text=True)
        if CONFIG_FAILED in done.stdout + done.stderr:
            raise NbgraderError(f"nbgrader could not load {self.root / 'nbgrader_config.py'}:\n{done.stderr[-4000:]}")
        if check and done.returncode != 0:
            raise NbgraderError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
        return done

    # ------------------------------------------------------------------------------------- release
    def ensure_release(self, assignment: str) -> Path:
        """The assignment's source in the course (copied from the repository when it is new or changed)
        and its release, generated by nbgrader (which also records it in the gradebook)."""
        source, release = self.root / "source" / assignment, self.root / "release" / assignment
        if not (self.repo / "source" / assignment).is_dir():
            raise CourseError(f"no assignment {assignment!r} in {self.repo / 'source'}")
        changed = not self.is_repository and _sync(self.repo / "source" / assignment, source)
        if changed or not release.is_dir() or not self._in_gradebook(assignment):
            self.nbgrader("generate_assignment", assignment, "--force")
        return release

    def graded_assignments(self) -> list[str]:
        """The assignments of the gradebook that have submissions."""
        from nbgrader.api import Gradebook

        if not (self.root / "gradebook.db").exists():
            return []
        with Gradebook(self.db_url) as gradebook:
            names = sorted(a.name for a in gradebook.assignments)
        return [name for name in names if self.students(name)]

    def _in_gradebook(self, assignment: str) -> bool:
        from nbgrader.api import Gradebook, MissingEntry

        if not (self.root / "gradebook.db").exists():
            return False
        with Gradebook(self.db_url) as gradebook:
            try:
                gradebook.find_assignment(assignment)
            except MissingEntry:
                return False
        return True

    # ------------------------------------------------------------------------------- submissions
    def take(self, assignment: str, submissions: Path, force: bool = False) -> "Intake":
        """Copy into ``submitted/`` the submissions of ``submissions/<student>/`` that are new or changed;
        say which students are to be graded, which are unchanged and graded already, which refused."""
        plan = Intake()
        for folder in sorted(p for p in Path(submissions).iterdir() if p.is_dir() and not p.name.startswith(".")):
            student, digest = folder.name, submission_hash(folder)
            target = self.folder("submitted", student, assignment)
            if target.exists() and _read_json(target / SUBMISSION).get("hash") != digest:
                if not (target / SUBMISSION).exists():
                    plan.refused[student] = (f"{target} was not made by autograde (nbgrader collect?): left as it "
                                             "is, and this submission was not taken.")
                    continue
                shutil.rmtree(target)  # our own copy of an earlier submission
            if not target.exists():
                shutil.copytree(folder, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
                _write_json(target / SUBMISSION, {"hash": digest, "from": str(folder.resolve())})
            if force or not self.graded(student, assignment):
                plan.to_grade.append(student)
            else:
                plan.unchanged.append(student)
        return plan

    def graded(self, student: str, assignment: str) -> bool:
        """True when the student's current submission was graded to the end."""
        taken = _read_json(self.folder("submitted", student, assignment) / SUBMISSION).get("hash")
        done = _read_json(self.folder("autograded", student, assignment) / DONE).get("hash")
        return taken is not None and taken == done

    def intake_notes(self, assignment: str) -> dict[str, dict[str, list[str]]]:
        """{student: {notebook: [notes]}} as the intake wrote them."""
        notes = {}
        for student in self.students(assignment):
            found = _read_json(self.folder("submitted", student, assignment) / INTAKE)
            if found:
                notes[student] = found
        return notes


@dataclass
class Intake:
    to_grade: list[str] = None
    unchanged: list[str] = None
    refused: dict[str, str] = None

    def __post_init__(self):
        self.to_grade, self.unchanged, self.refused = self.to_grade or [], self.unchanged or [], self.refused or {}


def _sync(source: Path, target: Path) -> bool:
    """Make ``target`` hold ``source``'s files (adding and updating only); True when anything changed."""
    changed = False
    for path in sorted(p for p in source.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts
                       and "__pycache__" not in p.parts):
        copy = target / path.relative_to(source)
        if not copy.exists() or not filecmp.cmp(path, copy, shallow=False):
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
            changed = True
    return changed


# ---------------------------------------------------------------------------- nbgrader's hooks
def _student_folder(notebooks: list[str]) -> Path | None:
    return Path(notebooks[0]).parent if notebooks else None


def before_autograde(assignment=None, student=None, notebooks=None, **_) -> None:
    """nbgrader's pre-convert hook: take the student's notebooks in (autograde/intake.py) before nbgrader
    reads them, and give nbgrader the list of notebooks as repaired (it passes its own list, which it
    then uses: hence the in-place update)."""
    from .intake import take_in

    folder = _student_folder(notebooks or [])
    if folder is None:
        return
    course = folder.parents[2]  # <course>/submitted/<student>/<assignment>
    notes = _read_json(folder / INTAKE)  # a resumed run keeps what the first intake said (renamed files…)
    for notebook, found in take_in(folder, release_notebooks(course / "release" / folder.name)).items():
        notes[notebook] = notes.get(notebook, []) + [note for note in found if note not in notes.get(notebook, [])]
    _write_json(folder / INTAKE, notes)
    notebooks[:] = [str(p) for p in sorted(folder.glob("*.ipynb"))]


def release_notebooks(folder: Path) -> dict:
    """The release notebooks of one assignment folder, by name (without .ipynb)."""
    import nbformat

    return {p.stem: nbformat.read(str(p), as_version=4) for p in sorted(folder.glob("*.ipynb"))}


def after_autograde(assignment=None, student=None, notebooks=None, **_) -> None:
    """nbgrader's post-convert hook: the student's submission was graded to the end; stamp it."""
    folder = _student_folder(notebooks or [])
    if folder is None:
        return
    course, student_id, assignment_id = folder.parents[2], folder.parent.name, folder.name
    taken = _read_json(folder / SUBMISSION)
    graded = course / "autograded" / student_id / assignment_id
    if graded.is_dir():
        _write_json(graded / DONE, {"hash": taken.get("hash")})
