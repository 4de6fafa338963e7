"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

EQUIVALENT = {
    "backward": {
        "dz2 @ W2.T → dz2 * W2.T": "the network has one output unit: dz2 is (N, 1) and W2.T is (1, 3), and a matrix product over an "
        "inner dimension of 1 is the broadcast product, the same (N, 3) array",
    },
    "gradient_check": {
        "relative_error(grad, numerical_gradient(loss_of_one, param, h)) → "
        "relative_error(numerical_gradient(loss_of_one, param, h), grad)": "the relative error |a − n| / max(GUARD, |a| + |n|) is symmetric in its two arguments",
    },
}
