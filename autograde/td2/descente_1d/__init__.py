"""TD 2, notebook 1 (01_descente_1d): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td2_descente_gradient/01_descente_1d"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_derivee: the derivative of the quartic
    r"f'(w) = w^3 - 4{,}5\,w^2 - 2{,}5\,w + 6",
    # reponse_pas: why a step diverges (the stability bound near a minimum, in its grading guide)
    r"\eta < 2 / f''(w^\star)",
)
