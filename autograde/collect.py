"""Submissions from an LMS into one folder per student: ``autograde collect``.

Reads Moodle's "Download all submissions" archive — a zip of folders ``Prénom Nom_12345_assignsubmission_file_/``
(or, without "download in folders", of files ``Prénom Nom_12345_assignsubmission_file_<name>``) — and
nbgrader's ``zip_collect`` layout: the folder ``downloaded/<assignment>/archive/`` holding the LMS's
archives and loose files, or folders named after the students. A student's own zip inside the archive is
opened too (a few levels deep, within size limits: an archive is student input like any other).

Each file is mapped to a student id: the roster's ``id`` when a roster is given (matched on the name
Moodle shows, the id or the email), otherwise the LMS's participant number. Each notebook is mapped to
a notebook of the assignment, by name (``01_neurone (1).ipynb`` is ``01_neurone``) or by its graded
cells. What matches no student or no notebook is reported, not collected. The result is a folder
``<student>/<notebook>.ipynb`` that ``autograde grade`` takes; the identities go into nbgrader's
gradebook (first and last name, email, LMS id), where the LMS export reads them.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import nbformat

from .course import Course, CourseError, release_notebooks
from .intake import is_version_of

MARKER = ".autograde-collect.json"  # in the folder collect made: it may replace that folder, nothing else
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<lms_id>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_(?P<rest>.*)$")
COPY_SUFFIX = re.compile(r"\s*(\(\d+\)|-\d+|_\d+|\s+copie|\s+copy)$", re.IGNORECASE)  # how browsers and OSes rename
IGNORED = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db", "desktop.ini"}
MAX_FILE_BYTES = 50 * 2**20  # a notebook of this course is well under 1 MiB; beyond this, a file is refused
MAX_ZIP_DEPTH = 3  # the LMS archive, a student's zip, and one more
SAFE_ID = re.compile(r"^[A-Za-z0-9][\w.@+-]*$")


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
        return {"students": self.files, "renamed": self.renamed, "unknown_students": self.unknown_students,
                "not_notebooks": self.not_notebooks, "problems": self.problems}


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
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {_plain(name): name for name in reader.fieldnames or []}
    if "id" not in columns:
        raise CollectError(f"{path}: the roster needs an 'id' column (columns: id,prénom,nom,email)")
    people = []
    for number, line in enumerate(reader, start=2):
        value = {key: (line.get(columns[key]) or "").strip() for key in ("id", "prenom", "nom", "email") if key in columns}
        if not SAFE_ID.match(value["id"]):
            raise CollectError(f"{path}, line {number}: {value['id']!r} cannot be a student id (letters, digits, . _ - @ +)")
        people.append(Identity(value["id"], value.get("prenom", ""), value.get("nom", ""), value.get("email", "")))
    return people


class _Owners:
    """Who a file of the archive belongs to, from its first path component."""

    def __init__(self, roster: list[Identity] | None):
        self.roster = roster
        self.by_key: dict[str, Identity] = {}
        for person in roster or []:
            for key in (person.id, person.email, person.email.split("@")[0] if person.email else "",
                        f"{person.first_name} {person.last_name}", f"{person.last_name} {person.first_name}"):
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
        if self.roster is None:
            return Identity(parts[0]) if SAFE_ID.match(parts[0]) else None
        return self.by_key.get(_plain(parts[0]))


def _handed_in_name(path: str) -> str:
    """The file name the student gave, without Moodle's prefix when files are not in folders."""
    parts = path.split("/")
    moodle = MOODLE.match(parts[0])
    if len(parts) == 1 and moodle:
        return moodle["rest"]
    return parts[-1]


# ---------------------------------------------------------------------------------------- archive
def _files(archive: Path, problems: list[str]) -> Iterator[tuple[str, bytes]]:
    """(path in the archive, bytes) of every file, zips opened. A folder is nbgrader's archive folder:
    its top-level zips that name no student are LMS archives, opened in place."""
    if archive.is_dir():
        for path in sorted(p for p in archive.rglob("*") if p.is_file()):
            relative = path.relative_to(archive)
            if IGNORED & set(relative.parts) or relative.name.startswith("."):
                continue
            if path.stat().st_size > MAX_FILE_BYTES:
                problems.append(_too_large(str(relative)))
            elif len(relative.parts) == 1 and path.suffix.lower() == ".zip" and not MOODLE.match(path.name):
                yield from _zip_members(path.read_bytes(), "", 1, problems, str(relative))
            else:
                yield from _expand(relative.as_posix(), path.read_bytes(), 1, problems)
    elif zipfile.is_zipfile(archive):
        yield from _zip_members(archive.read_bytes(), "", 1, problems, archive.name)
    else:
        raise CollectError(f"{archive} is neither a zip archive nor a folder")


