"""TD 8 — optimizers (momentum, Adam, learning-rate schedules) and regularisation: one package per notebook."""
