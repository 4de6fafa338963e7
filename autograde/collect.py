"""Submissions from an LMS into one folder per student: ``autograde collect``.

Reads Moodle's "Download all submissions" archive — a zip of folders ``Prénom Nom_12345_assignsubmission_file_/``
(or, without "download in folders", of files ``Prénom Nom_12345_assignsubmission_file_<name>``) — and
nbgrader's ``zip_collect`` layout: the folder ``downloaded/<assignment>/archive/`` holding the LMS's
archives and loose files, or folders named after the students. A student's own zip inside the archive is
opened too (a few levels deep): an archive is student input like any other, so it is read within
bounds (``Limits``: members, size of each file and of all, compression ratio, depth; sizes read from
the zip's headers and counted again while reading, since headers can lie), one member at a time, nested
zips spooled to disk. A member with an absolute path, ``..`` or a symbolic link is refused.

Each file is mapped to a student id: the roster's ``id`` when a roster is given (matched on the name
Moodle shows, the id or the email), otherwise the LMS's participant number, otherwise the folder's name
in its safe form (autograde/student_ids.py). Each notebook is mapped to a notebook of the assignment, by
name (``01_neurone (1).ipynb`` is ``01_neurone``) or by its graded cells. What matches no student or no
notebook is reported, not collected. The result is a folder ``<student>/<notebook>.ipynb`` that
``autograde grade`` takes; the identities go into nbgrader's gradebook (first and last name, email, LMS
id), where the LMS export reads them. The new collection is written beside the previous one and takes
its place only when complete: a collect that fails leaves the previous collection as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

import nbformat

from . import settings, student_ids
from .course import Course, CourseError, release_notebooks, shown
from .intake import is_version_of

MARKER = ".autograde-collect.json"  # in the folder collect made: it may replace that folder, nothing else
MOODLE = re.compile(
    r"(?a)^(?P<name>.+?)_(?P<lms_id>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_(?P<rest>.*)$"
)
COPY_SUFFIX = re.compile(r"\s*(\(\d+\)|-\d+|_\d+|\s+copie|\s+copy)$", re.IGNORECASE)  # how browsers and OSes rename
IGNORED = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db", "desktop.ini"}
MAX_ZIP_DEPTH = 3  # the LMS archive, a student's zip, and one more
CHUNK = 2**20  # bytes decompressed at a time
MAX_NAME_BYTES = 255  # a file name on Linux, macOS and Windows file systems


@dataclass(frozen=True)
class Limits:
    """What one collect reads at most. A class's archive is far below each: 300 students hand in a few
    notebooks of well under 1 MiB each, compressed 3 to 10 times."""

    members: int = 20_000  # files in all the archives together (nested ones included)
    total_bytes: int = 4 * 2**30  # uncompressed, everything read
    file_bytes: int = field(default_factory=lambda: settings.MAX_NOTEBOOK_MB.get() * 2**20)  # one file
    ratio: int = 100  # uncompressed / compressed size of one member, beyond ``ratio_from`` bytes
    ratio_from: int = 2**20
    depth: int = MAX_ZIP_DEPTH


class CollectError(RuntimeError):
    """The archive, the roster or the output folder cannot be used; nothing was changed."""


@dataclass(frozen=True)
class Identity:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_id: str = ""


@dataclass
class Collection:
    """What one ``collect`` did: where the submissions are, and what it could not place."""

    folder: Path
    files: dict[str, list[str]] = field(default_factory=dict)  # student -> notebook files written
    identities: dict[str, Identity] = field(default_factory=dict)
    renamed: list[str] = field(default_factory=list)  # "student: handed-in name -> notebook"
    unknown_students: list[str] = field(default_factory=list)  # archive paths no student matches
    not_notebooks: list[str] = field(default_factory=list)  # "student: archive path": no notebook of the assignment
    problems: list[str] = field(default_factory=list)  # unreadable or too large archives and files, duplicates

    def as_dict(self) -> dict:
        return {
            "students": self.files,
            "renamed": self.renamed,
            "unknown_students": self.unknown_students,
            "not_notebooks": self.not_notebooks,
            "problems": self.problems,
        }


# ---------------------------------------------------------------------------------------- roster
def _plain(text: str) -> str:
    """A name as compared: no accents, no case, hyphens as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("-", " ")
    return " ".join(text.split())