def _too_large(path: str) -> str:
    return f"{path}: plus de {MAX_FILE_BYTES / 2**20:.3g} Mio, ignoré"


def _zip_members(data: bytes, prefix: str, depth: int, problems: list[str], label: str) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        problems.append(f"{label}: archive illisible ({error})")
        return
    for info in members:
        name = info.filename.replace("\\", "/").strip("/")
        parts = name.split("/")
        if IGNORED & set(parts) or parts[-1].startswith("."):
            continue
        try:
            with archive.open(info) as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:  # corrupt, encrypted
            problems.append(f"{prefix}{name}: illisible dans l'archive ({error})")
            continue
        if len(content) > MAX_FILE_BYTES:
            problems.append(_too_large(prefix + name))
            continue
        yield from _expand(prefix + name, content, depth, problems)


def _expand(path: str, content: bytes, depth: int, problems: list[str]) -> Iterator[tuple[str, bytes]]:
    if path.lower().endswith(".zip"):
        if depth >= MAX_ZIP_DEPTH:
            problems.append(f"{path}: archive dans une archive trop profonde, ignorée")
        else:
            yield from _zip_members(content, path + "/", depth + 1, problems, path)
    else:
        yield path, content


# -------------------------------------------------------------------------------------- notebooks
def _by_cells(content: bytes, releases: dict) -> str | None:
    """The notebook of the assignment whose graded cells a readable file holds, or None."""
    try:
        nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 - anything unreadable is simply not recognised here
        return None
    return next((notebook for notebook, release in releases.items() if is_version_of(nb, release)), None)


def _which_notebook(name: str, content: bytes, releases: dict) -> str | None:
    """The notebook of the assignment a handed-in file is (by its name, else by its graded cells), or None."""
    if not name.lower().endswith(".ipynb"):
        return None
    stem = COPY_SUFFIX.sub("", name[: -len(".ipynb")])
    return stem if stem in releases else _by_cells(content, releases)


def _prepare(out: Path) -> None:
    """An output folder that is new, empty, or one this command made (replaced)."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise CollectError(f"{out} is not empty and was not made by `autograde collect`: nothing was changed.")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def collect(assignment: str, archive: Path, course: Course, roster: list[Identity] | None = None,
            out: Path | None = None) -> Collection:
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
    owners, collection, kept = _Owners(roster), Collection(out), {}
    for path, content in list(_files(archive, collection.problems)):
        person = owners.find(path)
        if person is None:
            collection.unknown_students.append(path)
            continue
        name = _handed_in_name(path)
        notebook = _which_notebook(name, content, releases)
        if notebook is None:
            collection.not_notebooks.append(f"{person.id}: {path}")
            continue
        earlier = kept.get((person.id, notebook))
        if earlier:  # two files for one notebook: the one under the notebook's own name, else the first
            if earlier[0] == f"{notebook}.ipynb" or name != f"{notebook}.ipynb":
                collection.problems.append(f"{person.id}: {path} ignoré, {notebook}.ipynb déjà rendu ({earlier[0]})")
                continue
            collection.problems.append(f"{person.id}: {earlier[2]} ignoré, {notebook}.ipynb déjà rendu ({name})")
        kept[(person.id, notebook)] = (name, content, path)
        collection.identities[person.id] = person
    _prepare(out)
    for (student, notebook), (name, content, _) in sorted(kept.items()):
        # A readable notebook keeps the name the student gave it: the intake renames it and says so in the
        # feedback. One recognised by its name alone (unreadable) takes the notebook's name.
        by_cells = _by_cells(content, releases) == notebook and not name.startswith(".")
        file_name = name if by_cells else f"{notebook}.ipynb"
        if file_name != f"{notebook}.ipynb":
            collection.renamed.append(f"{student}: {name} → {notebook}.ipynb")
        (out / student).mkdir(exist_ok=True)
        (out / student / file_name).write_bytes(content)
        collection.files.setdefault(student, []).append(file_name)
    (out / MARKER).write_text(json.dumps({"archive": str(archive), **collection.as_dict()}, ensure_ascii=False,
                                         indent=1), encoding="utf-8")
    with Gradebook(course.db_url) as gradebook:
        for person in collection.identities.values():
            details = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
                       "lms_user_id": person.lms_id}
            gradebook.update_or_create_student(person.id, **{k: v for k, v in details.items() if v})
    return collection
