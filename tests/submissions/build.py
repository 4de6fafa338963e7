"""Build the sample submissions from the committed release notebooks.

A sample student is the release notebook with some solution cells filled in, as a student would
leave it in JupyterLab. Each ``<name>.py`` beside this file defines ``STUDENTS``:
``{student: {notebook: {grade_id: source}}}``; a notebook mapped to ``{}`` is handed in untouched.
A spec may also set ``ASSIGNMENT`` (the release it starts from, default: its own name) and
``DAMAGE = {student: {notebook: function}}``: the function gets the filled notebook and returns the
bytes to write, or ``(file name, bytes)``, for files no JupyterLab would save.
Run ``python tests/submissions/build.py`` after changing a spec or release/; a test checks that the
committed notebooks are what this script builds.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def one_line_change(source: str, old: str, new: str) -> str:
    """``source`` with its one line ``old`` replaced by ``new``: a sample that differs from a correct
    answer by one mistake is written as that change, not as a copy of the whole function."""
    lines = source.split("\n")
    matches = [i for i, line in enumerate(lines) if line.strip() == old.strip()]
    if len(matches) != 1:
        raise ValueError(f"{old!r} must be exactly one line of the answer, found {len(matches)} times")
    indent = lines[matches[0]][: len(lines[matches[0]]) - len(lines[matches[0]].lstrip())]
    lines[matches[0]] = indent + new.strip()
    return "\n".join(lines)


def load_spec(assignment: str):
    spec = importlib.util.spec_from_file_location(f"samples_{assignment}", HERE / f"{assignment}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fill(release_nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The release notebook with the solution cells named in ``answers`` replaced."""
    nb = nbformat.from_dict(release_nb)
    unknown = set(answers) - {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    if unknown:
        raise KeyError(f"no such cells in the release notebook: {sorted(unknown)}")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id].strip("\n")
    return nb


def build(name: str, out_root: Path) -> list[Path]:
    """Write ``out_root/<name>/<student>/<notebook>.ipynb`` for every student of the spec ``<name>.py``."""
    written = []
    if (out_root / name).exists():
        import shutil

        shutil.rmtree(out_root / name)
    spec = load_spec(name)
    assignment = getattr(spec, "ASSIGNMENT", name)
    damage = getattr(spec, "DAMAGE", {})
    for student, notebooks in spec.STUDENTS.items():
        for notebook, answers in notebooks.items():
            release_nb = nbformat.read(REPO / "release" / assignment / f"{notebook}.ipynb", as_version=4)
            target = out_root / name / student / f"{notebook}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            filled = fill(release_nb, answers)
            if notebook in damage.get(student, {}):
                made = damage[student][notebook](filled)
                file_name, content = made if isinstance(made, tuple) else (target.name, made)
                target = target.with_name(file_name)
                target.write_bytes(content)
            else:
                nbformat.write(filled, target)
            written.append(target)
    return written


def specs() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem != "build")


if __name__ == "__main__":
    for name in sys.argv[1:] or specs():
        for path in build(name, HERE):
            print(path.relative_to(REPO))
