"""TD 2's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told."""
import csv
import html
import importlib
import importlib.util

import pytest

from conftest import SUBMISSIONS, read

ASSIGNMENT = "td2_descente_gradient"
pytestmark = pytest.mark.xdist_group("grading-td2")

FULL = {
    "01_descente_1d": {"test_f": 1, "test_df": 2, "test_gradient_descent": 3},
    "02_mini_batchs": {"test_iterate_minibatches": 3, "test_train_minibatch": 3},
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
    "alice_boucles": FULL,
    "bob_intact": ZERO,
    # erreurs_k makes the k-th catalogued mistake of every function that has k of them (test below).
    "erreurs_1": ZERO,
    "erreurs_2": ZERO,
    "erreurs_3": ZERO,
    # f has three catalogued mistakes: erreurs_4's f is right.
    "erreurs_4": {**ZERO, "01_descente_1d": {"test_f": 1, "test_df": 0, "test_gradient_descent": 0}},
    # Only train_minibatch has a fifth and a sixth catalogued mistake.
    "erreurs_5": but(**{"02_mini_batchs__test_train_minibatch": 0}),
    "erreurs_6": but(**{"02_mini_batchs__test_train_minibatch": 0}),
}

# Where each graded function of TD 2 is graded: (reference module, MISTAKES key) -> (notebook, graded cell).
GRADED_IN = {
    **{("gradient_descent", name): ("01_descente_1d", f"test_{name}") for name in ("f", "df", "gradient_descent")},
    **{("minibatch", name): ("02_mini_batchs", f"test_{name}") for name in ("iterate_minibatches", "train_minibatch")},
}


def mistakes_of(module, function):
    return importlib.import_module(f"autograde.reference.{module}").MISTAKES[function]


def catalogued_mistakes():
    """(student, notebook, graded cell, function, mistake): the sample student making each catalogued mistake."""
    for (module, function), (notebook, grade_id) in GRADED_IN.items():
        for k, mistake in enumerate(mistakes_of(module, function), start=1):
            yield pytest.param(f"erreurs_{k}", notebook, grade_id, function, mistake, id=mistake.name)


@pytest.fixture(scope="module")
def td2(graded_class):
    return graded_class(ASSIGNMENT)


def test_every_sample_submission_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / ASSIGNMENT).iterdir() if p.is_dir()) == sorted(EXPECTED)


def test_every_graded_function_of_td2_has_its_catalogue_of_mistakes():
    from autograde.checks import gradient_descent, minibatch

    checks = {(module.__name__.rsplit(".", 1)[1], name[len("check_"):])
              for module in (gradient_descent, minibatch) for name in dir(module) if name.startswith("check_")}
    assert set(GRADED_IN) == checks
    for module, function in GRADED_IN:
        assert len(mistakes_of(module, function)) >= 3


def test_there_is_one_mistake_student_per_rank_of_the_largest_catalogue():
    largest = max(len(mistakes_of(module, function)) for module, function in GRADED_IN)
    assert sorted(s for s in EXPECTED if s.startswith("erreurs_")) == [f"erreurs_{k}" for k in range(1, largest + 1)]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(td2, student):
    assert td2.scores(student) == EXPECTED[student]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_lost_point_has_a_message(td2, student):
    for row in td2.rows:
        if row.student == student:
            assert (row.score < row.max_score) == bool(row.message), row


@pytest.mark.parametrize("student, notebook, grade_id, function, mistake", list(catalogued_mistakes()))
def test_each_catalogued_mistake_is_named_to_the_sample_student_making_it(td2, student, notebook, grade_id,
                                                                          function, mistake):
    row = td2.row(student, notebook, grade_id)
    assert row.score == 0, row
    assert f"`{function}` — erreur reconnue : {mistake.explanation}" in row.message.splitlines(), row.message


def test_untouched_release_is_told_the_functions_are_not_written(td2):
    for notebook, cells in FULL.items():
        for grade_id in cells:
            function = grade_id[len("test_"):]
            assert td2.row("bob_intact", notebook, grade_id).message == \
                f"`{function}` n'est pas encore écrite (NotImplementedError)."


def test_a_mistake_is_named_in_the_feedback_too(td2):
    mistake = mistakes_of("minibatch", "iterate_minibatches")[2]  # x and y shuffled by two permutations
    feedback = html.unescape(td2.feedback_html("erreurs_3", ASSIGNMENT, "02_mini_batchs"))
    assert mistake.explanation in feedback


def test_train_minibatch_is_judged_alone(td2):
    """erreurs_1..4 also break iterate_minibatches; train_minibatch's message only names its own mistake."""
    for k in range(1, 5):
        message = td2.row(f"erreurs_{k}", "02_mini_batchs", "test_train_minibatch").message
        assert message.startswith("`train_minibatch` — erreur reconnue : ")
        assert "iterate_minibatches" not in message


def test_exported_grades(td2):
    with open(td2.course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert {student: float(rows[student]["score"]) for student in EXPECTED} == {
        student: float(sum(sum(cells.values()) for cells in table.values())) for student, table in EXPECTED.items()}
    assert all(float(rows[s]["max_score"]) == TOTAL for s in EXPECTED)


def test_sample_submissions_are_what_the_builder_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_samples", SUBMISSIONS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = build.build(ASSIGNMENT, tmp_path)
    assert fresh
    for path in fresh:
        committed = SUBMISSIONS / path.relative_to(tmp_path)
        assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py"


def test_grade_table_shows_every_student_with_the_total(td2):
    from autograde.pipeline import grade_table

    table = grade_table(td2.rows).splitlines()
    assert table[0].split() == ["étudiant", *FULL, "total"]
    totals = {line.split()[0]: line.split()[-1] for line in table[2:]}
    assert totals == {student: f"{sum(sum(c.values()) for c in cells.values()):g}/{TOTAL}"
                      for student, cells in EXPECTED.items()}
