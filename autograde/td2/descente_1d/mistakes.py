"""Known wrong variants of the graded functions of TD 2, notebook 1 (01_descente_1d), each named
`descente_1d.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import df


def wrong_gradient_descent(sign=-1.0, use_eta=True, keep_w0=True, steps_delta=0):
    """`gradient_descent` with the chosen mistakes; without flags, the right one.

    ``sign=+1``: w ← w + η·f'(w), up the slope; ``use_eta=False``: w ← w − f'(w);
    ``keep_w0=False``: the path starts after the first step; ``steps_delta``: n_steps + steps_delta
    updates (−1: a loop one step short)."""

    def descent(df, w0, eta, n_steps):
        w, path = float(w0), [float(w0)]
        for _ in range(max(n_steps + steps_delta, 0)):
            w = w + sign * (eta if use_eta else 1.0) * df(w)
            path.append(w)
        return np.array(path if keep_w0 else path[1:])

    return descent


def _catalogue():
    formula_f = "Rappel : f(w) = 0.25·w⁴ − 1.5·w³ − 1.25·w² + 6·w."
    formula_df = "Rappel : f'(w) = w³ − 4.5·w² − 2.5·w + 6 (on multiplie par l'exposant, puis on le baisse de 1)."
    rule = "Rappel : w_{t+1} = w_t − η·f'(w_t) et le chemin [w_0, w_1, …, w_n] contient n + 1 valeurs."
    return {
        "f": [
            Mistake(
                "descente_1d.f/cubic_sign",
                "le terme en w³ a le mauvais signe (+1.5·w³ au lieu de −1.5·w³). " + formula_f,
                lambda w: 0.25 * w**4 + 1.5 * w**3 - 1.25 * w**2 + 6 * w,
            ),
            Mistake(
                "descente_1d.f/times_two_not_squared",
                "le terme −1.25·w² vaut ici −2.5·w : en Python, w*2 est le "
                "double de w, le carré s'écrit w**2. " + formula_f,
                lambda w: 0.25 * w**4 - 1.5 * w**3 - 1.25 * w * 2 + 6 * w,
            ),
            Mistake(
                "descente_1d.f/constant_six",
                "le dernier terme est 6·w, pas la constante 6. " + formula_f,
                lambda w: 0.25 * w**4 - 1.5 * w**3 - 1.25 * w**2 + 6,
            ),
        ],
        "df": [
            Mistake(
                "descente_1d.df/sign",
                "le signe de la dérivée est inversé (c'est −f'(w)). " + formula_df,
                lambda w: -df(w),
            ),
            Mistake(
                "descente_1d.df/coefficients_not_multiplied",
                "l'exposant a été baissé mais les coefficients n'ont "
                "pas été multipliés par lui (0.25·w³ au lieu de 4 × 0.25·w³ = w³). " + formula_df,
                lambda w: 0.25 * w**3 - 1.5 * w**2 - 1.25 * w + 6,
            ),
            Mistake(
                "descente_1d.df/constant_dropped",
                "la constante 6 a disparu : la dérivée de 6·w est 6, pas 0. " + formula_df,
                lambda w: w**3 - 4.5 * w**2 - 2.5 * w,
            ),
            Mistake(
                "descente_1d.df/exponent_kept",
                "les coefficients ont été multipliés par l'exposant, mais "
                "l'exposant n'a pas été baissé (w⁴ au lieu de w³). " + formula_df,
                lambda w: w**4 - 4.5 * w**3 - 2.5 * w**2 + 6 * w,
            ),
        ],
        "gradient_descent": [
            Mistake(
                "descente_1d.gradient_descent/plus",
                "la mise à jour monte la pente au lieu de la descendre (w + η·f'(w)). " + rule,
                wrong_gradient_descent(sign=+1.0),
            ),
            Mistake(
                "descente_1d.gradient_descent/without_w0",
                "le chemin ne commence pas par le point de départ w_0 : "
                "il doit contenir n_steps + 1 valeurs, w_0 compris. " + rule,
                wrong_gradient_descent(keep_w0=False),
            ),
            Mistake(
                "descente_1d.gradient_descent/one_step_short",
                "le chemin s'arrête un pas trop tôt (n_steps − 1 "
                "mises à jour, n_steps valeurs) : il faut exactement n_steps mises à jour. " + rule,
                wrong_gradient_descent(steps_delta=-1),
            ),
            Mistake(
                "descente_1d.gradient_descent/ignores_eta",
                "le pas d'apprentissage η n'est pas utilisé (w − f'(w)). " + rule,
                wrong_gradient_descent(use_eta=False),
            ),
        ],
    }


MISTAKES = _catalogue()
