"""Known wrong variants of the graded functions of TD 1, notebook 2 (02_regression_lineaire), each named
`regression_lineaire.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .. import wrong_training
from ..wrong_training import train_mistakes
from .solution import B_INIT, W_INIT, gradient, loss, predict


def wrong_loss(half=True, mean=True, squared=True):
    """`loss` with the chosen mistakes; without flags, the right one, L = 1/(2N) Σ (ŷᵢ − yᵢ)².

    ``half=False``: the 1/2 forgotten; ``mean=False``: the sum, not divided by n; ``squared=False``: the
    differences ŷᵢ − yᵢ not squared."""

    def loss(y, y_hat):
        errors = (y_hat - y) ** 2 if squared else y_hat - y
        total = np.mean(errors) if mean else np.sum(errors)
        return total / 2 if half else total

    return loss


def wrong_gradient(sign=1.0, factor=1.0, divide=True, w_times_x=True, swapped=False):
    """`gradient` with the chosen mistakes; without flags, the right one, (dL/dw, dL/db).

    ``sign=-1``: (y − ŷ) instead of (ŷ − y); ``factor=2``: the 2 of the square kept; ``divide=False``: not
    divided by n; ``w_times_x=False``: dL/dw without the xᵢ; ``swapped``: (dL/db, dL/dw)."""

    def gradient(x, y_hat, y):
        residual = y_hat - y
        dw = float(np.mean(residual * x)) if w_times_x else float(np.mean(residual))
        db = float(np.mean(residual))
        scale = sign * factor * (1 if divide else len(y))  # not divided by n: n times the mean
        dw, db = scale * dw, scale * db
        return (db, dw) if swapped else (dw, db)

    return gradient


def wrong_train(**flags):
    """`train` making the chosen mistakes (autograde/td1/wrong_training.py); without flags, the right one."""

    def initial_parameters(x):
        return W_INIT, B_INIT

    return wrong_training.wrong_train(initial_parameters, predict, loss, gradient, **flags)


def _catalogue():
    formula_loss = "Rappel : L = 1/(2N) Σ (ŷᵢ − yᵢ)²."
    formula_grad = "Rappel : dL/dw = 1/N Σ (ŷᵢ − yᵢ)·xᵢ et dL/db = 1/N Σ (ŷᵢ − yᵢ)."
    return {
        "loss": [
            Mistake(
                "regression_lineaire.loss/forgot_half",
                "le facteur 1/2 a été oublié. " + formula_loss,
                wrong_loss(half=False),
            ),
            Mistake(
                "regression_lineaire.loss/sum_not_mean",
                "la somme n'est pas divisée par N (somme au lieu de moyenne). " + formula_loss,
                wrong_loss(mean=False),
            ),
            Mistake(
                "regression_lineaire.loss/sum_no_half",
                "ni la division par N ni le facteur 1/2 ne sont appliqués. " + formula_loss,
                wrong_loss(half=False, mean=False),
            ),
            Mistake(
                "regression_lineaire.loss/not_squared",
                "les écarts ne sont pas élevés au carré. " + formula_loss,
                wrong_loss(squared=False),
            ),
        ],
        "gradient": [
            Mistake(
                "regression_lineaire.gradient/sign",
                "le signe est inversé : on dérive (ŷ − y)², ce qui donne (ŷ − y), pas (y − ŷ). " + formula_grad,
                wrong_gradient(sign=-1.0),
            ),
            Mistake(
                "regression_lineaire.gradient/not_divided_by_n",
                "le gradient n'est pas divisé par le nombre d'exemples N. " + formula_grad,
                wrong_gradient(divide=False),
            ),
            Mistake(
                "regression_lineaire.gradient/factor_two",
                "un facteur 2 apparaît : avec le 1/2 de la perte, il se simplifie. " + formula_grad,
                wrong_gradient(factor=2.0),
            ),
            Mistake(
                "regression_lineaire.gradient/w_without_x",
                "dL/dw doit être multiplié par xᵢ dans la somme. " + formula_grad,
                wrong_gradient(w_times_x=False),
            ),
            Mistake(
                "regression_lineaire.gradient/swapped",
                "les deux composantes sont inversées : la fonction doit renvoyer (dL/dw, dL/db), dans cet ordre.",
                wrong_gradient(swapped=True),
            ),
        ],
        "train": train_mistakes("regression_lineaire", wrong_train),
    }


MISTAKES = _catalogue()
