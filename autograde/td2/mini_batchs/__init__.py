"""TD 2, notebook 2 (02_mini_batchs): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td2_descente_gradient/02_mini_batchs"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_taille_lot: the variance of the mean gradient of a mini-lot of B examples
    r"\frac{\sigma^2}{B}",
)
