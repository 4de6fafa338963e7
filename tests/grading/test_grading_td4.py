"""TD 4's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py)."""

import html

from grading_suite import GradingSuite, but, zero

FULL = {
    "01_reseau_2_3_1": {"test_forward": 2, "test_count_parameters": 2, "test_backward": 4, "test_gradient_check": 2},
    "02_activations": {"test_derivees_sigmoide_tanh": 2, "test_derivees_relu": 2},
}
# The written answers, graded by hand: the forward pass, the count of parameters and back-propagation derived in the
# 2 → 3 → 1 network; why a hidden activation must be non-linear, the derivatives of the activations, saturation and
# the vanishing gradient.
MANUAL = {
    "01_reseau_2_3_1": {"reponse_passe_avant": 1, "reponse_parametres": 1, "reponse_retropropagation": 3},
    "02_activations": {"reponse_non_lineaire": 2, "reponse_derivees": 2, "reponse_saturation": 2},
}


class TestTD4(GradingSuite):
    ASSIGNMENT = "td4_retropropagation"
    FULL = FULL
    MANUAL = MANUAL
    WRITERS = ("lea_boucles",)
    TOTAL = 25  # 14 automatic points + 11 graded by hand
    EXPECTED = {
        # Automatic points only (MANUAL's written answers are 0 for everyone until a teacher grades them).
        "lea_boucles": FULL,
        # bob_intact hands in the release untouched; erreurs_1..3 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3"], zero(FULL)),
        # Fourth mistakes exist for forward, backward, gradient_check and leaky_relu_prime only.
        "erreurs_4": but(FULL, test_forward=0, test_backward=0, test_gradient_check=0, test_derivees_relu=0),
        # Only backward and gradient_check have a fifth catalogued mistake.
        "erreurs_5": but(FULL, test_backward=0, test_gradient_check=0),
        # Only gradient_check has a sixth: h not passed on to the numerical gradient.
        "erreurs_6": but(FULL, test_gradient_check=0),
    }
    GRADED_IN = {
        **{
            f"td4.reseau_2_3_1.{name}": ("01_reseau_2_3_1", f"test_{name}")
            for name in ("forward", "count_parameters", "backward", "gradient_check")
        },
        **{
            f"td4.activations.{name}": ("02_activations", "test_derivees_sigmoide_tanh")
            for name in ("sigmoid_prime", "tanh_prime")
        },
        **{
            f"td4.activations.{name}": ("02_activations", "test_derivees_relu")
            for name in ("relu_prime", "leaky_relu_prime")
        },
    }

    def test_untouched_release_is_told_the_functions_are_not_written(self, graded):
        assert (
            graded.row("bob_intact", "01_reseau_2_3_1", "test_backward").message
            == "`backward` n'est pas encore écrite (NotImplementedError)."
        )
        message = graded.row("bob_intact", "02_activations", "test_derivees_relu").message
        assert message.splitlines() == [
            "`relu_prime` n'est pas encore écrite (NotImplementedError).",
            "`leaky_relu_prime` n'est pas encore écrite (NotImplementedError).",
        ]

    def test_backward_is_judged_with_the_reference_forward(self, graded):
        """erreurs_4's backward calls its own forward, which forgets the hidden sigmoid: the message names
        backward's own mistake, computed from the right intermediates."""
        forward_message = graded.row("erreurs_4", "01_reseau_2_3_1", "test_forward").message
        assert forward_message.startswith("`forward` — erreur reconnue : la sigmoïde de la couche cachée est oubliée")
        message = graded.row("erreurs_4", "01_reseau_2_3_1", "test_backward").message
        assert message.startswith("`backward` — erreur reconnue : σ(z) est utilisée à la place de sa dérivée")

    def test_one_wrong_derivative_costs_its_whole_cell_and_names_only_itself(self, graded):
        message = graded.row("erreurs_4", "02_activations", "test_derivees_relu").message
        assert message.splitlines() == [line for line in message.splitlines() if line.startswith("`leaky_relu_prime`")]

    def test_mistake_is_named_in_the_feedback(self, graded):
        feedback = html.unescape(graded.feedback_html("erreurs_1", self.ASSIGNMENT, "01_reseau_2_3_1"))
        assert "erreur reconnue : les gradients des poids sont transposés" in feedback

    def test_gradient_check_without_guard_is_told_about_0_over_0(self, graded):
        """erreurs_2 divides by |a| + |n| alone: NaN where an input is always 0, named as the missing guard."""
        message = graded.row("erreurs_2", "01_reseau_2_3_1", "test_gradient_check").message
        assert message.startswith("`gradient_check` — erreur reconnue : le dénominateur n'est pas protégé")

    def test_lost_points_name_the_student_notebook_and_cell(self, graded):
        from autograde.pipeline import lost_points

        lines = lost_points(graded.rows).splitlines()
        assert any(line.startswith("erreurs_5 · 01_reseau_2_3_1 · test_backward (0/4) : ") for line in lines)

    def test_gradient_check_that_drops_h_is_told_so(self, graded):
        """erreurs_6 calls the numerical gradient without h: the cases with another step name the mistake."""
        message = graded.row("erreurs_6", "01_reseau_2_3_1", "test_gradient_check").message
        assert message.startswith("`gradient_check` — erreur reconnue : le pas h reçu n'est pas utilisé")
