"""TD 3 — softmax regression on MNIST: one package per notebook."""
