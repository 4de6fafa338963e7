"""What the submission service accepts as an upload, and the French refusal of everything else.

``check_upload`` judges the files a student hands in for one TD, as the web request delivered them
(name and bytes), before anything is stored. It is pure: it writes nothing, it only reads the bytes
it is given, and it answers plain data. An ``Accepted`` holds the files to store, each under the
file name of the release notebook it is a version of; a ``Refused`` holds one French message for the
student (naming the file and the reason) and a short ``Reason`` code for the teacher's list of refused
uploads. One bad file refuses the whole upload: an attempt is graded whole, so half of one would only
cost the student a try.

What is accepted is exactly what ``autograde grade``'s intake will read (autograde/intake.py): the
same per-notebook size limit, the same depth limit, the same validation, and a notebook is recognised
by its graded cells (``is_version_of``), whatever its file name. The intake still repairs what it
repairs (an extra cell, a moved one, forged metadata) at grading time: that is not refused here.

Order of the checks, cheapest first and no content read before its size is known:
the count of files, then each name (an archive by its extension or its first bytes, an unsafe name,
not ``.ipynb``), then each size and the total, then each file's content (UTF-8, JSON, depth,
notebook), then which release notebook each one is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

import nbformat

from . import messages, settings
from .collect import usable_name  # one rule for a file name every file system takes
from .course import shown
from .intake import MAX_JSON_DEPTH, is_version_of, json_depth, notebook_of

SUFFIX = ".ipynb"
# Files beyond the TD's notebooks before the upload is refused by count, unread: a student who drags a
# folder with a checkpoint copy or a stray file then reads which file is wrong rather than a count.
EXTRA_FILES = 2
# What archives begin with. None of them can begin a JSON text, so no notebook is ever taken for one.
ARCHIVE_MAGIC = (
    b"PK\x03\x04",  # zip (and .docx, .jar…)
    b"PK\x05\x06",  # empty zip
    b"PK\x07\x08",  # spanned zip
    b"\x1f\x8b",  # gzip, .tar.gz
    b"7z\xbc\xaf\x27\x1c",  # 7-Zip
    b"Rar!\x1a\x07",  # RAR 4 and 5
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"\x28\xb5\x2f\xfd",  # zstandard
)
TAR_MAGIC, TAR_MAGIC_AT = b"ustar", 257  # a tar's header names its first member: the magic sits further in
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar")
NAME_SHOWN = 120  # characters of a handed-in file name a message shows


class Reason(StrEnum):
    """Why an upload was refused: the code the service stores beside the student's message."""

    NO_FILE = "no_file"
    TOO_MANY_FILES = "too_many_files"
    ARCHIVE = "archive"
    UNSAFE_NAME = "unsafe_name"
    NOT_IPYNB = "not_ipynb"
    TOO_LARGE = "too_large"
    TOO_LARGE_TOTAL = "too_large_total"
    EMPTY = "empty"
    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    TOO_DEEP = "too_deep"
    NOT_NOTEBOOK = "not_notebook"
    INVALID_NOTEBOOK = "invalid_notebook"
    UNREADABLE = "unreadable"
    OTHER_TD = "other_td"
    DUPLICATE = "duplicate"


# The teacher page's short French label of each reason.
LABELS = {
    Reason.NO_FILE: "aucun fichier",
    Reason.TOO_MANY_FILES: "trop de fichiers",
    Reason.ARCHIVE: "archive (zip…)",
    Reason.UNSAFE_NAME: "nom de fichier refusé",
    Reason.NOT_IPYNB: "pas un .ipynb",
    Reason.TOO_LARGE: "fichier trop gros",
    Reason.TOO_LARGE_TOTAL: "dépôt trop gros",
    Reason.EMPTY: "fichier vide",
    Reason.NOT_UTF8: "pas du texte UTF-8",
    Reason.NOT_JSON: "JSON invalide",
    Reason.TOO_DEEP: "JSON trop imbriqué",
    Reason.NOT_NOTEBOOK: "pas un notebook",
    Reason.INVALID_NOTEBOOK: "notebook invalide",
    Reason.UNREADABLE: "illisible",
    Reason.OTHER_TD: "notebook d'un autre TD",
    Reason.DUPLICATE: "deux versions d'un notebook",
}


