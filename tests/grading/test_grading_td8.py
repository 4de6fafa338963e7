"""TD 8's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py)."""

from conftest import SUBMISSIONS
from grading_suite import GradingSuite, but, load_module, mistakes_of, zero

FULL = {
    "01_optimiseurs": {
        "test_sgd_momentum_step": 3,
        "test_adam_step": 4,
        "test_step_decay": 2,
        "test_optimize": 3,
        "test_train": 5,
    },
    "02_regularisation_mnist": {"test_soft_threshold": 3, "test_fit_penalized": 4},
}


MANUAL = {
    "01_optimiseurs": {"reponse_zigzag": 2, "reponse_courbes": 3},
    "02_regularisation_mnist": {"reponse_l1_l2": 3},
}


class TestTD8(GradingSuite):
    ASSIGNMENT = "td8_optimiseurs"
    FULL = FULL
    MANUAL = MANUAL
    TOTAL = 32  # 24 automatic points + 8 graded by hand
    EXPECTED = {
        "alice_boucles": FULL,
        # Automatic points only (the written answers are 0 for everyone until a teacher grades them).
        # bob_intact hands in the release untouched; erreurs_1..3 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3"], zero(FULL)),
        # optimize and train are judged with the reference steps: chloe's wrong steps cost their own cells only.
        "chloe_pas_faux": but(FULL, test_sgd_momentum_step=0, test_adam_step=0),
        # optimize has three catalogued mistakes: erreurs_4 writes it right.
        "erreurs_4": but(zero(FULL), test_optimize=3),
        # step_decay, optimize and soft_threshold have fewer than five catalogued mistakes.
        "erreurs_5": but(zero(FULL), test_step_decay=2, test_optimize=3, test_soft_threshold=3),
    }
    MISTAKE_STUDENTS = sorted(s for s in EXPECTED if s.startswith("erreurs_"))
    GRADED_IN = {
        **{
            f"td8.optimiseurs.{name}": ("01_optimiseurs", f"test_{name}")
            for name in ("sgd_momentum_step", "adam_step", "step_decay", "optimize", "train")
        },
        **{
            f"td8.regularisation_mnist.{name}": ("02_regularisation_mnist", f"test_{name}")
            for name in ("soft_threshold", "fit_penalized")
        },
    }

    def test_mistake_students_write_alices_code_where_they_make_no_mistake(self):
        """erreurs_k's answer for a function differs from alice's exactly when that function has a k-th mistake."""
        samples = load_module(SUBMISSIONS / f"{self.ASSIGNMENT}.py", "samples_td8")
        alice = samples.STUDENTS["alice_boucles"]
        for student in self.MISTAKE_STUDENTS:
            k = int(student.rsplit("_", 1)[1])
            for check_id, (notebook, _) in self.GRADED_IN.items():
                function = check_id.rsplit(".", 1)[1]
                answer = samples.STUDENTS[student][notebook][function]
                assert (answer != alice[notebook][function]) == (len(mistakes_of(check_id)) >= k), (student, function)
            for notebook in FULL:
                assert samples.STUDENTS[student][notebook]["best_setting"] == alice[notebook]["best_setting"]

    def test_untouched_release_is_told_the_functions_are_not_written(self, graded):
        for notebook, cells in FULL.items():
            for grade_id in cells:
                message = graded.row("bob_intact", notebook, grade_id).message
                assert "n'est pas encore écrite (NotImplementedError)" in message, (grade_id, message)

    def test_optimize_and_train_are_judged_with_the_reference_steps(self, graded):
        for grade_id in ("test_optimize", "test_train"):
            row = graded.row("chloe_pas_faux", "01_optimiseurs", grade_id)
            assert row.score == row.max_score and not row.message, row
        message = graded.row("chloe_pas_faux", "01_optimiseurs", "test_sgd_momentum_step").message
        assert "erreur reconnue : θ avance dans le sens de la vitesse" in message

    def test_the_written_answers_wait_for_the_teacher_unless_left_empty(self, graded):
        for notebook, answers in MANUAL.items():
            for grade_id in answers:
                assert graded.row("alice_boucles", notebook, grade_id).message == "à corriger à la main"
                bob = graded.row("bob_intact", notebook, grade_id)
                assert bob.score == 0 and bob.message != "à corriger à la main", bob
