"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "forward_difference": {
        "np.zeros(np.shape(theta)) → np.ones(np.shape(theta))": "every entry of the result is assigned in the loop: its first values are never read",
        "np.array(theta, dtype=float) → np.array(theta)": "theta is an array of floats in the contract (TD 1's numerical_gradient) and in the notebook: the copy "
        "is the same; only an integer theta, outside the contract, would differ, as with theta.copy()",
    },
}
