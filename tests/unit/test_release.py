"""release/ is what nbgrader generates from source/, leaks nothing, and runs without `autograde`."""

import os
import re
import shutil
import subprocess

import nbformat
import pytest
from conftest import RELEASE, REPO, SOURCE, execute, nbgrader_meta, notebook_id, notebooks, read

from autograde import cli

RELEASE_NOTEBOOKS = notebooks(RELEASE)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


@pytest.mark.slow
def test_release_is_up_to_date(capsys):
    assert cli.release(REPO, check=True) == 0, capsys.readouterr().out


def test_every_source_notebook_is_released():
    assert [notebook_id(p) for p in notebooks(SOURCE)] == [notebook_id(p) for p in RELEASE_NOTEBOOKS]


# nbgrader copies every other file of source/<assignment>/ into the release: only these may be there.
SHIPPED_FILES = {
    "td3_mnist_softmax/mnist.py",
    "td6_mlp_mnist/mnist.py",
    "td7_regularisation/mnist.py",
    "td8_optimiseurs/mnist.py",
}


def test_source_assignments_hold_nothing_but_notebooks_and_the_shipped_files():
    extra = {str(p.relative_to(SOURCE)) for p in SOURCE.glob("*/**/*") if p.is_file() and p.suffix != ".ipynb"}
    assert extra <= SHIPPED_FILES
    for name in SHIPPED_FILES:
        assert (RELEASE / name).read_bytes() == (SOURCE / name).read_bytes()


def solution_lines(path):
    """The lines of code between the solution and hidden-test markers of a source notebook."""
    lines = set()
    for cell in read(path).cells:
        inside = False
        for line in cell.source.splitlines():
            if any(m in line for m in MARKERS):
                inside = "BEGIN" in line
            elif inside and len(line.strip()) > 12:
                lines.add(line.strip())
    return lines


@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=notebook_id)
def test_release_notebook_leaks_nothing(path):
    text = "\n".join(cell.source for cell in read(path).cells)
    assert not [m for m in MARKERS if m in text]
    assert not re.search(r"\bautograde\b", text), "a release notebook must not mention the grading package"
    assert "hidden_test" not in text
    secret = solution_lines(SOURCE / path.parent.name / path.name)
    assert secret, "the source notebook has solution lines"
    leaked = [line for line in secret if line in text]
    assert leaked == []
    stubs = [c for c in read(path).cells if nbgrader_meta(c).get("solution")]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs if c.cell_type == "code")


def completed_release(path):
    """The release notebook with the source's solutions written in, as a diligent student would."""
    solutions = {nbgrader_meta(c).get("grade_id"): c.source for c in read(SOURCE / path.parent.name / path.name).cells}
    nb = read(path)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = "\n".join(
                line for line in solutions[nbgrader_meta(cell)["grade_id"]].splitlines() if "SOLUTION" not in line
            )
    return nb


def without_autograde(tmp_path):
    """A kernel environment where `import autograde` fails, as on a student's machine."""
    shadow = tmp_path / "shadow" / "autograde"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('autograde is teacher-only')\n")
    return dict(os.environ, PYTHONPATH=str(shadow.parent))


@pytest.mark.slow
def test_the_student_environment_really_lacks_autograde(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import autograde")])
    assert execute(nb, tmp_path, without_autograde(tmp_path)) == [("ImportError", "autograde is teacher-only")]


def nbgrader_validate(*args, cwd=REPO, env=None):
    """`nbgrader validate`, by default with the course's configuration (nbgrader_config.py, found in ``cwd``)."""
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "nbgrader") if (REPO / ".venv").exists() else "nbgrader", "validate", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=notebook_id)
def test_completed_release_validates_where_autograde_is_not_installed(path, tmp_path):
    """A release notebook, solutions written in, passes the student's Validate button (`nbgrader validate`
    with nbgrader's own configuration, the course's being teacher-only) without the grading package, and
    every one of its cells runs without an error or a word on stderr (`validate_all`). The source
    notebooks' hidden tests pass in test_notebooks.py, which executes each once."""
    folder = tmp_path / "student" / path.parent.name
    shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    nbformat.write(completed_release(path), folder / path.name)
    done = nbgrader_validate(
        "--Validator.validate_all=True",
        "--Execute.timeout=600",  # nbgrader's 30 s per cell, on a loaded machine: a late cell is not a failing one
        path.name,
        cwd=folder,
        env=without_autograde(tmp_path),
    )
    assert done.returncode == 0 and "Success! Your notebook passes all the tests." in done.stdout, (
        done.stdout + done.stderr
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=notebook_id)
def test_nbgrader_validate_invert_passes_on_the_untouched_release(path):
    done = nbgrader_validate("--invert", str(path))
    assert done.returncode == 0 and "Success! The notebook does not pass any tests." in done.stdout, (
        done.stdout + done.stderr
    )
