"""TD 7, notebook 2 (02_regularisation_mnist): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td7_optimiseurs/02_regularisation_mnist"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = ()
