"""Reading what a student hands in, before nbgrader sees it.

nbgrader drops a student's whole assignment when one of the notebooks cannot be processed. Each
submitted notebook is therefore checked and, where the student's intent is clear, repaired against
the release notebook; every decision is written down in French for the student and the teacher:

- an empty file, invalid JSON or a file that is not a notebook is set aside (its cells get 0 with
  that reason; the student's other notebooks are graded);
- a notebook saved under another name (``01_neurone (1).ipynb``) is recognised by its graded cells;
- the kernel is the course's ``python3``, whatever the metadata names;
- a deleted graded cell is put back from the release (a deleted test is still run; a deleted
  answer leaves the stub, which fails), a duplicated one is kept once;
- cells moved around are put back in the release order, each student cell staying after the
  graded cell it followed;
- code that reaches for the grading machinery (the ``autograde`` package, ``sys.modules``, the
  import system, IPython's traceback display, or assigning into numpy) is flagged for the teacher:
  hidden tests run in the student's kernel, so such code could forge a pass.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

SET_ASIDE_SUFFIX = ".illisible"
# How a note that flags code for the teacher begins (the class report tells flags from repairs by it).
FLAG_PREFIX = "⚠ À vérifier à la main"


TAMPERING = re.compile(
    r"\bautograde\b|sys\.modules|__import__|importlib|meta_path|builtins|showtraceback|set_custom_exc"
    r"|\bsetattr\s*\(\s*(np|numpy)\b|^\s*(np|numpy)(\.\w+)+\s*=(?!=)", re.MULTILINE)


def tampering(nb: nbformat.NotebookNode) -> list[str]:
    """The lines of the student's code cells that touch the grading machinery."""
    found = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("locked") or meta.get("grade") and not meta.get("solution"):
            continue
        found += [line.strip() for line in cell.source.splitlines() if TAMPERING.search(line)]
    return found


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def read_submission(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """The notebook, or None and why it cannot be graded."""
    raw = path.read_bytes()
    if not raw.strip():
        return None, f"Le fichier {path.name} est vide : il n'a pas pu être corrigé."
    try:
        content = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, (f"Le fichier {path.name} n'est pas un notebook lisible (JSON invalide : {error}). "
                      "Il a sans doute été abîmé en dehors de Jupyter ; rendez le fichier .ipynb enregistré par JupyterLab.")
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        return None, f"Le fichier {path.name} n'est pas un notebook Jupyter (pas de liste de cellules)."
    try:
        nb = nbformat.reads(json.dumps(content), as_version=4)
        nbformat.validator.normalize(nb)
        nbformat.validate(nb)
    except Exception as error:  # noqa: BLE001 - any malformation: the notebook is set aside, explained
        return None, f"Le fichier {path.name} n'est pas un notebook valide ({type(error).__name__} : {str(error)[:200]})."
    return nb, ""


def repair(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Make ``nb`` gradable against ``release`` in place; return what was changed, in French."""
    notes = []
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        notes.append(f"Noyau « {kernel} » du notebook remplacé par le noyau python3 du cours.")
        nb.metadata["kernelspec"] = dict(release.metadata.get("kernelspec", {"name": "python3"}))

    release_ids = [_grade_id(c) for c in release.cells if _grade_id(c)]
    known = set(release_ids)
    # Student cells travel with the graded cell they follow; the cells before any graded one stay on top.
    head, groups, seen = [], {}, []
    current = None
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in known and grade_id not in groups:
            current = grade_id
            groups[grade_id] = [cell]
            seen.append(grade_id)
            continue
        if grade_id in known:  # a copy of a graded cell: nbgrader refuses duplicate ids
            notes.append(f"La cellule « {grade_id} » apparaissait deux fois : seule la première est corrigée.")
            del cell.metadata["nbgrader"]
        (groups[current] if current else head).append(cell)

    missing = [g for g in release_ids if g not in groups]
    for grade_id in missing:
        groups[grade_id] = [nbformat.from_dict(next(c for c in release.cells if _grade_id(c) == grade_id))]
    if missing:
        notes.append("Cellule(s) supprimée(s) remise(s) depuis l'énoncé : " + ", ".join(f"« {g} »" for g in missing) + ".")
    if [g for g in seen if g in known] != [g for g in release_ids if g in seen]:
        notes.append("L'ordre des cellules de l'énoncé a été rétabli avant la correction.")
    nb.cells = head + [cell for grade_id in release_ids for cell in groups[grade_id]]
    return notes


def _graded_ids(nb) -> set[str]:
    return {_grade_id(c) for c in nb.cells if _grade_id(c)}


def is_version_of(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> bool:
    """True when ``nb`` holds at least half of ``release``'s graded cells: the student's copy of that
    notebook, whatever its file name."""
    shared = _graded_ids(nb) & _graded_ids(release)
    return bool(shared) and 2 * len(shared) >= len(_graded_ids(release))


def take_in(folder: Path, releases: dict[str, nbformat.NotebookNode]) -> dict[str, list[str]]:
    """Check and repair every notebook of one student's submitted ``folder``.

    ``releases`` maps notebook names (without ``.ipynb``) to the release notebooks. Returns, per
    notebook name, the notes; an unreadable notebook is renamed ``*.illisible`` so that nbgrader
    records it as not handed in."""
    notes: dict[str, list[str]] = {}
    readable: dict[Path, nbformat.NotebookNode] = {}
    for path in sorted(folder.glob("*.ipynb")):
        nb, problem = read_submission(path)
        if nb is None:
            if path.stem in releases:
                notes.setdefault(path.stem, []).append(problem)
            path.rename(path.with_name(path.name + SET_ASIDE_SUFFIX))
        else:
            readable[path] = nb
    # A notebook under another name whose graded cells are those of a missing one: it is that one.
    for path, nb in list(readable.items()):
        if path.stem in releases:
            continue
        for name, release in releases.items():
            target = folder / f"{name}.ipynb"
            if not target.exists() and name not in notes and is_version_of(nb, release):
                path.rename(target)
                readable[target] = readable.pop(path)
                notes.setdefault(name, []).append(f"Le notebook rendu sous le nom « {path.name} » a été corrigé comme {name}.ipynb.")
                break
    for path, nb in readable.items():
        if path.stem not in releases:
            continue
        suspect = tampering(nb)
        if suspect:
            notes.setdefault(path.stem, []).append(
                FLAG_PREFIX + " : ce code touche au mécanisme de correction et pourrait fausser les tests : "
                + " ; ".join(f"`{line[:80]}`" for line in suspect[:5]))
        changes = repair(nb, releases[path.stem])
        if changes:
            nbformat.write(nb, str(path))
            notes.setdefault(path.stem, []).extend(changes)
    return notes
