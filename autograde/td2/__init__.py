"""TD 2 — gradient descent in one dimension, epochs and mini-batches: one package per notebook."""
