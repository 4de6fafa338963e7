"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "train": {
        "history['train_loss'].append(loss(Y, forward(X, params)[0])); histo… → history['val_loss'].append(loss(Y_val, forward(X_val, params)[0]));…": "the two appends go to different lists: their order changes nothing",
        "range(0, n, batch_size) → range(0, n + 1, batch_size)": "the extra start, when there is one, is n: an empty mini-batch, whose gradients are sums over no "
        "example (zero arrays), so its step leaves the parameters as they are",
    },
}
