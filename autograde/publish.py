"""``autograde publish``: the student bundle, built from ``release/`` and nothing else.

    publish(repo_root, out)              # every TD of release/
    publish(repo_root, out, ["td1_neurone_regression"])

writes

    out/.autograde-bundle.json           # marker: what this command wrote (outside the bundle)
    out/intro-deep-learning/             # ready to push as the students' public repository
        README.md                        # in French, for the students; the table of TDs is built from the notebooks
        environment.yml                  # the students' conda environment (not the grading package)
        td1_neurone_regression/*.ipynb   # the release notebooks, copied unchanged
        td3_mnist_softmax/mnist.py       # files beside the notebooks (teacher notes removed from docstrings)
        td3_mnist_softmax/data/mnist/    # the IDX digits, inside each TD that ships mnist.py (see below)
    out/zips/<assignment>.zip            # one TD folder per archive, for the LMS

``mnist.py`` looks for ``./mnist`` and ``./data/mnist`` relative to the working directory, and a notebook's kernel
runs in the notebook's folder: so every TD that ships ``mnist.py`` gets its own ``data/mnist/`` (a top-level copy
would be found by nothing). Identical files cost git nothing.

Nothing is deleted that this command did not write: ``out`` must be absent, empty, or an earlier bundle (its marker
lists the files written; a ``.git`` inside the bundle folder is kept, so the bundle can be a clone of the public
repository). The bundle is built in a temporary folder and checked before ``out`` is touched: no solution or hidden
test marker, and no mention of the grading package anywhere.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat

BUNDLE = "intro-deep-learning"  # the bundle folder, and the name of the students' conda environment
MARKER = ".autograde-bundle.json"
ZIPS = "zips"
MNIST_LOADER = "mnist.py"  # a TD folder holding it reads the digits from its own ./data/mnist
MNIST_DATA = Path("data") / "mnist"
IDX_FILES = "*-ubyte*"
TEACHER_WORD = "autograde"
FORBIDDEN = ("### BEGIN SOLUTION", "### END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "hidden_test(")
# The students' environment: what the notebooks import, JupyterLab, nbgrader for the « Validate » button.
# Same pins as the course's environment.yml (a test keeps them in step).
PYTHON = "3.11"
STUDENT_PACKAGES = (
    "numpy>=1.24",
    "scipy>=1.10",
    "scikit-learn>=1.3",
    "matplotlib>=3.7",
    "jupyterlab>=4",
    "nbgrader>=0.9.5,<0.10",
    "ipykernel>=6.29,<7.5",
)


class PublishError(Exception):
    """The bundle cannot be built, or not there: nothing was changed."""


def publish(repo_root: Path, out: Path, assignments: list[str] | None = None) -> Path:
    """Build the student bundle in `out`: `out/<bundle folder>/` ready to push as a separate public repository and
    `out/zips/<assignment>.zip` (one per TD, for the LMS). Returns out."""
    repo_root, out = Path(repo_root).resolve(), Path(out).resolve()
    release = repo_root / "release"
    chosen = _assignments(release, assignments)
    _check_out_is_not_in_the_course(repo_root, out)
    previous = _previous_files(out)  # raises before anything is written
    with tempfile.TemporaryDirectory(prefix="bundle-") as scratch:
        staging = Path(scratch)
        bundle = staging / BUNDLE
        for assignment in chosen:
            _copy_assignment(release / assignment, bundle / assignment, repo_root / MNIST_DATA)
        (bundle / "environment.yml").write_text(environment_yml(), encoding="utf-8")
        (bundle / "README.md").write_text(readme(bundle, chosen), encoding="utf-8")
        check_bundle(bundle)
        for assignment in chosen:
            _zip_folder(bundle / assignment, staging / ZIPS / f"{assignment}.zip")
        _check_zips(staging / ZIPS)
        _install(staging, out, previous, chosen)
    return out


# --- what to publish, and where ----------------------------------------------------------------------------------


def _assignments(release: Path, wanted: list[str] | None) -> list[str]:
    if not release.is_dir():
        raise PublishError(f"{release} does not exist: generate the student notebooks first (`autograde release`).")
    available = sorted(
        p.name for p in release.iterdir() if p.is_dir() and not _skipped(p.name) and any(p.glob("*.ipynb"))
    )
    if wanted is None:
        if not available:
            raise PublishError(f"{release} holds no assignment folder with notebooks: nothing to publish.")
        return available
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        raise PublishError("no assignment given: nothing to publish.")
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise PublishError(
            f"unknown assignment(s) {', '.join(unknown)}: {release} holds {', '.join(available) or 'none'}."
        )
    return sorted(wanted)


def _check_out_is_not_in_the_course(repo_root: Path, out: Path) -> None:
    for folder in (repo_root / "release", repo_root / "source", repo_root / "autograde"):
        if out == folder or out.is_relative_to(folder) or folder.is_relative_to(out):
            raise PublishError(f"refusing to publish into {out}: it overlaps the course folder {folder}.")
    if out == repo_root:
        raise PublishError(f"refusing to publish into the repository itself ({out}).")


def _previous_files(out: Path) -> list[str]:
    """What an earlier run wrote in `out` (relative paths), [] for an absent or empty folder; raises otherwise."""
    if not out.exists() and not out.is_symlink():
        return []
    if not out.is_dir():
        raise PublishError(f"{out} exists and is not a folder: choose another output folder.")
    if not any(out.iterdir()):
        return []
    marker = out / MARKER
    if not marker.is_file():
        raise PublishError(
            f"{out} is not empty and was not made by `autograde publish` (no {MARKER}): "
            "refusing to write into it. Give an empty or new folder as output."
        )
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        files, bundle = recorded["files"], recorded.get("bundle", BUNDLE)
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ValueError("`files` is not a list of paths")
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(f"{marker} is unreadable ({error}): refusing to touch {out}.") from None
    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts or name == MARKER:
            raise PublishError(f"{marker} lists {name!r}, which is not a file of the bundle: refusing to touch {out}.")
    kept = Path(bundle) / ".git"  # the bundle folder may be a clone of the public repository
    foreign = [
        rel
        for rel in _files_under(out)
        if rel != MARKER and rel not in set(files) and not Path(rel).is_relative_to(kept)
    ]
    if foreign:
        listed = ", ".join(sorted(foreign)[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise PublishError(
            f"{out} holds files that `autograde publish` did not write ({listed}): "
            "refusing to replace the bundle. Move them away or choose another output folder."
        )
    return files


def _files_under(folder: Path) -> list[str]:
    """Every file (and symlink) under `folder`, as posix paths relative to it; symlinked folders are not entered."""
    found = []
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        found += [(here / d).relative_to(folder).as_posix() for d in dirs if (here / d).is_symlink()]
        found += [(here / f).relative_to(folder).as_posix() for f in files]
    return found


def _skipped(name: str) -> bool:
    """Editor and Python leftovers (.ipynb_checkpoints, __pycache__, .DS_Store, *.pyc) are never published."""
    return name.startswith(".") or name == "__pycache__" or name.endswith((".pyc", ".pyo"))


# --- building --------------------------------------------------------------------------------------------------


def _copy_assignment(source: Path, target: Path, mnist_data: Path) -> None:
    target.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(_skipped(part) for part in relative.parts) or path.is_dir():
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            destination.write_text(without_teacher_notes(path.read_text(encoding="utf-8"), path), encoding="utf-8")
        else:
            shutil.copyfile(path, destination)
    if (source / MNIST_LOADER).is_file():
        _copy_mnist(mnist_data, target / MNIST_DATA, source.name)


def _copy_mnist(data: Path, target: Path, assignment: str) -> None:
    digits = sorted(data.glob(IDX_FILES)) if data.is_dir() else []
    if not digits:
        raise PublishError(f"{assignment} ships {MNIST_LOADER} but {data} holds no IDX files to ship with it.")
    target.mkdir(parents=True, exist_ok=True)
    for path in digits:
        shutil.copyfile(path, target / path.name)
    rows = "\n".join(f"| `{p.name}` | `{hashlib.sha256(p.read_bytes()).hexdigest()}` |" for p in digits)
    (target / "README.md").write_text(
        f"""\
