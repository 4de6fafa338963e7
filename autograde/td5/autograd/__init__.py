"""TD 5, notebook 2 (02_autograd): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td5_autograd/02_autograd"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py. This notebook has no written answer.
HIDDEN_FORMULAS: tuple[str, ...] = ()
