"""TD 4's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told."""
import csv
import html
import importlib
import importlib.util

import pytest

from conftest import SUBMISSIONS, read

ASSIGNMENT = "td4_retropropagation"
pytestmark = pytest.mark.xdist_group("grading-td4")

FULL = {
    "01_reseau_2_3_1": {"test_forward": 2, "test_count_parameters": 2, "test_backward": 4, "test_numerical_gradient": 2},
    "02_activations": {"test_derivees_sigmoide_tanh": 2, "test_derivees_relu": 2},
}
TOTAL = sum(sum(cells.values()) for cells in FULL.values())
ZERO = {notebook: {grade_id: 0 for grade_id in cells} for notebook, cells in FULL.items()}


def but(**scores):
    """FULL with the named cells (notebook__grade_id=score) at the given score."""
    table = {notebook: dict(cells) for notebook, cells in FULL.items()}
    for key, score in scores.items():
        notebook, grade_id = key.split("__")
        table[notebook][grade_id] = score
    return table


EXPECTED = {
    "lea_boucles": FULL,
    "bob_intact": ZERO,
    # erreurs_k makes the k-th catalogued mistake of every function that has k of them (test below).
    "erreurs_1": ZERO,
    "erreurs_2": ZERO,
    "erreurs_3": ZERO,
    # Fourth mistakes exist for forward, backward and leaky_relu_prime only.
    "erreurs_4": but(**{"01_reseau_2_3_1__test_forward": 0, "01_reseau_2_3_1__test_backward": 0,
                        "02_activations__test_derivees_relu": 0}),
    # Only backward has a fifth catalogued mistake.
    "erreurs_5": but(**{"01_reseau_2_3_1__test_backward": 0}),
}

# Where each graded function of TD 4 is graded: (reference module, MISTAKES key) -> (notebook, graded cell).
GRADED_IN = {
    **{("backprop", name): ("01_reseau_2_3_1", f"test_{name}")
       for name in ("forward", "count_parameters", "backward", "numerical_gradient")},
    ("activations", "sigmoid_prime"): ("02_activations", "test_derivees_sigmoide_tanh"),
    ("activations", "tanh_prime"): ("02_activations", "test_derivees_sigmoide_tanh"),
    ("activations", "relu_prime"): ("02_activations", "test_derivees_relu"),
    ("activations", "leaky_relu_prime"): ("02_activations", "test_derivees_relu"),
}


def catalogued_mistakes():
    """(student, notebook, graded cell, function, mistake): the sample student making each catalogued mistake."""
    for (module, function), (notebook, grade_id) in GRADED_IN.items():
        mistakes = importlib.import_module(f"autograde.reference.{module}").MISTAKES[function]
        for k, mistake in enumerate(mistakes, start=1):
            yield pytest.param(f"erreurs_{k}", notebook, grade_id, function, mistake, id=mistake.name)


@pytest.fixture(scope="module")
def td4(graded_class):
    return graded_class(ASSIGNMENT)


def test_every_sample_submission_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / ASSIGNMENT).iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(td4, student):
    assert td4.scores(student) == EXPECTED[student]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_lost_point_has_a_message(td4, student):
    for row in td4.rows:
        if row.student == student:
            assert (row.score < row.max_score) == bool(row.message), row


def test_untouched_release_is_told_the_functions_are_not_written(td4):
    assert td4.row("bob_intact", "01_reseau_2_3_1", "test_backward").message == \
        "`backward` n'est pas encore écrite (NotImplementedError)."
    message = td4.row("bob_intact", "02_activations", "test_derivees_relu").message
    assert message.splitlines() == ["`relu_prime` n'est pas encore écrite (NotImplementedError).",
                                    "`leaky_relu_prime` n'est pas encore écrite (NotImplementedError)."]


def test_every_graded_function_of_td4_has_its_catalogue_of_mistakes():
    from autograde.checks import activations, backprop

    checks = {(module.__name__.rsplit(".", 1)[1], name[len("check_"):])
              for module in (backprop, activations) for name in dir(module) if name.startswith("check_")}
    assert set(GRADED_IN) == checks
    for module, function in GRADED_IN:
        assert len(importlib.import_module(f"autograde.reference.{module}").MISTAKES[function]) >= 3


def test_there_is_one_mistake_student_per_rank_of_the_largest_catalogue():
    largest = max(len(importlib.import_module(f"autograde.reference.{module}").MISTAKES[function])
                  for module, function in GRADED_IN)
    assert sorted(s for s in EXPECTED if s.startswith("erreurs_")) == sorted(f"erreurs_{k}" for k in range(1, largest + 1))


@pytest.mark.parametrize("student, notebook, grade_id, function, mistake", list(catalogued_mistakes()))
def test_each_catalogued_mistake_is_named_to_the_sample_student_making_it(td4, student, notebook, grade_id,
                                                                          function, mistake):
    row = td4.row(student, notebook, grade_id)
    assert row.score == 0, row
    assert f"`{function}` — erreur reconnue : {mistake.explanation}" in row.message.splitlines(), row.message


def test_backward_is_judged_with_the_reference_forward(td4):
    """erreurs_4's backward calls its own forward, which forgets the hidden sigmoid: the message names
    backward's own mistake, computed from the right intermediates."""
    forward_message = td4.row("erreurs_4", "01_reseau_2_3_1", "test_forward").message
    assert forward_message.startswith("`forward` — erreur reconnue : la sigmoïde de la couche cachée est oubliée")
    message = td4.row("erreurs_4", "01_reseau_2_3_1", "test_backward").message
    assert message.startswith("`backward` — erreur reconnue : σ(z) est utilisée à la place de sa dérivée")


def test_one_wrong_derivative_costs_its_whole_cell_and_names_only_itself(td4):
    message = td4.row("erreurs_4", "02_activations", "test_derivees_relu").message
    assert message.splitlines() == [line for line in message.splitlines() if line.startswith("`leaky_relu_prime`")]


def test_mistake_is_named_in_the_feedback(td4):
    feedback = html.unescape(td4.feedback_html("erreurs_1", ASSIGNMENT, "01_reseau_2_3_1"))
    assert "erreur reconnue : les gradients des poids sont transposés" in feedback


def test_exported_grades(td4):
    with open(td4.course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert {student: float(rows[student]["score"]) for student in EXPECTED} == {
        student: float(sum(sum(cells.values()) for cells in table.values())) for student, table in EXPECTED.items()}
    assert all(float(rows[s]["max_score"]) == TOTAL == 14 for s in EXPECTED)


def test_sample_submissions_are_what_the_builder_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_samples", SUBMISSIONS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = build.build(ASSIGNMENT, tmp_path)
    assert fresh
    for path in fresh:
        committed = SUBMISSIONS / path.relative_to(tmp_path)
        assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py"


def test_grade_table_shows_every_student_with_the_total(td4):
    from autograde.pipeline import grade_table, lost_points

    table = grade_table(td4.rows).splitlines()
    assert table[0].split() == ["étudiant", *FULL, "total"]
    totals = {line.split()[0]: line.split()[-1] for line in table[2:]}
    assert totals == {student: f"{sum(sum(c.values()) for c in cells.values()):g}/{TOTAL}"
                      for student, cells in EXPECTED.items()}
    lines = lost_points(td4.rows).splitlines()
    assert len(lines) == sum(1 for r in td4.rows if r.score < r.max_score)
    assert any(line.startswith("erreurs_5 · 01_reseau_2_3_1 · test_backward (0/4) : ") for line in lines)
