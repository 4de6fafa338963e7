"""Wrong variants of a gradient-descent `train`, shared by the catalogues of mistakes of TD 1's two regressions
(regression_lineaire and regression_logistique: the same loop, with their own model and starting point)."""

import numpy as np

from ..checking import Mistake


def wrong_train(initial_parameters, predict, loss, gradient, sign=-1.0, use_eta=True, loss_after_step=False):
    """A `train(x, y, eta, epochs) -> (w, b, losses)` that makes the chosen mistake; with the default
    flags, the right one.

    sign=+1: climbs the gradient; use_eta=False: steps by the raw gradient; loss_after_step=True:
    records the loss after the update instead of before.
    """

    def train(x, y, eta, epochs):
        w, b = initial_parameters(x)
        losses = np.empty(epochs)
        for epoch in range(epochs):
            dw, db = gradient(x, predict(x, w, b), y)
            if not loss_after_step:
                losses[epoch] = loss(y, predict(x, w, b))
            step = eta if use_eta else 1.0
            w, b = w + sign * step * dw, b + sign * step * db
            if loss_after_step:
                losses[epoch] = loss(y, predict(x, w, b))
        return w, b, losses

    return train


def train_mistakes(notebook, variant):
    """The three catalogued mistakes of a gradient-descent `train`, named ``<notebook>.train/<what>``;
    ``variant(**flags)`` is the notebook's ``wrong_train``."""
    return [
        Mistake(
            f"{notebook}.train/plus_update",
            "la mise à jour monte le gradient au lieu de le descendre : w ← w − η·dL/dw (signe moins).",
            variant(sign=+1.0),
        ),
        Mistake(
            f"{notebook}.train/ignores_eta",
            "le pas d'apprentissage η n'est pas utilisé : w ← w − η·dL/dw.",
            variant(use_eta=False),
        ),
        Mistake(
            f"{notebook}.train/loss_after_step",
            "la perte est enregistrée après la mise à jour ; elle doit l'être "
            "avant, avec les paramètres de l'époque (losses[0] = perte au départ).",
            variant(loss_after_step=True),
        ),
    ]
