"""Mutants of the reference that compute the same function as it (autograde.mutation)."""

# optimize never writes into theta: every step rebinds it to the new array that θ − η·g, or the
# reference's sgd_momentum_step / adam_step (the helpers optimize is judged with), return. So a path row
# that is theta itself, not a copy, never changes afterwards.
_REBOUND = "theta is only ever rebound to a new array, never written into, so the row appended never changes"
EQUIVALENT = {
    "optimize": {
        "np.array(theta0, dtype=float) → np.array(theta0)": "a copy of theta0 in its own dtype: with an integer theta0 the first step θ − η·g (or the reference "
        "steps) makes a float array anyway, and row 0 is the same numbers; " + _REBOUND,
        "theta.copy() → theta": _REBOUND,
        "theta.copy() → theta #2": _REBOUND,
    },
}
