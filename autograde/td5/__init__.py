"""TD 5 — the computation graph by hand, then a small automatic differentiation: one package per notebook."""
