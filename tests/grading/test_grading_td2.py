"""TD 2's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py)."""

import html

from grading_suite import GradingSuite, but, mistakes_of, zero

FULL = {
    "01_descente_1d": {"test_f": 1, "test_df": 2, "test_gradient_descent": 3},
    "02_mini_lots": {"test_iterate_minibatches": 3, "test_train_minibatch": 3},
}
# The written answers, graded by hand: f' derived, the first three iterates computed, the learning rate η and the
# starting point interpreted, and what the size of a mini-lot changes.
MANUAL = {
    "01_descente_1d": {"reponse_derivee": 1, "reponse_iterations": 1, "reponse_pas": 2, "reponse_initialisation": 2},
    "02_mini_lots": {"reponse_taille_lot": 2},
}


class TestTD2(GradingSuite):
    ASSIGNMENT = "td2_descente_gradient"
    FULL = FULL
    MANUAL = MANUAL
    TOTAL = 20  # 12 automatic points + 8 graded by hand
    EXPECTED = {
        "alice_boucles": FULL,
        # Automatic points only (MANUAL's written answers are 0 for everyone until a teacher grades them).
        # bob_intact hands in the release untouched; erreurs_1..3 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3"], zero(FULL)),
        # f has three catalogued mistakes: erreurs_4's f is right.
        "erreurs_4": but(zero(FULL), test_f=1),
        # Only train_minibatch has a fifth and a sixth catalogued mistake.
        "erreurs_5": but(FULL, test_train_minibatch=0),
        "erreurs_6": but(FULL, test_train_minibatch=0),
    }
    GRADED_IN = {
        **{f"td2.descente_1d.{name}": ("01_descente_1d", f"test_{name}") for name in ("f", "df", "gradient_descent")},
        **{
            f"td2.mini_lots.{name}": ("02_mini_lots", f"test_{name}")
            for name in ("iterate_minibatches", "train_minibatch")
        },
    }

    def test_untouched_release_is_told_the_functions_are_not_written(self, graded):
        for notebook, cells in FULL.items():
            for grade_id in cells:
                function = grade_id[len("test_") :]
                assert (
                    graded.row("bob_intact", notebook, grade_id).message
                    == f"`{function}` n'est pas encore écrite (NotImplementedError)."
                )

    def test_a_mistake_is_named_in_the_feedback_too(self, graded):
        mistake = mistakes_of("td2.mini_lots.iterate_minibatches")[2]  # x and y shuffled by two permutations
        feedback = html.unescape(graded.feedback_html("erreurs_3", self.ASSIGNMENT, "02_mini_lots"))
        assert mistake.explanation in feedback

    def test_train_minibatch_is_judged_alone(self, graded):
        """erreurs_1..4 also break iterate_minibatches; train_minibatch's message only names its own mistake."""
        for k in range(1, 5):
            message = graded.row(f"erreurs_{k}", "02_mini_lots", "test_train_minibatch").message
            assert message.startswith("`train_minibatch` — erreur reconnue : ")
            assert "iterate_minibatches" not in message
