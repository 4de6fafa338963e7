"""TD 6's sample submissions, graded in one run by the real nbgrader pipeline: the exact score of
every graded cell, and what the student is told (the tests shared by every TD: grading_suite.py)."""

from conftest import SUBMISSIONS
from grading_suite import GradingSuite, but, load_module, mistakes_of, zero

FULL = {
    "01_mlp_numpy": {
        "test_forward": 3,
        "test_backward": 4,
        "test_train": 4,
        "test_early_stopping": 2,
    },
}
# The written answers, graded by hand: backpropagation derived, then the two sanity checks explained
# (the loss of the untrained network, a tiny subset learnt by heart).
MANUAL = {"01_mlp_numpy": {"reponse_retropropagation": 3, "reponse_controles": 2}}
NOT_HANDED_IN: set[tuple[str, str]] = set()


class TestTD6(GradingSuite):
    ASSIGNMENT = "td6_mlp_mnist"
    FULL = FULL
    MANUAL = MANUAL
    TOTAL = 18  # 13 automatic points + 5 graded by hand
    EXPECTED = {
        # Automatic points only (MANUAL's written answers are 0 for everyone until a teacher grades them).
        "alice_boucles": FULL,
        # bob_intact hands in the release untouched; erreurs_1..4 make a mistake in every graded cell.
        **dict.fromkeys(["bob_intact", "erreurs_1", "erreurs_2", "erreurs_3", "erreurs_4"], zero(FULL)),
        # Only train and early_stopping have a fifth catalogued mistake.
        "erreurs_5": but(FULL, test_train=0, test_early_stopping=0),
    }
    MISTAKE_STUDENTS = sorted(s for s in EXPECTED if s.startswith("erreurs_"))
    GRADED_IN = {
        f"td6.mlp_numpy.{name}": ("01_mlp_numpy", f"test_{name}")
        for name in ("forward", "backward", "train", "early_stopping")
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
        """erreurs_k's answer for a function differs from alice's exactly when that function has a k-th mistake."""
        samples = load_module(SUBMISSIONS / f"{self.ASSIGNMENT}.py", "samples_td6")
        alice = samples.STUDENTS["alice_boucles"]
        for student in self.MISTAKE_STUDENTS:
            k = int(student.rsplit("_", 1)[1])
            for check_id, (notebook, _) in self.GRADED_IN.items():
                function = check_id.rsplit(".", 1)[1]
                if (student, notebook) in NOT_HANDED_IN:
                    assert notebook not in samples.STUDENTS[student]
                    continue
                answer = samples.STUDENTS[student][notebook][function]
                assert (answer != alice[notebook][function]) == (len(mistakes_of(check_id)) >= k), (student, function)
                assert "autograde" not in answer, (student, function)

    def test_cells_without_a_kth_mistake_are_right_or_not_handed_in(self, graded):
        """erreurs_k's graded cells whose function has fewer than k mistakes: full marks, or 'non rendu'."""
        for check_id, (notebook, grade_id) in self.GRADED_IN.items():
            for k in range(len(mistakes_of(check_id)) + 1, len(self.MISTAKE_STUDENTS) + 1):
                row = graded.row(f"erreurs_{k}", notebook, grade_id)
                if (f"erreurs_{k}", notebook) in NOT_HANDED_IN:
                    assert row.score == 0 and row.message == f"Notebook {notebook}.ipynb non rendu.", row
                else:
                    assert row.score == row.max_score and not row.message, row

    def test_untouched_release_is_told_the_functions_are_not_written(self, graded):
        for notebook, cells in FULL.items():
            for grade_id in cells:
                message = graded.row("bob_intact", notebook, grade_id).message
                assert "n'est pas encore écrite (NotImplementedError)" in message, (grade_id, message)

    def test_correct_train_is_also_judged_on_a_full_training(self, graded):
        cell = graded.autograded_cell("alice_boucles", self.ASSIGNMENT, "01_mlp_numpy", "test_train")
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert "✔ `train` : 4 cas vérifiés, tous corrects. Entraînement complet sur load_digits" in text
