"""TD 6's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told."""
import csv
import importlib.util

import pytest

from autograde.reference import mlp, moons
from conftest import SUBMISSIONS, read

ASSIGNMENT = "td6_mlp_mnist"
pytestmark = pytest.mark.xdist_group("grading-td6")

FULL = {
    "01_mlp_numpy": {"test_init_params": 2, "test_dropout": 2, "test_forward": 3, "test_loss": 2,
                     "test_backward": 4, "test_train": 3},
    "02_frontieres_moons": {"test_grid_points": 2},
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
    # dropout has three catalogued mistakes: erreurs_4's dropout is right.
    "erreurs_4": {**ZERO, "01_mlp_numpy": {**ZERO["01_mlp_numpy"], "test_dropout": 2}},
    # Only backward and train have a fifth catalogued mistake, only backward a sixth. erreurs_5 and
    # erreurs_6 do not hand in 02_frontieres_moons (no such mistake there): "non rendu", 0.
    "erreurs_5": but(**{"01_mlp_numpy__test_backward": 0, "01_mlp_numpy__test_train": 0,
                        "02_frontieres_moons__test_grid_points": 0}),
    "erreurs_6": but(**{"01_mlp_numpy__test_backward": 0, "02_frontieres_moons__test_grid_points": 0}),
}
MISTAKE_STUDENTS = sorted(s for s in EXPECTED if s.startswith("erreurs_"))
NOT_HANDED_IN = {("erreurs_5", "02_frontieres_moons"), ("erreurs_6", "02_frontieres_moons")}

# Where each graded function of TD 6 is graded: (reference module, MISTAKES key) -> (notebook, graded cell).
GRADED_IN = {
    **{("mlp", name): ("01_mlp_numpy", f"test_{name}")
       for name in ("init_params", "dropout", "forward", "loss", "backward", "train")},
    ("moons", "grid_points"): ("02_frontieres_moons", "test_grid_points"),
}


def mistakes_of(module, function):
    return {"mlp": mlp, "moons": moons}[module].MISTAKES[function]


def catalogued_mistakes():
    """(student, notebook, graded cell, function, mistake): the sample student making each catalogued mistake."""
    for (module, function), (notebook, grade_id) in GRADED_IN.items():
        for k, mistake in enumerate(mistakes_of(module, function), start=1):
            yield pytest.param(f"erreurs_{k}", notebook, grade_id, function, mistake, id=mistake.name)


@pytest.fixture(scope="module")
def td6(graded_class):
    return graded_class(ASSIGNMENT)


def test_every_sample_submission_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / ASSIGNMENT).iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(td6, student):
    assert td6.scores(student) == EXPECTED[student]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_lost_point_has_a_message(td6, student):
    for row in td6.rows:
        if row.student == student:
            assert (row.score < row.max_score) == bool(row.message), row


def test_every_graded_function_of_td6_has_its_catalogue_of_mistakes():
    from autograde.checks import mlp as mlp_checks
    from autograde.checks import moons as moons_checks

    checks = {(module.__name__.rsplit(".", 1)[1], name[len("check_"):])
              for module in (mlp_checks, moons_checks) for name in dir(module)
              if name.startswith("check_") and name != "check_against_reference"}
    assert set(GRADED_IN) == checks
    assert {(notebook, grade_id) for notebook, grade_id in GRADED_IN.values()} == \
        {(notebook, grade_id) for notebook, cells in FULL.items() for grade_id in cells}
    for module, function in GRADED_IN:
        assert len(mistakes_of(module, function)) >= 3


def test_there_is_one_mistake_student_per_rank_of_the_largest_catalogue():
    largest = max(len(mistakes_of(module, function)) for module, function in GRADED_IN)
    assert sorted(s for s in EXPECTED if s.startswith("erreurs_")) == [f"erreurs_{k}" for k in range(1, largest + 1)]


