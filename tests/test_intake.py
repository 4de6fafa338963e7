"""The intake of submissions, on small notebooks: what is refused, what is repaired, what is said."""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde.intake import read_submission, repair, take_in, tampering


def graded(grade_id, source="", **meta):
    return new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "schema_version": 3, **meta}})


def release():
    return new_notebook(
        cells=[graded("imports", "import numpy as np", locked=True), graded("loss", "raise NotImplementedError()",
               solution=True), graded("test_loss", "assert loss(1) == 1", grade=True, locked=True, points=2)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id", c.source) for c in nb.cells]


def test_unreadable_files_are_refused_with_the_reason(tmp_path):
    cases = {"vide.ipynb": b"  \n", "tronque.ipynb": b'{"cells": [', "liste.ipynb": b"[1, 2]",
             "sans_cellules.ipynb": b'{"metadata": {}}'}
    reasons = {}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        nb, reasons[name] = read_submission(tmp_path / name)
        assert nb is None
    assert "est vide" in reasons["vide.ipynb"]
    assert "JSON invalide" in reasons["tronque.ipynb"]
    assert "pas un notebook Jupyter" in reasons["liste.ipynb"] and "pas un notebook Jupyter" in reasons["sans_cellules.ipynb"]


def test_a_deleted_test_comes_back_in_its_place_and_a_moved_cell_goes_back():
    nb = release()
    own = new_markdown_cell("mes notes")
    nb.cells = [nb.cells[2], nb.cells[1], own, nb.cells[0]]  # test first, then the answer and a note, imports last
    notes = repair(nb, release())
    assert ids(nb) == ["imports", "loss", "mes notes", "test_loss"]
    assert notes == ["L'ordre des cellules de l'énoncé a été rétabli avant la correction."]

    nb = release()
    del nb.cells[2]
    assert repair(nb, release()) == ["Cellule(s) supprimée(s) remise(s) depuis l'énoncé : « test_loss »."]
    assert ids(nb) == ["imports", "loss", "test_loss"] and nb.cells[2].source == "assert loss(1) == 1"


def test_a_copied_graded_cell_is_graded_once_and_a_foreign_kernel_is_replaced():
    nb = release()
    nb.cells.append(nbformat.from_dict(nb.cells[2]))
    nb.metadata["kernelspec"] = {"name": "conda-env-perso", "display_name": "perso", "language": "python"}
    notes = repair(nb, release())
    assert [i for i in ids(nb) if i == "test_loss"] == ["test_loss"] and len(nb.cells) == 4
    assert "nbgrader" not in nb.cells[3].metadata
    assert nb.metadata.kernelspec.name == "python3"
    assert any("conda-env-perso" in n for n in notes) and any("deux fois" in n for n in notes)


def test_a_notebook_saved_under_another_name_is_recognised(tmp_path):
    nbformat.write(release(), tmp_path / "01_td (1).ipynb")
    notes = take_in(tmp_path, {"01_td": release()})
    assert (tmp_path / "01_td.ipynb").exists() and not (tmp_path / "01_td (1).ipynb").exists()
    assert "« 01_td (1).ipynb » a été corrigé comme 01_td.ipynb" in notes["01_td"][0]


def test_an_unreadable_notebook_is_set_aside_so_nbgrader_sees_it_missing(tmp_path):
    (tmp_path / "01_td.ipynb").write_text("{ pas du json")
    notes = take_in(tmp_path, {"01_td": release()})
    assert not (tmp_path / "01_td.ipynb").exists() and (tmp_path / "01_td.ipynb.illisible").exists()
    assert "JSON invalide" in notes["01_td"][0]


def test_code_reaching_for_the_grader_is_flagged_and_ordinary_code_is_not():
    nb = release()
    nb.cells[1].source = "import sys\nsys.modules['autograde'] = None\nnp.isclose = lambda *a, **k: True\n" \
                         "x = np.zeros(3)\nif np.all(x == 0): pass\nnp.random.seed(0)"
    assert tampering(nb) == ["sys.modules['autograde'] = None", "np.isclose = lambda *a, **k: True"]
    nb.cells[0].source = "import builtins"  # a locked cell of the release is not the student's
    assert len(tampering(nb)) == 2


def test_a_one_line_change_replaces_exactly_one_line():
    from grading_suite import load_module
    from conftest import SUBMISSIONS

    build = load_module(SUBMISSIONS / "build.py", "build_samples")
    answer = "def f(x):\n    y = x + 1\n    return y\n"
    assert build.one_line_change(answer, "y = x + 1", "y = x - 1") == "def f(x):\n    y = x - 1\n    return y\n"
    import pytest

    with pytest.raises(ValueError, match="exactly one line"):
        build.one_line_change(answer, "z = 2", "z = 3")
