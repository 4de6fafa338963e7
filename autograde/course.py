"""A course directory that lasts a semester, in nbgrader's layout.

One folder holds ``nbgrader_config.py``, ``source/``, ``release/``, one gradebook for every
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

import errno
import filecmp
import functools
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import settings, student_ids

REPO_ROOT = settings.REPO_ROOT
MARKER = ".autograde-course.json"  # a course directory made by `autograde init`
SUBMISSION = ".autograde-submission.json"  # in submitted/<student>/<assignment>/: what was copied there
DONE = ".autograde-done.json"  # in autograded/<student>/<assignment>/: graded to the end, and what
INTAKE = ".autograde-intake.json"  # in submitted/<student>/<assignment>/: the intake's notes
_BIN = Path(sys.executable).parent
# Folders that tools, not students, leave in a submissions folder; any other hidden folder is refused
# with a message (a student's folder under an odd name must not vanish silently).
SYSTEM_FOLDERS = frozenset(
    {".git", ".ipynb_checkpoints", ".Trash", ".Trashes", ".fseventsd", ".Spotlight-V100", "__MACOSX"}
)


class CourseError(RuntimeError):
    """A course directory cannot be used as asked; nothing was changed."""


class NbgraderError(RuntimeError):
    """An nbgrader command failed in a way that is not one student's fault."""


class ConfigError(NbgraderError):
    """The course's nbgrader_config.py does not load."""


def load_config(root: Path):
    """The course's nbgrader configuration, loaded as nbgrader loads it; ConfigError saying why it did
    not load. (nbgrader itself only logs such a failure and goes on with its defaults: English stub,
    30 s per cell, no sandbox.)"""
    from traitlets.config.loader import PyFileConfigLoader

    path = Path(root) / "nbgrader_config.py"
    try:
        config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - whatever the file does, it did not load
        raise ConfigError(f"nbgrader could not load {path}: {type(error).__name__}: {error}"[:4000]) from None
    if not config:
        raise ConfigError(f"nbgrader could not load {path}: it sets nothing (a load_subconfig of a missing file?)")
    return config


def assignments(repo_root: Path = REPO_ROOT) -> list[str]:
    return sorted(p.name for p in (repo_root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


# Bounds of one submission folder: a few notebooks and their data, nothing like a file system.
MAX_FILES = 1000
MAX_BYTES = 100 * 2**20
MAX_DEPTH = 16
SKIPPED = (".ipynb_checkpoints",)  # Jupyter's autosaves, never graded
_CHUNK = 1 << 20


class SubmissionRefused(Exception):
    """A submission folder that cannot be taken as it is (French, for the teacher's tables)."""


def shown(text: str, limit: int | None = None) -> str:
    """A name as a terminal or a table may print it: control characters and the like escaped, and at
    most ``limit`` characters (one line, bounded) when a limit is given."""
    text = text if text.isprintable() else ascii(text)[1:-1]
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _open_dir(name: str, dir_fd: int | None, where: str) -> int:
    try:
        return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:  # what O_NOFOLLOW says of a link
            raise SubmissionRefused(f"« {shown(where)} » est un lien symbolique : refusé, jamais suivi.") from None
        raise SubmissionRefused(f"« {shown(where)} » ne peut pas être lu ({error.strerror}).") from None


def read_submission(folder: Path, copy_to: Path | None = None) -> str:
    """The hash of a student's submission folder (every file's relative name and bytes, in sorted
    order), and, with ``copy_to``, a copy of it there (a new folder).

    Nothing is followed: a symbolic link anywhere, or anything that is not a folder or a regular file,
    refuses the whole submission (SubmissionRefused), as do more than MAX_FILES files, MAX_BYTES
    bytes or MAX_DEPTH levels. Every name is opened relative to its folder's descriptor, without
    following a link, so that nothing swapped in between the check and the read is followed either."""
    digest, totals = hashlib.sha256(), {"files": 0, "bytes": 0}

    def walk(source_fd: int, target_fd: int | None, prefix: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise SubmissionRefused(f"« {shown(prefix)} » : plus de {MAX_DEPTH} niveaux de dossiers.")
        for name in sorted(os.listdir(source_fd)):
            relative = f"{prefix}{name}"
            # autograde's own notes (.autograde-submission.json …) are written by autograde alone
            if name in SKIPPED or (not prefix and name.startswith(".autograde")):
                continue
            info = os.stat(name, dir_fd=source_fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                raise SubmissionRefused(f"« {shown(relative)} » est un lien symbolique : refusé, jamais suivi.")
            if stat.S_ISDIR(info.st_mode):
                sub = _open_dir(name, source_fd, relative)
                try:
                    sub_target = None
                    if target_fd is not None:
                        os.mkdir(name, 0o755, dir_fd=target_fd)
                        sub_target = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=target_fd)
                    try:
                        walk(sub, sub_target, relative + "/", depth + 1)
                    finally:
                        if sub_target is not None:
                            os.close(sub_target)
                finally:
                    os.close(sub)
            elif stat.S_ISREG(info.st_mode):
                copy_file(name, relative, source_fd, target_fd)
            else:
                raise SubmissionRefused(f"« {shown(relative)} » n'est ni un dossier ni un fichier ordinaire.")

    def copy_file(name: str, relative: str, source_fd: int, target_fd: int | None) -> None:
        totals["files"] += 1
        if totals["files"] > MAX_FILES:
            raise SubmissionRefused(f"plus de {MAX_FILES} fichiers.")
        try:
            source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=source_fd)
        except OSError as error:
            raise SubmissionRefused(f"« {shown(relative)} » ne peut pas être lu ({error.strerror}).") from None
        target = None
        try:
            info = os.fstat(source)
            if not stat.S_ISREG(info.st_mode):
                raise SubmissionRefused(f"« {shown(relative)} » n'est pas un fichier ordinaire.")
            if target_fd is not None:
                target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=target_fd)
            digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
            while chunk := os.read(source, _CHUNK):
                totals["bytes"] += len(chunk)
                if totals["bytes"] > MAX_BYTES:
                    raise SubmissionRefused(f"plus de {MAX_BYTES >> 20} Mio en tout.")
                digest.update(chunk)
                if target is not None:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(target, view) :]
            digest.update(b"\0")
            if target is not None:
                os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(source)
            if target is not None:
                os.close(target)

    top = _open_dir(str(folder), None, folder.name)
    target_top = None
    try:
        if copy_to is not None:
            copy_to.mkdir()
            target_top = _open_dir(str(copy_to), None, str(copy_to))
        walk(top, target_top, "", 0)
    except OSError as error:  # a folder changed or vanished while it was read
        raise SubmissionRefused(f"la lecture a échoué ({error.strerror}).") from None
    finally:
        os.close(top)
        if target_top is not None:
            os.close(target_top)
    return digest.hexdigest()