def test_the_samples_prove_the_whole_catalogue(td6):
    """The (function, mistake) pairs named to a sample student who lost the cell are exactly the catalogue."""
    proven = set()
    for (module, function), (notebook, grade_id) in GRADED_IN.items():
        for student in EXPECTED:
            row = td6.row(student, notebook, grade_id)
            lines = row.message.splitlines()
            proven |= {(function, mistake.name) for mistake in mistakes_of(module, function)
                       if row.score == 0 and f"`{function}` — erreur reconnue : {mistake.explanation}" in lines}
    catalogue = {(function, mistake.name) for module, function in GRADED_IN for mistake in mistakes_of(module, function)}
    assert proven == catalogue


def test_mistake_students_write_alices_code_where_they_make_no_mistake():
    """erreurs_k's answer for a function differs from alice's exactly when that function has a k-th mistake."""
    spec = importlib.util.spec_from_file_location("samples_td6", SUBMISSIONS / f"{ASSIGNMENT}.py")
    samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(samples)
    alice = samples.STUDENTS["alice_boucles"]
    for student in MISTAKE_STUDENTS:
        k = int(student.rsplit("_", 1)[1])
        for (module, function), (notebook, _) in GRADED_IN.items():
            if (student, notebook) in NOT_HANDED_IN:
                assert notebook not in samples.STUDENTS[student]
                continue
            answer = samples.STUDENTS[student][notebook][function]
            assert (answer != alice[notebook][function]) == (len(mistakes_of(module, function)) >= k), \
                (student, function)
            assert "autograde" not in answer, (student, function)


@pytest.mark.parametrize("student, notebook, grade_id, function, mistake", list(catalogued_mistakes()))
def test_each_catalogued_mistake_is_named_to_the_sample_student_making_it(td6, student, notebook, grade_id,
                                                                          function, mistake):
    row = td6.row(student, notebook, grade_id)
    assert row.score == 0, row
    assert f"`{function}` — erreur reconnue : {mistake.explanation}" in row.message.splitlines(), row.message


def test_cells_without_a_kth_mistake_are_right_or_not_handed_in(td6):
    """erreurs_k's graded cells whose function has fewer than k mistakes: full marks, or 'non rendu'."""
    for (module, function), (notebook, grade_id) in GRADED_IN.items():
        for k in range(len(mistakes_of(module, function)) + 1, len(MISTAKE_STUDENTS) + 1):
            row = td6.row(f"erreurs_{k}", notebook, grade_id)
            if (f"erreurs_{k}", notebook) in NOT_HANDED_IN:
                assert row.score == 0 and row.message == f"Notebook {notebook}.ipynb non rendu.", row
            else:
                assert row.score == row.max_score and not row.message, row


def test_untouched_release_is_told_the_functions_are_not_written(td6):
    for notebook, cells in FULL.items():
        for grade_id in cells:
            message = td6.row("bob_intact", notebook, grade_id).message
            assert "n'est pas encore écrite (NotImplementedError)" in message, (grade_id, message)


def test_correct_train_is_also_judged_on_a_full_training(td6):
    graded = read(td6.course / "autograded" / "alice_boucles" / ASSIGNMENT / "01_mlp_numpy.ipynb")
    cell = [c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_train"][0]
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "✔ `train` : 3 cas vérifiés, tous corrects. Entraînement complet sur load_digits" in text


def test_exported_grades(td6):
    with open(td6.course / "grades.csv", newline="") as handle:
        rows = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
    for student, table in EXPECTED.items():
        row = rows[(student, ASSIGNMENT)]
        assert float(row["score"]) == sum(sum(cells.values()) for cells in table.values())
        assert float(row["max_score"]) == TOTAL


def test_sample_submissions_are_what_the_builder_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_samples", SUBMISSIONS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = build.build(ASSIGNMENT, tmp_path)
    assert fresh
    for path in fresh:
        committed = SUBMISSIONS / path.relative_to(tmp_path)
        assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py"
