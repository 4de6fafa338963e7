"""TD 2, notebook 2: mini-batch gradient descent for TD 1's linear regression ŷ = w·x + b.

The model, loss and gradient are TD 1's (``regression_lineaire.solution.predict/loss/gradient``, same
data ``make_data()`` and same start ``W_INIT = B_INIT = 0``). The gradient of a mini-batch is the mean
over that batch: ``gradient(x_batch, y_hat_batch, y_batch)``, so it is divided by the batch's own size,
including the last, smaller batch.

Shuffling, fixed so that training is deterministic and gradable:
- ``train_minibatch`` creates ONE generator ``rng = np.random.default_rng(SHUFFLE_SEED)`` at its start and
  passes it to ``iterate_minibatches`` at every epoch (each epoch gets a new order, the same for everyone);
- ``iterate_minibatches(x, y, batch_size, rng)`` draws ``order = rng.permutation(n)`` (one draw per call)
  and yields ``(x[order[k·B:(k+1)·B]], y[order[k·B:(k+1)·B]])`` for k = 0 … ⌈n/B⌉ − 1; the last batch
  holds the n − B·⌊n/B⌋ remaining examples when B does not divide n (it is not dropped).

Recorded loss: ``losses[e]`` is the loss on ALL the data, L(y, predict(x, w, b)), with the parameters at
the END of epoch e (after its last update); shape ``(epochs,)``.

Shapes: ``x: (N,)`` (or ``(N, D)``: only the first axis is indexed), ``y: (N,)``; batches ``(B,)``.
"""

import numpy as np

from ...td1.regression_lineaire.solution import B_INIT, W_INIT, gradient, loss, make_data, predict  # noqa: F401 - re-exported: the notebook gives TD 1's model

SHUFFLE_SEED = 0
ETA = 0.02
EPOCHS = 30
BATCH_SIZES = (1, 32, 100)  # 100 = n: one batch per epoch, plain (full-batch) gradient descent


def iterate_minibatches(x, y, batch_size, rng):
    """Yield the mini-batches (x_batch, y_batch) of one epoch, in the order of ``rng.permutation(n)``.

    x: (N,) or (N, D); y: (N,); batch_size: int ≥ 1; rng: a numpy Generator (one permutation drawn).
    ⌈n / batch_size⌉ batches; every example appears in exactly one; the last may be smaller.
    """
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        yield x[batch], y[batch]


def train_minibatch(x, y, eta, epochs, batch_size):
    """Mini-batch gradient descent from (W_INIT, B_INIT), shuffled by default_rng(SHUFFLE_SEED).

    For each batch: ŷ_B = predict(x_B, w, b); (dw, db) = gradient(x_B, ŷ_B, y_B); w -= η·dw; b -= η·db.
    After each epoch: losses[epoch] = loss(y, predict(x, w, b)) on all the data.
    x, y: (N,). Returns (w, b, losses), losses: (epochs,).
    """
    w, b = W_INIT, B_INIT
    # One generator for the whole training: each epoch draws a new order, the same at every run.
    rng = np.random.default_rng(SHUFFLE_SEED)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        for x_batch, y_batch in iterate_minibatches(x, y, batch_size, rng):
            dw, db = gradient(x_batch, predict(x_batch, w, b), y_batch)
            w -= eta * dw
            b -= eta * db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses
