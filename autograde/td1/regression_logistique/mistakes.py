"""Known wrong variants of the graded functions of TD 1, notebook 3 (03_regression_logistique), each named
`regression_logistique.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""
import numpy as np

from ...checking import Mistake
from ... import wrong_training
from ...wrong_training import train_mistakes
from .solution import EPS, gradient, loss, predict, predict_proba


def wrong_train(**flags):
    """`train` making the chosen mistakes (autograde/wrong_training.py); without flags, the right one."""
    return wrong_training.wrong_train(lambda x: (np.zeros(x.shape[1]), 0.0), predict_proba, loss, gradient, **flags)


def _catalogue():
    formula_loss = "Rappel : L = −1/n Σ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)]."
    formula_grad = "Rappel : dL/dw = 1/n xᵀ(ŷ − y) (forme (D,)) et dL/db = 1/n Σ (ŷᵢ − yᵢ) (un nombre)."

    def unclipped(y, y_hat):
        return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))

    return {
        "loss": [
            Mistake("regression_logistique.loss/log_zero", "log(0) n'est pas évité : quand ŷ vaut exactement 0 ou 1, la perte "
                    "devient nan ou inf. Bornez ŷ avec np.clip(y_hat, 1e-12, 1 - 1e-12).", unclipped),
            Mistake("regression_logistique.loss/sign", "le signe moins a été oublié : la perte doit être positive. " + formula_loss,
                    lambda y, y_hat: -loss(y, y_hat)),
            Mistake("regression_logistique.loss/sum_not_mean", "la somme n'est pas divisée par n (somme au lieu de moyenne). "
                    + formula_loss, lambda y, y_hat: len(y) * loss(y, y_hat)),
            Mistake("regression_logistique.loss/only_positive_term", "le terme (1 − yᵢ) log(1 − ŷᵢ) manque. " + formula_loss,
                    lambda y, y_hat: float(-np.mean(y * np.log(np.clip(y_hat, EPS, 1 - EPS))))),
        ],
        "gradient": [
            Mistake("regression_logistique.gradient/sign", "le signe est inversé : c'est (ŷ − y), pas (y − ŷ). " + formula_grad,
                    lambda x, y_hat, y: (-gradient(x, y_hat, y)[0], -gradient(x, y_hat, y)[1])),
            Mistake("regression_logistique.gradient/not_divided_by_n", "le gradient n'est pas divisé par n. " + formula_grad,
                    lambda x, y_hat, y: (len(y) * gradient(x, y_hat, y)[0], len(y) * gradient(x, y_hat, y)[1])),
            Mistake("regression_logistique.gradient/bias_not_summed", "dL/db n'est pas sommé sur les exemples : c'est un nombre, "
                    "la moyenne des (ŷᵢ − yᵢ). " + formula_grad,
                    lambda x, y_hat, y: (gradient(x, y_hat, y)[0], (y_hat - y) / len(y))),
            Mistake("regression_logistique.gradient/bias_not_averaged_vector", "dL/db doit être un nombre (la moyenne des ŷᵢ − yᵢ), "
                    "pas le vecteur des écarts. " + formula_grad,
                    lambda x, y_hat, y: (gradient(x, y_hat, y)[0], y_hat - y)),
        ],
        "train": train_mistakes("regression_logistique", wrong_train),
        "predict": [
            Mistake("regression_logistique.predict/probabilities", "predict doit renvoyer des classes 0 ou 1, pas les probabilités ŷ : "
                    "seuil à 0,5.", lambda x, w, b: predict_proba(x, w, b)),
            Mistake("regression_logistique.predict/inverted", "les classes sont inversées : la classe 1 correspond à ŷ ≥ 0,5.",
                    lambda x, w, b: 1 - predict(x, w, b)),
            Mistake("regression_logistique.predict/threshold_zero", "le seuil 0 est appliqué à la probabilité ŷ, toujours positive : "
                    "tout est classé 1. Sur ŷ, le seuil est 0,5.",
                    lambda x, w, b: (predict_proba(x, w, b) >= 0).astype(int)),
        ],
    }


MISTAKES = _catalogue()
