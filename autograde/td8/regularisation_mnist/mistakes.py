"""Known wrong variants of the graded functions of TD 8, notebook 2 (02_regularisation_mnist), each named
`regularisation_mnist.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake


def wrong_l2_penalty_gradient(factor=1.0, square=False, value=False):
    """`l2_penalty_gradient` with the chosen mistakes; without flags, the right one.

    ``factor``: multiplies λW (2: the ½ forgotten, −1: the sign); ``square``: λW²; ``value``: the
    penalty (λ/2) Σ W² instead of its gradient."""

    def gradient(W, lam):
        if value:
            return lam / 2 * np.sum(W**2)
        return factor * lam * (W**2 if square else W)

    return gradient


def wrong_l1_penalty_gradient(sign=True, factor=1.0, at_zero=0.0):
    """`l1_penalty_gradient` with the chosen mistakes; without flags, the right one.

    ``sign=False``: λ|W| in place of λ sign(W); ``factor=-1``: the sign flipped; ``at_zero``: the value
    (times λ) where W is exactly 0."""

    def gradient(W, lam):
        if not sign:
            return lam * np.abs(W)
        return factor * lam * np.where(W == 0, at_zero, np.sign(W))

    return gradient


def _catalogue():
    l2 = "Rappel : la pénalité L2 est (λ/2) Σ W², son gradient est λ·W (même forme que W)."
    l1 = "Rappel : la pénalité L1 est λ Σ |W|, son gradient est λ·sign(W), 0 là où W vaut exactement 0."
    return {
        "l2_penalty_gradient": [
            Mistake(
                "regularisation_mnist.l2_penalty_gradient/factor_two",
                "un facteur 2 apparaît : le 2 qui descend de l'exposant se simplifie avec le 1/2 de la pénalité. " + l2,
                wrong_l2_penalty_gradient(factor=2.0),
            ),
            Mistake(
                "regularisation_mnist.l2_penalty_gradient/sign",
                "le signe est inversé : la pénalité croît avec |W|, son gradient pointe dans le sens de W. " + l2,
                wrong_l2_penalty_gradient(factor=-1.0),
            ),
            Mistake(
                "regularisation_mnist.l2_penalty_gradient/squared",
                "les poids sont élevés au carré : c'est la "
                "pénalité qui contient W², sa dérivée est linéaire en W. " + l2,
                wrong_l2_penalty_gradient(square=True),
            ),
            Mistake(
                "regularisation_mnist.l2_penalty_gradient/penalty_value",
                "la fonction renvoie la valeur de la "
                "pénalité (un nombre) au lieu de son gradient (un tableau de la forme de W). " + l2,
                wrong_l2_penalty_gradient(value=True),
            ),
        ],
        "l1_penalty_gradient": [
            Mistake(
                "regularisation_mnist.l1_penalty_gradient/abs_not_sign",
                "le gradient est λ·|W| : la dérivée de |w| est le signe de w (−1 ou +1), pas |w|. " + l1,
                wrong_l1_penalty_gradient(sign=False),
            ),
            Mistake(
                "regularisation_mnist.l1_penalty_gradient/sign",
                "le signe est inversé : le gradient de λ|w| vaut +λ quand w > 0. " + l1,
                wrong_l1_penalty_gradient(factor=-1.0),
            ),
            Mistake(
                "regularisation_mnist.l1_penalty_gradient/nonzero_at_zero",
                "en un poids exactement nul, le "
                "gradient doit valoir 0 (la convention de l'énoncé, celle de np.sign), pas λ. " + l1,
                wrong_l1_penalty_gradient(at_zero=1.0),
            ),
        ],
    }


MISTAKES = _catalogue()
