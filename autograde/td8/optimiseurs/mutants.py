"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

# optimize never writes into theta: every step rebinds it to the new array that θ − η·g, or the
# reference's sgd_momentum_step / adam_step (the helpers optimize is judged with), return. So a path row
# that is theta itself, not a copy, never changes afterwards.
_REBOUND = "theta is only ever rebound to a new array, never written into, so the row appended never changes"
_ZEROS = "the two lists of zero arrays are independent of each other: creating one before the other changes nothing"
EQUIVALENT = {
    "optimize": {
        "np.array(theta0, dtype=float) → np.array(theta0)": "a copy of theta0 in its own dtype: with an integer theta0 the first step θ − η·g (or the reference "
        "steps) makes a float array anyway, and row 0 is the same numbers; " + _REBOUND,
        "theta.copy() → theta": _REBOUND,
        "theta.copy() → theta #2": _REBOUND,
    },
    "train": {
        "velocities = [np.zeros_like(p) for p in params]; ms = [np.zeros_lik… → ms = [np.zeros_like(p) for p in params]; velocities = [np.zeros_lik…": _ZEROS,
        "ms = [np.zeros_like(p) for p in params]; vs = [np.zeros_like(p) for… → vs = [np.zeros_like(p) for p in params]; ms = [np.zeros_like(p) for…": _ZEROS,
        "history['train_loss'].append(loss(Y, forward(X, params)[0])); histo… → history['val_loss'].append(loss(Y_val, forward(X_val, params)[0]));…": "the two losses of an epoch go to two different lists and read the same parameters: their order does not matter",
    },
}
