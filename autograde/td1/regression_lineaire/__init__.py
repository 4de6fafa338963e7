"""TD 1, notebook 2 (02_regression_lineaire): its solution, its catalogue of mistakes and its checks."""

NOTEBOOK = "td1_neurone_regression/02_regression_lineaire"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_gradient: the gradient of the half mean squared error
    r"\frac{\partial L}{\partial w} = \frac{1}{n} \sum_{i=1}^{n} (\hat{y}_i - y_i)\, x_i",
    r"\frac{\partial L}{\partial b} = \frac{1}{n} \sum_{i=1}^{n} (\hat{y}_i - y_i)",
)
