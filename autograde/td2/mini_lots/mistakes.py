"""Known wrong variants of the graded functions of TD 2, notebook 2 (02_mini_lots), each named
`mini_lots.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import B_INIT, SHUFFLE_SEED, W_INIT, gradient, iterate_minibatches, loss, predict


def wrong_iterate_minibatches(drop_last=False, shuffle=True, separate=False, x_only=False):
    """`iterate_minibatches` with the chosen mistakes (it returns a list); without flags, the right one.

    ``drop_last``: the last, incomplete batch is left out; ``shuffle=False``: the batches follow the
    original order; ``separate``: y is shuffled by a second permutation; ``x_only``: y is not shuffled."""

    def batches(x, y, batch_size, rng):
        n = len(x)
        order_x = rng.permutation(n) if shuffle else np.arange(n)
        order_y = rng.permutation(n) if separate else (np.arange(n) if x_only else order_x)
        stop = n - n % batch_size if drop_last else n
        return [(x[order_x[s : s + batch_size]], y[order_y[s : s + batch_size]]) for s in range(0, stop, batch_size)]

    return batches


def wrong_train_minibatch(
    mean_over_n=False,
    once_per_epoch=False,
    use_eta=True,
    loss_before=False,
    mean_batch_losses=False,
    rng_each_epoch=False,
):
    """`train_minibatch` with the chosen mistakes; without flags, the right one.

    ``mean_over_n``: a batch's gradient divided by n instead of B; ``once_per_epoch``: the update is
    out of the batch loop (the last batch's gradient only); ``use_eta=False``: steps by the raw
    gradient; ``loss_before``: the loss recorded at the start of the epoch; ``mean_batch_losses``: the
    mean of the batches' losses recorded; ``rng_each_epoch``: the generator made again at every epoch."""

    def train(x, y, eta, epochs, batch_size):
        w, b = W_INIT, B_INIT
        rng = np.random.default_rng(SHUFFLE_SEED)
        losses = np.empty(epochs)
        step = eta if use_eta else 1.0
        for epoch in range(epochs):
            if rng_each_epoch:
                rng = np.random.default_rng(SHUFFLE_SEED)
            if loss_before:
                losses[epoch] = loss(y, predict(x, w, b))
            batch_losses = []
            for x_batch, y_batch in iterate_minibatches(x, y, batch_size, rng):
                y_hat = predict(x_batch, w, b)
                batch_losses.append(loss(y_batch, y_hat))
                dw, db = gradient(x_batch, y_hat, y_batch)
                if mean_over_n:
                    dw, db = dw * len(x_batch) / len(x), db * len(x_batch) / len(x)
                if not once_per_epoch:
                    w, b = w - step * dw, b - step * db
            if once_per_epoch:
                w, b = w - step * dw, b - step * db
            if mean_batch_losses:
                losses[epoch] = np.mean(batch_losses)
            elif not loss_before:
                losses[epoch] = loss(y, predict(x, w, b))
        return w, b, losses

    return train


def _catalogue():
    order = (
        "Rappel : order = rng.permutation(N), puis les lots x[order[k·B:(k+1)·B]], y[order[k·B:(k+1)·B]] "
        "pour k = 0, 1, …, ⌈N/B⌉ − 1."
    )
    update = "Rappel : pour chaque lot, (dw, db) = gradient(x_lot, ŷ_lot, y_lot), puis w ← w − η·dw et b ← b − η·db."
    record = "Rappel : losses[e] = loss(y, predict(x, w, b)) sur toutes les données, à la fin de l'époque e."
    return {
        "iterate_minibatches": [
            Mistake(
                "mini_lots.iterate_minibatches/drop_last",
                "le dernier lot, incomplet quand B ne divise pas N, "
                "est oublié : chaque exemple doit apparaître une fois par époque, il y a ⌈N/B⌉ lots. " + order,
                wrong_iterate_minibatches(drop_last=True),
            ),
            Mistake(
                "mini_lots.iterate_minibatches/no_shuffle",
                "les données ne sont pas mélangées : les lots suivent "
                "l'ordre de départ au lieu de l'ordre tiré par rng.permutation(N). " + order,
                wrong_iterate_minibatches(shuffle=False),
            ),
            Mistake(
                "mini_lots.iterate_minibatches/shuffle_separately",
                "x et y sont mélangés par deux permutations "
                "différentes : les couples (xᵢ, yᵢ) sont cassés. Il faut UNE permutation, appliquée à x et à y. "
                + order,
                wrong_iterate_minibatches(separate=True),
            ),
            Mistake(
                "mini_lots.iterate_minibatches/y_not_shuffled",
                "x est mélangé mais pas y : les couples (xᵢ, yᵢ) "
                "sont cassés. La même permutation doit s'appliquer à x et à y. " + order,
                wrong_iterate_minibatches(x_only=True),
            ),
        ],
        "train_minibatch": [
            Mistake(
                "mini_lots.train_minibatch/mean_over_n",
                "le gradient d'un lot est divisé par N (toutes les "
                "données) au lieu de la taille du lot : c'est la moyenne sur le lot. " + update,
                wrong_train_minibatch(mean_over_n=True),
            ),
            Mistake(
                "mini_lots.train_minibatch/once_per_epoch",
                "une seule mise à jour par époque, avec le gradient "
                "du dernier lot (la mise à jour est sortie de la boucle sur les lots) : il en faut une par lot. "
                + update,
                wrong_train_minibatch(once_per_epoch=True),
            ),
            Mistake(
                "mini_lots.train_minibatch/ignores_eta",
                "le pas d'apprentissage η n'est pas utilisé. " + update,
                wrong_train_minibatch(use_eta=False),
            ),
            Mistake(
                "mini_lots.train_minibatch/loss_before_epoch",
                "la perte est enregistrée au début de l'époque, "
                "avant ses mises à jour ; ici, elle l'est à la fin. " + record,
                wrong_train_minibatch(loss_before=True),
            ),
            Mistake(
                "mini_lots.train_minibatch/mean_batch_losses",
                "la perte enregistrée est la moyenne des pertes "
                "des lots (calculées avant chaque mise à jour) ; on demande la perte sur toutes les données à la "
                "fin de l'époque. " + record,
                wrong_train_minibatch(mean_batch_losses=True),
            ),
            Mistake(
                "mini_lots.train_minibatch/rng_each_epoch",
                "toutes les époques parcourent les exemples dans le "
                "même ordre, celui de la première : chaque époque doit tirer un nouvel ordre. Un seul générateur "
                "rng = np.random.default_rng(SHUFFLE_SEED), créé avant la boucle des époques, est passé à "
                "iterate_minibatches à chaque époque.",
                wrong_train_minibatch(rng_each_epoch=True),
            ),
        ],
    }


MISTAKES = _catalogue()