@dataclass(frozen=True)
class Accepted:
    """An upload to store: ``files`` and ``handed_in`` are keyed by the release notebook's file name
    (``01_neurone.ipynb``), in the release's order; the bytes are the student's, unchanged."""

    files: dict[str, bytes]
    handed_in: dict[str, str]  # the name the student gave each file (shown safely)
    missing: list[str]  # the release notebooks' file names not handed in (allowed: their cells score 0)
    notes: list[str] = field(default_factory=list)  # French, for the student


@dataclass(frozen=True)
class Refused:
    """An upload refused whole: nothing of it is to be stored."""

    reason: Reason
    message: str  # French, for the student; plain text (the page escapes it like any text)
    file: str = ""  # the handed-in name it is about (shown safely), "" when it is about the whole upload


# ------------------------------------------------------------------------------------- French wording
NOTHING_KEPT = "Rien n'a été enregistré : corrigez puis déposez à nouveau les notebooks du TD."
SAVED_BY_JUPYTERLAB = "Rendez le fichier .ipynb enregistré par JupyterLab."


def _size(count: int) -> str:
    # Limits are whole MiB; bytes only show with the small limits of the tests.
    return f"{count / 2**20:.1f} Mio" if count >= 2**20 else f"{count} octets"


def _listed(names: list[str]) -> str:
    return ", ".join(names)


def no_file() -> str:
    return f"Aucun fichier reçu : choisissez ou glissez les notebooks (.ipynb) du TD. {NOTHING_KEPT}"


def too_many_files(count: int, expected: list[str]) -> str:
    return (
        f"{count} fichiers reçus, mais ce TD compte {len(expected)} notebook(s) ({_listed(expected)}) : "
        f"déposez seulement ces notebooks. {NOTHING_KEPT}"
    )


def archive(name: str) -> str:
    return (
        f"Le fichier « {name} » est une archive (zip, tar, gzip, 7z, rar…) : les archives ne sont pas "
        f"acceptées. Déposez directement les fichiers .ipynb du TD, sans les compresser. {NOTHING_KEPT}"
    )


def unsafe_name(name: str) -> str:
    return (
        f"Le nom de fichier « {name} » n'est pas accepté : pas de dossier (/ ou \\), pas de « .. », pas de "
        f"caractère de contrôle, pas de point au début. Renommez le notebook (par exemple comme dans "
        f"l'énoncé). {NOTHING_KEPT}"
    )


def not_ipynb(name: str) -> str:
    return (
        f"Le fichier « {name} » n'est pas un notebook : seuls les fichiers .ipynb du TD sont acceptés. {NOTHING_KEPT}"
    )


def too_large(name: str, size: int, limit: int) -> str:
    return (
        f"Le fichier « {name} » fait {_size(size)}, plus que la limite de {_size(limit)} par fichier : il "
        "n'a pas été lu. Effacez les sorties volumineuses (Édition → Effacer les sorties), enregistrez et "
        f"déposez-le à nouveau. {NOTHING_KEPT}"
    )


def too_large_total(size: int, limit: int) -> str:
    return (
        f"Les fichiers déposés font {_size(size)} en tout, plus que la limite de {_size(limit)} d'un dépôt : "
        "ils n'ont pas été lus. Effacez les sorties volumineuses (Édition → Effacer les sorties), "
        f"enregistrez et déposez-les à nouveau. {NOTHING_KEPT}"
    )


def empty(name: str) -> str:
    return f"Le fichier « {name} » est vide. {SAVED_BY_JUPYTERLAB} {NOTHING_KEPT}"


def not_utf8(name: str) -> str:
    return (
        f"Le fichier « {name} » n'est pas un notebook lisible (ce n'est pas du texte UTF-8). "
        f"{SAVED_BY_JUPYTERLAB} {NOTHING_KEPT}"
    )