# Chiffres MNIST

Le jeu de test de MNIST (Yann LeCun, Corinna Cortes, Christopher J. C. Burges), au format IDX d'origine
compressé (http://yann.lecun.com/exdb/mnist/). `load_mnist()`, dans `{MNIST_LOADER}`, lit ce dossier quand le
notebook est ouvert depuis le dossier du TD : ne le déplacez pas et ne le renommez pas.

| fichier | sha256 |
| --- | --- |
{rows}
""",
        encoding="utf-8",
    )


def without_teacher_notes(text: str, path: Path | str = "module") -> str:
    """`text`, a Python module, without the paragraphs of its docstring that speak of the grading package.

    The code itself is never changed (checked on the syntax tree); a mention left elsewhere is caught by
    `check_bundle`.
    """
    if TEACHER_WORD not in text.lower():
        return text
    tree = ast.parse(text)
    if not (
        tree.body
        and isinstance(tree.body[0], ast.Expr)
        and isinstance(tree.body[0].value, ast.Constant)
        and isinstance(tree.body[0].value.value, str)
    ):
        return text
    segment = ast.get_source_segment(text, tree.body[0])
    match = re.fullmatch(r'(?s)([rRuU]?)("""|\'\'\')(.*)\2', segment or "")
    if not match:
        return text
    assert segment is not None  # it matched
    prefix, quotes, body = match.groups()
    kept = [part for part in body.split("\n\n") if TEACHER_WORD not in part.lower()]
    new_body = "\n\n".join(kept).rstrip("\n") + ("\n" if body.endswith("\n") else "")
    result = text.replace(segment, prefix + quotes + new_body + quotes, 1)
    if [ast.dump(node) for node in ast.parse(result).body[1:]] != [ast.dump(node) for node in tree.body[1:]]:
        raise PublishError(f"{path}: removing the teacher notes from its docstring would change its code.")
    return result


