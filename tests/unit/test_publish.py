"""`autograde publish`: the students' bundle holds the release notebooks and what they need, and nothing more."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import RELEASE, REPO, SOURCE

from autograde import publish as pub

ASSIGNMENTS = sorted(p.name for p in RELEASE.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
TD1 = "td1_neurone_regression"
MNIST_TD = "td3_mnist_softmax"


@pytest.fixture(scope="module")
def every_td(tmp_path_factory) -> Path:
    return pub.publish(REPO, tmp_path_factory.mktemp("every_td") / "out")


@pytest.fixture(scope="module")
def td1(tmp_path_factory) -> Path:
    return pub.publish(REPO, tmp_path_factory.mktemp("td1") / "out", [TD1])


def bundle_of(out: Path) -> Path:
    return out / pub.BUNDLE


def bundle_files(out: Path) -> dict[str, bytes]:
    """Every file a student gets: the bundle folder's and the zips' (named zips/<zip>:<member>)."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in bundle_of(out).rglob("*") if p.is_file()}
    for archive in sorted((out / pub.ZIPS).glob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            files.update({f"{pub.ZIPS}/{archive.name}:{name}": zf.read(name) for name in zf.namelist()})
    return files


def texts(out: Path) -> dict[str, str]:
    """The text files among them; a notebook also by its cells' sources (its JSON escapes quotes)."""
    found = {}
    for name, data in bundle_files(out).items():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if name.endswith(".ipynb"):
            text += "\n" + "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
        found[name] = text
    return found


def between(source: str, begin: str, end: str) -> list[str]:
    return re.findall(rf"{re.escape(begin)}\n(.*?){re.escape(end)}", source, flags=re.S)


def secret_lines(assignment: str) -> set[str]:
    """The non-trivial lines of the source notebooks' solutions and hidden tests that a student must not get.

    A line that the source also shows outside them (``import numpy as np``, a formula quoted in a markdown cell, a
    helper given in the next notebook) ships legitimately: it is left out.
    """
    secret, public = set(), []
    for path in sorted((SOURCE / assignment).glob("*.ipynb")):
        for cell in nbformat.read(str(path), as_version=4).cells:
            hidden = between(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
            solution = between(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
            if not cell.metadata.get("nbgrader", {}).get("solution"):
                solution = []
            secret |= {
                line.strip()
                for part in hidden + solution
                for line in part.splitlines()
                # a Markdown table's rule (| --- | --- |) is layout, not a secret
                if len(line.strip()) > 15 and re.search(r"\w", line)
            }
            public.append(re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?### END \1", "", cell.source, flags=re.S))
    shown = "\n".join(public)
    return {line for line in secret if line not in shown}


# --- what the bundle holds --------------------------------------------------------------------------------------


def test_td1_bundle_is_the_release_folder_readme_environment_and_one_zip(td1):
    bundle = bundle_of(td1)
    assert sorted(p.name for p in td1.iterdir()) == sorted([pub.BUNDLE, pub.ZIPS, pub.MARKER])
    assert sorted(p.name for p in bundle.iterdir()) == sorted(["README.md", TD1, "environment.yml"])
    release = sorted(p.name for p in (RELEASE / TD1).iterdir() if not p.name.startswith("."))
    assert sorted(p.name for p in (bundle / TD1).iterdir()) == release
    for name in release:  # the release notebooks, unchanged
        assert (bundle / TD1 / name).read_bytes() == (RELEASE / TD1 / name).read_bytes(), name
    assert [p.name for p in (td1 / pub.ZIPS).iterdir()] == [f"{TD1}.zip"]


def test_every_td_is_published_with_one_zip_holding_its_folder(every_td):
    bundle = bundle_of(every_td)
    assert sorted(p.name for p in bundle.iterdir() if p.is_dir()) == ASSIGNMENTS
    assert sorted(p.name for p in (every_td / pub.ZIPS).iterdir()) == [f"{a}.zip" for a in ASSIGNMENTS]
    for assignment in ASSIGNMENTS:
        with zipfile.ZipFile(every_td / pub.ZIPS / f"{assignment}.zip") as zf:
            names = sorted(n for n in zf.namelist() if not n.endswith("/"))
        folder = bundle / assignment
        assert names == sorted(
            f"{assignment}/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*") if p.is_file()
        ), assignment
        assert any(n.endswith(".ipynb") for n in names), assignment


@pytest.mark.parametrize("fixture", ["td1", "every_td"])
def test_no_solution_and_no_hidden_test_of_the_source_reaches_the_students(fixture, request):
    out = request.getfixturevalue(fixture)
    published = sorted(p.name for p in bundle_of(out).iterdir() if p.is_dir())
    corpus = texts(out)
    leaks = []
    for assignment in published:
        lines = secret_lines(assignment)
        assert lines, f"{assignment}: no solution line found in source/ (the test reads nothing)"
        # Only in this TD's files (and the shared ones): a later TD may give an earlier one's solution as code.
        mine = {
            name: text
            for name, text in corpus.items()
            if f"/{assignment}/" in name or f":{assignment}/" in name or name.count("/") == 1
        }
        leaks += [(line, name) for line in lines for name, text in mine.items() if line in text]
    assert not leaks, leaks[:10]
    for name, text in corpus.items():
        for marker in ("### BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "hidden_test("):
            assert marker not in text, (name, marker)


@pytest.mark.parametrize("fixture", ["td1", "every_td"])
def test_nothing_mentions_the_grading_package(fixture, request):
    out = request.getfixturevalue(fixture)
    for name, text in texts(out).items():
        assert "autograde" not in name.lower()
        assert "autograde" not in text.lower(), name


def test_no_reference_code_only_the_mnist_loaders(every_td):
    files = bundle_files(every_td)
    python = [name for name in files if name.endswith(".py")]
    assert python and all(name.rsplit("/", 1)[-1] == "mnist.py" for name in python), python
    teacher = {
        p.read_bytes()
        for p in (REPO / "autograde").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.stat().st_size > 0
    }
    assert not [name for name, data in files.items() if data in teacher]


def test_the_bundled_loader_is_the_reference_code_without_the_teacher_note(every_td):
    reference = (REPO / "autograde" / "mnist.py").read_text(encoding="utf-8")
    code = [ast.dump(node) for node in ast.parse(reference).body[1:]]
    for path in bundle_of(every_td).glob("*/mnist.py"):
        text = path.read_text(encoding="utf-8")
        assert [ast.dump(node) for node in ast.parse(text).body[1:]] == code, path
        assert "load_mnist" in ast.get_docstring(ast.parse(text))


def test_without_teacher_notes_removes_the_docstring_paragraph_and_keeps_the_code():
    module = '"""Loader.\n\nSee ``autograde/x.py`` for the\nteacher copy.\n"""\nX = 1\n'
    assert pub.without_teacher_notes(module) == '"""Loader.\n"""\nX = 1\n'
    assert pub.without_teacher_notes("X = 1\n") == "X = 1\n"
    kept = '"""Loader."""\nX = "autograde"\n'  # in the code: left as is, for check_bundle to refuse
    assert pub.without_teacher_notes(kept) == kept


# --- the students' files ----------------------------------------------------------------------------------------


def test_readme_lists_every_td_and_its_notebooks(every_td):
    readme = (bundle_of(every_td) / "README.md").read_text(encoding="utf-8")
    for assignment in ASSIGNMENTS:
        assert f"`{assignment}/`" in readme
        for notebook in (RELEASE / assignment).glob("*.ipynb"):
            assert f"`{notebook.name}`" in readme, notebook
    for needed in (
        "conda env create -f environment.yml",
        "pip install",
        "jupyter lab",
        "Validate",
        "LMS",
        "auto-vérification",
        ".ipynb",
    ):
        assert needed in readme, needed


def test_readme_of_a_partial_bundle_lists_only_its_tds(td1):
    readme = (bundle_of(td1) / "README.md").read_text(encoding="utf-8")
    assert f"`{TD1}/`" in readme
    assert not [a for a in ASSIGNMENTS if a != TD1 and a in readme]
    assert "MNIST" not in readme


def test_environment_is_the_students_one(every_td):
    text = (bundle_of(every_td) / "environment.yml").read_text(encoding="utf-8")
    assert "autograde" not in text.lower()
    environment = yaml.safe_load(text)
    dependencies = environment["dependencies"]
    names = {re.split(r"[<>=!]", d)[0] for d in dependencies}
    assert names == {"python", "numpy", "scipy", "scikit-learn", "matplotlib", "jupyterlab", "nbgrader", "ipykernel"}
    assert "python=3.11" in dependencies and environment["name"] == pub.BUNDLE
    # The same pins as the course's environment.yml.
    course = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    assert not [d for d in dependencies if d not in course]


def load_bundled_mnist(td_folder: Path, monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)  # conftest points it at the repository's digits
    monkeypatch.chdir(td_folder)  # a notebook's kernel runs in the notebook's folder
    spec = importlib.util.spec_from_file_location(f"bundled_mnist_{td_folder.name}", td_folder / "mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_mnist(online=False)


def test_mnist_tds_find_the_bundled_digits_from_their_folder(every_td, monkeypatch, capsys):
    with_loader = sorted(p.parent for p in bundle_of(every_td).glob("*/mnist.py"))
    assert MNIST_TD in [p.name for p in with_loader]
    for folder in with_loader:
        images, labels = load_bundled_mnist(folder, monkeypatch)
        assert images.shape == (10_000, 784) and labels.shape == (10_000,), folder.name
        said = capsys.readouterr().out
        assert "dossier IDX" in said and str((folder / "data" / "mnist").resolve()) in said, said


def test_an_mnist_td_unzipped_alone_finds_its_digits(every_td, tmp_path, monkeypatch, capsys):
    with zipfile.ZipFile(every_td / pub.ZIPS / f"{MNIST_TD}.zip") as zf:
        zf.extractall(tmp_path)
    images, _ = load_bundled_mnist(tmp_path / MNIST_TD, monkeypatch)
    assert images.shape == (10_000, 784)
    assert "dossier IDX" in capsys.readouterr().out


# --- where it writes ---------------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_refuses_a_folder_it_did_not_make_and_leaves_it_alone(tmp_path):
    out = tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "cours.md").write_text("mes notes")
    with pytest.raises(pub.PublishError, match="not made by `autograde publish`"):
        pub.publish(REPO, out, [TD1])
    assert snapshot(out) == {"notes/cours.md": b"mes notes"}
    assert sorted(p.name for p in out.iterdir()) == ["notes"]


def test_rebuilds_over_its_own_output_and_removes_what_is_no_longer_published(tmp_path):
    out = tmp_path / "out"
    pub.publish(REPO, out, [TD1, MNIST_TD])
    (bundle_of(out) / ".git").mkdir()  # the bundle folder made a clone of the public repository: kept
    (bundle_of(out) / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    pub.publish(REPO, out, [TD1])
    assert sorted(p.name for p in bundle_of(out).iterdir()) == sorted([".git", "README.md", TD1, "environment.yml"])
    assert [p.name for p in (out / pub.ZIPS).iterdir()] == [f"{TD1}.zip"]
    marker = json.loads((out / pub.MARKER).read_text())
    assert sorted(marker["files"]) == sorted(f for f in snapshot(out) if f != pub.MARKER and "/.git/" not in f)
    assert (bundle_of(out) / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"


def test_refuses_an_earlier_bundle_holding_foreign_files(tmp_path):
    out = tmp_path / "out"
    pub.publish(REPO, out, [TD1])
    (bundle_of(out) / TD1 / "mon_brouillon.txt").write_text("à moi")
    before = snapshot(out)
    with pytest.raises(pub.PublishError, match="mon_brouillon.txt"):
        pub.publish(REPO, out, [TD1])
    assert snapshot(out) == before


def test_refuses_an_unknown_assignment(tmp_path):
    with pytest.raises(pub.PublishError, match="td9_inconnu"):
        pub.publish(REPO, tmp_path / "out", ["td9_inconnu"])
    assert not (tmp_path / "out").exists()


def fake_course(root: Path, cell_source: str) -> Path:
    folder = root / "release" / "td1_faux"
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# TD faux"), nbformat.v4.new_code_cell(cell_source)]
    )
    nbformat.write(notebook, str(folder / "01_faux.ipynb"))
    return root


@pytest.mark.parametrize(
    "leak",
    [
        "### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
        "### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS",
        "hidden_test(f, cases=3)",
        "from AutoGrade.reference import neuron",
    ],
)
def test_safety_net_refuses_a_notebook_that_is_no_student_version(tmp_path, leak):
    course = fake_course(tmp_path / "course", leak)
    out = tmp_path / "out"
    with pytest.raises(pub.PublishError, match="01_faux.ipynb"):
        pub.publish(course, out)
    assert not out.exists()


def test_a_clean_fake_course_publishes(tmp_path):
    course = fake_course(tmp_path / "course", "def f(x):\n    # VOTRE CODE ICI\n    raise NotImplementedError()")
    out = pub.publish(course, tmp_path / "out")
    assert (bundle_of(out) / "td1_faux" / "01_faux.ipynb").is_file()
    assert "`td1_faux/`" in (bundle_of(out) / "README.md").read_text(encoding="utf-8")
