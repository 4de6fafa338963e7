"""TD 3's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told."""
import csv
import html
import importlib.util

import pytest

from autograde.reference import softmax_regression as ref
from conftest import SUBMISSIONS, read

ASSIGNMENT = "td3_mnist_softmax"
NOTEBOOK = "01_softmax_mnist"
pytestmark = pytest.mark.xdist_group("grading-td3")

FULL = {NOTEBOOK: {"test_one_hot": 1, "test_softmax": 2, "test_cross_entropy": 2, "test_gradient": 3,
                   "test_train": 3, "test_accuracy": 1}}
TOTAL = sum(FULL[NOTEBOOK].values())
ZERO = {NOTEBOOK: {grade_id: 0 for grade_id in FULL[NOTEBOOK]}}


def but(**scores):
    """FULL with the named graded cells at the given score."""
    return {NOTEBOOK: {**FULL[NOTEBOOK], **scores}}


EXPECTED = {
    "alice_boucles": FULL,
    "bob_intact": ZERO,
    # erreurs_k makes the k-th catalogued mistake of every function that has k of them (test below).
    "erreurs_1": ZERO,
    "erreurs_2": ZERO,
    "erreurs_3": ZERO,
    # one_hot has only three catalogued mistakes: erreurs_4 writes it right.
    "erreurs_4": but(test_softmax=0, test_cross_entropy=0, test_gradient=0, test_train=0, test_accuracy=0),
    # Only train has a fifth catalogued mistake.
    "erreurs_5": but(test_train=0),
}

FUNCTIONS = ("one_hot", "softmax", "cross_entropy", "gradient", "train", "accuracy")


def load_samples():
    spec = importlib.util.spec_from_file_location("samples_td3", SUBMISSIONS / f"{ASSIGNMENT}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalogued_mistakes():
    """(student, function, mistake): the sample student making each catalogued mistake."""
    for function in FUNCTIONS:
        for k, mistake in enumerate(ref.MISTAKES[function], start=1):
            yield pytest.param(f"erreurs_{k}", function, mistake, id=mistake.name)


@pytest.fixture(scope="module")
def td3(graded_class):
    return graded_class(ASSIGNMENT)


def test_every_sample_submission_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / ASSIGNMENT).iterdir() if p.is_dir()) == sorted(EXPECTED)


def test_the_graded_functions_are_the_checked_ones_and_each_has_a_catalogue():
    from autograde.checks import softmax_regression as checks

    assert sorted(FUNCTIONS) == sorted(n[len("check_"):] for n in dir(checks) if n.startswith("check_"))
    assert sorted(f"test_{f}" for f in FUNCTIONS) == sorted(FULL[NOTEBOOK])
    assert all(len(ref.MISTAKES[f]) >= 3 for f in FUNCTIONS)


def test_mistake_students_write_every_catalogued_mistake():
    samples = load_samples()
    assert {f: len(samples.MISTAKES[f]) for f in FUNCTIONS} == {f: len(ref.MISTAKES[f]) for f in FUNCTIONS}
    largest = max(len(ref.MISTAKES[f]) for f in FUNCTIONS)
    assert sorted(s for s in EXPECTED if s.startswith("erreurs_")) == [f"erreurs_{k}" for k in range(1, largest + 1)]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(td3, student):
    assert td3.scores(student) == EXPECTED[student]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_lost_point_has_a_message(td3, student):
    for row in td3.rows:
        if row.student == student:
            assert (row.score < row.max_score) == bool(row.message), row


@pytest.mark.parametrize("student, function, mistake", list(catalogued_mistakes()))
def test_each_catalogued_mistake_is_named_to_the_sample_student_making_it(td3, student, function, mistake):
    row = td3.row(student, NOTEBOOK, f"test_{function}")
    assert row.score == 0, row
    assert f"`{function}` — erreur reconnue : {mistake.explanation}" in row.message.splitlines(), row.message


def test_untouched_release_is_told_the_functions_are_not_written(td3):
    for function in FUNCTIONS:
        row = td3.row("bob_intact", NOTEBOOK, f"test_{function}")
        assert row.message == f"`{function}` n'est pas encore écrite (NotImplementedError).", row


def test_unstable_softmax_is_named_in_the_feedback(td3):
    feedback = html.unescape(td3.feedback_html("erreurs_1", ASSIGNMENT, NOTEBOOK))
    assert "erreur reconnue : le maximum de chaque ligne n'est pas soustrait avant l'exponentielle" in feedback


def test_a_correct_train_is_also_judged_on_a_full_training(td3):
    graded = read(td3.course / "autograded" / "alice_boucles" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    cell = [c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_train"][0]
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "✔ `train` : 3 cas vérifiés, tous corrects. Entraînement complet sur les chiffres 8×8 de load_digits" in text


def test_exported_grades(td3):
    with open(td3.course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert {student: float(rows[student]["score"]) for student in EXPECTED} == {
        student: float(sum(table[NOTEBOOK].values())) for student, table in EXPECTED.items()}
    assert all(float(rows[s]["max_score"]) == TOTAL for s in EXPECTED)


def test_sample_submissions_are_what_the_builder_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_samples", SUBMISSIONS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = build.build(ASSIGNMENT, tmp_path)
    assert len(fresh) == len(EXPECTED)
    for path in fresh:
        committed = SUBMISSIONS / path.relative_to(tmp_path)
        assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py"
