"""Submissions that try to break the grader (tests/submissions/robustness.py), graded in one run
with a correct one: the exact score of every cell, the message of every zero, and what the
student gets back.

Known nbgrader failures this proves absent: a dead or endless kernel that loses the notebook or
leaves later tests passed (#427), no memory limit (#1429), hidden tests in the feedback (#917,
#1363), an ``__eq__`` that is always True passing (#1379), a patched traceback display hiding a
failure (PR #1324), no progress shown (#1456)."""

import json
import re

import pytest
from conftest import SUBMISSIONS
from grading_suite import HIDDEN

from autograde.pipeline import summary

NEURONE, LINEAR, LOGISTIC = "01_neurone", "02_regression_lineaire", "03_regression_logistique"
CELLS = {
    NEURONE: {"test_activations": 2, "test_neuron": 2},
    LINEAR: {"test_loss": 2, "test_gradient": 3, "test_train": 3},
    LOGISTIC: {"test_predict_proba": 1, "test_loss": 2, "test_gradient": 3, "test_train": 3, "test_predict": 1},
}
# The written answers, graded by hand: 0 for now, whatever the student wrote (tests/grading/test_grading_td1.py).
WRITTEN = {
    NEURONE: {"reponse_elements": 1},
    LINEAR: {"reponse_gradient": 2, "reponse_pas_apprentissage": 1},
    LOGISTIC: {"reponse_expressions": 1, "reponse_gradient": 2},
}


def scores(handed_in=(LINEAR,), **lost):
    """Full marks in the notebooks handed in, but the cells named ``notebook__cell=0``; 0 elsewhere."""
    table = {
        nb: {cell: (points if nb in handed_in else 0) for cell, points in cells.items()} for nb, cells in CELLS.items()
    }
    for key, score in lost.items():
        notebook, cell = key.split("__")
        table[notebook][cell] = score
    return table


ALL = (NEURONE, LINEAR, LOGISTIC)
GRADIENT_LOST = {f"{LINEAR}__test_gradient": 0}
EXPECTED = {
    "alice_correcte": scores(ALL),
    "boucle_dans_la_fonction": scores(**GRADIENT_LOST),
    "boucle_qui_resiste": scores(**GRADIENT_LOST),
    "memoire_sans_fin": scores(**GRADIENT_LOST),
    "noyau_tue": scores(ALL, **GRADIENT_LOST),
    "segfault": scores(**GRADIENT_LOST),
    "json_invalide": scores((NEURONE,)),
    "fichier_vide": scores(()),
    "test_supprime": scores(),
    "reponse_supprimee": scores(**GRADIENT_LOST),
    "cellules_deplacees": scores(),
    "autre_noyau": scores(),
    "fichier_renomme": scores(),
    "fonction_renommee": scores(**GRADIENT_LOST),
    "egalite_truquee": scores(**{f"{LINEAR}__test_loss": 0}),
    "nan": scores(**{f"{LINEAR}__test_loss": 0}),
    "liste": scores((NEURONE,), **{f"{NEURONE}__test_neuron": 0}),
    "mauvaise_forme": scores((NEURONE,), **{f"{NEURONE}__test_neuron": 0}),
    "million_de_lignes": scores(),
    "traceback_masque": scores(**GRADIENT_LOST),
    # numpy patched in the student's kernel: the checks compare in the grader's process, so the wrong
    # gradient loses its points; the patch is still flagged for the teacher at intake.
    "triche_numpy": scores(**GRADIENT_LOST),
}

# What the student is told for the cell that fails (a fragment of the message).
MESSAGES = {
    ("boucle_dans_la_fonction", LINEAR, "test_gradient"): "limite de temps (10 s)",
    ("boucle_qui_resiste", LINEAR, "test_gradient"): "`gradient` est introuvable",
    ("memoire_sans_fin", LINEAR, "test_gradient"): "MemoryError",
    ("noyau_tue", LINEAR, "test_gradient"): "Le noyau Python s'est arrêté pendant cette cellule",
    ("segfault", LINEAR, "test_gradient"): "Le noyau Python s'est arrêté pendant cette cellule",
    ("json_invalide", LINEAR, "test_loss"): "n'est pas un notebook lisible (JSON invalide",
    ("fichier_vide", LINEAR, "test_train"): "est vide",
    ("fichier_vide", NEURONE, "test_neuron"): "non rendu",
    ("reponse_supprimee", LINEAR, "test_gradient"): "n'est pas encore écrite",
    ("fonction_renommee", LINEAR, "test_gradient"): "`gradient_lineaire`",
    ("egalite_truquee", LINEAR, "test_loss"): "ToujoursEgal",
    ("nan", LINEAR, "test_loss"): "NaN",
    ("liste", NEURONE, "test_neuron"): "liste Python",
    ("mauvaise_forme", NEURONE, "test_neuron"): ", 1), la forme attendue est (",
    ("traceback_masque", LINEAR, "test_gradient"): "erreur reconnue : le signe est inversé",
}


@pytest.fixture(scope="module")
def batch(graded_class):
    # 10 s per cell: every correct cell of TD 1 takes well under a second. Two nbgrader processes
    # share the class and the gradebook, as a teacher's machine would by default.
    return graded_class("td1_neurone_regression", samples="robustness", cell_timeout=10, jobs=2)


def test_every_sample_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / "robustness").iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(batch, student):
    assert batch.scores(student) == EXPECTED[student]