def environment_yml() -> str:
    packages = "\n".join(f"  - {spec}" for spec in (f"python={PYTHON}", *STUDENT_PACKAGES))
    return f"""\
# Environnement des TD : conda env create -f environment.yml && conda activate {BUNDLE}
name: {BUNDLE}
channels:
  - conda-forge
dependencies:
{packages}
"""


def _title(notebook: Path) -> str:
    """The notebook's first heading, without its '#'s, or its file name."""
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return notebook.stem


def _points(notebook: Path) -> float:
    cells = nbformat.read(str(notebook), as_version=4).cells
    return sum(
        float(c.metadata.get("nbgrader", {}).get("points") or 0)
        for c in cells
        if c.metadata.get("nbgrader", {}).get("grade")
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def td_table(bundle: Path, assignments: list[str]) -> str:
    """The Markdown table of the TDs: folder, notebooks with their titles, points, files beside the notebooks."""
    rows = ["| dossier | notebooks | points | fourni avec |", "| --- | --- | --- | --- |"]
    for assignment in assignments:
        folder = bundle / assignment
        notebooks = sorted(folder.glob("*.ipynb"))
        listed = "<br>".join(f"`{nb.name}` : {_cell(_title(nb))}" for nb in notebooks)
        points = sum(_points(nb) for nb in notebooks)
        beside = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir() if p.suffix != ".ipynb")
        rows.append(f"| `{assignment}/` | {listed} | {points:g} | {', '.join(f'`{b}`' for b in beside) or '—'} |")
    return "\n".join(rows)


def readme(bundle: Path, assignments: list[str]) -> str:
    pip = " ".join(f'"{spec}"' for spec in STUDENT_PACKAGES)
    with_mnist = [a for a in assignments if (bundle / a / MNIST_LOADER).is_file()]
    example = assignments[0]
    example_notebooks = ", ".join(f"`{p.name}`" for p in sorted((bundle / example).glob("*.ipynb")))
    mnist = (
        ""
        if not with_mnist
        else f"""
## Les chiffres MNIST

{", ".join(f"`{a}`" for a in with_mnist)} utilise{"nt" if len(with_mnist) > 1 else ""} les chiffres manuscrits
de MNIST, lus par `load_mnist()` du fichier `{MNIST_LOADER}` fourni à côté des notebooks. Les 10 000 chiffres du
jeu de test de MNIST sont fournis dans le dossier `data/mnist/` de chacun de ces TD : ouvert depuis son dossier
(ce que fait JupyterLab), le notebook les trouve sans connexion et affiche « lues dans le dossier IDX ». Ne
déplacez pas ce dossier ; si vous lancez le code ailleurs, donnez son chemin : `load_mnist("chemin/vers/data/mnist")`
ou la variable d'environnement `MNIST_DIR`.
"""
    )
    return f"""\
# Introduction au deep learning — les TD

Les travaux dirigés du cours d'introduction au deep learning, sous forme de notebooks Jupyter. On y construit pas à
pas, en Python avec numpy, les briques d'un réseau de neurones : le neurone et la descente de gradient, la
régression, la rétropropagation, la différentiation automatique, puis de petits réseaux entraînés sur de vraies
données. Chaque TD est un dossier ; chaque notebook alterne explications, fonctions à écrire et cellules
d'auto-vérification.

## Les TD

{td_table(bundle, assignments)}

## Installation

Avec conda (Miniconda, Miniforge ou Anaconda), depuis le dossier de ce dépôt :

```bash
conda env create -f environment.yml
conda activate {BUNDLE}
```

Ou avec pip, dans un environnement virtuel Python {PYTHON} (ou plus récent) :

```bash
python -m venv .venv
source .venv/bin/activate          # Windows : .venv\\Scripts\\activate
python -m pip install {pip}
```

## Ouvrir un TD

```bash
jupyter lab
```

lancé depuis le dossier de ce dépôt ouvre JupyterLab dans le navigateur. Ouvrez le dossier du TD (par exemple
`{example}/`) puis ses notebooks dans l'ordre ({example_notebooks}). Si vous avez reçu un TD en archive `.zip`,
décompressez-la et ouvrez le dossier obtenu de la même façon. Pour récupérer les TD publiés plus tard dans ce
dépôt : `git pull`.

## Travailler dans un notebook

1. Écrivez votre code dans les cellules marquées `# VOTRE CODE ICI`, en supprimant la ligne
   `raise NotImplementedError()`. N'écrivez que dans ces cellules : ne supprimez pas, ne copiez pas et ne
   déplacez pas les autres, elles servent à la correction.
2. Après chaque fonction vient une cellule d'**auto-vérification** : exécutez-la. Elle essaie votre fonction sur un
   petit exemple et s'arrête sur une erreur qui dit ce qui était attendu. Qu'elle passe est bon signe mais ne suffit
   pas : à la correction, la même cellule vérifie aussi votre fonction sur d'autres cas.
3. Avant de rendre : menu *Kernel → Restart Kernel and Run All Cells…*, vérifiez qu'aucune cellule ne s'arrête sur
   une erreur, puis cliquez sur le bouton **« Validate »** de la barre d'outils du notebook (installé avec
   nbgrader). Il réexécute tout le notebook et signale les cellules en erreur ou les réponses encore vides. En
   ligne de commande : `nbgrader validate {example}/<notebook>.ipynb`.
{mnist}
## Rendre un TD

Déposez sur le LMS, dans le devoir du TD, **les fichiers `.ipynb` du dossier du TD**, tous, sous leur nom
d'origine (par exemple {example_notebooks} pour `{example}`), enregistrés depuis JupyterLab. Ne les renommez pas et
ne changez pas leur format ; inutile de rendre les autres fichiers du dossier (`{MNIST_LOADER}`, `data/`).
"""