def read_roster(path: Path) -> list[Identity]:
    """The class list: a CSV with the columns ``id,prénom,nom,email`` (``,`` or ``;``, any case or accents
    in the header; ``id`` required)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    # Only the delimiter is guessed, from the header: the rest is the spreadsheets' CSV (doubled quotes).
    delimiter = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;").delimiter
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {_plain(name): name for name in reader.fieldnames or []}
    if "id" not in columns:
        raise CollectError(f"{path}: the roster needs an 'id' column (columns: id,prénom,nom,email)")
    people = []
    for number, line in enumerate(reader, start=2):
        value = {
            key: (line.get(columns[key]) or "").strip() for key in ("id", "prenom", "nom", "email") if key in columns
        }
        if not student_ids.is_safe(value["id"]):
            raise CollectError(
                f"{path}, line {number}: {value['id']!r} cannot be a student id (ASCII letters and "
                f"digits first, then letters, digits, . _ @ + -, at most {student_ids.MAX_LENGTH})"
            )
        people.append(Identity(value["id"], value.get("prenom", ""), value.get("nom", ""), value.get("email", "")))
    return people


class _Owners:
    """Who a file of the archive belongs to, from its first path component."""

    def __init__(self, roster: list[Identity] | None, problems: list[str]):
        self.roster, self.problems = roster, problems
        self.folders: dict[str, str] = {}  # id made from a folder's name -> that folder's name
        self.by_key: dict[str, Identity] = {}
        for person in roster or []:
            for key in (
                person.id,
                person.email,
                person.email.split("@")[0] if person.email else "",
                f"{person.first_name} {person.last_name}",
                f"{person.last_name} {person.first_name}",
            ):
                if _plain(key):
                    self.by_key.setdefault(_plain(key), person)

    def find(self, path: str) -> Identity | None:
        parts = path.split("/")
        moodle = MOODLE.match(parts[0])
        if moodle:
            if self.roster is None:
                first, _, last = moodle["name"].partition(" ")
                return Identity(moodle["lms_id"], first, last, lms_id=moodle["lms_id"])
            person = self.by_key.get(_plain(moodle["name"]))
            return person and Identity(person.id, person.first_name, person.last_name, person.email, moodle["lms_id"])
        if len(parts) < 2:  # a loose file that names nobody
            return None
        if self.roster is not None:
            return self.by_key.get(_plain(parts[0]))
        student = student_ids.safe_form(parts[0])
        if student is None:
            return None
        first = self.folders.setdefault(student, parts[0])
        if first != parts[0]:  # two folders, one id: neither may take the other's place
            self.problems.append(
                f"{path}: le dossier « {_shown(parts[0])} » donne l'identifiant « {student} », déjà "
                f"celui de « {_shown(first)} » : non collecté, renommez l'un des deux dossiers"
            )
            return None
        return Identity(student)


def _shown(name: str) -> str:
    """A name from the archive as a report line shows it."""
    return shown(name, limit=120)


def _handed_in_name(path: str) -> str:
    """The file name the student gave, without Moodle's prefix when files are not in folders."""
    parts = path.split("/")
    moodle = MOODLE.match(parts[0])
    if len(parts) == 1 and moodle:
        return moodle["rest"]
    return parts[-1]


# ---------------------------------------------------------------------------------------- archive
class _Budget:
    """What is left to read of ``Limits`` for the whole collection."""

    def __init__(self, limits: Limits):
        self.limits, self.members, self.bytes = limits, limits.members, limits.total_bytes

    def spend(self, size: int) -> None:
        self.bytes -= size
        if self.bytes < 0:
            raise CollectError(
                f"the archive holds more than {self.limits.total_bytes / 2**30:g} GiB uncompressed "
                "(Limits.total_bytes): nothing was changed"
            )


class _Refused(Exception):
    """One file or archive refused; the message says why (French, for the teacher)."""


def _files(archive: Path, limits: Limits, problems: list[str]) -> Iterator[tuple[str, bytes]]:
    """(path in the archive, bytes) of every file, one at a time, zips opened. A folder is nbgrader's
    archive folder: its top-level zips that name no student are LMS archives, opened in place."""
    budget = _Budget(limits)
    if archive.is_dir():
        yield from _folder_files(archive, budget, problems)
    elif zipfile.is_zipfile(archive):
        with open(archive, "rb") as handle:
            try:
                opened = _open_zip(handle, budget)
            except _Refused as refusal:
                raise CollectError(f"{archive}: {refusal}") from None
            with opened:
                yield from _zip_members(opened, "", 1, budget, problems)
    else:
        raise CollectError(f"{archive} is neither a zip archive nor a folder")


