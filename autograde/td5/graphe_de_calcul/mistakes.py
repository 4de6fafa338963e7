"""Known wrong variants of the graded functions of TD 5, notebook 1 (01_graphe_de_calcul), each named
`graphe_de_calcul.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import H


def wrong_hand_gradients(*, forgot_two=False, wrong_factor=False, square_split=False):
    """`hand_gradients` making the chosen mistakes; without flags, the right one."""

    def hand_gradients(w1, w2, x, y):
        c = w1 * x + w2 * y
        dL_dc = c if forgot_two else 2 * c
        # (a + b)² taken as a² + b²: each branch gets the derivative of its own square
        dL_da, dL_db = (2 * w1 * x, 2 * w2 * y) if square_split else (dL_dc, dL_dc)
        if wrong_factor:  # d(w1·x)/dw1 taken as w1, the factor itself
            return dL_da * w1, dL_db * w2, dL_da * x, dL_db * y
        return dL_da * x, dL_db * y, dL_da * w1, dL_db * w2

    return hand_gradients


def wrong_forward_difference(*, divided_by_2h=False, centred=False, backward=False, step_not_undone=False):
    """`forward_difference` making the chosen mistakes; without flags, the right one."""

    def forward_difference(f, theta, h=H):
        grad = np.zeros(np.shape(theta))
        moved = np.array(theta, dtype=float)  # the point of step_not_undone, which keeps every step
        for i in np.ndindex(grad.shape):
            step = np.zeros(grad.shape)
            step[i] = h
            if step_not_undone:
                moved += step
                ahead, behind = f(moved.copy()), f(theta)
            elif centred:
                ahead, behind = f(theta + step), f(theta - step)
            elif backward:
                ahead, behind = f(theta), f(theta - step)
            else:
                ahead, behind = f(theta + step), f(theta)
            grad[i] = (ahead - behind) / (2 * h if divided_by_2h or centred else h)
        return grad

    return forward_difference


def _catalogue():
    rule = "Rappel : avec c = w1·x + w2·y, dL/dc = 2c, puis dL/dw1 = 2c·x, dL/dw2 = 2c·y, dL/dx = 2c·w1, dL/dy = 2c·w2."
    forward = "Rappel : la case i vaut (f(θ + h·eᵢ) − f(θ)) / h, où seule la case i de θ bouge, de +h."
    return {
        "hand_gradients": [
            Mistake(
                "graphe_de_calcul.hand_gradients/forgot_two",
                "le facteur 2 de la dérivée du carré a été oublié : d(c²)/dc = 2c, pas c. " + rule,
                wrong_hand_gradients(forgot_two=True),
            ),
            Mistake(
                "graphe_de_calcul.hand_gradients/wrong_factor",
                "chaque dérivée est multipliée par le mauvais "
                "facteur du produit : d(w1·x)/dw1 = x (l'autre facteur), pas w1. " + rule,
                wrong_hand_gradients(wrong_factor=True),
            ),
            Mistake(
                "graphe_de_calcul.hand_gradients/square_split",
                "le carré a été développé comme "
                "(a + b)² = a² + b² : le double produit 2ab manque, et dL/dw1 devient 2·w1·x². Le gradient doit "
                "passer par c = a + b. " + rule,
                wrong_hand_gradients(square_split=True),
            ),
        ],
        "forward_difference": [
            Mistake(
                "graphe_de_calcul.forward_difference/divided_by_2h",
                "la différence avant est divisée par 2h, "
                "comme la différence centrée : ses deux points, θ et θ + h·eᵢ, ne sont qu'à distance h. " + forward,
                wrong_forward_difference(divided_by_2h=True),
            ),
            Mistake(
                "graphe_de_calcul.forward_difference/centred",
                "c'est la différence centrée de "
                "`numerical_gradient`, pas la différence avant demandée : la figure qui suit compare justement "
                "les deux. " + forward,
                wrong_forward_difference(centred=True),
            ),
            Mistake(
                "graphe_de_calcul.forward_difference/backward",
                "c'est la différence arrière "
                "(f(θ) − f(θ − h·eᵢ)) / h : le second point doit être θ + h·eᵢ, en avant. " + forward,
                wrong_forward_difference(backward=True),
            ),
            Mistake(
                "graphe_de_calcul.forward_difference/step_not_undone",
                "le pas ajouté à la case i n'est pas "
                "retiré avant de passer à la case suivante : les cases suivantes sont évaluées en un point où "
                "plusieurs variables ont bougé. " + forward,
                wrong_forward_difference(step_not_undone=True),
            ),
        ],
    }


MISTAKES = _catalogue()
