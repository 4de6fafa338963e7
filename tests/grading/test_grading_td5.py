"""TD 5's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py).
The class `Value` is graded in three cells; each mistake of a sample student costs only the cell of
the part of the class where it is."""

from grading_suite import GradingSuite, but, zero

FULL = {
    "01_graphe_de_calcul": {"test_hand_gradients": 2, "test_forward_difference": 2},
    "02_autograd": {"test_Value_arithmetic": 3, "test_Value_unary": 2, "test_Value_backward": 3},
}
# The written answers, graded by hand: the local derivatives and the chain rule, the choice of the step h, then how
# automatic differentiation works and what it costs. numerical_gradient is TD 1's, given (recalled) in both
# notebooks: its points went to forward_difference.
MANUAL = {
    "01_graphe_de_calcul": {"reponse_derivees_locales": 2, "reponse_precision": 2},
    "02_autograd": {"reponse_autograd": 2},
}


class TestTD5(GradingSuite):
    ASSIGNMENT = "td5_autograd"
    FULL = FULL
    MANUAL = MANUAL
    WRITERS = ("alice_autre_style",)
    TOTAL = 18  # 12 automatic points + 6 graded by hand
    EXPECTED = {
        # Automatic points only (MANUAL's written answers are 0 for everyone until a teacher grades them).
        "alice_autre_style": FULL,
        # bob_intact hands in the release untouched; erreurs_1..3 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3"], zero(FULL)),
        # Only forward_difference, the arithmetic and backward have a fourth mistake: the rest of erreurs_4's work
        # is right.
        "erreurs_4": but(FULL, test_forward_difference=0, test_Value_arithmetic=0, test_Value_backward=0),
    }
    GRADED_IN = {
        **{
            f"td5.graphe_de_calcul.{name}": ("01_graphe_de_calcul", f"test_{name}")
            for name in ("hand_gradients", "forward_difference")
        },
        **{
            f"td5.autograd.Value/{aspect}": ("02_autograd", f"test_Value_{aspect}")
            for aspect in ("arithmetic", "unary", "backward")
        },
    }
    SHOWN_AS = {
        "Value/arithmetic": "`Value` (opérations +, −, *, /, **)",
        "Value/unary": "`Value` (exp, tanh, relu)",
        "Value/backward": "`Value.backward`",
    }

    def test_untouched_release_is_told_what_is_not_written(self, graded):
        assert (
            graded.row("bob_intact", "01_graphe_de_calcul", "test_hand_gradients").message
            == "`hand_gradients` n'est pas encore écrite (NotImplementedError)."
        )
        assert (
            graded.row("bob_intact", "02_autograd", "test_Value_backward").message
            == "`Value.backward` n'est pas encore écrite (NotImplementedError)."
        )
