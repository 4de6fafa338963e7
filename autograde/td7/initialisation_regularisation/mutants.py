"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "dropout": {
        "rng.random(A.shape) >= p → rng.random(A.shape) > p": "the two differ only where a uniform draw equals p "
        "exactly, a chance of about 2⁻⁵³ per unit",
    },
}
