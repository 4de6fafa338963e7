"""TD 1's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told."""
import csv
import html
import importlib
import importlib.util

import pytest

from conftest import SUBMISSIONS, read

ASSIGNMENT = "td1_neurone_regression"
pytestmark = pytest.mark.xdist_group("grading-td1")

FULL = {
    "01_neurone": {"test_activations": 2, "test_neuron": 2},
    "02_regression_lineaire": {"test_loss": 2, "test_gradient": 3, "test_train": 3},
    "03_regression_logistique": {"test_loss": 2, "test_gradient": 3, "test_train": 3, "test_predict": 1},
}


def but(**zeros):
    """FULL with the named cells (notebook__grade_id=0) at the given score."""
    table = {notebook: dict(cells) for notebook, cells in FULL.items()}
    for key, score in zeros.items():
        notebook, grade_id = key.split("__")
        table[notebook][grade_id] = score
    return table


EXPECTED = {
    "alice_boucles": FULL,
    "bob_intact": {notebook: {grade_id: 0 for grade_id in cells} for notebook, cells in FULL.items()},
    # Only the gradient's points: train is judged with the reference gradient.
    "chloe_gradient_faux": but(**{"02_regression_lineaire__test_gradient": 0}),
    "david_erreurs": but(**{"02_regression_lineaire__test_train": 0, "03_regression_logistique__test_predict": 0}),
    # The endless loop is interrupted; gradient is never defined, the cells after it are graded.
    "emma_boucle_infinie": but(**{"02_regression_lineaire__test_gradient": 0}),
    # erreurs_k makes the k-th catalogued mistake of every function that has k of them (test below).
    "erreurs_1": {notebook: {grade_id: 0 for grade_id in cells} for notebook, cells in FULL.items()},
    "erreurs_2": {notebook: {grade_id: 0 for grade_id in cells} for notebook, cells in FULL.items()},
    "erreurs_3": {notebook: {grade_id: 0 for grade_id in cells} for notebook, cells in FULL.items()},
    # Mistakes in id only (not neuron), in the losses and the gradients; train and predict are right.
    "erreurs_4": but(**{"01_neurone__test_activations": 0, "02_regression_lineaire__test_loss": 0,
                        "02_regression_lineaire__test_gradient": 0, "03_regression_logistique__test_loss": 0,
                        "03_regression_logistique__test_gradient": 0}),
    # Only the linear-regression gradient has a fifth catalogued mistake.
    "erreurs_5": but(**{"02_regression_lineaire__test_gradient": 0}),
}

# Where each graded function of TD 1 is graded: (reference module, MISTAKES key) -> (notebook, graded cell).
GRADED_IN = {
    **{("neuron", name): ("01_neurone", "test_activations") for name in ("id", "sigmoid", "relu", "tanh")},
    ("neuron", "neuron"): ("01_neurone", "test_neuron"),
    **{("linear_regression", name): ("02_regression_lineaire", f"test_{name}") for name in ("loss", "gradient", "train")},
    **{("logistic_regression", name): ("03_regression_logistique", f"test_{name}")
       for name in ("loss", "gradient", "train", "predict")},
}


def catalogued_mistakes():
    """(student, notebook, graded cell, function, mistake): the sample student making each catalogued mistake."""
    for (module, function), (notebook, grade_id) in GRADED_IN.items():
        mistakes = importlib.import_module(f"autograde.reference.{module}").MISTAKES[function]
        for k, mistake in enumerate(mistakes, start=1):
            yield pytest.param(f"erreurs_{k}", notebook, grade_id, function, mistake, id=mistake.name)


@pytest.fixture(scope="module")
def td1(graded_class):
    return graded_class(ASSIGNMENT, cell_timeout=15)


def test_every_sample_submission_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / ASSIGNMENT).iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(td1, student):
    assert td1.scores(student) == EXPECTED[student]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_lost_point_has_a_message(td1, student):
    for row in td1.rows:
        if row.student == student:
            assert (row.score < row.max_score) == bool(row.message), row


def test_untouched_release_is_told_the_functions_are_not_written(td1):
    row = td1.row("bob_intact", "02_regression_lineaire", "test_loss")
    assert row.message == "`loss` n'est pas encore écrite (NotImplementedError)."


