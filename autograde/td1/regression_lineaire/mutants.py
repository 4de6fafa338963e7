"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "train": {
        # train is judged with the reference predict and loss (checks.ISOLATED).
        "predict(x, w, b) → predict(w, x, b)": "the reference predict is w * x + b: with x and w swapped it is x * w + b, the same product",
        "loss(y, y_hat) → loss(y_hat, y)": "the reference loss squares ŷ − y: (y − ŷ)² is the same number, so its two arguments commute",
    },
}
