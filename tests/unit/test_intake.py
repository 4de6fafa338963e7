"""The intake of submissions, on small notebooks: what is refused, what is repaired, what is said."""

import copy
import json
import logging

import nbformat
import pytest
from conftest import RELEASE
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.utils import compute_checksum, is_locked

from autograde.course import INTAKE, before_autograde
from autograde.intake import FLAG_PREFIX, MAX_JSON_DEPTH, SET_ASIDE_SUFFIX, read_submission, repair, take_in, tampering


def graded(grade_id, source="", **meta):
    return new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "schema_version": 3, **meta}})


def release():
    return new_notebook(
        cells=[
            graded("imports", "import numpy as np", locked=True),
            graded("loss", "raise NotImplementedError()", solution=True),
            graded("test_loss", "assert loss(1) == 1", grade=True, locked=True, points=2),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id", c.source) for c in nb.cells]


def test_unreadable_files_are_refused_with_the_reason(tmp_path):
    cases = {
        "vide.ipynb": b"  \n",
        "tronque.ipynb": b'{"cells": [',
        "liste.ipynb": b"[1, 2]",
        "sans_cellules.ipynb": b'{"metadata": {}}',
    }
    reasons = {}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        nb, reasons[name] = read_submission(tmp_path / name)
        assert nb is None
    assert "est vide" in reasons["vide.ipynb"]
    assert "JSON invalide" in reasons["tronque.ipynb"]
    assert (
        "pas un notebook Jupyter" in reasons["liste.ipynb"]
        and "pas un notebook Jupyter" in reasons["sans_cellules.ipynb"]
    )


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
    nb.cells[1].source = (
        "import sys\nsys.modules['autograde'] = None\nnp.isclose = lambda *a, **k: True\n"
        "x = np.zeros(3)\nif np.all(x == 0): pass\nnp.random.seed(0)"
    )
    assert tampering(nb) == ["sys.modules['autograde'] = None", "np.isclose = lambda *a, **k: True"]
    nb.cells[0].source = "import builtins"  # a locked cell of the release is not the student's
    assert len(tampering(nb)) == 2


def test_a_one_line_change_replaces_exactly_one_line():
    from conftest import SUBMISSIONS
    from grading_suite import load_module

    build = load_module(SUBMISSIONS / "build.py", "build_samples")
    answer = "def f(x):\n    y = x + 1\n    return y\n"
    assert build.one_line_change(answer, "y = x + 1", "y = x - 1") == "def f(x):\n    y = x - 1\n    return y\n"
    with pytest.raises(ValueError, match="exactly one line"):
        build.one_line_change(answer, "z = 2", "z = 3")


# --------------------------------------------------- what nbgrader would drop, on the real release of TD 1
TD1 = "td1_neurone_regression"
LINEAR = "02_regression_lineaire"


def td1(name=LINEAR):
    return nbformat.read(RELEASE / TD1 / f"{name}.ipynb", as_version=4)


def td1_releases():
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted((RELEASE / TD1).glob("*.ipynb"))}


def cell(nb, grade_id):
    [found] = [
        c
        for c in nb.cells
        if isinstance(c.metadata.get("nbgrader"), dict) and c.metadata.nbgrader.get("grade_id") == grade_id
    ]
    return found


def nested(depth: int) -> bytes:
    return b'{"cells": ' + b"[" * depth + b"]" * depth + b"}"


def tampered(nb=None):
    """TD 1's linear regression (``nb``: with answers) as a student who has read nbgrader's code might hand it in."""
    nb = nb or td1()
    cell(nb, "test_gradient").metadata.nbgrader["solution"] = True  # a locked test cell as "their answer"
    cell(nb, "test_gradient").source += "\n# rien à tester ici"
    cell(nb, "test_loss").metadata.nbgrader["points"] = 30
    cell(nb, "test_train").metadata.nbgrader["schema_version"] = 4  # nbgrader would stop its whole run
    cell(nb, "imports").source = "import numpy as np"
    nb.cells.insert(
        3,
        new_code_cell(
            "print('bonus')",
            metadata={
                "nbgrader": {
                    "grade": True,
                    "solution": False,
                    "locked": False,
                    "grade_id": "bonus",
                    "points": 100,
                    "schema_version": 3,
                }
            },
        ),
    )
    nb.cells.insert(4, new_code_cell("x = 1", metadata={"nbgrader": {"grade": True, "points": 5}}))
    nb.cells.insert(5, new_code_cell("y = 2", metadata={"nbgrader": "n'importe quoi"}))
    nb.cells.insert(6, new_code_cell("z = 3", metadata={"nbgrader": {"grade_id": ["pas", "une", "chaîne"]}}))
    answer = cell(nb, "reponse_gradient")
    nb.cells[nb.cells.index(answer)] = new_code_cell("# ma réponse", metadata=copy.deepcopy(answer.metadata))
    return nb


def test_forged_nbgrader_metadata_is_replaced_by_the_releases():
    nb, release = tampered(), td1()
    with pytest.raises(Exception):  # noqa: B017 - what nbgrader's own check of the metadata says today
        MetadataValidator().validate_nb(nbformat.from_dict(copy.deepcopy(nb)))
    notes = repair(nb, release)
    MetadataValidator().validate_nb(nb)
    released = {c.metadata.nbgrader["grade_id"]: c for c in release.cells if "nbgrader" in c.metadata}
    graded = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    assert list(graded) == list(released), "the foreign graded cells are ordinary cells now"
    for grade_id, mine in graded.items():
        assert mine.metadata.nbgrader == released[grade_id].metadata.nbgrader, grade_id
        assert mine.cell_type == released[grade_id].cell_type, grade_id
        if is_locked(released[grade_id]):  # nbgrader's checksum of a locked cell is the release's again
            assert (
                mine.source == released[grade_id].source and compute_checksum(mine) == mine.metadata.nbgrader.checksum
            )
    assert graded["reponse_gradient"].source == "# ma réponse", "an answer keeps what the student wrote"
    assert [c.source for c in nb.cells if c.source in ("print('bonus')", "x = 1", "y = 2", "z = 3")] == [
        "print('bonus')",
        "x = 1",
        "y = 2",
        "z = 3",
    ], "the student's code stays, ungraded"
    flagged = [n for n in notes if n.startswith(FLAG_PREFIX)]
    assert [n for n in notes if n not in flagged] == [
        "La cellule « imports », verrouillée, avait été modifiée : celle de l'énoncé a été remise.",
        "La cellule « test_gradient », verrouillée, avait été modifiée : celle de l'énoncé a été remise.",
        "Les métadonnées nbgrader de la cellule « test_train » ont été remises comme dans l'énoncé.",
    ]
    assert len(flagged) == 7, flagged  # 3 cells of the release, 4 foreign ones
    assert any("« test_gradient »" in n and "solution : oui au lieu de non" in n for n in flagged)
    assert any("« test_loss »" in n and "points : 30 au lieu de 2" in n for n in flagged)
    assert any("« reponse_gradient »" in n and "type : code au lieu de markdown" in n for n in flagged)
    assert any("« bonus »" in n and "n'est pas notée" in n for n in flagged)
    assert sum("sans identifiant" in n for n in flagged) == 2, "no grade_id, and metadata that is no mapping"


def test_an_untouched_notebook_is_not_repaired():
    for name, release in td1_releases().items():
        nb = copy.deepcopy(release)
        assert repair(nb, release) == [] and nb == release, name


@pytest.mark.parametrize(
    "content, reason",
    [
        (nested(100_000), f"JSON imbriqué sur plus de {MAX_JSON_DEPTH} niveaux"),  # json.loads: RecursionError
        (
            nested(MAX_JSON_DEPTH + 1),
            f"JSON imbriqué sur plus de {MAX_JSON_DEPTH} niveaux",
        ),  # read, then too deep for nbgrader
        (b"\xff\xfe{}", "JSON invalide"),
    ],
)
def test_a_notebook_nested_too_deep_or_undecodable_is_refused(tmp_path, content, reason):
    (tmp_path / "nb.ipynb").write_bytes(content)
    nb, why = read_submission(tmp_path / "nb.ipynb")
    assert nb is None and reason in why


def test_a_notebook_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADE_MAX_NOTEBOOK_MB", "1")
    nb = td1()
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="x" * 2**21)]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    assert read_submission(tmp_path / "nb.ipynb") == (
        None,
        (
            "Le fichier nb.ipynb fait 2.0 Mio, plus que la limite de 1 Mio d'un notebook : il n'a pas été corrigé. "
            "Effacez les sorties volumineuses (Édition → Effacer les sorties) et rendez-le à nouveau."
        ),
    )


