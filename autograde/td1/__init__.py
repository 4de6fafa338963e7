"""TD 1 — the neuron, linear and logistic regression: one package per notebook."""