def check_bundle(bundle: Path) -> None:
    """The safety net: raise PublishError naming the first file that holds a solution, a hidden test, or a
    mention of the grading package (in its path or, for text files, its content)."""
    for relative in sorted(_files_under(bundle)):
        path = bundle / relative
        _check_text(relative, path.read_bytes(), f"{bundle.name}/{relative}")


def _check_text(relative: str, data: bytes, shown: str) -> None:
    if TEACHER_WORD in relative.lower():
        raise PublishError(f"{shown}: its path mentions {TEACHER_WORD!r}; refusing to publish it.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # binary: the IDX digits
    for marker in FORBIDDEN:
        if marker in text:
            raise PublishError(
                f"{shown} holds {marker!r}: it is not a student version (regenerate release/ "
                "with `autograde release`); refusing to publish it."
            )
    if TEACHER_WORD in text.lower():
        raise PublishError(
            f"{shown} mentions {TEACHER_WORD!r}; students must not see the grading package: refusing to publish it."
        )
    if relative.endswith(".ipynb"):
        try:
            cells = nbformat.reads(text, as_version=4).cells
        except Exception as error:  # noqa: BLE001 - whatever nbformat raises on a damaged file
            raise PublishError(
                f"{shown} is not a readable notebook ({type(error).__name__}): refusing to publish it."
            ) from None
        for cell in cells:
            if any(marker in cell.source for marker in FORBIDDEN):
                raise PublishError(f"{shown} has a cell with a solution or hidden tests; refusing to publish it.")


def _zip_folder(folder: Path, archive: Path) -> None:
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for relative in sorted(_files_under(folder)):
            path = folder / relative
            compression = zipfile.ZIP_STORED if path.suffix == ".gz" else zipfile.ZIP_DEFLATED
            zf.write(path, f"{folder.name}/{relative}", compress_type=compression)


def _check_zips(zips: Path) -> None:
    for archive in sorted(zips.glob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                _check_text(name, zf.read(name), f"{ZIPS}/{archive.name}:{name}")


# --- installing --------------------------------------------------------------------------------------------------


def _write_marker(out: Path, files: list[str], assignments: list[str]) -> None:
    record = {"made_by": "autograde publish", "bundle": BUNDLE, "assignments": assignments, "files": sorted(files)}
    (out / MARKER).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def _install(staging: Path, out: Path, previous: list[str], assignments: list[str]) -> None:
    """Replace what the previous run wrote in `out` by the staged bundle; other files (a .git) stay."""
    new = sorted(_files_under(staging))
    out.mkdir(parents=True, exist_ok=True)
    # Until the end, the marker lists old and new files: an interrupted run can still be rebuilt over.
    _write_marker(out, sorted(set(previous) | set(new)), assignments)
    folders: set[Path] = set()
    for relative in previous:
        path = out / relative
        if path.is_file() or path.is_symlink():
            path.unlink()
        folders.update(parent for parent in Path(relative).parents if parent != Path("."))
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            (out / folder).rmdir()  # only once empty: what someone else put there stays
        except OSError:
            pass
    for relative in new:
        destination = out / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging / relative), str(destination))
    _write_marker(out, new, assignments)