def submitted(tmp_path, files: dict[str, bytes]):
    """A course folder as nbgrader's hook sees it: the release, and one student's submitted notebooks."""
    release = tmp_path / "course" / "release" / TD1
    release.mkdir(parents=True)
    for path in (RELEASE / TD1).glob("*.ipynb"):
        (release / path.name).write_bytes(path.read_bytes())
    folder = tmp_path / "course" / "submitted" / "eleve" / TD1
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder, [str(folder / name) for name in sorted(files)]


def test_the_hook_sets_aside_the_notebook_it_cannot_take_and_hands_nbgrader_the_others(tmp_path, monkeypatch):
    good = nbformat.writes(td1("01_neurone")).encode()
    folder, notebooks = submitted(
        tmp_path,
        {
            "01_neurone.ipynb": good,
            f"{LINEAR}.ipynb": nested(100_000),
            "03_regression_logistique.ipynb": nbformat.writes(td1("03_regression_logistique")).encode(),
        },
    )
    from autograde import intake

    real = intake.repair

    def repair_that_breaks_on_03(nb, release):  # any failure inside the repair of one notebook
        if any(c.metadata.get("nbgrader", {}).get("grade_id") == "test_predict" for c in release.cells):
            raise MemoryError("plus de mémoire")
        return real(nb, release)

    monkeypatch.setattr(intake, "repair", repair_that_breaks_on_03)
    before_autograde(TD1, "eleve", notebooks)
    assert notebooks == [str(folder / "01_neurone.ipynb")]
    assert sorted(p.name for p in folder.iterdir()) == [
        INTAKE,
        "01_neurone.ipynb",
        f"{LINEAR}.ipynb{SET_ASIDE_SUFFIX}",
        f"03_regression_logistique.ipynb{SET_ASIDE_SUFFIX}",
    ]
    notes = json.loads((folder / INTAKE).read_text(encoding="utf-8"))
    assert notes == {
        LINEAR: [
            f"Le fichier {LINEAR}.ipynb n'est pas un notebook lisible (JSON imbriqué sur plus de {MAX_JSON_DEPTH} "
            "niveaux) : il n'a pas été corrigé. Rendez le fichier .ipynb enregistré par JupyterLab."
        ],
        "03_regression_logistique": [
            "Le fichier 03_regression_logistique.ipynb n'a pas pu être préparé pour la "
            "correction (MemoryError : plus de mémoire) : il n'a pas été corrigé."
        ],
    }


