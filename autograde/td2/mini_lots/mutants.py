"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

# train_minibatch is judged with TD 1's reference predict and loss (checks.ISOLATED).
_PREDICT = "the reference predict is w * x + b: with x and w swapped it is x * w + b, the same product"
EQUIVALENT = {
    "train_minibatch": {
        "predict(x_batch, w, b) → predict(w, x_batch, b)": _PREDICT,
        "predict(x, w, b) → predict(w, x, b)": _PREDICT,
        "loss(y, predict(x, w, b)) → loss(predict(x, w, b), y)": "the reference loss squares ŷ − y: (y − ŷ)² is the same number, so its two arguments commute",
    },
}
