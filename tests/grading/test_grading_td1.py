"""TD 1's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py)."""

import html

from grading_suite import GradingSuite, but, zero

FULL = {
    "01_neurone": {"test_activations": 2, "test_neuron": 2},
    "02_regression_lineaire": {"test_loss": 2, "test_gradient": 3, "test_train": 3},
    "03_regression_logistique": {
        "test_predict_proba": 1,
        "test_loss": 2,
        "test_gradient": 3,
        "test_train": 3,
        "test_predict": 1,
    },
}
# The written answers, graded by hand: the elements of the neuron named, the two gradients derived (MSE, BCE),
# the learning rate η, and what the sigmoid neuron computes.
MANUAL = {
    "01_neurone": {"reponse_elements": 1},
    "02_regression_lineaire": {"reponse_gradient": 2, "reponse_pas_apprentissage": 1},
    "03_regression_logistique": {"reponse_expressions": 1, "reponse_gradient": 2},
}


class TestTD1(GradingSuite):
    ASSIGNMENT = "td1_neurone_regression"
    FULL = FULL
    MANUAL = MANUAL
    TOTAL = 29  # 22 automatic points + 7 graded by hand
    EXPECTED = {
        "alice_boucles": FULL,
        # Automatic points only (MANUAL's written answers are 0 for everyone until a teacher grades them).
        # bob_intact hands in the release untouched; erreurs_1..3 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3"], zero(FULL)),
        # Only the gradient's points: train is judged with the reference gradient.
        "chloe_gradient_faux": but(FULL, **{"02_regression_lineaire__test_gradient": 0}),
        "david_erreurs": but(
            FULL, **{"02_regression_lineaire__test_train": 0, "03_regression_logistique__test_predict": 0}
        ),
        # The endless loop is interrupted; gradient is never defined, the cells after it are graded.
        "emma_boucle_infinie": but(FULL, **{"02_regression_lineaire__test_gradient": 0}),
        # Mistakes in id only (not neuron), in the losses and the gradients; train and predict are right.
        "erreurs_4": but(
            FULL,
            **{
                "01_neurone__test_activations": 0,
                "02_regression_lineaire__test_loss": 0,
                "02_regression_lineaire__test_gradient": 0,
                "03_regression_logistique__test_loss": 0,
                "03_regression_logistique__test_gradient": 0,
            },
        ),
        # Only the linear-regression gradient has a fifth catalogued mistake.
        "erreurs_5": but(FULL, **{"02_regression_lineaire__test_gradient": 0}),
    }
    GRADED_IN = {
        **{f"td1.neurone.{name}": ("01_neurone", "test_activations") for name in ("id", "sigmoid", "relu", "tanh")},
        "td1.neurone.neuron": ("01_neurone", "test_neuron"),
        **{
            f"td1.regression_lineaire.{name}": ("02_regression_lineaire", f"test_{name}")
            for name in ("loss", "gradient", "train")
        },
        **{
            f"td1.regression_logistique.{name}": ("03_regression_logistique", f"test_{name}")
            for name in ("predict_proba", "loss", "gradient", "train", "predict")
        },
    }
    CELL_TIMEOUT = 15  # keeps the endless loop cheap: every correct cell is fast

    def test_untouched_release_is_told_the_functions_are_not_written(self, graded):
        row = graded.row("bob_intact", "02_regression_lineaire", "test_loss")
        assert row.message == "`loss` n'est pas encore écrite (NotImplementedError)."

    def test_wrong_gradient_is_named_in_the_message_and_the_feedback(self, graded):
        message = graded.row("chloe_gradient_faux", "02_regression_lineaire", "test_gradient").message
        assert "erreur reconnue : le signe est inversé" in message
        feedback = html.unescape(graded.feedback_html("chloe_gradient_faux", self.ASSIGNMENT, "02_regression_lineaire"))
        assert "erreur reconnue : le signe est inversé" in feedback

    def test_exception_in_train_is_reported_with_its_case(self, graded):
        message = graded.row("david_erreurs", "02_regression_lineaire", "test_train").message
        assert message.startswith("`train` a levé IndexError: list assignment index out of range — cas 1/3")

    def test_unknown_mistake_shows_expected_and_obtained(self, graded):
        message = graded.row("david_erreurs", "03_regression_logistique", "test_predict").message
        assert message.startswith("`predict` est incorrecte — cas ")
        assert "attendu" in message and "obtenu" in message and "forme" in message

    def test_infinite_loop_is_interrupted_and_the_rest_is_graded(self, graded):
        message = graded.row("emma_boucle_infinie", "02_regression_lineaire", "test_gradient").message
        assert "`gradient` est introuvable" in message
        assert "la limite de temps a interrompu la cellule « gradient »" in message
        looping = graded.autograded_cell("emma_boucle_infinie", self.ASSIGNMENT, "02_regression_lineaire", "gradient")
        assert [o.ename for o in looping.outputs if o.output_type == "error"], "the endless cell was interrupted"

    def test_lost_points_name_the_student_notebook_and_cell(self, graded):
        from autograde.pipeline import lost_points

        lines = lost_points(graded.rows).splitlines()
        assert any(
            line.startswith("chloe_gradient_faux · 02_regression_lineaire · test_gradient (0/3) : ") for line in lines
        )
