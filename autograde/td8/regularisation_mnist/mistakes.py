"""Known wrong variants of the graded functions of TD 8, notebook 2 (02_regularisation_mnist), each named
`regularisation_mnist.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import cross_entropy, gradient, soft_threshold, softmax


def wrong_soft_threshold(kind="right"):
    """`soft_threshold` with the chosen mistake; without one, the right one.

    ``kind``: "no_sign" max(|W| − t, 0); "hard" W where |W| > t, else 0; "no_clamp" W − t·sign(W);
    "positive_only" max(W − t, 0)."""

    def threshold(W, t):
        if kind == "no_sign":
            return np.maximum(np.abs(W) - t, 0.0)
        if kind == "hard":
            return np.where(np.abs(W) > t, W, 0.0)
        if kind == "no_clamp":
            return W - t * np.sign(W)
        if kind == "positive_only":
            return np.maximum(W - t, 0.0)
        return np.sign(W) * np.maximum(np.abs(W) - t, 0.0)

    return threshold


def wrong_fit_penalized(l1="prox", threshold_eta=True, penalize_bias=False, penalty_in_history=False):
    """`fit_penalized` with the chosen mistakes; without flags, the right one.

    ``l1``: "prox" (right), "subgradient" W − η (dW + λ sign W), "threshold_first" S(W, ηλ) − η dW;
    ``threshold_eta=False``: the threshold is λ, not ηλ; ``penalize_bias``: b gets the same penalty as W;
    ``penalty_in_history``: the training loss recorded with the penalty added."""

    def fit(X, Y, X_val, Y_val, W, b, penalty, lam, eta, epochs):
        history = {"train_loss": [], "val_loss": []}
        threshold = eta * lam if threshold_eta else lam
        for _ in range(epochs):
            dW, db = gradient(X, softmax(X @ W + b), Y)
            if penalty == "L1":
                if l1 == "subgradient":
                    W = W - eta * (dW + lam * np.sign(W))
                elif l1 == "threshold_first":
                    W = soft_threshold(W, threshold) - eta * dW
                else:
                    W = soft_threshold(W - eta * dW, threshold)
                b = soft_threshold(b - eta * db, threshold) if penalize_bias else b - eta * db
            else:
                W = W - eta * (dW + lam * W)
                b = b - eta * (db + lam * b) if penalize_bias else b - eta * db
            data = cross_entropy(Y, softmax(X @ W + b))
            if penalty_in_history:
                data += lam * np.sum(np.abs(W)) if penalty == "L1" else lam / 2 * np.sum(W**2)
            history["train_loss"].append(float(data))
            history["val_loss"].append(cross_entropy(Y_val, softmax(X_val @ W + b)))
        return W, b, history

    return fit


def _catalogue():
    threshold = "Rappel : S(w, t) = sign(w) · max(|w| − t, 0) : les poids à moins de t de 0 valent exactement 0, les autres se rapprochent de 0 de t."
    fit = (
        "Rappel, à chaque époque : L2 : W ← W − η (dW + λ W) ; L1 : W ← S(W − η dW, η λ) ; b ← b − η db dans les "
        "deux cas ; l'historique reçoit l'entropie croisée seule."
    )
    return {
        "soft_threshold": [
            Mistake(
                "regularisation_mnist.soft_threshold/no_sign",
                "les poids négatifs deviennent positifs : max(|w| − t, 0) donne la taille du poids seuillé, "
                "il faut lui rendre le signe de w. " + threshold,
                wrong_soft_threshold("no_sign"),
            ),
            Mistake(
                "regularisation_mnist.soft_threshold/hard_threshold",
                "les poids au-delà du seuil sont gardés tels quels : ils doivent aussi se rapprocher de 0 de t "
                "(c'est un seuillage « doux »). " + threshold,
                wrong_soft_threshold("hard"),
            ),
            Mistake(
                "regularisation_mnist.soft_threshold/no_clamp",
                "les poids à moins de t de 0 passent de l'autre côté de 0 au lieu de s'y arrêter : w − t·sign(w) "
                "est un pas de sous-gradient, il manque le max(…, 0). " + threshold,
                wrong_soft_threshold("no_clamp"),
            ),
            Mistake(
                "regularisation_mnist.soft_threshold/positive_only",
                "tous les poids négatifs sont mis à 0 : max(w − t, 0) ne traite que le côté positif. " + threshold,
                wrong_soft_threshold("positive_only"),
            ),
        ],
        "fit_penalized": [
            Mistake(
                "regularisation_mnist.fit_penalized/l1_subgradient",
                "avec L1, W reçoit un pas de sous-gradient W − η (dW + λ sign W) : aucun poids n'arrive "
                "exactement à 0, il faut le pas proximal. " + fit,
                wrong_fit_penalized(l1="subgradient"),
            ),
            Mistake(
                "regularisation_mnist.fit_penalized/threshold_lambda",
                "avec L1, le seuil est λ au lieu de η λ : le pas proximal retire au plus η λ, comme le ferait un "
                "pas de longueur η sur la pénalité λ Σ |w|. " + fit,
                wrong_fit_penalized(threshold_eta=False),
            ),
            Mistake(
                "regularisation_mnist.fit_penalized/threshold_before_step",
                "avec L1, le seuillage est appliqué avant le pas de gradient au lieu d'après : les poids ne "
                "restent pas exactement à 0. " + fit,
                wrong_fit_penalized(l1="threshold_first"),
            ),
            Mistake(
                "regularisation_mnist.fit_penalized/bias_penalized",
                "les biais b sont pénalisés comme W : la pénalité ne porte que sur les poids. " + fit,
                wrong_fit_penalized(penalize_bias=True),
            ),
            Mistake(
                "regularisation_mnist.fit_penalized/penalty_in_history",
                "history[\"train_loss\"] contient la pénalité : l'historique mesure l'entropie croisée seule, "
                "comme la perte de validation, pour que les deux courbes se comparent. " + fit,
                wrong_fit_penalized(penalty_in_history=True),
            ),
        ],
    }


MISTAKES = _catalogue()