def _folder_files(root: Path, budget: _Budget, problems: list[str]) -> Iterator[tuple[str, bytes]]:
    for folder, folders, names in os.walk(root):  # never follows a symbolic link
        for link in sorted(f for f in folders if (Path(folder) / f).is_symlink()):
            problems.append(f"{_shown((Path(folder) / link).relative_to(root).as_posix())}: lien symbolique, ignoré")
        folders[:] = sorted(
            f for f in folders if f not in IGNORED and not f.startswith(".") and not (Path(folder) / f).is_symlink()
        )
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if name in IGNORED or name.startswith("."):
                continue
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                problems.append(f"{_shown(relative)}: lien symbolique ou fichier spécial, ignoré")
                continue
            budget.members -= 1
            if budget.members < 0:
                raise CollectError(
                    f"{root} holds more than {budget.limits.members} files (Limits.members): nothing was changed"
                )
            lms_archive = "/" not in relative and name.lower().endswith(".zip") and not MOODLE.match(name)
            if info.st_size > budget.limits.file_bytes and not lms_archive:
                problems.append(_too_large(_shown(relative), budget.limits))
                continue
            if name.lower().endswith(".zip"):
                with open(path, "rb") as handle:
                    try:
                        opened = _open_zip(handle, budget)
                    except _Refused as refusal:
                        problems.append(f"{_shown(relative)}: {refusal}")
                        continue
                    with opened:  # an LMS archive is opened in place; a student's zip names its student
                        yield from _zip_members(
                            opened, "" if lms_archive else relative + "/", 1 if lms_archive else 2, budget, problems
                        )
                continue
            try:  # the file checked above, not a link put in its place since
                with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
                    content = handle.read(budget.limits.file_bytes + 1)
            except OSError as error:
                problems.append(f"{_shown(relative)}: illisible ({error.strerror}), ignoré")
                continue
            if len(content) > budget.limits.file_bytes:
                problems.append(_too_large(_shown(relative), budget.limits))
                continue
            budget.spend(len(content))
            yield relative, content


def _too_large(path: str, limits: Limits) -> str:
    return f"{path}: plus de {limits.file_bytes / 2**20:.3g} Mio, ignoré"


def _open_zip(handle: IO[bytes], budget: _Budget) -> zipfile.ZipFile:
    """The zip of ``handle``, its member count checked in its last record before its directory is read
    (a directory of millions of entries is itself the bomb)."""
    try:
        # Private, so not in typeshed (hence the ignores); if a Python lacks them, AttributeError below.
        end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]  # noqa: SLF001 - the standard library's own reader of that record
        declared = end[zipfile._ECD_ENTRIES_TOTAL] if end else None  # type: ignore[attr-defined]  # noqa: SLF001
        directory = end[zipfile._ECD_SIZE] if end else None  # type: ignore[attr-defined]  # noqa: SLF001
    except (AttributeError, OSError, IndexError):
        declared = directory = None
    if declared is not None and declared > budget.members:
        raise _Refused(
            f"archive de {declared} fichiers, au-delà de la limite de {budget.limits.members} en tout, ignorée"
        )
    # The count can lie too; zipfile reads the whole directory whatever it says. An honest entry takes
    # well under 1 KiB (46 bytes and a name).
    if directory is not None and directory > 1024 * budget.members:
        raise _Refused(
            f"répertoire d'archive de {directory} octets, trop grand pour {budget.members} fichiers, ignorée"
        )
    try:
        handle.seek(0)
        opened = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _Refused(f"archive illisible ({error})") from None
    if len(opened.infolist()) > budget.members:
        opened.close()
        raise _Refused(
            f"archive de {len(opened.infolist())} fichiers, au-delà de la limite de {budget.limits.members} "
            "en tout, ignorée"
        )
    return opened


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's path, refused when it could leave the collection or is not a plain file."""
    raw = info.filename.replace("\\", "/")
    if raw.startswith("/") or re.match(r"[A-Za-z]:", raw):
        raise _Refused("chemin absolu, ignoré")
    if ".." in raw.split("/"):
        raise _Refused("chemin avec « .. », ignoré")
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0  # Unix modes only there
    if kind == stat.S_IFLNK:
        raise _Refused("lien symbolique, ignoré")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise _Refused("fichier spécial, ignoré")
    return raw.strip("/")


