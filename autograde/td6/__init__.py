"""TD 6 — the multilayer perceptron in numpy and its training on MNIST: one package per notebook."""
