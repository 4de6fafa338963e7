"""Known wrong variants of the graded functions of TD 1, notebook 1 (01_neurone), each named
`neurone.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""
import numpy as np

from ...checking import Mistake
from .solution import sigmoid


def _catalogue():
    same_shape = "une activation s'applique élément par élément : id(z) = z, de même forme que z."
    return {
        "id": [
            Mistake("neurone.id/relu", "les valeurs négatives sont mises à 0, comme ReLU : l'identité renvoie z tel quel, "
                    "id(z) = z pour tout z, y compris z < 0.", lambda z: np.maximum(0.0, z)),
            Mistake("neurone.id/derivative", "c'est la dérivée id'(z) = 1 qui est calculée ; l'identité renvoie z "
                    "lui-même : id(z) = z.", lambda z: np.ones_like(np.asarray(z, dtype=float))),
            Mistake("neurone.id/flatten", "la sortie est aplatie en vecteur (ravel/flatten) alors que z peut être une "
                    "matrice ; " + same_shape, lambda z: np.ravel(z)),
            Mistake("neurone.id/sum", "les zᵢ sont additionnés en un seul nombre Σ zᵢ ; " + same_shape,
                    lambda z: np.sum(z)),
        ],
        "sigmoid": [
            Mistake("neurone.sigmoid/sign", "le signe de l'exponentielle est inversé : σ(z) = 1 / (1 + e^(−z)), "
                    "pas 1 / (1 + e^z).", lambda z: 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))),
            Mistake("neurone.sigmoid/missing_one", "il manque le 1 au dénominateur : σ(z) = 1 / (1 + e^(−z)).",
                    lambda z: 1.0 / np.exp(-np.asarray(z, dtype=float))),
            Mistake("neurone.sigmoid/is_derivative", "c'est la dérivée σ(z)(1 − σ(z)) qui est calculée, "
                    "pas σ(z) = 1 / (1 + e^(−z)).", lambda z: sigmoid(z) * (1 - sigmoid(z))),
        ],
        "relu": [
            Mistake("neurone.relu/min", "ReLU garde les valeurs positives : ReLU(z) = max(0, z), pas min(0, z).",
                    lambda z: np.minimum(0.0, z)),
            Mistake("neurone.relu/abs", "ReLU met les valeurs négatives à 0 ; |z| les rend positives.",
                    lambda z: np.abs(z)),
            Mistake("neurone.relu/step", "ReLU(z) vaut z quand z > 0 (pas 1) : c'est la dérivée qui vaut 1.",
                    lambda z: (np.asarray(z) > 0).astype(float)),
        ],
        "tanh": [
            Mistake("neurone.tanh/is_sigmoid", "c'est la sigmoïde qui est calculée ; tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)).",
                    sigmoid),
            Mistake("neurone.tanh/sign", "le numérateur est inversé : tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)).",
                    lambda z: -np.tanh(z)),
            Mistake("neurone.tanh/half", "tanh(z) = 2σ(2z) − 1 : le facteur 2 devant z a été oublié.",
                    lambda z: 2 * sigmoid(z) - 1),
        ],
        "neuron": [
            Mistake("neurone.neuron/no_bias", "le biais b n'est pas ajouté : la sortie est f(x·w + b).",
                    lambda x, w, b, f: f(np.dot(x, w))),
            Mistake("neurone.neuron/bias_after_activation", "le biais est ajouté après l'activation : "
                    "la sortie est f(x·w + b), pas f(x·w) + b.", lambda x, w, b, f: f(np.dot(x, w)) + b),
            Mistake("neurone.neuron/no_activation", "la fonction d'activation f n'est pas appliquée : "
                    "la sortie est f(x·w + b).", lambda x, w, b, f: np.dot(x, w) + b),
        ],
    }


MISTAKES = _catalogue()
