"""TD 2, notebook 1: gradient descent in one dimension on the sheet's polynomial.

f(w) = 0.25 w⁴ − 1.5 w³ − 1.25 w² + 6 w, f'(w) = w³ − 4.5 w² − 2.5 w + 6 = (w − 1)(w² − 3.5 w − 6).
Critical points: a local maximum at w = 1, a local minimum at w = (3.5 − √36.25)/2 ≈ −1.2604 and the
global minimum at w = (3.5 + √36.25)/2 ≈ 4.7604. f''(4.7604) ≈ 22.6 and f''(−1.2604) ≈ 13.6, so a fixed
step α converges to them only when α < 2/f'' (≈ 0.088 and ≈ 0.147).

Shapes: ``f`` and ``df`` take a number or a numpy array (any shape) and work element-wise;
``gradient_descent`` returns the path, a float array of shape ``(n_steps + 1,)`` starting with ``w0``.
"""
import numpy as np

NOTEBOOK = "td2_descente_gradient/01_descente_1d"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_derivee: the derivative of the quartic
    r"f'(w) = w^3 - 4{,}5\,w^2 - 2{,}5\,w + 6",
    # reponse_pas: why a step diverges (the stability bound near a minimum, in its grading guide)
    r"\alpha < 2 / f''(w^\star)",
)

# The sheet's experiments (the notebook uses these numbers).
W0 = 2.0
ALPHA = 0.05          # question 1: three first iterates 2.45, 3.07151, 3.82928
ALPHA_LARGE = 0.5     # question 2: 2 -> 6.5 -> -30.625 -> 16 399.8 -> ... diverges
ALPHA_SMALL = 0.01    # question 2: 2 -> 2.09 -> ... slow
INITS = (6.0, -2.0)   # question 3, with a small (0.01) and a large (0.12) step
ALPHA_JUMP = 0.12     # from 6 the first step jumps over the hill at w = 1 and ends at the local minimum
W_LOCAL_MIN = (3.5 - np.sqrt(36.25)) / 2
W_GLOBAL_MIN = (3.5 + np.sqrt(36.25)) / 2
W_LOCAL_MAX = 1.0


def f(w):
    """f(w) = 0.25 w⁴ − 1.5 w³ − 1.25 w² + 6 w, element-wise. w: number or array -> same shape."""
    return 0.25 * w**4 - 1.5 * w**3 - 1.25 * w**2 + 6 * w


def df(w):
    """f'(w) = w³ − 4.5 w² − 2.5 w + 6, element-wise. w: number or array -> same shape."""
    return w**3 - 4.5 * w**2 - 2.5 * w + 6


def gradient_descent(df, w0, alpha, n_steps):
    """w_{t+1} = w_t − α·df(w_t), n_steps times from w0.

    df: the derivative (a function of one number); w0, alpha: numbers; n_steps: int ≥ 0.
    Returns the path [w_0, w_1, …, w_{n_steps}], a float array of shape (n_steps + 1,).
    """
    path = np.empty(n_steps + 1)
    path[0] = w0
    for t in range(n_steps):
        path[t + 1] = path[t] - alpha * df(path[t])
    return path


def _wrong_descent(sign=-1.0, use_alpha=True, keep_w0=True, steps_delta=0):
    def descent(df, w0, alpha, n_steps):
        w, path = float(w0), [float(w0)]
        for _ in range(max(n_steps + steps_delta, 0)):
            w = w + sign * (alpha if use_alpha else 1.0) * df(w)
            path.append(w)
        return np.array(path if keep_w0 else path[1:])
    return descent


def _mistakes():
    from ..checking import Mistake

    formula_f = "Rappel : f(w) = 0.25·w⁴ − 1.5·w³ − 1.25·w² + 6·w."
    formula_df = "Rappel : f'(w) = w³ − 4.5·w² − 2.5·w + 6 (on multiplie par l'exposant, puis on le baisse de 1)."
    rule = "Rappel : w_{t+1} = w_t − α·f'(w_t) et le chemin [w_0, w_1, …, w_n] contient n + 1 valeurs."
    return {
        "f": [
            Mistake("f_cubic_sign", "le terme en w³ a le mauvais signe (+1.5·w³ au lieu de −1.5·w³). " + formula_f,
                    lambda w: 0.25 * w**4 + 1.5 * w**3 - 1.25 * w**2 + 6 * w),
            Mistake("f_times_two_not_squared", "w*2 a été écrit à la place de w**2 : en Python, le carré s'écrit "
                    "w**2. " + formula_f, lambda w: 0.25 * w**4 - 1.5 * w**3 - 1.25 * w * 2 + 6 * w),
            Mistake("f_constant_six", "le dernier terme est 6·w, pas la constante 6. " + formula_f,
                    lambda w: 0.25 * w**4 - 1.5 * w**3 - 1.25 * w**2 + 6),
        ],
        "df": [
            Mistake("df_sign", "le signe de la dérivée est inversé (c'est −f'(w)). " + formula_df,
                    lambda w: -df(w)),
            Mistake("df_coefficients_not_multiplied", "l'exposant a été baissé mais les coefficients n'ont pas été "
                    "multipliés par lui (0.25·w³ au lieu de 4 × 0.25·w³ = w³). " + formula_df,
                    lambda w: 0.25 * w**3 - 1.5 * w**2 - 1.25 * w + 6),
            Mistake("df_constant_dropped", "la constante 6 a disparu : la dérivée de 6·w est 6, pas 0. " + formula_df,
                    lambda w: w**3 - 4.5 * w**2 - 2.5 * w),
            Mistake("df_exponent_kept", "les coefficients ont été multipliés par l'exposant, mais l'exposant n'a pas "
                    "été baissé (w⁴ au lieu de w³). " + formula_df,
                    lambda w: w**4 - 4.5 * w**3 - 2.5 * w**2 + 6 * w),
        ],
        "gradient_descent": [
            Mistake("gradient_descent_plus", "la mise à jour monte la pente au lieu de la descendre "
                    "(w + α·f'(w)). " + rule, _wrong_descent(sign=+1.0)),
            Mistake("gradient_descent_without_w0", "le chemin ne commence pas par le point de départ w_0 : il doit "
                    "contenir n_steps + 1 valeurs, w_0 compris. " + rule, _wrong_descent(keep_w0=False)),
            Mistake("gradient_descent_one_step_short", "un pas de moins que demandé (boucle de 1 à n_steps − 1) : "
                    "il faut exactement n_steps mises à jour. " + rule, _wrong_descent(steps_delta=-1)),
            Mistake("gradient_descent_ignores_alpha", "le pas α n'est pas utilisé (w − f'(w)). " + rule,
                    _wrong_descent(use_alpha=False)),
        ],
    }


MISTAKES = _mistakes()
