"""Known wrong variants of the graded functions of TD 1, notebook 3 (03_regression_logistique), each named
`regression_logistique.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .. import wrong_training
from ..wrong_training import train_mistakes
from .solution import EPS, gradient, loss, predict_proba, sigmoid


def wrong_predict_proba(activation=True, bias=True, negative_class=False):
    """`predict_proba` with the chosen mistakes; without flags, the right one, σ(X w + b).

    ``activation=False``: z itself, the sigmoid forgotten (the identity passed to neuron);
    ``bias=False``: σ(X w), b forgotten; ``negative_class=True``: 1 − σ(X w + b), the probability of class 0."""

    def predict_proba(X, w, b):
        z = X @ w + (b if bias else 0.0)
        y_hat = sigmoid(z) if activation else z
        return 1.0 - y_hat if negative_class else y_hat

    return predict_proba


def wrong_loss(clip=True, sign=-1.0, mean=True, negative_class=True):
    """`loss` with the chosen mistakes; without flags, the right one, the binary cross-entropy.

    ``clip=False``: log of ŷ unbounded (nan or inf where ŷ is 0 or 1); ``sign=+1``: the minus forgotten;
    ``mean=False``: the sum, not divided by n; ``negative_class=False``: the term (1 − yᵢ) log(1 − ŷᵢ)
    forgotten."""

    def loss(y, y_hat):
        p = np.clip(y_hat, EPS, 1.0 - EPS) if clip else y_hat
        terms = y * np.log(p) + (1.0 - y) * np.log(1.0 - p) if negative_class else y * np.log(p)
        total = np.mean(terms) if mean else np.sum(terms)
        return float(sign * total)

    return loss


def wrong_gradient(sign=1.0, divide=True, bias="mean"):
    """`gradient` with the chosen mistakes; without flags, the right one, (xᵀ(ŷ − y)/N, mean(ŷ − y)).

    ``sign=-1``: (y − ŷ) instead of (ŷ − y); ``divide=False``: not divided by n; ``bias``: dL/db as
    "mean" (right), "per_example" (the vector (ŷ − y)/N, not summed) or "residual" (the vector ŷ − y)."""

    def gradient(x, y_hat, y):
        residual = y_hat - y
        scale = sign * (1 if divide else len(y))  # not divided by n: n times the mean
        dw, db = scale * (x.T @ residual / len(y)), scale * float(np.mean(residual))
        return dw, {"mean": db, "per_example": residual / len(y), "residual": residual}[bias]

    return gradient


def wrong_train(**flags):
    """`train` making the chosen mistakes (autograde/td1/wrong_training.py); without flags, the right one."""

    def initial_parameters(x):
        return np.zeros(x.shape[1]), 0.0

    return wrong_training.wrong_train(initial_parameters, predict_proba, loss, gradient, **flags)


def wrong_predict(threshold=0.5, probabilities=False, inverted=False):
    """`predict` with the chosen mistakes; without flags, the right one, 1 where ŷ ≥ 0.5.

    ``threshold``: the threshold on ŷ (0: every example in class 1); ``probabilities``: ŷ itself, not
    thresholded; ``inverted``: class 0 where ŷ ≥ 0.5."""

    def predict(x, w, b):
        y_hat = predict_proba(x, w, b)
        if probabilities:
            return y_hat
        labels = (y_hat >= threshold).astype(int)
        return 1 - labels if inverted else labels

    return predict


def _catalogue():
    formula_loss = "Rappel : L = −1/N Σ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)]."
    formula_grad = "Rappel : dL/dw = 1/N Xᵀ(ŷ − y) (forme (D,)) et dL/db = 1/N Σ (ŷᵢ − yᵢ) (un nombre)."
    formula_proba = "Rappel : ŷ = σ(X w + b), soit neuron(X, w, b, sigmoid)."
    return {
        "predict_proba": [
            Mistake(
                "regression_logistique.predict_proba/no_activation",
                "les sorties ne sont pas toutes dans ]0, 1[ : ce sont les valeurs X w + b, sans la sigmoïde. "
                + formula_proba,
                wrong_predict_proba(activation=False),
            ),
            Mistake(
                "regression_logistique.predict_proba/bias_forgotten",
                "les sorties ne dépendent pas de b : le biais manque dans la somme. " + formula_proba,
                wrong_predict_proba(bias=False),
            ),
            Mistake(
                "regression_logistique.predict_proba/class_zero",
                "chaque sortie vaut 1 moins la bonne : c'est la probabilité de la classe 0, pas celle de la classe 1. "
                + formula_proba,
                wrong_predict_proba(negative_class=True),
            ),
        ],
        "loss": [
            Mistake(
                "regression_logistique.loss/log_zero",
                "log(0) n'est pas évité : quand ŷ vaut exactement 0 ou 1, la perte "
                "devient nan ou inf. Bornez ŷ avec np.clip(y_hat, 1e-12, 1 - 1e-12).",
                wrong_loss(clip=False),
            ),
            Mistake(
                "regression_logistique.loss/sign",
                "le signe moins a été oublié : la perte doit être positive. " + formula_loss,
                wrong_loss(sign=+1.0),
            ),
            Mistake(
                "regression_logistique.loss/sum_not_mean",
                "la somme n'est pas divisée par N (somme au lieu de moyenne). " + formula_loss,
                wrong_loss(mean=False),
            ),
            Mistake(
                "regression_logistique.loss/only_positive_term",
                "le terme (1 − yᵢ) log(1 − ŷᵢ) manque. " + formula_loss,
                wrong_loss(negative_class=False),
            ),
        ],
        "gradient": [
            Mistake(
                "regression_logistique.gradient/sign",
                "le signe est inversé : c'est (ŷ − y), pas (y − ŷ). " + formula_grad,
                wrong_gradient(sign=-1.0),
            ),
            Mistake(
                "regression_logistique.gradient/not_divided_by_n",
                "le gradient n'est pas divisé par N. " + formula_grad,
                wrong_gradient(divide=False),
            ),
            Mistake(
                "regression_logistique.gradient/bias_not_summed",
                "dL/db n'est pas sommé sur les exemples : c'est un nombre, la moyenne des (ŷᵢ − yᵢ). " + formula_grad,
                wrong_gradient(bias="per_example"),
            ),
            Mistake(
                "regression_logistique.gradient/bias_not_averaged_vector",
                "dL/db doit être un nombre (la moyenne des ŷᵢ − yᵢ), pas le vecteur des écarts. " + formula_grad,
                wrong_gradient(bias="residual"),
            ),
        ],
        "train": train_mistakes("regression_logistique", wrong_train),
        "predict": [
            Mistake(
                "regression_logistique.predict/probabilities",
                "predict doit renvoyer des classes 0 ou 1, pas les probabilités ŷ : seuil à 0,5.",
                wrong_predict(probabilities=True),
            ),
            Mistake(
                "regression_logistique.predict/inverted",
                "les classes sont inversées : la classe 1 correspond à ŷ ≥ 0,5.",
                wrong_predict(inverted=True),
            ),
            Mistake(
                "regression_logistique.predict/threshold_zero",
                "tout est classé 1, comme avec le seuil 0 appliqué "
                "à la probabilité ŷ, toujours positive. Sur ŷ, le seuil est 0,5 : 1 là où ŷ ≥ 0,5.",
                wrong_predict(threshold=0.0),
            ),
        ],
    }


MISTAKES = _catalogue()