def test_wrong_gradient_is_named_in_the_message_and_the_feedback(td1):
    message = td1.row("chloe_gradient_faux", "02_regression_lineaire", "test_gradient").message
    assert "erreur reconnue : le signe est inversé" in message
    feedback = html.unescape(td1.feedback_html("chloe_gradient_faux", ASSIGNMENT, "02_regression_lineaire"))
    assert "erreur reconnue : le signe est inversé" in feedback


def test_every_graded_function_of_td1_has_its_catalogue_of_mistakes():
    from autograde.checks import linear_regression, logistic_regression, neuron

    checks = {(module.__name__.rsplit(".", 1)[1], name[len("check_"):])
              for module in (neuron, linear_regression, logistic_regression)
              for name in dir(module) if name.startswith("check_")}
    assert set(GRADED_IN) == checks
    for module, function in GRADED_IN:
        assert len(importlib.import_module(f"autograde.reference.{module}").MISTAKES[function]) >= 3


def test_there_is_one_mistake_student_per_rank_of_the_largest_catalogue():
    largest = max(len(importlib.import_module(f"autograde.reference.{module}").MISTAKES[function])
                  for module, function in GRADED_IN)
    assert sorted(s for s in EXPECTED if s.startswith("erreurs_")) == sorted(f"erreurs_{k}" for k in range(1, largest + 1))


@pytest.mark.parametrize("student, notebook, grade_id, function, mistake", list(catalogued_mistakes()))
def test_each_catalogued_mistake_is_named_to_the_sample_student_making_it(td1, student, notebook, grade_id,
                                                                          function, mistake):
    row = td1.row(student, notebook, grade_id)
    assert row.score == 0, row
    assert f"`{function}` — erreur reconnue : {mistake.explanation}" in row.message.splitlines(), row.message


def test_exception_in_train_is_reported_with_its_case(td1):
    message = td1.row("david_erreurs", "02_regression_lineaire", "test_train").message
    assert message.startswith("`train` a levé IndexError: list assignment index out of range — cas 1/3")


def test_unknown_mistake_shows_expected_and_obtained(td1):
    message = td1.row("david_erreurs", "03_regression_logistique", "test_predict").message
    assert message.startswith("`predict` est incorrecte — cas ")
    assert "attendu" in message and "obtenu" in message and "forme" in message


def test_infinite_loop_is_interrupted_and_the_rest_is_graded(td1):
    message = td1.row("emma_boucle_infinie", "02_regression_lineaire", "test_gradient").message
    assert "`gradient` est introuvable" in message
    assert "la limite de temps a interrompu la cellule « gradient »" in message
    graded = read(td1.course / "autograded" / "emma_boucle_infinie" / ASSIGNMENT / "02_regression_lineaire.ipynb")
    looping = [c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "gradient"][0]
    assert [o.ename for o in looping.outputs if o.output_type == "error"], "the endless cell was interrupted"


def test_exported_grades(td1):
    with open(td1.course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert {student: float(rows[student]["score"]) for student in EXPECTED} == {
        student: float(sum(sum(cells.values()) for cells in table.values())) for student, table in EXPECTED.items()}
    assert all(float(rows[s]["max_score"]) == 21 for s in EXPECTED)


def test_sample_submissions_are_what_the_builder_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_samples", SUBMISSIONS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = build.build(ASSIGNMENT, tmp_path)
    assert fresh
    for path in fresh:
        committed = SUBMISSIONS / path.relative_to(tmp_path)
        assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py"


def test_grade_table_shows_every_student_with_the_total(td1):
    from autograde.pipeline import grade_table, lost_points

    table = grade_table(td1.rows).splitlines()
    assert table[0].split() == ["étudiant", *FULL, "total"]
    totals = {line.split()[0]: line.split()[-1] for line in table[2:]}
    assert totals == {student: f"{sum(sum(c.values()) for c in cells.values()):g}/21"
                      for student, cells in EXPECTED.items()}
    lines = lost_points(td1.rows).splitlines()
    assert len(lines) == sum(1 for r in td1.rows if r.score < r.max_score)
    assert any(line.startswith("chloe_gradient_faux · 02_regression_lineaire · test_gradient (0/3) : ") for line in lines)
