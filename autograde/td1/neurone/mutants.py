"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "sigmoid": {
        "np.asarray(z, dtype=float) → np.asarray(z)": "0.5 * z makes floats of an integer z anyway: tanh gets the same float numbers",
    },
}