def test_a_hook_that_cannot_work_says_so_loudly_and_leaves_nbgrader_the_notebooks(tmp_path, caplog):
    good = nbformat.writes(td1("01_neurone")).encode()
    folder, notebooks = submitted(tmp_path, {"01_neurone.ipynb": good, f"{LINEAR}.ipynb": good})
    (tmp_path / "course" / "release" / TD1 / "03_regression_logistique.ipynb").write_text("abîmé")  # the release itself
    given = list(notebooks)
    with caplog.at_level(logging.INFO):
        before_autograde(TD1, "eleve", notebooks)
    assert notebooks == given
    [line] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert line.levelno == logging.ERROR and "autograde intake FAILED" in line.getMessage()
    notes = json.loads((folder / INTAKE).read_text(encoding="utf-8"))
    assert sorted(notes) == ["01_neurone", LINEAR]  # the release cannot be read: the notebooks handed in
    for found in notes.values():
        assert found == [
            f"{FLAG_PREFIX} : la réception de la copie a échoué (NotJSONError) ; les notebooks ont été "
            "corrigés tels quels, sans vérification ni réparation."
        ]


# ------------------------------------------------------------------------------------- graded end to end
@pytest.mark.slow
def test_tampering_and_a_deep_notebook_cost_their_authors_only_what_they_broke(tmp_path):
    """Two students of TD 1 through nbgrader: one forges nbgrader's metadata beside correct answers,
    the other hands in a notebook of 100,000 nested brackets beside a correct one."""
    from conftest import REPO, SUBMISSIONS
    from grading.test_grading_robustness import ALL, NEURONE, scores
    from grading_suite import load_module

    from autograde import pipeline

    build = load_module(SUBMISSIONS / "build.py", "build_samples")
    answers = load_module(SUBMISSIONS / f"{TD1}.py", "td1_samples").ALICE
    submissions = tmp_path / "copies"
    for name, release in td1_releases().items():
        nb = build.fill(release, answers[name])
        if name == LINEAR:
            nb = tampered(nb)
        (submissions / "faussaire").mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, submissions / "faussaire" / f"{name}.ipynb")
    (submissions / "json_profond").mkdir()
    nbformat.write(build.fill(td1(NEURONE), answers[NEURONE]), submissions / "json_profond" / f"{NEURONE}.ipynb")
    (submissions / "json_profond" / f"{LINEAR}.ipynb").write_bytes(nested(100_000))

    run = pipeline.grade(TD1, submissions, tmp_path / "course", REPO, cell_timeout=30, jobs=1)
    table = {}
    for row in run.rows:
        if not row.manual:
            table.setdefault(row.student, {}).setdefault(row.notebook, {})[row.grade_id] = (row.score, row.max_score)
    full = {nb: {c: (p, p) for c, p in cells.items()} for nb, cells in scores(ALL).items()}
    assert table["faussaire"] == full, "every correct cell keeps its points, at the release's maximum"
    assert table["json_profond"] == {
        nb: {c: (p, full[nb][c][1]) for c, p in cells.items()} for nb, cells in scores((NEURONE,)).items()
    }
    assert run.failed == []
    deep = [r for r in run.rows if r.student == "json_profond" and r.notebook == LINEAR and not r.manual]
    assert deep and all("JSON imbriqué" in r.message for r in deep)
    notes = run.course.intake_notes(TD1)
    assert sum(n.startswith(FLAG_PREFIX) for n in notes["faussaire"][LINEAR]) == 7
