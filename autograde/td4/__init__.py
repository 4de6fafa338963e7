"""TD 4 — back-propagation by hand, the activations' derivatives and the vanishing gradient: one package per notebook."""
