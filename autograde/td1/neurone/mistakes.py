"""Known wrong variants of the graded functions of TD 1, notebook 1 (01_neurone), each named
`neurone.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from . import solution


def wrong_id(relu=False, derivative=False, flatten=False, summed=False):
    """`id` with the chosen mistake; without flags, the right one.

    ``relu``: the negative values set to 0; ``derivative``: id'(z) = 1 everywhere; ``flatten``: the
    output raveled into a vector; ``summed``: the zᵢ added into one number."""

    def id(z):  # noqa: A001 - the TD sheet names it `id`
        if relu:
            return np.maximum(0.0, z)
        if derivative:
            return np.ones_like(np.asarray(z, dtype=float))
        if flatten:
            return np.ravel(z)
        if summed:
            return np.sum(z)
        return z

    return id


def wrong_sigmoid(exp_sign=-1.0, one=True, derivative=False):
    """`sigmoid` with the chosen mistake; without flags, the right one, 1 / (1 + e^(−z)).

    ``exp_sign=+1``: 1 / (1 + e^z); ``one=False``: the 1 of the denominator forgotten, 1 / e^(−z);
    ``derivative``: σ(z)(1 − σ(z))."""

    def sigmoid(z):
        if derivative:
            return solution.sigmoid(z) * (1 - solution.sigmoid(z))
        z = np.asarray(z, dtype=float)
        return 1.0 / ((1.0 if one else 0.0) + np.exp(exp_sign * z))

    return sigmoid


def wrong_relu(minimum=False, absolute=False, step=False):
    """`relu` with the chosen mistake; without flags, the right one.

    ``minimum``: min(0, z) instead of max(0, z); ``absolute``: |z|; ``step``: 1 where z > 0 (the
    derivative)."""

    def relu(z):
        if absolute:
            return np.abs(z)
        if step:
            return (np.asarray(z) > 0).astype(float)
        return np.minimum(0.0, z) if minimum else np.maximum(0.0, z)

    return relu


def wrong_tanh(is_sigmoid=False, opposite=False, half=False):
    """`tanh` with the chosen mistake; without flags, the right one.

    ``is_sigmoid``: σ(z); ``opposite``: −tanh(z); ``half``: 2σ(z) − 1 = tanh(z/2), the 2 of
    tanh(z) = 2σ(2z) − 1 forgotten."""

    def tanh(z):
        if is_sigmoid:
            return solution.sigmoid(z)
        if half:
            return 2 * solution.sigmoid(z) - 1
        return -np.tanh(z) if opposite else np.tanh(z)

    return tanh


def wrong_neuron(bias=True, bias_after_activation=False, activation=True):
    """`neuron` with the chosen mistake; without flags, the right one, f(x·w + b).

    ``bias=False``: f(x·w); ``bias_after_activation``: f(x·w) + b; ``activation=False``: x·w + b."""

    def neuron(x, w, b, f):
        z = np.dot(x, w)
        if bias_after_activation:
            return f(z) + b
        if bias:
            z = z + b
        return f(z) if activation else z

    return neuron


def _catalogue():
    same_shape = "une activation s'applique élément par élément : id(z) = z, de même forme que z."
    return {
        "id": [
            Mistake(
                "neurone.id/relu",
                "les valeurs négatives sont mises à 0, comme ReLU : l'identité renvoie z tel quel, "
                "id(z) = z pour tout z, y compris z < 0.",
                wrong_id(relu=True),
            ),
            Mistake(
                "neurone.id/derivative",
                "la fonction renvoie 1 partout, la dérivée id'(z) = 1 ; l'identité renvoie z lui-même : id(z) = z.",
                wrong_id(derivative=True),
            ),
            Mistake(
                "neurone.id/flatten",
                "la sortie est aplatie en vecteur alors que z peut être une matrice ; " + same_shape,
                wrong_id(flatten=True),
            ),
            Mistake(
                "neurone.id/sum",
                "les zᵢ sont additionnés en un seul nombre Σ zᵢ ; " + same_shape,
                wrong_id(summed=True),
            ),
        ],
        "sigmoid": [
            Mistake(
                "neurone.sigmoid/sign",
                "le signe de l'exponentielle est inversé : σ(z) = 1 / (1 + e^(−z)), pas 1 / (1 + e^z).",
                wrong_sigmoid(exp_sign=+1.0),
            ),
            Mistake(
                "neurone.sigmoid/missing_one",
                "le résultat vaut e^z = 1 / e^(−z) : il manque le 1 au dénominateur, σ(z) = 1 / (1 + e^(−z)).",
                wrong_sigmoid(one=False),
            ),
            Mistake(
                "neurone.sigmoid/is_derivative",
                "le résultat est la dérivée σ(z)(1 − σ(z)), pas σ(z) = 1 / (1 + e^(−z)).",
                wrong_sigmoid(derivative=True),
            ),
        ],
        "relu": [
            Mistake(
                "neurone.relu/min",
                "ReLU garde les valeurs positives : ReLU(z) = max(0, z), pas min(0, z).",
                wrong_relu(minimum=True),
            ),
            Mistake(
                "neurone.relu/abs",
                "ReLU met les valeurs négatives à 0 ; |z| les rend positives.",
                wrong_relu(absolute=True),
            ),
            Mistake(
                "neurone.relu/step",
                "ReLU(z) vaut z quand z > 0 (pas 1) : c'est la dérivée qui vaut 1.",
                wrong_relu(step=True),
            ),
        ],
        "tanh": [
            Mistake(
                "neurone.tanh/is_sigmoid",
                "le résultat est la sigmoïde σ(z), à valeurs dans (0, 1) ; "
                "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)), à valeurs dans (−1, 1).",
                wrong_tanh(is_sigmoid=True),
            ),
            Mistake(
                "neurone.tanh/sign",
                "le résultat est −tanh(z), de signe opposé : tanh(z) = (e^z − e^(−z)) / "
                "(e^z + e^(−z)) est positive pour z > 0.",
                wrong_tanh(opposite=True),
            ),
            Mistake(
                "neurone.tanh/half",
                "le résultat vaut tanh(z/2) = 2σ(z) − 1 : l'argument est deux fois trop "
                "petit. tanh(z) = 2σ(2z) − 1 = (e^z − e^(−z)) / (e^z + e^(−z)).",
                wrong_tanh(half=True),
            ),
        ],
        "neuron": [
            Mistake(
                "neurone.neuron/no_bias",
                "le biais b n'est pas ajouté : la sortie est f(x·w + b).",
                wrong_neuron(bias=False),
            ),
            Mistake(
                "neurone.neuron/bias_after_activation",
                "le biais est ajouté après l'activation : la sortie est f(x·w + b), pas f(x·w) + b.",
                wrong_neuron(bias_after_activation=True),
            ),
            Mistake(
                "neurone.neuron/no_activation",
                "la fonction d'activation f n'est pas appliquée : la sortie est f(x·w + b).",
                wrong_neuron(activation=False),
            ),
        ],
    }


MISTAKES = _catalogue()
