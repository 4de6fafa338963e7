"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "dropout": {
        "rng.random(A.shape) >= p → rng.random(A.shape) > p": "the two differ only where a uniform draw equals p exactly, a chance of about 2⁻⁵³ per unit",
    },
    "forward": {
        "0.0 → 1.0": "p_drop's default is used only when rng is omitted too (both come positionally, p_drop first), and "
        "without a generator no unit is dropped, whatever p_drop",
    },
    "loss": {
        "np.clip(P, EPS, 1.0) → np.clip(EPS, P, 1.0)": "clip(a, low, high) is min(max(a, low), high) and max is symmetric: the same array, of P's shape",
        "1.0 → 2.0": "P holds probabilities (the contract: softmax outputs, at most 1): the upper bound never applies",
    },
}