def not_json(name: str, error: str) -> str:
    return (
        f"Le fichier « {name} » n'est pas un notebook lisible (JSON invalide : {error}). Il a sans doute été "
        f"abîmé en dehors de Jupyter. {SAVED_BY_JUPYTERLAB} {NOTHING_KEPT}"
    )


def too_deep(name: str) -> str:
    return (
        f"Le fichier « {name} » n'est pas un notebook lisible (JSON imbriqué sur plus de {MAX_JSON_DEPTH} "
        f"niveaux). {SAVED_BY_JUPYTERLAB} {NOTHING_KEPT}"
    )


def not_notebook(name: str) -> str:
    return f"Le fichier « {name} » n'est pas un notebook Jupyter (pas de liste de cellules). {NOTHING_KEPT}"


def invalid_notebook(name: str, error: str) -> str:
    return f"Le fichier « {name} » n'est pas un notebook valide ({error}). {SAVED_BY_JUPYTERLAB} {NOTHING_KEPT}"


def unreadable(name: str, error: str) -> str:
    return f"Le fichier « {name} » n'a pas pu être lu ({error}). {NOTHING_KEPT}"


def other_td(name: str, expected: list[str]) -> str:
    return (
        f"Le fichier « {name} » ne contient les cellules notées d'aucun notebook de ce TD ({_listed(expected)}) : "
        "il semble appartenir à un autre TD. Vérifiez le TD choisi, ou repartez du notebook de l'énoncé de "
        f"ce TD. {NOTHING_KEPT}"
    )


def duplicate(first: str, second: str, release: str) -> str:
    return (
        f"Les fichiers « {first} » et « {second} » sont deux versions du même notebook {release} : déposez-en "
        f"un seul. {NOTHING_KEPT}"
    )


def renamed(name: str, release: str) -> str:
    return f"Le notebook déposé sous le nom « {name} » sera corrigé comme {release}."


def not_handed_in(release_name: str) -> str:
    return (
        messages.notebook_not_handed_in(release_name.removesuffix(SUFFIX))
        + " Ses cellules notées comptent 0 point dans cette tentative."
    )


# ----------------------------------------------------------------------------------------- the checks
def check_upload(
    files: list[tuple[str, bytes]], releases: dict[str, nbformat.NotebookNode], max_bytes: int
) -> Accepted | Refused:
    """Judge one upload for one TD: the files as handed in (name, bytes), in the order received.

    ``releases`` is the TD's release notebooks by name without ``.ipynb``, as
    ``course.release_notebooks(course.root / "release" / assignment)`` gives them (the mapping the
    intake takes). ``max_bytes`` is the TD's largest upload, all files together; each file is also held
    to the intake's per-notebook limit (``AUTOGRADE_MAX_NOTEBOOK_MB``) when that is smaller. Sizes are
    read from the bytes' length before any byte is parsed. The caller must also cap the request body
    (Tornado's ``max_body_size``, a little over ``max_bytes`` for the multipart envelope), so that an
    oversized request is cut off before it is in memory: this check comes after that one, per file.

    Never raises on the files' names or content; raises ValueError on ``releases`` the caller got wrong.
    """
    if not releases or any(name.endswith(SUFFIX) for name in releases):
        raise ValueError("releases: the TD's release notebooks by name without .ipynb (course.release_notebooks)")
    expected = [f"{name}{SUFFIX}" for name in releases]
    if not files:
        return Refused(Reason.NO_FILE, no_file())
    if len(files) > len(releases) + EXTRA_FILES:
        return Refused(Reason.TOO_MANY_FILES, too_many_files(len(files), expected))

    for name, content in files:
        if (refused := _check_name(name, content)) is not None:
            return refused
    per_file = min(max_bytes, settings.MAX_NOTEBOOK_MB.get() * 2**20)
    for name, content in files:
        if len(content) > per_file:
            return Refused(Reason.TOO_LARGE, too_large(_shown(name), len(content), per_file), _shown(name))
    total = sum(len(content) for _, content in files)
    if total > max_bytes:
        return Refused(Reason.TOO_LARGE_TOTAL, too_large_total(total, max_bytes))

    found: dict[str, int] = {}  # release name -> index of its file in ``files``
    for index, (name, content) in enumerate(files):
        try:
            nb = _read(_shown(name), content)
            if isinstance(nb, Refused):
                return nb
            versions = [release for release, notebook in releases.items() if is_version_of(nb, notebook)]
        except Exception as error:  # noqa: BLE001 - MemoryError anywhere in the reading, a validated yet odd notebook
            return Refused(Reason.UNREADABLE, unreadable(_shown(name), type(error).__name__), _shown(name))
        if not versions:
            return Refused(Reason.OTHER_TD, other_td(_shown(name), expected), _shown(name))
        # A notebook holding the graded cells of two (a crafted one) is the one its name says, else the first.
        stem = name[: -len(SUFFIX)]
        release = stem if stem in versions else versions[0]
        if release in found:
            first = _shown(files[found[release]][0])
            return Refused(Reason.DUPLICATE, duplicate(first, _shown(name), f"{release}{SUFFIX}"), _shown(name))
        found[release] = index

    kept = [release for release in releases if release in found]  # the release's order
    missing = [f"{release}{SUFFIX}" for release in releases if release not in found]
    return Accepted(
        files={f"{r}{SUFFIX}": files[found[r]][1] for r in kept},
        handed_in={f"{r}{SUFFIX}": _shown(files[found[r]][0]) for r in kept},
        missing=missing,
        notes=[
            renamed(_shown(files[found[r]][0]), f"{r}{SUFFIX}") for r in kept if files[found[r]][0] != f"{r}{SUFFIX}"
        ]
        + [not_handed_in(release) for release in missing],
    )


