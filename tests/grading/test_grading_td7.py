"""TD 7's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py)."""

from conftest import SUBMISSIONS, read
from grading_suite import GradingSuite, but, load_module, mistakes_of, zero

FULL = {
    "01_initialisation_regularisation": {"test_init_params": 2, "test_dropout": 2, "test_l2_penalty": 2},
    "02_frontieres_moons": {"test_grid_points": 2},
}
# The written answers, graded by hand: He's variance derived, the regularisations read on the validation curves,
# what the hidden layer makes of the moons and what H and λ change to the boundary.
MANUAL = {
    "01_initialisation_regularisation": {"reponse_initialisation": 3, "reponse_regularisation": 3},
    "02_frontieres_moons": {"reponse_representation_cachee": 1, "reponse_choix_hyperparametres": 2},
}


class TestTD7(GradingSuite):
    ASSIGNMENT = "td7_regularisation"
    FULL = FULL
    MANUAL = MANUAL
    TOTAL = 17  # 8 automatic points + 9 graded by hand
    EXPECTED = {
        # Automatic points only (MANUAL's written answers are 0 for everyone until a teacher grades them).
        "alice_boucles": FULL,
        # bob_intact hands in the release untouched; erreurs_1..3 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3"], zero(FULL)),
        # Only init_params and grid_points have a fourth catalogued mistake: erreurs_4's dropout and l2_penalty are right.
        "erreurs_4": but(zero(FULL), test_dropout=2, test_l2_penalty=2),
    }
    MISTAKE_STUDENTS = sorted(s for s in EXPECTED if s.startswith("erreurs_"))
    GRADED_IN = {
        **{
            f"td7.initialisation_regularisation.{name}": ("01_initialisation_regularisation", f"test_{name}")
            for name in ("init_params", "dropout", "l2_penalty")
        },
        "td7.frontieres_moons.grid_points": ("02_frontieres_moons", "test_grid_points"),
    }

    def test_the_samples_prove_the_whole_catalogue(self, graded):
        """The (function, mistake) pairs named to a sample student who lost the cell are exactly the catalogue."""
        proven = set()
        for check_id, (notebook, grade_id) in self.GRADED_IN.items():
            function = check_id.rsplit(".", 1)[1]
            for student in self.EXPECTED:
                row = graded.row(student, notebook, grade_id)
                lines = row.message.splitlines()
                proven |= {
                    (function, mistake.name)
                    for mistake in mistakes_of(check_id)
                    if row.score == 0 and f"`{function}` — erreur reconnue : {mistake.explanation}" in lines
                }
        catalogue = {
            (check_id.rsplit(".", 1)[1], mistake.name)
            for check_id in self.GRADED_IN
            for mistake in mistakes_of(check_id)
        }
        assert proven == catalogue

    def test_mistake_students_write_alices_code_where_they_make_no_mistake(self):
        """erreurs_k's answer for a function differs from alice's exactly when that function has a k-th mistake;
        every student copies alice's best_setting of TD 3 (not graded here)."""
        samples = load_module(SUBMISSIONS / f"{self.ASSIGNMENT}.py", "samples_td7")
        alice = samples.STUDENTS["alice_boucles"]
        for student in self.MISTAKE_STUDENTS:
            k = int(student.rsplit("_", 1)[1])
            answers = samples.STUDENTS[student]
            assert (
                answers["01_initialisation_regularisation"]["best_setting"]
                == alice["01_initialisation_regularisation"]["best_setting"]
            )
            for check_id, (notebook, _) in self.GRADED_IN.items():
                function = check_id.rsplit(".", 1)[1]
                answer = answers[notebook][function]
                assert (answer != alice[notebook][function]) == (len(mistakes_of(check_id)) >= k), (student, function)
                assert "autograde" not in answer, (student, function)

    def test_cells_without_a_kth_mistake_are_right(self, graded):
        """erreurs_k's graded cells whose function has fewer than k mistakes: full marks, no message."""
        for check_id, (notebook, grade_id) in self.GRADED_IN.items():
            for k in range(len(mistakes_of(check_id)) + 1, len(self.MISTAKE_STUDENTS) + 1):
                row = graded.row(f"erreurs_{k}", notebook, grade_id)
                assert row.score == row.max_score and not row.message, row

    def test_untouched_release_is_told_the_functions_are_not_written(self, graded):
        for notebook, cells in FULL.items():
            for grade_id in cells:
                message = graded.row("bob_intact", notebook, grade_id).message
                assert "n'est pas encore écrite (NotImplementedError)" in message, (grade_id, message)

    def test_the_selection_runs_on_the_students_own_best_setting(self, graded):
        """alice's notebook reaches the end: her best_setting chooses, and the test set is read once."""
        notebook = read(
            graded.course / "autograded" / "alice_boucles" / self.ASSIGNMENT / "01_initialisation_regularisation.ipynb"
        )
        [final] = [cell for cell in notebook.cells if cell.get("id") == "final"]
        text = "".join(o.get("text", "") for o in final.outputs)
        assert "époques : exactitude d'entraînement" in text and "de test" in text, text