def _zip_members(
    archive: zipfile.ZipFile, prefix: str, depth: int, budget: _Budget, problems: list[str]
) -> Iterator[tuple[str, bytes]]:
    limits = budget.limits
    for info in archive.infolist():
        if info.is_dir():
            continue
        budget.members -= 1
        if budget.members < 0:
            raise CollectError(
                f"the archive holds more than {limits.members} files (Limits.members): nothing was changed"
            )
        try:
            name = _member_name(info)
        except _Refused as refusal:
            problems.append(f"{prefix}{_shown(info.filename)}: {refusal}")
            continue
        parts = name.split("/")
        if IGNORED & set(parts) or parts[-1].startswith("."):
            continue
        if not name.lower().endswith(".zip"):
            try:
                yield prefix + name, _read_member(archive, info, limits, budget)
            except _Refused as refusal:
                problems.append(f"{prefix}{_shown(name)}: {refusal}")
            continue
        if depth >= limits.depth:
            problems.append(f"{prefix}{_shown(name)}: archive dans une archive trop profonde, ignorée")
            continue
        with tempfile.TemporaryFile() as spool:  # a zip inside: on disk, not in memory, while it is read
            try:
                _read_member(archive, info, limits, budget, spool)
                opened = _open_zip(spool, budget)
            except _Refused as refusal:
                problems.append(f"{prefix}{_shown(name)}: {refusal}")
                continue
            with opened:
                yield from _zip_members(opened, f"{prefix}{name}/", depth + 1, budget, problems)


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: _Budget, spool: IO[bytes] | None = None
) -> bytes:
    """The member's bytes, read a chunk at a time within the limits (into ``spool`` when one is given)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and lzma decompress a whole block at once, however large it becomes.
        raise _Refused(f"méthode de compression {info.compress_type} non prise en charge, ignoré")
    if info.file_size > limits.file_bytes:
        raise _Refused(f"plus de {limits.file_bytes / 2**20:.3g} Mio, ignoré")
    if info.file_size > limits.ratio_from and info.file_size > limits.ratio * max(info.compress_size, 1):
        raise _Refused(f"compressé plus de {limits.ratio} fois (bombe de décompression ?), ignoré")
    chunks, read = [], 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK):
                read += len(chunk)
                budget.spend(len(chunk))
                # zipfile stops at the declared size; counted here too, should it ever trust a lying header.
                if read > info.file_size or read > limits.file_bytes:
                    raise _Refused(f"plus de données que sa taille annoncée ({info.file_size} octets), ignoré")
                if read > limits.ratio_from and read > limits.ratio * max(info.compress_size, 1):
                    raise _Refused(f"compressé plus de {limits.ratio} fois (bombe de décompression ?), ignoré")
                if spool is not None:
                    spool.write(chunk)
                else:
                    chunks.append(chunk)
    except CollectError:  # the whole collection's budget: not this member's fault alone
        raise
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, ValueError) as error:
        raise _Refused(f"illisible dans l'archive ({error})") from None  # corrupt, encrypted, lying CRC
    return b"".join(chunks)


# -------------------------------------------------------------------------------------- notebooks
def _by_cells(content: bytes, releases: dict) -> str | None:
    """The notebook of the assignment whose graded cells a readable file holds, or None."""
    try:
        nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 - anything unreadable (RecursionError included) is simply not recognised here
        return None
    return next((notebook for notebook, release in releases.items() if is_version_of(nb, release)), None)


def _which_notebook(name: str, content: bytes, releases: dict) -> tuple[str | None, bool]:
    """The notebook of the assignment a handed-in file is (by its name, else by its graded cells), or None;
    and whether its graded cells say so too."""
    if not name.lower().endswith(".ipynb"):
        return None, False
    found = _by_cells(content, releases)
    stem = COPY_SUFFIX.sub("", name[: -len(".ipynb")])
    notebook = stem if stem in releases else found
    return notebook, found is not None and found == notebook


def usable_name(name: str) -> bool:
    """A file name every file system takes: a notebook keeps it, the intake renames it and says so."""
    return (
        len(name.encode("utf-8")) <= MAX_NAME_BYTES
        and name.isprintable()
        and not name.startswith(".")
        and not any(c in name for c in '/\\:*?"<>|')
        and name.strip() == name
    )


# ---------------------------------------------------------------------------------- the collection
def _staging(out: Path) -> Path:
    """A new folder beside ``out``, where the collection is written before it takes ``out``'s place.
    ``out`` is checked first: new, empty, or made by collect (and so, replaceable)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not (out / MARKER).is_file():
        raise CollectError(f"{out} is not empty and was not made by `autograde collect`: nothing was changed.")
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.partial-*"):  # a collect killed halfway: ours, unfinished
        try:
            ours = json.loads((stale / MARKER).read_text(encoding="utf-8")).get("partial")
        except (OSError, ValueError, AttributeError):
            ours = False
        if ours:
            shutil.rmtree(stale)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    (staging / MARKER).write_text(json.dumps({"partial": True}), encoding="utf-8")
    return staging


