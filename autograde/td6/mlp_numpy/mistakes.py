"""Known wrong variants of the graded functions of TD 6, notebook 1 (01_mlp_numpy), each named
`mlp_numpy.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import SEED, backward, forward, loss, relu, softmax


def wrong_forward(relu_output=False, columns=False, hidden_relu=True, biases=True):
    """`forward` with the chosen mistakes; without flags, the right one.

    ``relu_output``: ReLU on the logits too; ``columns``: the slides' convention, one example per column
    (every array transposed); ``hidden_relu=False``: no ReLU on the hidden layer (A1 = Z1);
    ``biases=False``: b1 and b2 left out."""

    def forward(X, params):
        W1, b1, W2, b2 = params
        if not biases:
            b1, b2 = 0.0 * b1, 0.0 * b2
        if columns:
            Z1 = W1.T @ X.T + b1[:, None]
            A1 = relu(Z1)
            return softmax((W2.T @ A1 + b2[:, None]).T).T, (Z1, A1)
        Z1 = X @ W1 + b1
        A1 = relu(Z1) if hidden_relu else Z1
        Z2 = A1 @ W2 + b2
        if relu_output:
            Z2 = relu(Z2)
        return softmax(Z2), (Z1, A1)

    return forward


def wrong_backward(divide=True, relu_derivative=True, sum_bias=True, bias_divided_twice=False):
    """`backward` with the chosen mistakes; without flags, the right one.

    ``divide=False``: no 1/N; ``relu_derivative=False``: dZ1 = dA1; ``sum_bias=False``: the biases'
    gradients not summed over the mini-batch; ``bias_divided_twice``: the biases' gradients averaged
    over the mini-batch although dZ2 already holds the 1/N."""

    def backward(X, Y, params, P, cache):
        _, _, W2, _ = params
        Z1, A1 = cache
        dZ2 = (P - Y) / (len(X) if divide else 1)
        dZ1 = dZ2 @ W2.T
        if relu_derivative:
            dZ1 = dZ1 * (Z1 > 0)

        def bias(dZ):
            if not sum_bias:
                return dZ
            return dZ.mean(axis=0) if bias_divided_twice else dZ.sum(axis=0)

        return X.T @ dZ1, bias(dZ1), A1.T @ dZ2, bias(dZ2)

    return backward


def wrong_train(sign=-1.0, use_eta=True, shuffle=True, drop_last=False, batch_mean=False):
    """`train` with the chosen mistakes; without flags, the right one.

    ``sign=+1``: the step climbs the gradient; ``use_eta=False``: a step of 1; ``shuffle=False``: the
    examples in their order; ``drop_last``: the last, smaller mini-batch skipped; ``batch_mean``: the
    training curve is the mean of the mini-batch losses of the epoch, each before its update (the
    validation one is right)."""

    def train(X, Y, X_val, Y_val, params, eta, epochs, batch_size, seed=SEED):
        n = len(X)
        rng = np.random.default_rng(seed)
        history = {"train_loss": [], "val_loss": []}
        step = eta if use_eta else 1.0
        for _ in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            batch_losses = []
            stop = n - batch_size + 1 if drop_last else n
            for start in range(0, stop, batch_size):
                batch = order[start : start + batch_size]
                P, cache = forward(X[batch], params)
                batch_losses.append(loss(Y[batch], P))
                grads = backward(X[batch], Y[batch], params, P, cache)
                params = tuple(theta + sign * step * g for theta, g in zip(params, grads))
            train_loss = float(np.mean(batch_losses)) if batch_mean else loss(Y, forward(X, params)[0])
            history["train_loss"].append(train_loss)
            history["val_loss"].append(loss(Y_val, forward(X_val, params)[0]))
        return params, history

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
    fwd = "Rappel : Z1 = X·W1 + b1 (N, H), A1 = ReLU(Z1), P = softmax(A1·W2 + b2) (N, K)."
    back = (
        "Rappel : dZ2 = (P − Y)/N, dW2 = A1ᵀ·dZ2, db2 = Σᵢ dZ2, dZ1 = (dZ2·W2ᵀ) ⊙ 1[Z1 > 0], "
        "dW1 = Xᵀ·dZ1, db1 = Σᵢ dZ1."
    )
    stopping = (
        "Rappel : best_epoch est l'indice (à partir de 0) de la plus petite perte de validation, la première "
        "en cas d'égalité ; stop vaut True quand les `patience` époques venues après best_epoch n'ont pas "
        "fait mieux, c'est-à-dire quand len(val_losses) − 1 − best_epoch ≥ patience."
    )
    return {
        "forward": [
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
                "mlp_numpy.forward/no_hidden_relu",
                "la couche cachée n'a pas d'activation (A1 = Z1) : sans ReLU, "
                "le réseau entier est une fonction affine de X suivie d'une softmax. " + fwd,
                wrong_forward(hidden_relu=False),
            ),
            Mistake(
                "mlp_numpy.forward/biases_forgotten",
                "les biais b1 et b2 ne sont pas ajoutés : les réponses sont "
                "celles d'un réseau dont les biais vaudraient 0. " + fwd,
                wrong_forward(biases=False),
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
                "mlp_numpy.backward/relu_derivative_forgotten",
                "la dérivée de ReLU (1 si Z1 > 0, 0 sinon) est oubliée dans dZ1. " + back,
                wrong_backward(relu_derivative=False),
            ),
            Mistake(
                "mlp_numpy.backward/bias_divided_twice",
                "db1 et db2 sont N fois trop petits, dW1 et dW2 justes : les "
                "gradients des biais sont des moyennes sur le mini-lot alors que dZ2 contient déjà le 1/N. " + back,
                wrong_backward(bias_divided_twice=True),
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
                "mlp_numpy.train/train_loss_batch_mean",
                'history["train_loss"] est la moyenne des pertes des '
                "mini-lots pendant l'époque, chacune avant sa mise à jour : les deux courbes doivent être "
                "mesurées de la même façon, la perte sur tout le jeu avec les paramètres de la FIN de l'époque "
                "(la courbe de validation, elle, est juste).",
                wrong_train(batch_mean=True),
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
