"""Reading what a student hands in, before nbgrader sees it.

nbgrader drops a student's whole assignment when one of the notebooks cannot be processed. Each
submitted notebook is therefore checked and, where the student's intent is clear, repaired against
the release notebook; every decision is written down in French for the student and the teacher:

- a file that cannot be read as a notebook, whatever the reason (empty, invalid JSON, nested too deep,
  too large, not a notebook, or any error while it is taken in), is set aside (its cells get 0 with
  that reason; the student's other notebooks are graded);
- nbgrader's metadata is the release's: every cell the release knows (by ``grade_id``) gets the
  release's flags, points, checksum and cell type, a locked or test cell the release's source, and a
  cell carrying nbgrader metadata the release does not know loses it. nbgrader drops a notebook whose
  flags or checksums disagree with its gradebook; repaired so, tampering costs the tamperer at most
  the forged cell, never their correct ones;
- a notebook saved under another name (``01_neurone (1).ipynb``) is recognised by its graded cells;
- the kernel is the course's ``python3``, whatever the metadata names;
- a deleted graded cell is put back from the release (a deleted test is still run; a deleted
  answer leaves the stub, which fails), a duplicated one is kept once;
- cells moved around are put back in the release order, each student cell staying after the
  graded cell it followed;
- code that reaches for the grading machinery (the ``autograde`` package, ``sys.modules``, the
  import system, IPython's traceback display, or assigning into numpy) is flagged for the teacher, as
  information: hidden checks are judged in the grader's process, so such code cannot forge a pass.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
from nbgrader.utils import is_locked

from . import settings

SET_ASIDE_SUFFIX = ".illisible"
# How a note that flags code for the teacher begins (the class report tells flags from repairs by it).
FLAG_PREFIX = "⚠ À vérifier à la main"
# A notebook is about 6 levels deep (cells, outputs, data); json and nbformat recurse once per level and
# nbgrader's own stack sits on top, so a few hundred levels raise RecursionError inside nbgrader.
MAX_JSON_DEPTH = 100
# What nbgrader reads in a cell's metadata to grade it; a difference here is a forged or broken cell.
FLAGS = ("grade", "solution", "locked", "task")


TAMPERING = re.compile(
    r"\bautograde\b|sys\.modules|__import__|importlib|meta_path|builtins|showtraceback|set_custom_exc"
    r"|\bsetattr\s*\(\s*(np|numpy)\b|^\s*(np|numpy)(\.\w+)+\s*=(?!=)",
    re.MULTILINE,
)


def tampering(nb: nbformat.NotebookNode) -> list[str]:
    """The lines of the student's code cells that touch the grading machinery."""
    found = []
    for cell in nb.cells:
        meta = _nbgrader(cell) or {}
        if cell.cell_type != "code" or meta.get("locked") or meta.get("grade") and not meta.get("solution"):
            continue
        found += [line.strip() for line in cell.source.splitlines() if TAMPERING.search(line)]
    return found