def _swap(staging: Path, out: Path) -> None:
    """``staging`` becomes ``out``; the previous collection is removed only once it is in place."""
    if out.exists() and any(out.iterdir()):
        previous = out.with_name(f".{out.name}.previous-{staging.name.rsplit('-', 1)[-1]}")
        os.rename(out, previous)
        try:
            os.rename(staging, out)
        except BaseException:
            os.rename(previous, out)
            raise
        shutil.rmtree(previous)
    else:
        os.rename(staging, out)  # over an empty folder or none


def collect(
    assignment: str,
    archive: Path,
    course: Course,
    roster: list[Identity] | None = None,
    out: Path | None = None,
    limits: Limits | None = None,
) -> Collection:
    """Unpack ``archive`` into ``out`` (default ``<course>/downloaded/<assignment>/collected/``), one
    folder per student, and record the students' identities in the course's gradebook."""
    from nbgrader.api import Gradebook

    releases = release_notebooks(course.repo / "release" / assignment)
    if not releases:
        raise CourseError(f"no release notebooks for {assignment!r} in {course.repo / 'release'}")
    out = Path(out or course.root / "downloaded" / assignment / "collected").resolve()
    archive = Path(archive).resolve()
    if not archive.exists():
        raise CollectError(f"{archive} does not exist")
    collection = Collection(out)
    kept: dict[tuple[str, str], tuple[str, str, str]]
    owners, kept = _Owners(roster, collection.problems), {}
    staging = _staging(out)
    try:
        for path, content in _files(archive, limits or Limits(), collection.problems):
            person = owners.find(path)
            if person is None:
                collection.unknown_students.append(_shown(path))
                continue
            if not student_ids.is_safe(person.id):  # ids come from the roster, the LMS or safe_form: never here
                collection.problems.append(f"{_shown(path)}: {student_ids.problem(person.id)}")
                continue
            name = _handed_in_name(path)
            notebook, by_cells = _which_notebook(name, content, releases)
            if notebook is None:
                collection.not_notebooks.append(f"{person.id}: {_shown(path)}")
                continue
            earlier = kept.get((person.id, notebook))
            if earlier:  # two files for one notebook: the one under the notebook's own name, else the first
                if earlier[0] == f"{notebook}.ipynb" or name != f"{notebook}.ipynb":
                    collection.problems.append(
                        f"{person.id}: {_shown(path)} ignoré, {notebook}.ipynb déjà rendu ({_shown(earlier[0])})"
                    )
                    continue
                collection.problems.append(
                    f"{person.id}: {_shown(earlier[2])} ignoré, {notebook}.ipynb déjà rendu ({name})"
                )
                (staging / person.id / earlier[1]).unlink()
                collection.files[person.id].remove(earlier[1])
            file_name = _write(staging, person.id, notebook, name, by_cells, content, path, collection)
            if file_name is None:
                kept.pop((person.id, notebook), None)
                continue
            kept[(person.id, notebook)] = (name, file_name, path)
            collection.identities[person.id] = person
        collection.files = {student: sorted(files) for student, files in sorted(collection.files.items())}
        collection.renamed.sort()
        (staging / MARKER).write_text(
            json.dumps({"archive": str(archive), **collection.as_dict()}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with Gradebook(course.db_url) as gradebook:
        for person in collection.identities.values():
            details = {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "lms_user_id": person.lms_id,
            }
            gradebook.update_or_create_student(person.id, **{k: v for k, v in details.items() if v})
    return collection


def _write(
    staging: Path,
    student: str,
    notebook: str,
    name: str,
    by_cells: bool,
    content: bytes,
    path: str,
    collection: Collection,
) -> str | None:
    """Write one notebook into the collection; the file name written, or None when it cannot be."""
    # A readable notebook keeps the name the student gave it: the intake renames it and says so in the
    # feedback. One recognised by its name alone (unreadable) takes the notebook's name, as does a name
    # no file system would take.
    file_name = name if by_cells else f"{notebook}.ipynb"
    if not usable_name(file_name):
        collection.problems.append(
            f"{student}: {_shown(path)}: nom de fichier inutilisable, collecté sous {notebook}.ipynb"
        )
        file_name = f"{notebook}.ipynb"
    try:
        (staging / student).mkdir(exist_ok=True)
        (staging / student / file_name).write_bytes(content)
    except OSError as error:
        collection.problems.append(
            f"{student}: {_shown(path)}: ne peut pas être écrit ({error.strerror}), non collecté"
        )
        return None
    if file_name != f"{notebook}.ipynb":
        collection.renamed.append(f"{student}: {name} → {notebook}.ipynb")
    collection.files.setdefault(student, []).append(file_name)
    return file_name
