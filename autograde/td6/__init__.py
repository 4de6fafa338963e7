"""TD 6 — the multilayer perceptron in numpy on MNIST, and decision boundaries on the moons: one package per notebook."""