def submission_hash(folder: Path) -> str:
    """The hash of every file of a student's submission folder (names and bytes)."""
    return read_submission(folder)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


CONFIG = '''"""nbgrader configuration of this course directory, made by `autograde init`: the course repository's
configuration, with this folder's own gradebook: the database that {variable} names, else the SQLite
file beside this file. To keep this course on one database server whatever the environment, replace the
db_url line by the server's URL, e.g. "postgresql+psycopg://USER@/DBNAME?host=/var/run/postgresql"."""
import os

c = get_config()  # noqa: F821 - provided by nbgrader
load_subconfig({config!r})  # noqa: F821 - provided by nbgrader
c.CourseDirectory.db_url = os.environ.get({variable!r}) or "sqlite:///" + os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "gradebook.db"
)
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
            raise CourseError(
                f"{root} is not empty and is not a course directory (no nbgrader_config.py): nothing "
                "was changed. Give an empty or new folder, or a course made by `autograde init`."
            )
        return cls.init(root, repo)

    @classmethod
    def init(cls, root: Path, repo: Path = REPO_ROOT, scratch: bool = False) -> "Course":
        """Make a course directory: a configuration that loads the repository's, and a marker saying so
        (``scratch``: the demo's, which the demo may remove and make again)."""
        root, repo = Path(root).resolve(), Path(repo).resolve()
        if root.exists() and any(root.iterdir()):
            raise CourseError(f"{root} is not empty: nothing was changed.")
        root.mkdir(parents=True, exist_ok=True)
        (root / "nbgrader_config.py").write_text(
            CONFIG.format(config=str(repo / "nbgrader_config.py"), variable=settings.DB_URL.variable),
            encoding="utf-8",
        )
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

    @functools.cached_property
    def db_url(self) -> str:
        """The gradebook's URL as nbgrader itself reads it: from the course's configuration (which
        follows AUTOGRADE_DB_URL, or names a database server by hand), else nbgrader's default, the
        SQLite file in the course directory (where nbgrader runs), as without a configuration file.
        ConfigError when the configuration does not load."""
        configured = (self.root / "nbgrader_config.py").exists()
        url = load_config(self.root).CourseDirectory.get("db_url") if configured else None
        return str(url) if url else "sqlite:///" + str(self.root / "gradebook.db")

    def has_gradebook(self) -> bool:
        """False when the gradebook is a SQLite file not made yet: opening it would make an empty one. A
        database server's gradebook is there to open (nbgrader makes its tables on first use)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.db_url)
        if url.get_backend_name() != "sqlite":
            return True
        database = url.database or ""  # nbgrader runs in the course directory: a relative file is there
        return database not in ("", ":memory:") and (self.root / database).exists()

    def folder(self, kind: str, student: str, assignment: str) -> Path:
        """``submitted``, ``autograded`` or ``feedback`` folder of one student's assignment."""
        return self.root / kind / student / assignment

    def students(self, assignment: str) -> list[str]:
        """The students with a submission of ``assignment``: folders of ``submitted/`` named by a safe id
        (autograde/student_ids.py), links never followed. :meth:`unusable` lists the others."""
        return sorted(name for name, problem in self._submitted(assignment).items() if problem is None)

    def unusable(self, assignment: str) -> dict[str, str]:
        """The folders of ``submitted/`` holding ``assignment`` that are never graded, and why (French)."""
        return {name: problem for name, problem in self._submitted(assignment).items() if problem is not None}

    def _submitted(self, assignment: str) -> dict[str, str | None]:
        submitted = self.root / "submitted"
        found: dict[str, str | None] = {}
        for student in sorted(submitted.iterdir()) if submitted.is_dir() and not submitted.is_symlink() else []:
            folder = student / assignment
            if student.name.startswith(".") or not (os.path.lexists(folder) or student.is_symlink()):
                continue  # a hidden folder (autograde's own staging), or no submission of this assignment
            if student.is_symlink() or folder.is_symlink():
                found[student.name] = f"{folder} est un lien symbolique : jamais suivi, pas corrigé."
            elif not student_ids.is_safe(student.name):
                found[student.name] = f"dans {submitted} : {student_ids.problem(student.name)}"
            elif folder.is_dir():
                found[student.name] = None
        return found

    # ----------------------------------------------------------------------------------- nbgrader
    def env(self, cell_timeout: int | None = None, sandbox: bool | None = None) -> dict[str, str]:
        """The environment of nbgrader and of the kernels it starts: this interpreter's executables
        first (nbgrader calls ``alembic`` and ``jupyter`` by name), the repository's MNIST folder (no
        notebook downloads at grading time), this run's time limit and sandbox setting."""
        env = dict(
            os.environ,
            PATH=f"{_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            MPLBACKEND="Agg",
            PYTHONWARNINGS="ignore",
        )
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
        """Run ``nbgrader ARGS`` in the course directory (for the commands that run no student code:
        generate_assignment, export), once the course's configuration is known to load."""
        load_config(self.root)
        done = subprocess.run(
            [str(_BIN / "nbgrader"), *args], cwd=self.root, env=self.env(), capture_output=True, text=True
        )
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

        if not self.has_gradebook():
            return []
        with Gradebook(self.db_url) as gradebook:
            names = sorted(a.name for a in gradebook.assignments)
        return [name for name in names if self.students(name)]

    def _in_gradebook(self, assignment: str) -> bool:
        from nbgrader.api import Gradebook, MissingEntry

        if not self.has_gradebook():
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
        say which students are to be graded, which are unchanged and graded already, which refused.

        A folder whose name is not a safe id (autograde/student_ids.py), a symbolic link, or a folder
        holding one (or anything :func:`read_submission` refuses) is refused with a message and not
        copied; it costs that student alone."""
        plan = Intake()
        staging_root = self.root / ".autograde-staging"  # beside submitted/, on the same file system
        staging_root.mkdir(exist_ok=True)
        try:
            try:
                with os.scandir(submissions) as entries:
                    found = sorted((e.name, e.is_symlink(), e.is_dir(follow_symlinks=False)) for e in entries)
            except OSError as error:
                raise CourseError(f"cannot read the submissions folder {submissions}: {error.strerror}") from None
            for student, link, folder in found:
                if student in SYSTEM_FOLDERS:
                    continue
                if link:
                    plan.refused[student] = f"« {shown(student)} » est un lien symbolique : refusé, jamais suivi."
                elif folder and not student_ids.is_safe(student):
                    problem = student_ids.problem(student)
                    assert problem is not None  # not a safe id: there is a problem to tell
                    plan.refused[student] = problem
                elif folder:
                    self._take_one(assignment, Path(submissions) / student, staging_root, force, plan)
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)
        for student, problem in self.unusable(assignment).items():
            plan.refused.setdefault(student, problem)
        return plan

    def _take_one(self, assignment: str, source: Path, staging_root: Path, force: bool, plan: "Intake") -> None:
        student = source.name
        staging = Path(tempfile.mkdtemp(dir=staging_root)) / assignment
        try:
            digest = read_submission(source, staging)
        except SubmissionRefused as refusal:
            plan.refused[student] = f"copie refusée : {refusal}"
            return
        target = self.folder("submitted", student, assignment)
        if target.parent.is_symlink() or target.is_symlink():
            plan.refused[student] = f"{target} est un lien symbolique : laissé tel quel, copie non prise."
            return
        if target.exists() and _read_json(target / SUBMISSION).get("hash") != digest:
            if not (target / SUBMISSION).exists():
                plan.refused[student] = (
                    f"{target} was not made by autograde (nbgrader collect?): left as it "
                    "is, and this submission was not taken."
                )
                return
            shutil.rmtree(target)  # our own copy of an earlier submission
        if not target.exists():
            _write_json(staging / SUBMISSION, {"hash": digest, "from": str(source.resolve())})
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging, target)
        if force or not self.graded(student, assignment):
            plan.to_grade.append(student)
        else:
            plan.unchanged.append(student)

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
    to_grade: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.to_grade, self.unchanged, self.refused = self.to_grade or [], self.unchanged or [], self.refused or {}


def _sync(source: Path, target: Path) -> bool:
    """Make ``target`` hold ``source``'s files (adding and updating only); True when anything changed."""
    changed = False
    for path in sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    ):
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
    then uses: hence the in-place update).

    Nothing escapes this function: nbgrader would log the exception at INFO and go on with notebooks
    half taken in, dropping the student. A notebook that fails costs that notebook (the intake sets it
    aside with a note); an intake that cannot run at all is logged as an ERROR and noted in each of the
    student's notebooks, which nbgrader then grades as handed in."""
    from .intake import take_in

    folder = _student_folder(notebooks or [])
    if folder is None:
        return
    try:
        course = folder.parents[2]  # <course>/submitted/<student>/<assignment>
        notes = _read_json(folder / INTAKE)  # a resumed run keeps what the first intake said (renamed files…)
        for notebook, found in take_in(folder, release_notebooks(course / "release" / folder.name)).items():
            notes[notebook] = notes.get(notebook, []) + [note for note in found if note not in notes.get(notebook, [])]
        _write_json(folder / INTAKE, notes)
    except Exception as error:  # noqa: BLE001 - reported loudly, never left to nbgrader's INFO line
        _intake_failed(folder, notebooks, error)
    try:
        notebooks[:] = [str(p) for p in sorted(folder.glob("*.ipynb"))]
    except OSError as error:
        _log().error("autograde intake: cannot list %s (%s); nbgrader keeps its own list", folder, error)


def _log():
    """The running nbgrader application's log (its ERROR lines reach the grader's log), else ours."""
    import logging

    from traitlets.config import Application

    return Application.instance().log if Application.initialized() else logging.getLogger("autograde")


def _intake_failed(folder: Path, notebooks: list[str], error: BaseException) -> None:
    from .intake import FLAG_PREFIX

    _log().error(
        "autograde intake FAILED for %s: %s: %s; its notebooks are graded as handed in, unrepaired",
        folder,
        type(error).__name__,
        str(error)[:500],
        exc_info=error,
    )
    note = (
        f"{FLAG_PREFIX} : la réception de la copie a échoué ({type(error).__name__}) ; les notebooks ont été "
        "corrigés tels quels, sans vérification ni réparation."
    )
    try:
        names = {Path(p).stem for p in notebooks if Path(p).suffix == ".ipynb"}
        try:
            names |= set(release_notebooks(folder.parents[2] / "release" / folder.name))
        except Exception:  # noqa: BLE001 - the release may be what failed: the submitted names still get the note
            pass
        notes = _read_json(folder / INTAKE)
        for name in sorted(names):
            notes[name] = notes.get(name, []) + ([note] if note not in notes.get(name, []) else [])
        _write_json(folder / INTAKE, notes)
    except Exception as failure:  # noqa: BLE001 - the log line above is then the only trace
        _log().error("autograde intake: the note could not be written in %s (%s)", folder / INTAKE, failure)


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
