"""Known wrong variants of the graded functions of TD 4, notebook 2 (02_activations), each named
`activations.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import LEAKY_ALPHA, leaky_relu, leaky_relu_prime, relu, relu_prime, sigmoid, sigmoid_prime


def _catalogue():
    return {
        "sigmoid_prime": [
            Mistake(
                "activations.sigmoid_prime/is_sigmoid",
                "c'est σ(z) qui est renvoyée, pas sa dérivée σ'(z) = σ(z)(1 − σ(z)).",
                sigmoid,
            ),
            Mistake(
                "activations.sigmoid_prime/of_z",
                "la formule a(1 − a) est appliquée à z au lieu de a = σ(z) : σ'(z) = σ(z)(1 − σ(z)), pas z(1 − z).",
                lambda z: np.asarray(z) * (1.0 - np.asarray(z)),
            ),
            Mistake(
                "activations.sigmoid_prime/sign",
                "le signe est inversé : la sigmoïde est croissante, sa dérivée σ'(z) = σ(z)(1 − σ(z)) est positive.",
                lambda z: -sigmoid_prime(z),
            ),
        ],
        "tanh_prime": [
            Mistake(
                "activations.tanh_prime/not_squared",
                "le carré est oublié : tanh'(z) = 1 − tanh²(z), pas 1 − tanh(z).",
                lambda z: 1.0 - np.tanh(z),
            ),
            Mistake(
                "activations.tanh_prime/of_z",
                "la formule 1 − a² est appliquée à z au lieu de a = tanh(z) : tanh'(z) = 1 − tanh²(z), pas 1 − z².",
                lambda z: 1.0 - np.asarray(z) ** 2,
            ),
            Mistake(
                "activations.tanh_prime/sign",
                "le signe est inversé : tanh est croissante, sa dérivée tanh'(z) = 1 − tanh²(z) est positive.",
                lambda z: np.tanh(z) ** 2 - 1.0,
            ),
        ],
        "relu_prime": [
            Mistake(
                "activations.relu_prime/is_relu",
                "c'est ReLU elle-même qui est renvoyée : sa dérivée vaut 1 pour z > 0 et 0 pour z < 0, pas z.",
                relu,
            ),
            Mistake(
                "activations.relu_prime/reversed",
                "les deux cas sont inversés : ReLU'(z) = 1 pour z > 0 et 0 pour z < 0.",
                lambda z: np.where(np.asarray(z) < 0, 1.0, 0.0),
            ),
            Mistake(
                "activations.relu_prime/sign",
                "c'est le signe de z qui est renvoyé : pour z < 0, ReLU est constante, sa dérivée vaut 0 (pas −1).",
                lambda z: np.sign(z),
            ),
        ],
        "leaky_relu_prime": [
            Mistake(
                "activations.leaky_relu_prime/no_slope",
                "la pente α est oubliée pour z < 0 : la dérivée de leaky "
                "ReLU vaut 1 pour z > 0 et α (pas 0) pour z < 0.",
                lambda z, alpha=LEAKY_ALPHA: relu_prime(z),
            ),
            Mistake(
                "activations.leaky_relu_prime/is_leaky_relu",
                "c'est leaky ReLU elle-même qui est renvoyée : sa dérivée vaut 1 pour z > 0 et α pour z < 0.",
                leaky_relu,
            ),
            Mistake(
                "activations.leaky_relu_prime/slopes_swapped",
                "les deux pentes sont inversées : la dérivée vaut 1 pour z > 0 et α pour z < 0.",
                lambda z, alpha=LEAKY_ALPHA: np.where(np.asarray(z) > 0, alpha, 1.0),
            ),
            Mistake(
                "activations.leaky_relu_prime/alpha_ignored",
                "la pente passée en argument n'est pas utilisée : pour "
                "z < 0, la dérivée vaut 0.01 quel que soit alpha, au lieu de alpha.",
                lambda z, alpha=LEAKY_ALPHA: leaky_relu_prime(z),
            ),
        ],
    }


MISTAKES = _catalogue()
