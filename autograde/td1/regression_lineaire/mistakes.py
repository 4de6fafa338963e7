"""Known wrong variants of the graded functions of TD 1, notebook 2 (02_regression_lineaire), each named
`regression_lineaire.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""
import numpy as np

from ...checking import Mistake
from ... import wrong_training
from ...wrong_training import train_mistakes
from .solution import B_INIT, W_INIT, gradient, loss, predict


def wrong_train(**flags):
    """`train` making the chosen mistakes (autograde/wrong_training.py); without flags, the right one."""
    return wrong_training.wrong_train(lambda x: (W_INIT, B_INIT), predict, loss, gradient, **flags)


def _catalogue():
    formula_loss = "Rappel : L = 1/(2n) Σ (ŷᵢ − yᵢ)²."
    formula_grad = "Rappel : dL/dw = 1/n Σ (ŷᵢ − yᵢ)·xᵢ et dL/db = 1/n Σ (ŷᵢ − yᵢ)."
    return {
        "loss": [
            Mistake("regression_lineaire.loss/forgot_half", "le facteur 1/2 a été oublié. " + formula_loss,
                    lambda y, y_hat: np.mean((y_hat - y) ** 2)),
            Mistake("regression_lineaire.loss/sum_not_mean", "la somme n'est pas divisée par n (somme au lieu de moyenne). "
                    + formula_loss, lambda y, y_hat: np.sum((y_hat - y) ** 2) / 2),
            Mistake("regression_lineaire.loss/sum_no_half", "ni la division par n ni le facteur 1/2 ne sont appliqués. "
                    + formula_loss, lambda y, y_hat: np.sum((y_hat - y) ** 2)),
            Mistake("regression_lineaire.loss/not_squared", "les écarts ne sont pas élevés au carré. " + formula_loss,
                    lambda y, y_hat: np.mean(y_hat - y) / 2),
        ],
        "gradient": [
            Mistake("regression_lineaire.gradient/sign", "le signe est inversé : on dérive (ŷ − y)², ce qui donne (ŷ − y), "
                    "pas (y − ŷ). " + formula_grad,
                    lambda x, y_hat, y: tuple(-g for g in gradient(x, y_hat, y))),
            Mistake("regression_lineaire.gradient/not_divided_by_n", "le gradient n'est pas divisé par le nombre d'exemples n. "
                    + formula_grad, lambda x, y_hat, y: tuple(len(y) * g for g in gradient(x, y_hat, y))),
            Mistake("regression_lineaire.gradient/factor_two", "un facteur 2 apparaît : avec le 1/2 de la perte, il se simplifie. "
                    + formula_grad, lambda x, y_hat, y: tuple(2 * g for g in gradient(x, y_hat, y))),
            Mistake("regression_lineaire.gradient/w_without_x", "dL/dw doit être multiplié par xᵢ dans la somme. " + formula_grad,
                    lambda x, y_hat, y: (float(np.mean(y_hat - y)), float(np.mean(y_hat - y)))),
            Mistake("regression_lineaire.gradient/swapped", "les deux composantes sont inversées : la fonction doit renvoyer "
                    "(dL/dw, dL/db), dans cet ordre.", lambda x, y_hat, y: gradient(x, y_hat, y)[::-1]),
        ],
        "train": train_mistakes("regression_lineaire", wrong_train),
    }


MISTAKES = _catalogue()
