"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "fit_penalized": {
        "history['train_loss'].append(cross_entropy(Y, softmax(X @ W + b)));… → history['val_loss'].append(cross_entropy(Y_val, softmax(X_val @ W +…": "the two losses of an epoch go to two different lists and read the same W and b: their order does not matter",
    },
}
