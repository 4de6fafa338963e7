"""Known wrong variants of the graded functions of TD 6, notebook 1 (01_mlp_numpy), each named
`mlp_numpy.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import EPS, INIT_SEED, SEED, backward, dropout, forward, loss, relu, softmax


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


def wrong_forward(naive_softmax=False, relu_output=False, columns=False, softmax_axis=1):
    """`forward` with the chosen mistakes; without flags, the right one.

    ``naive_softmax``: exp without subtracting the row's maximum; ``relu_output``: ReLU on the logits
    too; ``columns``: the slides' convention, one example per column (every array transposed);
    ``softmax_axis=0``: each column normalised instead of each row."""

    def forward(X, params, p_drop=0.0, rng=None):
        W1, b1, W2, b2 = params
        if columns:
            Z1 = W1.T @ X.T + b1[:, None]
            A1, mask = dropout(relu(Z1), p_drop, rng, training=rng is not None)
            P = softmax((W2.T @ A1 + b2[:, None]).T).T
            return P, (Z1, A1, mask)
        Z1 = X @ W1 + b1
        A1, mask = dropout(relu(Z1), p_drop, rng, training=rng is not None)
        Z2 = A1 @ W2 + b2
        if relu_output:
            Z2 = relu(Z2)
        E = np.exp(Z2) if naive_softmax else np.exp(Z2 - Z2.max(axis=softmax_axis, keepdims=True))
        return E / E.sum(axis=softmax_axis, keepdims=True), (Z1, A1, mask)

    return forward


def wrong_loss(l2_factor=0.5, with_biases=False, mean=True, clip=True):
    """`loss` with the chosen mistakes; without flags, the right one.

    ``l2_factor``: the factor of λ‖W‖² (½ is right); ``with_biases``: the biases penalised too;
    ``mean=False``: the cross-entropy summed, not averaged; ``clip=False``: log(P) without bounding P."""

    def loss(Y, P, params, lam=0.0):
        W1, b1, W2, b2 = params
        logs = np.log(np.clip(P, EPS, 1.0)) if clip else np.log(P)
        data = -np.sum(Y * logs) / (len(Y) if mean else 1)
        penalty = np.sum(W1**2) + np.sum(W2**2)
        if with_biases:
            penalty += np.sum(b1**2) + np.sum(b2**2)
        return float(data + l2_factor * lam * penalty)

    return loss


def wrong_backward(divide=True, l2_factor=1.0, relu_derivative=True, sum_bias=True, use_mask=True):
    """`backward` with the chosen mistakes; without flags, the right one.

    ``divide=False``: no 1/N; ``l2_factor``: the factor of λW in dW (1 is right); ``relu_derivative``,
    ``use_mask``: the two factors of dZ1; ``sum_bias=False``: the biases' gradients not summed over the
    mini-batch."""

    def backward(X, Y, params, P, cache, lam=0.0):
        W1, _, W2, _ = params
        Z1, A1, mask = cache
        dZ2 = (P - Y) / (len(X) if divide else 1)
        dW2 = A1.T @ dZ2 + l2_factor * lam * W2
        db2 = dZ2.sum(axis=0) if sum_bias else dZ2
        dZ1 = dZ2 @ W2.T
        if use_mask:
            dZ1 = dZ1 * mask
        if relu_derivative:
            dZ1 = dZ1 * (Z1 > 0)
        dW1 = X.T @ dZ1 + l2_factor * lam * W1
        db1 = dZ1.sum(axis=0) if sum_bias else dZ1
        return dW1, db1, dW2, db2

    return backward


def wrong_train(sign=-1.0, use_eta=True, shuffle=True, drop_last=False, use_lam=True):
    """`train` with the chosen mistakes; without flags, the right one.

    ``sign=+1``: the step climbs the gradient; ``use_eta=False``: a step of 1; ``shuffle=False``: the
    examples in their order; ``drop_last``: the last, smaller mini-batch skipped; ``use_lam=False``:
    λ not passed to backward."""

    def train(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=SEED):
        n = len(X)
        rng = np.random.default_rng(seed)
        losses = np.empty(epochs)
        step = eta if use_eta else 1.0
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            batch_losses = []
            stop = n - batch_size + 1 if drop_last else n
            for start in range(0, stop, batch_size):
                batch = order[start : start + batch_size]
                P, cache = forward(X[batch], params, p_drop, rng)
                batch_losses.append(loss(Y[batch], P, params, lam))
                grads = backward(X[batch], Y[batch], params, P, cache, lam if use_lam else 0.0)
                params = tuple(theta + sign * step * g for theta, g in zip(params, grads))
            losses[epoch] = np.mean(batch_losses)
        return params, losses

    return train


def wrong_early_stopping(
    counts_best_epoch=False, last_minimum=False, against_previous=False, one_based=False, never_reset=False
):
    """`early_stopping` with the chosen mistakes; without flags, the right one.

    ``counts_best_epoch``: the best epoch counted among the patience's epochs (stops one epoch early);
    ``last_minimum``: the last of equal minima; ``against_previous``: each of the last ``patience``
    epochs compared with the epoch before it instead of with the best; ``one_based``: epochs numbered
    from 1; ``never_reset``: the counter of epochs without progress never set back to 0, so that it also
    counts those before the best."""

    def early_stopping(val_losses, patience):
        losses = np.asarray(val_losses, dtype=float)
        best_epoch = len(losses) - 1 - int(np.argmin(losses[::-1])) if last_minimum else int(np.argmin(losses))
        if against_previous:
            stop = len(losses) > patience and bool(np.all(np.diff(losses)[-patience:] >= 0))
        elif never_reset:
            record = np.minimum.accumulate(losses)
            stop = int(np.sum(losses[1:] >= record[:-1])) >= patience
        else:
            stop = len(losses) - best_epoch >= patience + (0 if counts_best_epoch else 1)
        return best_epoch + (1 if one_based else 0), bool(stop)

    return early_stopping


def _catalogue():
    init = "Rappel (He) : W ~ N(0, 2/n_entrée), écart-type √(2/n_entrée), biais nuls."
    drop = (
        "Rappel (dropout inversé) : u = rng.random(A.shape), masque = (u ≥ p) / (1 − p) où p est la "
        "probabilité d'ÉTEINDRE un neurone ; en test, pas de dropout."
    )
    fwd = (
        "Rappel : Z1 = X·W1 + b1 (N, H), A1 = ReLU(Z1), P = softmax(A1·W2 + b2) (N, K), "
        "softmax par ligne après soustraction du maximum de la ligne."
    )
    cost = "Rappel : L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ + λ/2 (‖W1‖² + ‖W2‖²), P bornée à [1e-12, 1]."
    back = (
        "Rappel : dZ2 = (P − Y)/N, dW2 = A1ᵀ·dZ2 + λW2, db2 = Σᵢ dZ2, dZ1 = (dZ2·W2ᵀ) ⊙ masque ⊙ 1[Z1 > 0], "
        "dW1 = Xᵀ·dZ1 + λW1, db1 = Σᵢ dZ1."
    )
    stopping = (
        "Rappel : best_epoch est l'indice (à partir de 0) de la plus petite perte de validation, la première "
        "en cas d'égalité ; stop vaut True quand les `patience` époques venues après best_epoch n'ont pas "
        "fait mieux, c'est-à-dire quand len(val_losses) − 1 − best_epoch ≥ patience."
    )
    return {
        "init_params": [
            Mistake(
                "mlp_numpy.init_params/xavier_instead_of_he",
                "l'écart-type de Xavier √(2/(n_entrée + n_sortie)) "
                "est utilisé ; avec ReLU, on prend celui de He, √(2/n_entrée), car ReLU annule la moitié des "
                "activations. " + init,
                wrong_init_params("xavier"),
            ),
            Mistake(
                "mlp_numpy.init_params/variance_as_std",
                "2/n_entrée est la VARIANCE ; rng.normal attend l'écart-type √(2/n_entrée). " + init,
                wrong_init_params("variance"),
            ),
            Mistake(
                "mlp_numpy.init_params/random_biases",
                "les biais doivent être initialisés à zéro (np.zeros), pas "
                "tirés au hasard : ce sont les poids aléatoires qui brisent la symétrie. " + init,
                wrong_init_params(random_biases=True),
            ),
            Mistake(
                "mlp_numpy.init_params/fan_out",
                "l'écart-type dépend du nombre d'ENTRÉES de la couche "
                "(n_entrée), pas de son nombre de sorties. " + init,
                wrong_init_params("fan_out"),
            ),
        ],
        "dropout": [
            Mistake(
                "mlp_numpy.dropout/not_rescaled",
                "le masque n'est pas divisé par 1 − p (dropout non inversé) : "
                "l'espérance des activations baisse à l'entraînement et plus au test. " + drop,
                wrong_dropout(scale=False),
            ),
            Mistake(
                "mlp_numpy.dropout/keep_drop_confused",
                "p est pris pour la probabilité de GARDER un neurone "
                "(u < p, division par p) alors que c'est celle de l'éteindre. " + drop,
                wrong_dropout(keep_is_p=True),
            ),
            Mistake(
                "mlp_numpy.dropout/at_test_time",
                "le dropout est appliqué aussi quand training=False : au test, "
                "A doit être renvoyé tel quel avec un masque de 1. " + drop,
                wrong_dropout(ignore_training=True),
            ),
        ],
        "forward": [
            Mistake(
                "mlp_numpy.forward/softmax_no_max_shift",
                "la softmax déborde sur de grands logits (exp(1000) = "
                "inf, inf/inf = nan) : soustrayez le maximum de chaque ligne avant np.exp. " + fwd,
                wrong_forward(naive_softmax=True),
            ),
            Mistake(
                "mlp_numpy.forward/relu_on_output",
                "ReLU est appliquée aussi aux logits de sortie : la couche de "
                "sortie n'a pas d'autre activation que la softmax. " + fwd,
                wrong_forward(relu_output=True),
            ),
            Mistake(
                "mlp_numpy.forward/transposed",
                "les poids sont transposés (convention « une colonne par "
                "exemple », W1ᵀ·Xᵀ) : ici chaque exemple est une LIGNE, Z1 = X·W1 + b1 est de forme (N, H). " + fwd,
                wrong_forward(columns=True),
            ),
            Mistake(
                "mlp_numpy.forward/softmax_wrong_axis",
                "la softmax normalise chaque colonne (axis=0, sur les "
                "exemples) au lieu de chaque ligne : ce sont les K probabilités d'un exemple qui somment à 1. " + fwd,
                wrong_forward(softmax_axis=0),
            ),
        ],
        "loss": [
            Mistake(
                "mlp_numpy.loss/l2_no_half",
                "le terme L2 est λ‖W‖² au lieu de λ/2 ‖W‖². " + cost,
                wrong_loss(l2_factor=1.0),
            ),
            Mistake(
                "mlp_numpy.loss/l2_with_biases",
                "les biais ne sont pas pénalisés par L2 : seulement W1 et W2. " + cost,
                wrong_loss(with_biases=True),
            ),
            Mistake(
                "mlp_numpy.loss/sum_not_mean",
                "l'entropie croisée n'est pas divisée par N (somme au lieu de moyenne). " + cost,
                wrong_loss(mean=False),
            ),
            Mistake(
                "mlp_numpy.loss/log_zero",
                "log(0) n'est pas évité : si une probabilité vaut 0, la perte vaut "
                "inf. Bornez P avec np.clip(P, 1e-12, 1). " + cost,
                wrong_loss(clip=False),
            ),
        ],
        "backward": [
            Mistake(
                "mlp_numpy.backward/bias_not_summed",
                "les gradients des biais ne sont pas sommés sur les exemples "
                "du mini-lot : db1 a la forme (H,), db2 la forme (K,). " + back,
                wrong_backward(sum_bias=False),
            ),
            Mistake(
                "mlp_numpy.backward/not_divided_by_n",
                "le gradient n'est pas divisé par la taille N du mini-lot (la perte est une moyenne). " + back,
                wrong_backward(divide=False),
            ),
            Mistake(
                "mlp_numpy.backward/l2_forgotten",
                "le terme λW de la régularisation L2 manque dans dW1 et dW2. " + back,
                wrong_backward(l2_factor=0.0),
            ),
            Mistake(
                "mlp_numpy.backward/relu_derivative_forgotten",
                "la dérivée de ReLU (1 si Z1 > 0, 0 sinon) est oubliée dans dZ1. " + back,
                wrong_backward(relu_derivative=False),
            ),
            Mistake(
                "mlp_numpy.backward/l2_factor_two",
                "la dérivée de λ/2 ‖W‖² est λW, pas 2λW. " + back,
                wrong_backward(l2_factor=2.0),
            ),
            Mistake(
                "mlp_numpy.backward/mask_forgotten",
                "le masque de dropout est oublié dans dZ1 : un neurone éteint "
                "ne reçoit pas de gradient, et les autres sont multipliés par 1/(1 − p). " + back,
                wrong_backward(use_mask=False),
            ),
        ],
        "train": [
            Mistake(
                "mlp_numpy.train/plus_update",
                "la mise à jour monte le gradient : θ ← θ − η·dL/dθ (signe moins).",
                wrong_train(sign=+1.0),
            ),
            Mistake(
                "mlp_numpy.train/ignores_eta",
                "le pas d'apprentissage η n'est pas utilisé : θ ← θ − η·dL/dθ.",
                wrong_train(use_eta=False),
            ),
            Mistake(
                "mlp_numpy.train/no_shuffle",
                "les exemples ne sont pas mélangés : au début de chaque époque, "
                "order = rng.permutation(N), et les mini-lots sont order[k:k + batch_size].",
                wrong_train(shuffle=False),
            ),
            Mistake(
                "mlp_numpy.train/drops_last_batch",
                "le dernier mini-lot, plus petit, est oublié : parcourez range(0, N, batch_size).",
                wrong_train(drop_last=True),
            ),
            Mistake(
                "mlp_numpy.train/lam_ignored",
                "λ n'est pas transmis à backward : la régularisation L2 n'agit pas.",
                wrong_train(use_lam=False),
            ),
        ],
        "early_stopping": [
            Mistake(
                "mlp_numpy.early_stopping/counts_best_epoch",
                "l'arrêt vient une époque trop tôt : stop vaut "
                "True dès que `patience` − 1 époques ont suivi le meilleur score (comme si l'époque du meilleur "
                "score comptait parmi les `patience` époques sans progrès), alors que la patience commence après "
                "elle. " + stopping,
                wrong_early_stopping(counts_best_epoch=True),
            ),
            Mistake(
                "mlp_numpy.early_stopping/last_minimum_on_ties",
                "en cas d'égalité, c'est la dernière des plus "
                "petites pertes qui est retenue : une perte égale au meilleur score n'est pas un progrès, "
                "best_epoch reste la première (np.argmin la donne). " + stopping,
                wrong_early_stopping(last_minimum=True),
            ),
            Mistake(
                "mlp_numpy.early_stopping/against_previous_epoch",
                "chaque époque est comparée à la précédente au "
                "lieu du meilleur score : une perte qui redescend un peu, sans repasser sous le minimum, n'est "
                "pas un progrès. " + stopping,
                wrong_early_stopping(against_previous=True),
            ),
            Mistake(
                "mlp_numpy.early_stopping/one_based",
                "les époques sont numérotées à partir de 1 : best_epoch est "
                "un indice de val_losses, la première époque est l'époque 0. " + stopping,
                wrong_early_stopping(one_based=True),
            ),
            Mistake(
                "mlp_numpy.early_stopping/counter_not_reset",
                "stop compte toutes les époques sans progrès "
                "depuis la première, y compris celles d'avant le meilleur score : le compteur d'époques sans "
                "progrès doit repartir de 0 à chaque nouveau meilleur score, car la patience se compte après "
                "lui. " + stopping,
                wrong_early_stopping(never_reset=True),
            ),
        ],
    }


MISTAKES = _catalogue()
