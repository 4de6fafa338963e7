"""Known wrong variants of the graded functions of TD 7, notebook 1 (01_initialisation_regularisation), each
named `initialisation_regularisation.<function>/<what>`: the hidden tests recognise them to name the mistake
in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import INIT_SEED


def wrong_init_params(std_rule="he", random_biases=False):
    """`init_params` with the chosen mistakes; without flags, the right one.

    ``std_rule``: the standard deviation of a layer's weights, "he" √(2/n_in) (right), "xavier"
    √(2/(n_in + n_out)), "variance" 2/n_in (the variance taken for the standard deviation) or "fan_out"
    √(2/n_out); ``random_biases``: biases drawn like the weights, right after them."""

    def init_params(n_in, n_hidden, n_out, seed=INIT_SEED):
        rng = np.random.default_rng(seed)
        layers = []
        for fan_in, fan_out in ((n_in, n_hidden), (n_hidden, n_out)):
            std = {
                "he": np.sqrt(2.0 / fan_in),
                "xavier": np.sqrt(2.0 / (fan_in + fan_out)),
                "variance": 2.0 / fan_in,
                "fan_out": np.sqrt(2.0 / fan_out),
            }[std_rule]
            W = rng.normal(0.0, std, size=(fan_in, fan_out))
            b = rng.normal(0.0, std, size=fan_out) if random_biases else np.zeros(fan_out)
            layers += [W, b]
        return tuple(layers)

    return init_params


def wrong_dropout(scale=True, keep_is_p=False, ignore_training=False):
    """`dropout` with the chosen mistakes; without flags, the right one.

    ``scale=False``: the kept units are not divided by 1 − p; ``keep_is_p``: p taken for the probability
    of keeping a unit (u < p, divided by p); ``ignore_training``: masks drawn at test time too."""

    def dropout(A, p, rng, training=True):
        if not training and not ignore_training:
            return A, np.ones_like(A)
        u = rng.random(A.shape)
        keep = (u < p) if keep_is_p else (u >= p)
        mask = (keep / (p if keep_is_p else 1.0 - p)) if scale else keep * 1.0
        return A * mask, mask

    return dropout


def wrong_l2_penalty(value_factor=0.5, grad_factor=1.0, with_biases=False):
    """`l2_penalty` with the chosen mistakes; without flags, the right one.

    ``value_factor``: the factor of λ(‖W1‖² + ‖W2‖²) in the penalty (½ is right); ``grad_factor``: the factor
    of λW in the gradient (1 is right); ``with_biases``: the biases penalised too (in the value and the
    gradient)."""

    def l2_penalty(params, lam):
        W1, b1, W2, b2 = params
        squares = np.sum(W1**2) + np.sum(W2**2)
        db1, db2 = np.zeros_like(b1), np.zeros_like(b2)
        if with_biases:
            squares += np.sum(b1**2) + np.sum(b2**2)
            db1, db2 = lam * b1, lam * b2
        return float(value_factor * lam * squares), (grad_factor * lam * W1, db1, grad_factor * lam * W2, db2)

    return l2_penalty


def _catalogue():
    init = "Rappel (He) : W ~ N(0, 2/n_entrée), écart-type √(2/n_entrée), biais nuls."
    drop = (
        "Rappel (dropout inversé) : u = rng.random(A.shape), masque = (u ≥ p) / (1 − p) où p est la "
        "probabilité d'ÉTEINDRE un neurone ; en test, pas de dropout."
    )
    l2 = "Rappel : la pénalité vaut λ/2 (‖W1‖² + ‖W2‖²), sur les poids seulement."
    return {
        "init_params": [
            Mistake(
                "initialisation_regularisation.init_params/xavier_instead_of_he",
                "l'écart-type de Xavier √(2/(n_entrée + n_sortie)) est utilisé ; avec ReLU, la règle de l'énoncé "
                "est celle de He, √(2/n_entrée). " + init,
                wrong_init_params("xavier"),
            ),
            Mistake(
                "initialisation_regularisation.init_params/variance_as_std",
                "2/n_entrée est la VARIANCE ; rng.normal attend l'écart-type √(2/n_entrée). " + init,
                wrong_init_params("variance"),
            ),
            Mistake(
                "initialisation_regularisation.init_params/random_biases",
                "les biais sont tirés au hasard au lieu de partir de zéro (np.zeros), et ces tirages décalent "
                "ceux de W2. " + init,
                wrong_init_params(random_biases=True),
            ),
            Mistake(
                "initialisation_regularisation.init_params/fan_out",
                "l'écart-type dépend du nombre d'ENTRÉES de la couche (n_entrée), pas de son nombre de sorties. "
                + init,
                wrong_init_params("fan_out"),
            ),
        ],
        "dropout": [
            Mistake(
                "initialisation_regularisation.dropout/not_rescaled",
                "le masque n'est pas divisé par 1 − p (dropout non inversé) : les neurones gardés valent 1 "
                "dans le masque au lieu de 1/(1 − p). " + drop,
                wrong_dropout(scale=False),
            ),
            Mistake(
                "initialisation_regularisation.dropout/keep_drop_confused",
                "p est pris pour la probabilité de GARDER un neurone (u < p, division par p) alors que c'est "
                "celle de l'éteindre. " + drop,
                wrong_dropout(keep_is_p=True),
            ),
            Mistake(
                "initialisation_regularisation.dropout/at_test_time",
                "le dropout est appliqué aussi quand training=False : au test, A doit être renvoyé tel quel avec "
                "un masque de 1. " + drop,
                wrong_dropout(ignore_training=True),
            ),
        ],
        "l2_penalty": [
            Mistake(
                "initialisation_regularisation.l2_penalty/no_half",
                "la pénalité vaut λ (‖W1‖² + ‖W2‖²), deux fois trop : il manque le facteur 1/2. " + l2,
                wrong_l2_penalty(value_factor=1.0),
            ),
            Mistake(
                "initialisation_regularisation.l2_penalty/gradient_factor_two",
                "le gradient des poids vaut 2λW au lieu de λW : le 1/2 de la pénalité compense le 2 de la "
                "dérivée de W². " + l2,
                wrong_l2_penalty(grad_factor=2.0),
            ),
            Mistake(
                "initialisation_regularisation.l2_penalty/biases_penalised",
                "les biais sont pénalisés aussi (dans la pénalité et dans leur gradient) : seuls W1 et W2 le "
                "sont, le gradient des biais est nul. " + l2,
                wrong_l2_penalty(with_biases=True),
            ),
        ],
    }


MISTAKES = _catalogue()
