"""TD 3's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py)."""

import html

from conftest import SUBMISSIONS
from grading_suite import GradingSuite, but, load_module, mistakes_of, zero

NOTEBOOK = "01_softmax_mnist"
FUNCTIONS = ("one_hot", "softmax", "cross_entropy", "gradient", "train", "accuracy", "best_setting")
FULL = {
    NOTEBOOK: {
        "test_one_hot": 1,
        "test_softmax": 2,
        "test_cross_entropy": 2,
        "test_gradient": 3,
        "test_train": 3,
        "test_accuracy": 1,
        "test_best_setting": 2,
    }
}
# The written answers, graded by hand: the stable softmax explained, the gradient derived, the curves and the
# setting chosen on the validation set.
MANUAL = {NOTEBOOK: {"reponse_stabilite": 1, "reponse_gradient": 3, "reponse_courbes": 2}}


class TestTD3(GradingSuite):
    ASSIGNMENT = "td3_mnist_softmax"
    FULL = FULL
    MANUAL = MANUAL
    WRITERS = ("alice_boucles", "erreurs_1")
    TOTAL = 20  # 14 automatic points + 6 graded by hand
    EXPECTED = {
        "alice_boucles": FULL,
        # Automatic points only (MANUAL's written answers are 0 for everyone until a teacher grades them).
        # bob_intact hands in the release untouched; erreurs_1..3 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3"], zero(FULL)),
        # one_hot has only three catalogued mistakes: erreurs_4 writes it right.
        "erreurs_4": but(
            FULL,
            test_softmax=0,
            test_cross_entropy=0,
            test_gradient=0,
            test_train=0,
            test_accuracy=0,
            test_best_setting=0,
        ),
        # Only train and best_setting have a fifth catalogued mistake.
        "erreurs_5": but(FULL, test_train=0, test_best_setting=0),
    }
    GRADED_IN = {f"td3.softmax_mnist.{function}": (NOTEBOOK, f"test_{function}") for function in FUNCTIONS}

    def test_mistake_students_write_every_catalogued_mistake(self):
        samples = load_module(SUBMISSIONS / f"{self.ASSIGNMENT}.py", "samples_td3")
        assert {f: len(samples.MISTAKES[f]) for f in FUNCTIONS} == {
            f: len(mistakes_of(f"td3.softmax_mnist.{f}")) for f in FUNCTIONS
        }

    def test_untouched_release_is_told_the_functions_are_not_written(self, graded):
        for function in FUNCTIONS:
            row = graded.row("bob_intact", NOTEBOOK, f"test_{function}")
            assert row.message == f"`{function}` n'est pas encore écrite (NotImplementedError).", row

    def test_unstable_softmax_is_named_in_the_feedback(self, graded):
        feedback = html.unescape(graded.feedback_html("erreurs_1", self.ASSIGNMENT, NOTEBOOK))
        assert "erreur reconnue : le maximum de chaque ligne n'est pas soustrait avant l'exponentielle" in feedback

    def test_a_correct_train_is_also_judged_on_a_full_training(self, graded):
        cell = graded.autograded_cell("alice_boucles", self.ASSIGNMENT, NOTEBOOK, "test_train")
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert (
            "✔ `train` : 3 cas vérifiés, tous corrects. Entraînement complet sur les chiffres 8×8 de load_digits"
            in text
        )

    def test_choosing_eta_before_the_epochs_is_named_in_the_feedback(self, graded):
        feedback = html.unescape(graded.feedback_html("erreurs_1", self.ASSIGNMENT, NOTEBOOK))
        assert "erreur reconnue : le pas renvoyé est celui de la plus petite perte après la dernière époque" in feedback