def test_nothing_of_the_class_is_lost(batch):
    """A score for every graded cell of every student, and a message for every lost point."""
    graded_cells = sum(len(cells) for cells in CELLS.values()) + sum(len(cells) for cells in WRITTEN.values())
    assert len(batch.rows) == len(EXPECTED) * graded_cells
    for row in batch.rows:
        assert (row.score < row.max_score) == bool(row.message), row
        if row.manual:
            assert row.grade_id in WRITTEN[row.notebook] and row.score == 0, row


@pytest.mark.parametrize("student, notebook, cell", sorted(MESSAGES))
def test_the_message_says_what_went_wrong(batch, student, notebook, cell):
    assert MESSAGES[student, notebook, cell] in batch.row(student, notebook, cell).message


def test_the_cell_after_a_crash_is_graded_in_a_restarted_kernel(batch):
    graded = json.loads(
        (batch.course / "autograded" / "noyau_tue" / "td1_neurone_regression" / f"{LINEAR}.ipynb").read_text(
            encoding="utf-8"
        )
    )
    names = [o.get("ename") for c in graded["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "KernelDied" in names
    train = next(c for c in graded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_train")
    assert any("✔" in "".join(o.get("text", "")) for o in train["outputs"])


def test_a_million_printed_lines_are_cut_in_the_graded_notebook(batch):
    graded = json.loads(
        (batch.course / "autograded" / "million_de_lignes" / "td1_neurone_regression" / f"{LINEAR}.ipynb").read_text(
            encoding="utf-8"
        )
    )
    cell = next(c for c in graded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "gradient")
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    assert "ligne 0" in printed and printed.count("\n") <= 250


def test_repairs_and_refusals_are_written_down(batch):
    notes = batch.intake_notes("td1_neurone_regression")
    assert "mon-python" in notes["autre_noyau"][LINEAR][0]
    assert "ordre des cellules" in notes["cellules_deplacees"][LINEAR][0]
    assert "« test_gradient »" in notes["test_supprime"][LINEAR][0]
    assert "JSON invalide" in notes["json_invalide"][LINEAR][0]
    assert f"« {LINEAR} (1).ipynb » a été corrigé comme {LINEAR}.ipynb" in notes["fichier_renomme"][LINEAR][0]


def test_tampering_is_flagged_for_the_teacher(batch):
    notes = batch.intake_notes("td1_neurone_regression")
    assert "np.isclose = lambda" in notes["triche_numpy"][LINEAR][0]
    assert "showtraceback" in notes["traceback_masque"][LINEAR][0]
    flagged = {
        student
        for student, by_notebook in notes.items()
        for found in by_notebook.values()
        for note in found
        if note.startswith("⚠")
    }
    assert flagged == {"triche_numpy", "traceback_masque"}


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_feedback_shows_no_hidden_test(batch, student):
    pages = sorted((batch.course / "feedback" / student).rglob("*.html"))
    assert pages or student == "fichier_vide"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not HIDDEN.search(text), f"{page.name}: {HIDDEN.search(text).group(0)}"


def test_feedback_keeps_the_verdict(batch):
    text = batch.feedback_html("traceback_masque", "td1_neurone_regression", LINEAR)
    assert "erreur reconnue : le signe est inversé" in text and "tests cachés" in text


def test_progress_is_shown_while_the_class_is_graded(batch):
    students = sorted(EXPECTED)
    started = [
        re.match(r"\[(\d+)/(\d+) étudiants corrigés\] en cours : (\S+) · (\S+) · \d+:\d\d écoulées", line)
        for line in batch.progress[:-1]
    ]
    assert all(started), batch.progress
    # Every student with a readable notebook is seen, in each process's (sorted) order.
    assert sorted(set(m.group(3) for m in started)) == [s for s in students if s != "fichier_vide"]
    assert all(m.group(2) == str(len(students)) for m in started)
    done = [int(m.group(1)) for m in started]
    assert done == sorted(done) and done[-1] < len(students)
    assert re.fullmatch(
        rf"\[{len(students)}/{len(students)} étudiants corrigés\] en \d+:\d\d \(2 en parallèle\)", batch.progress[-1]
    )


def test_summary_gives_class_averages_and_the_commonest_mistake(batch):
    lines = {line.split("  ")[0]: line for line in summary(batch.rows).splitlines()}
    gradient = lines[f"{LINEAR} · test_gradient"]
    done = sum(EXPECTED[s][LINEAR]["test_gradient"] for s in EXPECTED) / len(EXPECTED)
    assert f"{done:.2f}/3" in gradient and "regression_lineaire.gradient/sign (1)" in gradient
    assert batch.row("traceback_masque", LINEAR, "test_gradient").mistakes == ("regression_lineaire.gradient/sign",)


def test_the_class_report_tells_refused_repaired_and_flagged_copies_apart(batch):
    from autograde.report import render

    page = render(batch.run.course, "td1_neurone_regression", batch.rows)
    kinds = dict(re.findall(rf"<tr><td>(\w+)</td><td>{LINEAR}</td><td>(?:<span class='warn'>)?(\w+)", page))
    assert kinds == {
        "autre_noyau": "réparé",
        "cellules_deplacees": "réparé",
        "fichier_renomme": "réparé",
        "reponse_supprimee": "réparé",
        "test_supprime": "réparé",
        "fichier_vide": "refusé",
        "json_invalide": "refusé",
        "triche_numpy": "signalé",
        "traceback_masque": "signalé",
    }
