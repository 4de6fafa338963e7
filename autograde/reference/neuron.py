"""TD 1, notebook 1: a formal neuron and its activation functions.

Shapes: a batch of N inputs of dimension D is ``x: (N, D)``; a single input is ``x: (D,)``;
``w: (D,)``; ``b`` is a number. ``neuron`` returns ``(N,)`` for a batch, a number for one input.
"""
import numpy as np


def id(z):  # noqa: A001 - the TD sheet names it `id`; it shadows the builtin only in this module
    """Identity activation: id(z) = z, element-wise. z: any shape -> same shape."""
    return z


def sigmoid(z):
    """Logistic function 1 / (1 + e^{-z}), element-wise. z: any shape -> same shape, in (0, 1).

    Written with tanh because it never overflows, for any z; it equals 1/(1+exp(-z)) exactly.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def relu(z):
    """ReLU(z) = max(0, z), element-wise. z: any shape -> same shape."""
    return np.maximum(0.0, z)


def tanh(z):
    """Hyperbolic tangent, element-wise. z: any shape -> same shape, in (-1, 1)."""
    return np.tanh(z)


def neuron(x, w, b, f):
    """Output f(x·w + b) of one neuron.

    x: (D,) or (N, D); w: (D,); b: number; f: an activation applied element-wise.
    Returns a number for x: (D,), an array (N,) for x: (N, D).
    """
    return f(np.dot(x, w) + b)


# Known wrong variants, recognised by the hidden tests to name the mistake in the feedback.
def _mistakes():
    from ..checking import Mistake

    same_shape = "une activation s'applique élément par élément : id(z) = z, de même forme que z."
    return {
        "id": [
            Mistake("id_relu", "les valeurs négatives sont mises à 0, comme ReLU : l'identité renvoie z tel quel, "
                    "id(z) = z pour tout z, y compris z < 0.", lambda z: np.maximum(0.0, z)),
            Mistake("id_derivative", "c'est la dérivée id'(z) = 1 qui est calculée ; l'identité renvoie z "
                    "lui-même : id(z) = z.", lambda z: np.ones_like(np.asarray(z, dtype=float))),
            Mistake("id_flatten", "la sortie est aplatie en vecteur (ravel/flatten) alors que z peut être une "
                    "matrice ; " + same_shape, lambda z: np.ravel(z)),
            Mistake("id_sum", "les zᵢ sont additionnés en un seul nombre Σ zᵢ ; " + same_shape,
                    lambda z: np.sum(z)),
        ],
        "sigmoid": [
            Mistake("sigmoid_sign", "le signe de l'exponentielle est inversé : σ(z) = 1 / (1 + e^(−z)), "
                    "pas 1 / (1 + e^z).", lambda z: 1.0 / (1.0 + np.exp(np.asarray(z, dtype=float)))),
            Mistake("sigmoid_missing_one", "il manque le 1 au dénominateur : σ(z) = 1 / (1 + e^(−z)).",
                    lambda z: 1.0 / np.exp(-np.asarray(z, dtype=float))),
            Mistake("sigmoid_is_derivative", "c'est la dérivée σ(z)(1 − σ(z)) qui est calculée, "
                    "pas σ(z) = 1 / (1 + e^(−z)).", lambda z: sigmoid(z) * (1 - sigmoid(z))),
        ],
        "relu": [
            Mistake("relu_min", "ReLU garde les valeurs positives : ReLU(z) = max(0, z), pas min(0, z).",
                    lambda z: np.minimum(0.0, z)),
            Mistake("relu_abs", "ReLU met les valeurs négatives à 0 ; |z| les rend positives.",
                    lambda z: np.abs(z)),
            Mistake("relu_step", "ReLU(z) vaut z quand z > 0 (pas 1) : c'est la dérivée qui vaut 1.",
                    lambda z: (np.asarray(z) > 0).astype(float)),
        ],
        "tanh": [
            Mistake("tanh_is_sigmoid", "c'est la sigmoïde qui est calculée ; tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)).",
                    sigmoid),
            Mistake("tanh_sign", "le numérateur est inversé : tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)).",
                    lambda z: -np.tanh(z)),
            Mistake("tanh_half", "tanh(z) = 2σ(2z) − 1 : le facteur 2 devant z a été oublié.",
                    lambda z: 2 * sigmoid(z) - 1),
        ],
        "neuron": [
            Mistake("neuron_no_bias", "le biais b n'est pas ajouté : la sortie est f(x·w + b).",
                    lambda x, w, b, f: f(np.dot(x, w))),
            Mistake("neuron_bias_after_activation", "le biais est ajouté après l'activation : "
                    "la sortie est f(x·w + b), pas f(x·w) + b.", lambda x, w, b, f: f(np.dot(x, w)) + b),
            Mistake("neuron_no_activation", "la fonction d'activation f n'est pas appliquée : "
                    "la sortie est f(x·w + b).", lambda x, w, b, f: np.dot(x, w) + b),
        ],
    }


MISTAKES = _mistakes()
