"""TD 5's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told. The class `Value` is graded in three cells; each
mistake of a sample student costs only the cell of the part of the class where it is."""
import importlib
import importlib.util

import pytest

from conftest import SUBMISSIONS, read

ASSIGNMENT = "td5_autograd"
pytestmark = pytest.mark.xdist_group("grading-td5")

FULL = {
    "01_graphe_de_calcul": {"test_hand_gradients": 2, "test_numerical_gradient": 2},
    "02_autograd": {"test_Value_arithmetic": 3, "test_Value_unary": 2, "test_Value_backward": 3},
}
ZERO = {notebook: {grade_id: 0 for grade_id in cells} for notebook, cells in FULL.items()}
TOTAL = sum(sum(cells.values()) for cells in FULL.values())

EXPECTED = {
    "alice_autre_style": FULL,
    "bob_intact": ZERO,
    # erreurs_k makes the k-th catalogued mistake of every graded function or part of the class.
    "erreurs_1": ZERO,
    "erreurs_2": ZERO,
    "erreurs_3": ZERO,
    # Only the arithmetic catalogue has a fourth mistake: the rest of erreurs_4's work is right.
    "erreurs_4": {**FULL, "02_autograd": {**FULL["02_autograd"], "test_Value_arithmetic": 0}},
}

# Where each catalogue is graded: (reference module, MISTAKES key) -> (notebook, graded cell, name in the message).
GRADED_IN = {
    ("computation_graph", "hand_gradients"): ("01_graphe_de_calcul", "test_hand_gradients", "`hand_gradients`"),
    ("computation_graph", "numerical_gradient"): ("01_graphe_de_calcul", "test_numerical_gradient",
                                                  "`numerical_gradient`"),
    ("autodiff", "Value/arithmetic"): ("02_autograd", "test_Value_arithmetic",
                                       "`Value` (opérations +, −, *, /, **)"),
    ("autodiff", "Value/unary"): ("02_autograd", "test_Value_unary", "`Value` (exp, tanh, relu)"),
    ("autodiff", "Value/backward"): ("02_autograd", "test_Value_backward", "`Value.backward`"),
}


def catalogue(module, key):
    return importlib.import_module(f"autograde.reference.{module}").MISTAKES[key]


def catalogued_mistakes():
    """(student, notebook, graded cell, name, mistake): the sample student making each catalogued mistake."""
    for (module, key), (notebook, grade_id, name) in GRADED_IN.items():
        for k, mistake in enumerate(catalogue(module, key), start=1):
            yield pytest.param(f"erreurs_{k}", notebook, grade_id, name, mistake, id=mistake.name)


@pytest.fixture(scope="module")
def td5(graded_class):
    return graded_class(ASSIGNMENT)


def test_every_sample_submission_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / ASSIGNMENT).iterdir() if p.is_dir()) == sorted(EXPECTED)


def test_every_catalogue_of_td5_is_graded_in_a_cell():
    from autograde.checks import autodiff, computation_graph

    checks = {(module.__name__.rsplit(".", 1)[1], name[len("check_"):])
              for module in (computation_graph, autodiff) for name in dir(module) if name.startswith("check_")}
    assert {(module, key.replace("/", "_")) for module, key in GRADED_IN} == checks


def test_there_is_one_mistake_student_per_rank_of_the_largest_catalogue():
    largest = max(len(catalogue(module, key)) for module, key in GRADED_IN)
    assert sorted(s for s in EXPECTED if s.startswith("erreurs_")) == [f"erreurs_{k}" for k in range(1, largest + 1)]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(td5, student):
    assert td5.scores(student) == EXPECTED[student]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_lost_point_has_a_message(td5, student):
    for row in td5.rows:
        if row.student == student:
            assert (row.score < row.max_score) == bool(row.message), row


@pytest.mark.parametrize("student, notebook, grade_id, name, mistake", list(catalogued_mistakes()))
def test_each_catalogued_mistake_is_named_to_the_sample_student_making_it(td5, student, notebook, grade_id,
                                                                          name, mistake):
    row = td5.row(student, notebook, grade_id)
    assert row.score == 0, row
    assert f"{name} — erreur reconnue : {mistake.explanation}" in row.message.splitlines(), row.message


def test_untouched_release_is_told_what_is_not_written(td5):
    assert td5.row("bob_intact", "01_graphe_de_calcul", "test_hand_gradients").message == \
        "`hand_gradients` n'est pas encore écrite (NotImplementedError)."
    assert td5.row("bob_intact", "02_autograd", "test_Value_backward").message == \
        "`Value.backward` : pas encore écrit (NotImplementedError)."


def test_sample_submissions_are_what_the_builder_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_samples", SUBMISSIONS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = build.build(ASSIGNMENT, tmp_path)
    assert fresh
    for path in fresh:
        committed = SUBMISSIONS / path.relative_to(tmp_path)
        assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py"


def test_grade_table_totals(td5):
    from autograde.pipeline import grade_table

    table = grade_table(td5.rows).splitlines()
    totals = {line.split()[0]: line.split()[-1] for line in table[2:]}
    assert totals == {student: f"{sum(sum(c.values()) for c in cells.values()):g}/{TOTAL}"
                      for student, cells in EXPECTED.items()}
