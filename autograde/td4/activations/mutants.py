"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "relu_prime": {
        "np.where(np.asarray(z) > 0, 1.0, 0.0) → np.where(1.0, np.asarray(z) > 0, 0.0)": "the condition 1.0 is always true, so the result is the array z > 0 itself: True where z > 0, False "
        "elsewhere, the values 1 and 0 of the step function (booleans are judged as 0 and 1)",
    },
}
