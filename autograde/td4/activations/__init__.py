"""TD 4, notebook 2 (02_activations): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td4_retropropagation/02_activations"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_derivees: the derivatives in terms of the functions themselves, ReLU's piecewise
    r"\sigma'(z) = \sigma(z)\,\big(1 - \sigma(z)\big)",
    r"\tanh'(z) = 1 - \tanh^2(z)",
    r"1 - \tanh^2(z)",
    r"\text{ReLU}'(z) = \begin{cases} 1 & \text{si } z > 0 \\ 0 & \text{si } z < 0 \end{cases}",
    # reponse_saturation: the maximum of σ', the product over K layers
    r"\sigma'(0) = \frac{1}{4}",
    r"\sigma'(z) \le \frac{1}{4}",
    "10^{-3K}",
    r"\left(\tfrac{1}{4}\right)^K",
)