def _shown(name: str) -> str:
    return shown(name, limit=NAME_SHOWN)


def is_archive(content: bytes) -> bool:
    """Whether ``content`` begins as an archive does (read: a few hundred bytes at most)."""
    if content.startswith(ARCHIVE_MAGIC):
        return True
    head = content[: TAR_MAGIC_AT + len(TAR_MAGIC)]
    return head[TAR_MAGIC_AT:] == TAR_MAGIC and not head.lstrip().startswith((b"{", b"["))


def _check_name(name: str, content: bytes) -> Refused | None:
    """The name's refusal, or None. An archive is named as such first: that is the advice it needs."""
    if name.lower().endswith(ARCHIVE_SUFFIXES) or is_archive(content):
        return Refused(Reason.ARCHIVE, archive(_shown(name)), _shown(name))
    if not usable_name(name) or ".." in name:
        return Refused(Reason.UNSAFE_NAME, unsafe_name(_shown(name)), _shown(name))
    if not name.lower().endswith(SUFFIX):  # 01_neurone.IPYNB is a notebook: it is stored under the release's name
        return Refused(Reason.NOT_IPYNB, not_ipynb(_shown(name)), _shown(name))
    return None


def _read(name: str, content: bytes) -> nbformat.NotebookNode | Refused:
    """The notebook, read as the intake's ``read_submission`` reads a file (same limits, same validation),
    or the refusal with its own reason: the intake's single message would not tell the teacher's list why."""
    if not content or content.isspace():
        return Refused(Reason.EMPTY, empty(name), name)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return Refused(Reason.NOT_UTF8, not_utf8(name), name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return Refused(Reason.NOT_JSON, not_json(name, shown(str(error), limit=200)), name)
    except RecursionError:
        return Refused(Reason.TOO_DEEP, too_deep(name), name)
    except Exception as error:  # noqa: BLE001 - MemoryError, an integer too long to convert…: refused, explained
        return Refused(Reason.UNREADABLE, unreadable(name, type(error).__name__), name)
    if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return Refused(Reason.TOO_DEEP, too_deep(name), name)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return Refused(Reason.NOT_NOTEBOOK, not_notebook(name), name)
    del text
    try:
        nb = notebook_of(data)
    except Exception as error:  # noqa: BLE001 - any malformation: refused, explained
        detail = shown(f"{type(error).__name__} : {error}", limit=200)
        return Refused(Reason.INVALID_NOTEBOOK, invalid_notebook(name, detail), name)
    return nb
