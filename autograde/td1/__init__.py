"""TD 1 — the neuron, linear and logistic regression: one package per notebook, and `wrong_training.py`,
the wrong variants of `train` shared by the catalogues of the two regressions."""
