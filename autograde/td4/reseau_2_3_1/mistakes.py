"""Known wrong variants of the graded functions of TD 4, notebook 1 (01_reseau_2_3_1), each named
`reseau_2_3_1.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import GUARD, count_parameters, forward, numerical_gradient, sigmoid


def wrong_forward(hidden_activation=True, output_activation=True, half=True, mean=True):
    """`forward` without the chosen parts (an activation, the 1/2, the mean); without flags, the right one."""

    def forward_variant(x, y, W1, b1, W2, b2):
        z1 = x @ W1 + b1
        a1 = sigmoid(z1) if hidden_activation else z1
        z2 = a1 @ W2 + b2
        y_hat = sigmoid(z2) if output_activation else z2
        total = np.sum((y_hat - y) ** 2) / (len(y) if mean else 1)
        return z1, a1, z2, y_hat, float(total / 2 if half else total)

    return forward_variant


def wrong_backward(transposed=False, sum_bias=True, output_derivative=True, derivative="sigma_prime", divide_by_n=True):
    """`backward` making the chosen mistakes; without flags, the right one. ``derivative="sigma"`` uses
    a = σ(z) where σ'(z) = a(1 − a) is due."""

    def backward_variant(x, y, W1, b1, W2, b2):
        _, a1, _, y_hat, _ = forward(x, y, W1, b1, W2, b2)

        def local(a):
            return a * (1.0 - a) if derivative == "sigma_prime" else a

        dy = (y_hat - y) / (x.shape[0] if divide_by_n else 1)
        dz2 = dy * local(y_hat) if output_derivative else dy
        dz1 = (dz2 @ W2.T) * local(a1)
        if transposed:
            dW1, dW2 = dz1.T @ x, dz2.T @ a1
        else:
            dW1, dW2 = x.T @ dz1, a1.T @ dz2
        if sum_bias:
            db1, db2 = dz1.sum(axis=0), dz2.sum(axis=0)
        else:
            db1, db2 = dz1, dz2
        return dW1, db1, dW2, db2

    return backward_variant


def wrong_gradient_check(absolute=True, guard=True, reduce="max", per_parameter=True, pass_h=True):
    """`gradient_check` making the chosen mistakes; without flags, the right one.

    ``reduce``: "max" (right), "mean" (the mean of the entries' errors) or "norms" (‖a − n‖ / (‖a‖ + ‖n‖),
    one ratio of norms instead of the worst entry); ``per_parameter=False``: one number for all parameters;
    ``pass_h=False``: the numerical gradient at its default step, whatever h is given.
    """

    def error(analytic, numeric):
        analytic, numeric = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
        if reduce == "norms":
            return float(np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric)))
        gap = np.abs(analytic - numeric) if absolute else analytic - numeric
        scale = np.abs(analytic) + np.abs(numeric)
        ratios = gap / (np.maximum(GUARD, scale) if guard else scale)
        return float(np.mean(ratios) if reduce == "mean" else np.max(ratios))

    def gradient_check_variant(f, params, grads, h=1e-5):
        errors = []
        for k, (param, grad) in enumerate(zip(params, grads)):

            def loss_of_one(theta, k=k):
                return f(*params[:k], theta, *params[k + 1 :])

            numeric = numerical_gradient(loss_of_one, param, h) if pass_h else numerical_gradient(loss_of_one, param)
            errors.append(error(grad, numeric))
        return tuple(errors) if per_parameter else max(errors)

    return gradient_check_variant


