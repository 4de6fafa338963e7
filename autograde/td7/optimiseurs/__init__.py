"""TD 7, notebook 1 (01_optimiseurs): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td7_optimiseurs/01_optimiseurs"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = ("2/25",)  # reponse_zigzag: the largest step of plain descent in the bowl
