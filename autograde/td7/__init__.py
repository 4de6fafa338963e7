"""TD 7 — regularisation, initialisation and decision boundaries on the moons: one package per notebook."""
