"""TD 2, notebook 2: mini-batch gradient descent for TD 1's linear regression ŷ = w·x + b.

The model, loss and gradient are TD 1's (``linear_regression.predict/loss/gradient``, same data
``make_data()`` and same start ``W_INIT = B_INIT = 0``). The gradient of a mini-batch is the mean over
that batch: ``gradient(x_batch, y_hat_batch, y_batch)``, so it is divided by the batch's own size,
including the last, smaller batch.

Shuffling, fixed so that training is deterministic and gradable:
- ``train_minibatch`` creates ONE generator ``rng = np.random.default_rng(SHUFFLE_SEED)`` at its start and
  passes it to ``iterate_minibatches`` at every epoch (each epoch gets a new order, the same for everyone);
- ``iterate_minibatches(x, y, batch_size, rng)`` draws ``order = rng.permutation(n)`` (one draw per call)
  and yields ``(x[order[k·B:(k+1)·B]], y[order[k·B:(k+1)·B]])`` for k = 0 … ⌈n/B⌉ − 1; the last batch
  holds the n − B·⌊n/B⌋ remaining examples when B does not divide n (it is not dropped).

Recorded loss: ``losses[e]`` is the loss on ALL the data, L(y, predict(x, w, b)), with the parameters at
the END of epoch e (after its last update); shape ``(epochs,)``.

Shapes: ``x: (n,)`` (or ``(n, D)``: only the first axis is indexed), ``y: (n,)``; batches ``(B,)``.
"""
import numpy as np

from ..td1.regression_lineaire.solution import B_INIT, W_INIT, gradient, loss, make_data, predict  # noqa: F401 - re-exported

NOTEBOOK = "td2_descente_gradient/02_mini_batchs"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_taille_lot: the variance of the mean gradient of a mini-lot of B examples
    r"\frac{\sigma^2}{B}",
)

SHUFFLE_SEED = 0
ETA = 0.02
EPOCHS = 30
BATCH_SIZES = (1, 32, 100)  # 100 = n: one batch per epoch, plain (full-batch) gradient descent


def iterate_minibatches(x, y, batch_size, rng):
    """Yield the mini-batches (x_batch, y_batch) of one epoch, in the order of ``rng.permutation(n)``.

    x: (n,) or (n, D); y: (n,); batch_size: int ≥ 1; rng: a numpy Generator (one permutation drawn).
    ⌈n / batch_size⌉ batches; every example appears in exactly one; the last may be smaller.
    """
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        yield x[batch], y[batch]


def train_minibatch(x, y, eta, epochs, batch_size):
    """Mini-batch gradient descent from (W_INIT, B_INIT), shuffled by default_rng(SHUFFLE_SEED).

    For each batch: ŷ_B = predict(x_B, w, b); (dw, db) = gradient(x_B, ŷ_B, y_B); w -= η·dw; b -= η·db.
    After each epoch: losses[epoch] = loss(y, predict(x, w, b)) on all the data.
    x, y: (n,). Returns (w, b, losses), losses: (epochs,).
    """
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        for x_batch, y_batch in iterate_minibatches(x, y, batch_size, rng):
            dw, db = gradient(x_batch, predict(x_batch, w, b), y_batch)
            w -= eta * dw
            b -= eta * db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses


# ---------------------------------------------------------------- catalogued mistakes

def _wrong_batches(drop_last=False, shuffle=True, separate=False, x_only=False):
    def batches(x, y, batch_size, rng):
        n = len(x)
        order_x = rng.permutation(n) if shuffle else np.arange(n)
        order_y = rng.permutation(n) if separate else (np.arange(n) if x_only else order_x)
        stop = n - n % batch_size if drop_last else n
        return [(x[order_x[s:s + batch_size]], y[order_y[s:s + batch_size]]) for s in range(0, stop, batch_size)]
    return batches


def _wrong_train(mean_over_n=False, once_per_epoch=False, use_eta=True, loss_before=False,
                 mean_batch_losses=False, rng_each_epoch=False):
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
            if once_per_epoch:  # the update was dedented out of the batch loop: last batch's gradient only
                w, b = w - step * dw, b - step * db
            if mean_batch_losses:
                losses[epoch] = np.mean(batch_losses)
            elif not loss_before:
                losses[epoch] = loss(y, predict(x, w, b))
        return w, b, losses
    return train


def _mistakes():
    from ..checking import Mistake

    order = ("Rappel : order = rng.permutation(n), puis les lots x[order[k·B:(k+1)·B]], y[order[k·B:(k+1)·B]] "
             "pour k = 0, 1, …, ⌈n/B⌉ − 1.")
    update = "Rappel : pour chaque lot, (dw, db) = gradient(x_lot, ŷ_lot, y_lot), puis w ← w − η·dw et b ← b − η·db."
    record = "Rappel : losses[e] = loss(y, predict(x, w, b)) sur toutes les données, à la fin de l'époque e."
    return {
        "iterate_minibatches": [
            Mistake("minibatches_drop_last", "le dernier lot, incomplet quand B ne divise pas n, est oublié : chaque "
                    "exemple doit apparaître une fois par époque, il y a ⌈n/B⌉ lots. " + order,
                    _wrong_batches(drop_last=True)),
            Mistake("minibatches_no_shuffle", "les données ne sont pas mélangées : les lots suivent l'ordre de "
                    "départ au lieu de l'ordre tiré par rng.permutation(n). " + order, _wrong_batches(shuffle=False)),
            Mistake("minibatches_shuffle_separately", "x et y sont mélangés par deux permutations différentes : "
                    "les couples (xᵢ, yᵢ) sont cassés. Il faut UNE permutation, appliquée à x et à y. " + order,
                    _wrong_batches(separate=True)),
            Mistake("minibatches_y_not_shuffled", "x est mélangé mais pas y : les couples (xᵢ, yᵢ) sont cassés. "
                    "La même permutation doit s'appliquer à x et à y. " + order, _wrong_batches(x_only=True)),
        ],
        "train_minibatch": [
            Mistake("train_minibatch_mean_over_n", "le gradient d'un lot est divisé par n (toutes les données) au "
                    "lieu de la taille du lot : c'est la moyenne sur le lot. " + update, _wrong_train(mean_over_n=True)),
            Mistake("train_minibatch_once_per_epoch", "une seule mise à jour par époque, avec le gradient du dernier "
                    "lot (la mise à jour est sortie de la boucle sur les lots) : il en faut une par lot. " + update,
                    _wrong_train(once_per_epoch=True)),
            Mistake("train_minibatch_ignores_eta", "le pas d'apprentissage η n'est pas utilisé. " + update,
                    _wrong_train(use_eta=False)),
            Mistake("train_minibatch_loss_before_epoch", "la perte est enregistrée au début de l'époque, avant ses "
                    "mises à jour ; ici, elle l'est à la fin. " + record, _wrong_train(loss_before=True)),
            Mistake("train_minibatch_mean_batch_losses", "la perte enregistrée est la moyenne des pertes des lots "
                    "(calculées avant chaque mise à jour) ; on demande la perte sur toutes les données à la fin de "
                    "l'époque. " + record, _wrong_train(mean_batch_losses=True)),
            Mistake("train_minibatch_rng_each_epoch", "le générateur est recréé à chaque époque : toutes les époques "
                    "ont le même ordre. rng = np.random.default_rng(SHUFFLE_SEED) se crée une seule fois, avant la "
                    "boucle des époques.", _wrong_train(rng_each_epoch=True)),
        ],
    }


MISTAKES = _mistakes()
