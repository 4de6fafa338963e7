"""TD 1, notebook 3 (03_regression_logistique): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td1_neurone_regression/03_regression_logistique"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = ()
