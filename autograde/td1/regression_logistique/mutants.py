"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "loss": {
        "np.clip(y_hat, EPS, 1.0 - EPS) → np.clip(EPS, y_hat, 1.0 - EPS)": "np.clip(a, lo, hi) is minimum(maximum(a, lo), hi); maximum is symmetric, so clipping EPS from "
        "below by y_hat gives max(y_hat, EPS) capped at 1 − EPS, the same array",
    },
}
