"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "cross_entropy": {
        "np.clip(P, EPS, 1.0) → np.clip(EPS, P, 1.0)": "np.clip(a, lo, hi) is minimum(maximum(a, lo), hi); maximum is symmetric, so clipping EPS from "
        "below by P gives max(P, EPS) capped at 1, the same array",
        "1.0 → 2.0": "P holds probabilities, never above 1: capping them at 2 instead of 1 leaves every value unchanged",
    },
    "train": {
        "history['train_loss'].append(cross_entropy(Y, softmax(X @ W + b)));… → history['val_loss'].append(cross_entropy(Y_val, softmax(X_val @ W +…": "the two end-of-epoch measurements read the same weights and write to different lists: "
        "measuring the validation loss first gives the same history",
    },
}