def _catalogue():
    forward_formulas = "Rappel : z1 = X W1 + b1, a1 = σ(z1), z2 = a1 W2 + b2, ŷ = σ(z2), L = 1/(2N) Σ (ŷᵢ − yᵢ)²."
    backward_formulas = (
        "Rappel : dL/dz2 = (ŷ − y)/N · ŷ(1 − ŷ), dW2 = a1ᵀ dz2, db2 = Σ dz2 (sur le lot), "
        "dL/dz1 = (dz2 W2ᵀ) · a1(1 − a1), dW1 = Xᵀ dz1, db1 = Σ dz1."
    )
    count_formula = "Rappel : une couche nₖ → nₖ₊₁ a nₖ·nₖ₊₁ poids et nₖ₊₁ biais, soit Σₖ (nₖ + 1)·nₖ₊₁."
    error_formula = (
        "Rappel : pour chaque paramètre, err = max sur les cases de |a − n| / max(1e-12, |a| + |n|), "
        "a le gradient donné, n le gradient numérique."
    )
    return {
        "forward": [
            Mistake(
                "reseau_2_3_1.forward/no_output_sigmoid",
                "la sigmoïde de la couche de sortie est oubliée : ŷ = σ(z2), pas z2. " + forward_formulas,
                wrong_forward(output_activation=False),
            ),
            Mistake(
                "reseau_2_3_1.forward/loss_no_half",
                "le facteur 1/2 de la perte est oublié. " + forward_formulas,
                wrong_forward(half=False),
            ),
            Mistake(
                "reseau_2_3_1.forward/loss_sum",
                "la perte est sommée sur le lot au lieu d'être moyennée (division par N oubliée). " + forward_formulas,
                wrong_forward(mean=False),
            ),
            Mistake(
                "reseau_2_3_1.forward/no_hidden_sigmoid",
                "la sigmoïde de la couche cachée est oubliée : a1 = σ(z1), pas z1. " + forward_formulas,
                wrong_forward(hidden_activation=False),
            ),
        ],
        "backward": [
            Mistake(
                "reseau_2_3_1.backward/transposed_weights",
                "les gradients des poids sont transposés (dz1ᵀ X au "
                "lieu de Xᵀ dz1) : dL/dW doit avoir la forme de W, (2, 3) pour W1 et (3, 1) pour W2. "
                + backward_formulas,
                wrong_backward(transposed=True),
            ),
            Mistake(
                "reseau_2_3_1.backward/bias_not_summed",
                "le gradient d'un biais n'est pas sommé sur les exemples "
                "du lot : db1 doit avoir la forme (3,) et db2 la forme (1,). " + backward_formulas,
                wrong_backward(sum_bias=False),
            ),
            Mistake(
                "reseau_2_3_1.backward/no_output_derivative",
                "la dérivée de la sigmoïde de sortie est oubliée : "
                "dL/dz2 = dL/dŷ · σ'(z2) = dL/dŷ · ŷ(1 − ŷ). " + backward_formulas,
                wrong_backward(output_derivative=False),
            ),
            Mistake(
                "reseau_2_3_1.backward/sigma_not_derivative",
                "σ(z) est utilisée à la place de sa dérivée "
                "σ'(z) = σ(z)(1 − σ(z)), c'est-à-dire a au lieu de a(1 − a). " + backward_formulas,
                wrong_backward(derivative="sigma"),
            ),
            Mistake(
                "reseau_2_3_1.backward/not_divided_by_n",
                "la dérivée de la perte n'est pas divisée par N : "
                "L est une moyenne, dL/dŷ = (ŷ − y)/N. " + backward_formulas,
                wrong_backward(divide_by_n=False),
            ),
        ],
        "count_parameters": [
            Mistake(
                "reseau_2_3_1.count_parameters/no_biases",
                "les biais ne sont pas comptés : chaque neurone (hors entrée) a aussi un biais. " + count_formula,
                lambda layer_sizes: int(sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))),
            ),
            Mistake(
                "reseau_2_3_1.count_parameters/bias_per_input",
                "un biais est compté par entrée de la couche au "
                "lieu d'un par neurone de sortie de la couche (nₖ au lieu de nₖ₊₁). " + count_formula,
                lambda layer_sizes: int(sum(a * b + a for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))),
            ),
            Mistake(
                "reseau_2_3_1.count_parameters/input_biases",
                "des biais sont comptés pour la couche d'entrée, qui "
                "n'en a pas (les entrées sont des données, pas des neurones). " + count_formula,
                lambda layer_sizes: count_parameters(layer_sizes) + int(layer_sizes[0]),
            ),
        ],
        "gradient_check": [
            Mistake(
                "reseau_2_3_1.gradient_check/no_abs",
                "la valeur absolue de l'écart est oubliée : a − n au lieu de "
                "|a − n|. Une case où le gradient donné est trop petit compte alors comme négative et le maximum "
                "ne la voit pas. " + error_formula,
                wrong_gradient_check(absolute=False),
            ),
            Mistake(
                "reseau_2_3_1.gradient_check/no_guard",
                "le dénominateur n'est pas protégé : là où les deux "
                "gradients valent exactement 0 (une entrée toujours nulle, par exemple), |a − n| / (|a| + |n|) "
                "vaut 0/0, c'est-à-dire NaN. Divisez par max(1e-12, |a| + |n|). " + error_formula,
                wrong_gradient_check(guard=False),
            ),
            Mistake(
                "reseau_2_3_1.gradient_check/mean_not_max",
                "c'est la moyenne des erreurs des cases qui est "
                "renvoyée, pas leur maximum : une seule case fausse dans une grande matrice passe alors "
                "inaperçue. " + error_formula,
                wrong_gradient_check(reduce="mean"),
            ),
            Mistake(
                "reseau_2_3_1.gradient_check/norms",
                "l'erreur est calculée avec des normes, ‖a − n‖ / (‖a‖ + ‖n‖), "
                "au lieu de case par case : une case fausse mais petite est noyée dans les grandes. " + error_formula,
                wrong_gradient_check(reduce="norms"),
            ),
            Mistake(
                "reseau_2_3_1.gradient_check/one_number",
                "un seul nombre est renvoyé pour tous les paramètres : "
                "on ne sait plus lequel est faux. Renvoyez le tuple des erreurs, une par paramètre, dans l'ordre "
                "de params. " + error_formula,
                wrong_gradient_check(per_parameter=False),
            ),
            Mistake(
                "reseau_2_3_1.gradient_check/h_not_passed",
                "le pas h reçu n'est pas utilisé : le gradient "
                "numérique est toujours calculé avec le pas par défaut 1e-5, quel que soit le h donné. "
                "Transmettez-le en troisième argument : numerical_gradient(…, params[k], h). " + error_formula,
                wrong_gradient_check(pass_h=False),
            ),
        ],
    }


MISTAKES = _catalogue()