def _nbgrader(cell) -> dict | None:
    """The cell's nbgrader metadata (None when it has none; ``{"": …}`` when it is not even a mapping)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if meta is None or isinstance(meta, dict) else {"": meta}


def _grade_id(cell) -> str | None:
    grade_id = (_nbgrader(cell) or {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def json_depth(value, limit: int) -> int:
    """How deeply ``value`` nests lists and mappings, counted without recursion up to ``limit`` + 1."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= limit:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def read_submission(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """The notebook, or None and why it cannot be graded. Never raises on the file's content."""
    limit = settings.MAX_NOTEBOOK_MB.get()
    size = path.stat().st_size
    if size > limit * 2**20:
        return None, (
            f"Le fichier {path.name} fait {size / 2**20:.1f} Mio, plus que la limite de {limit} Mio d'un "
            "notebook : il n'a pas été corrigé. Effacez les sorties volumineuses (Édition → Effacer les "
            "sorties) et rendez-le à nouveau."
        )
    raw = path.read_bytes()
    if not raw.strip():
        return None, f"Le fichier {path.name} est vide : il n'a pas pu être corrigé."
    try:
        content = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, (
            f"Le fichier {path.name} n'est pas un notebook lisible (JSON invalide : {error}). "
            "Il a sans doute été abîmé en dehors de Jupyter ; rendez le fichier .ipynb enregistré par JupyterLab."
        )
    except RecursionError:
        return None, _too_deep(path)
    except Exception as error:  # noqa: BLE001 - MemoryError and the like: this notebook only is set aside
        return None, f"Le fichier {path.name} n'a pas pu être lu ({type(error).__name__}) : il n'a pas été corrigé."
    del raw
    if json_depth(content, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return None, _too_deep(path)
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        return None, f"Le fichier {path.name} n'est pas un notebook Jupyter (pas de liste de cellules)."
    try:
        nb = notebook_of(content)
    except Exception as error:  # noqa: BLE001 - any malformation: the notebook is set aside, explained
        return (
            None,
            f"Le fichier {path.name} n'est pas un notebook valide ({type(error).__name__} : {str(error)[:200]}).",
        )
    return nb, ""


def notebook_of(content: dict) -> nbformat.NotebookNode:
    """The notebook of ``content`` (a notebook's JSON, parsed), in format 4 and validated; raises on any
    malformation. What ``nbformat.reads`` does, without parsing the text again nor validating twice."""
    major, minor = nbformat.reader.get_version(content)
    if major not in nbformat.versions:
        raise nbformat.NBFormatError(f"unsupported nbformat version {major}")
    try:
        nb = nbformat.versions[major].to_notebook_json(content, minor=minor)
    except AttributeError as error:  # reads' own wording of a missing key
        raise nbformat.ValidationError(f"The notebook is invalid and is missing an expected key: {error}") from None
    nb = nbformat.convert(nb, 4)
    nbformat.validate(nb)  # which also gives cells without an id one (nbformat 4.5)
    return nb


def _too_deep(path: Path) -> str:
    return (
        f"Le fichier {path.name} n'est pas un notebook lisible (JSON imbriqué sur plus de {MAX_JSON_DEPTH} "
        "niveaux) : il n'a pas été corrigé. Rendez le fichier .ipynb enregistré par JupyterLab."
    )


def _yes_no(value) -> str:
    return "oui" if value else "non"


def _differences(cell, release_cell) -> list[str]:
    """What of the cell's nbgrader metadata and type, as nbgrader grades them, differs from the release."""
    mine, theirs = _nbgrader(cell) or {}, _nbgrader(release_cell)
    assert theirs is not None  # a release cell with a grade id
    found = [
        f"{key} : {_yes_no(mine.get(key))} au lieu de {_yes_no(theirs.get(key))}"
        for key in FLAGS
        if bool(mine.get(key)) != bool(theirs.get(key))
    ]
    if theirs.get("grade") and mine.get("points") != theirs.get("points"):
        try:
            same = float(mine.get("points")) == float(theirs.get("points"))  # type: ignore[arg-type]  # None: TypeError below
        except (TypeError, ValueError):
            same = False
        if not same:
            found.append(f"points : {str(mine.get('points'))[:20]} au lieu de {theirs.get('points')}")
    if cell.cell_type != release_cell.cell_type:
        found.append(f"type : {cell.cell_type} au lieu de {release_cell.cell_type}")
    return found


def _conform(cell, release_cell, notes: list[str]) -> nbformat.NotebookNode:
    """The student's cell with the release's nbgrader metadata, type and, for a locked or test cell,
    source: exactly what nbgrader's gradebook expects."""
    grade_id = _grade_id(release_cell)
    changed = _differences(cell, release_cell)
    if changed:
        notes.append(
            f"{FLAG_PREFIX} : les propriétés nbgrader de la cellule « {grade_id} » avaient été modifiées "
            f"({' ; '.join(changed)}) : celles de l'énoncé ont été remises."
        )
    elif (_nbgrader(cell) or {}) != release_cell.metadata["nbgrader"]:
        # Bookkeeping only (checksum, schema version…), yet an unknown schema version stops nbgrader's run.
        notes.append(f"Les métadonnées nbgrader de la cellule « {grade_id} » ont été remises comme dans l'énoncé.")
    if cell.cell_type != release_cell.cell_type:
        # nbgrader's own conversion keeps the metadata and source and drops what the other type has no use for.
        kind = nbformat.v4.new_code_cell if release_cell.cell_type == "code" else nbformat.v4.new_markdown_cell
        converted = kind(cell.source, metadata=cell.metadata)
        if "id" in cell:
            converted["id"] = cell["id"]
        cell = converted
    cell.metadata["nbgrader"] = copy.deepcopy(release_cell.metadata["nbgrader"])
    if is_locked(release_cell) and cell.source != release_cell.source:
        notes.append(f"La cellule « {grade_id} », verrouillée, avait été modifiée : celle de l'énoncé a été remise.")
        cell.source = release_cell.source
    return cell


def repair(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Make ``nb`` gradable against ``release`` in place; return what was changed, in French."""
    notes = []
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        notes.append(f"Noyau « {kernel} » du notebook remplacé par le noyau python3 du cours.")
        nb.metadata["kernelspec"] = dict(release.metadata.get("kernelspec", {"name": "python3"}))

    by_id = {_grade_id(c): c for c in release.cells if _grade_id(c)}
    release_ids = list(by_id)
    # Student cells travel with the graded cell they follow; the cells before any graded one stay on top.
    head: list[nbformat.NotebookNode]
    head, groups, seen = [], {}, []
    current = None
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in by_id and grade_id not in groups:
            current = grade_id
            groups[grade_id] = [_conform(cell, by_id[grade_id], notes)]
            seen.append(grade_id)
            continue
        if grade_id in by_id:  # a copy of a graded cell: nbgrader refuses duplicate ids
            notes.append(f"La cellule « {grade_id} » apparaissait deux fois : seule la première est corrigée.")
            del cell.metadata["nbgrader"]
        elif _nbgrader(cell) is not None:
            _forget_foreign(cell, notes)
        (groups[current] if current else head).append(cell)

    missing = [g for g in release_ids if g not in groups]
    for grade_id in missing:
        groups[grade_id] = [nbformat.from_dict(copy.deepcopy(by_id[grade_id]))]
    if missing:
        notes.append(
            "Cellule(s) supprimée(s) remise(s) depuis l'énoncé : " + ", ".join(f"« {g} »" for g in missing) + "."
        )
    if seen != [g for g in release_ids if g in seen]:
        notes.append("L'ordre des cellules de l'énoncé a été rétabli avant la correction.")
    nb.cells = head + [cell for grade_id in release_ids for cell in groups[grade_id]]
    return notes


def _forget_foreign(cell, notes: list[str]) -> None:
    """A cell with nbgrader metadata the release does not have: nbgrader would grade it, or drop the notebook
    over it. It becomes an ordinary cell of the student's."""
    meta = _nbgrader(cell)
    assert meta is not None  # only called for a cell with nbgrader metadata
    del cell.metadata["nbgrader"]
    if meta.get("grade_id") or any(meta.get(key) for key in FLAGS) or "" in meta:
        name = f"« {str(meta.get('grade_id'))[:60]} »" if meta.get("grade_id") else "sans identifiant"
        notes.append(
            f"{FLAG_PREFIX} : une cellule {name} portait des propriétés nbgrader que l'énoncé n'a pas : "
            "elles ont été retirées et cette cellule n'est pas notée."
        )


def _graded_ids(nb) -> set[str]:
    return {grade_id for c in nb.cells if (grade_id := _grade_id(c))}


def is_version_of(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> bool:
    """True when ``nb`` holds at least half of ``release``'s graded cells: the student's copy of that
    notebook, whatever its file name."""
    shared = _graded_ids(nb) & _graded_ids(release)
    return bool(shared) and 2 * len(shared) >= len(_graded_ids(release))


def take_in(folder: Path, releases: dict[str, nbformat.NotebookNode]) -> dict[str, list[str]]:
    """Check and repair every notebook of one student's submitted ``folder``.

    ``releases`` maps notebook names (without ``.ipynb``) to the release notebooks. Returns, per
    notebook name, the notes; a notebook that cannot be read or repaired, for any reason, is renamed
    ``*.illisible`` so that nbgrader records it as not handed in and grades the others."""
    notes: dict[str, list[str]] = {}
    readable: dict[Path, nbformat.NotebookNode] = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb, problem = read_submission(path)
        except Exception as error:  # noqa: BLE001 - the file itself (unreadable on disk…): this notebook only
            nb, problem = None, _failed(path, error)
        if nb is None:
            _set_aside(path, problem, releases, notes)
        else:
            readable[path] = nb
    # A notebook under another name whose graded cells are those of a missing one: it is that one.
    for path, nb in list(readable.items()):
        if path.stem in releases:
            continue
        try:
            for name, release in releases.items():
                target = folder / f"{name}.ipynb"
                if not target.exists() and name not in notes and is_version_of(nb, release):
                    path.rename(target)
                    readable[target] = readable.pop(path)
                    notes.setdefault(name, []).append(
                        f"Le notebook rendu sous le nom « {path.name} » a été corrigé comme {name}.ipynb."
                    )
                    break
        except Exception:  # noqa: BLE001 - not recognised: it stays an extra file, which nbgrader skips
            continue
    for path, nb in readable.items():
        if path.stem not in releases:
            continue
        found: list[str] = []
        try:
            found += repair(nb, releases[path.stem])
            if found:
                nbformat.write(nb, str(path))
            # After the repair: the flags the scan trusts to tell the student's cells are the release's.
            suspect = tampering(nb)
        except Exception as error:  # noqa: BLE001 - RecursionError, MemoryError, anything: this notebook only
            _set_aside(path, _failed(path, error), releases, notes)
            continue
        if suspect:
            found.insert(
                0,
                FLAG_PREFIX
                + " : ce code touche au mécanisme de correction et pourrait fausser les tests : "
                + " ; ".join(f"`{line[:80]}`" for line in suspect[:5]),
            )
        if found:
            notes.setdefault(path.stem, []).extend(found)
    return notes


def _failed(path: Path, error: BaseException) -> str:
    return (
        f"Le fichier {path.name} n'a pas pu être préparé pour la correction ({type(error).__name__} : "
        f"{str(error)[:200]}) : il n'a pas été corrigé."
    )


def _set_aside(path: Path, problem: str, releases: dict, notes: dict[str, list[str]]) -> None:
    """Rename ``path`` so that nbgrader sees that notebook as not handed in, and say why."""
    if path.stem in releases:
        notes.setdefault(path.stem, []).append(problem)
    path.rename(path.with_name(path.name + SET_ASIDE_SUFFIX))
