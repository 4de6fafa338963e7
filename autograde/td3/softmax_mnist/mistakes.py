"""Known wrong variants of the graded functions of TD 3, notebook 1 (01_softmax_mnist), each named
`softmax_mnist.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import EPS, cross_entropy, gradient, softmax


def wrong_one_hot(transposed=False, classes_from_data=False, whole_columns=False):
    """`one_hot` with the chosen mistakes; without flags, the right one.

    ``transposed``: shape (K, N); ``classes_from_data``: K = max(labels) + 1 instead of num_classes;
    ``whole_columns``: ``Y[:, labels] = 1``, which fills whole columns."""

    def one_hot(labels, num_classes):
        k = int(np.max(labels)) + 1 if classes_from_data else num_classes
        Y = np.zeros((len(labels), k))
        if whole_columns:
            Y[:, labels] = 1.0
        else:
            Y[np.arange(len(labels)), labels] = 1.0
        return Y.T if transposed else Y

    return one_hot


def wrong_softmax(shift=True, axis=1, normalise=True):
    """`softmax` with the chosen mistakes; without flags, the right one.

    ``shift=False``: exp(Z) without subtracting the maximum; ``axis=0``: max and sum by column;
    ``axis=None``: over the whole array; ``normalise=False``: the exponentials not divided by their sum."""

    def softmax(Z):
        keep = axis is not None
        E = np.exp(Z - Z.max(axis=axis, keepdims=keep)) if shift else np.exp(Z)
        return E / E.sum(axis=axis, keepdims=keep) if normalise else E

    return softmax


def wrong_cross_entropy(clip=True, mean=True, sign=-1.0, over_classes=False):
    """`cross_entropy` with the chosen mistakes; without flags, the right one.

    ``clip=False``: log(P) even where P is 0; ``mean=False``: the sum over the examples; ``sign=+1``:
    the minus forgotten; ``over_classes``: the mean over the N × K entries."""

    def cross_entropy(Y, P):
        logs = np.log(np.clip(P, EPS, 1.0)) if clip else np.log(P)
        total = sign * np.sum(Y * logs)
        if not mean:
            return total
        return total / (Y.size if over_classes else len(Y))

    return cross_entropy


def wrong_gradient(divide=True, transposed=False, sign=1.0, sum_bias=True):
    """`gradient` with the chosen mistakes; without flags, the right one.

    ``divide=False``: not divided by N; ``transposed``: dW of shape (K, D); ``sign=-1``: (Y − P);
    ``sum_bias=False``: db left as the (N, K) matrix."""

    def gradient(X, P, Y):
        residual = sign * (P - Y) / (len(X) if divide else 1)
        dW = X.T @ residual
        return (dW.T if transposed else dW), (residual.sum(axis=0) if sum_bias else residual)

    return gradient


def wrong_train(sign=-1.0, batch_mean_history=False, shuffle=True, reseed_every_epoch=False, drop_last=False):
    """`train` with the chosen mistakes; without flags, the right one.

    ``sign=+1``: climbs the gradient; ``batch_mean_history``: history["train_loss"] is the mean of the
    losses of the epoch's batches, each taken before its update, not the loss of the end-of-epoch
    weights on the whole training set; ``shuffle=False``: the batches in the data's order;
    ``reseed_every_epoch``: the generator created again at every epoch (the same order every epoch);
    ``drop_last``: the last, smaller batch left out."""

    def train(X, Y, X_val, Y_val, eta, epochs, batch_size, seed):
        n, d = X.shape
        W, b = np.zeros((d, Y.shape[1])), np.zeros(Y.shape[1])
        rng = np.random.default_rng(seed)
        history = {"train_loss": [], "val_loss": []}
        for _ in range(epochs):
            if reseed_every_epoch:
                rng = np.random.default_rng(seed)
            order = rng.permutation(n) if shuffle else np.arange(n)
            batch_losses = []
            stop = n - batch_size + 1 if drop_last else n
            for start in range(0, stop, batch_size):
                batch = order[start : start + batch_size]
                P = softmax(X[batch] @ W + b)
                batch_losses.append(cross_entropy(Y[batch], P))
                dW, db = gradient(X[batch], P, Y[batch])
                W = W + sign * eta * dW
                b = b + sign * eta * db
            on_train = np.mean(batch_losses) if batch_mean_history else cross_entropy(Y, softmax(X @ W + b))
            history["train_loss"].append(float(on_train))
            history["val_loss"].append(cross_entropy(Y_val, softmax(X_val @ W + b)))
        return W, b, history

    return train


def wrong_best_setting(
    eta_then_epochs=False, from_zero=False, largest=False, ties_to_last=False, ties_to_first_eta=False
):
    """`best_setting` with the chosen mistakes; without flags, the right one.

    ``eta_then_epochs``: η chosen on the loss after the last epoch, then the best epoch of that η's curve
    alone; ``from_zero``: the epoch's index counted from 0; ``largest``: the largest loss (the argmax of an
    accuracy); ``ties_to_last``: on a tie, the last pair met going through the dict η by η (``<=``);
    ``ties_to_first_eta``: on a tie, the first η of the dict whatever its number of epochs."""

    def best_setting(val_losses):
        if eta_then_epochs:
            eta = min(val_losses, key=lambda key: val_losses[key][-1])
            return eta, int(np.argmin(val_losses[eta])) + (0 if from_zero else 1)
        sign = -1.0 if largest else 1.0
        best = None
        for position, (eta, losses) in enumerate(val_losses.items()):
            for epoch, loss in enumerate(losses, start=0 if from_zero else 1):
                if ties_to_last:
                    key = (sign * loss, -position, -epoch)
                elif ties_to_first_eta:
                    key = (sign * loss, position, epoch)
                else:
                    key = (sign * loss, epoch, position)
                if best is None or key < best[0]:
                    best = (key, eta, epoch)
        return best[1], best[2]

    return best_setting


def wrong_accuracy(fraction=True, axis=1, percent=False):
    """`accuracy` with the chosen mistakes; without flags, the right one.

    ``fraction=False``: the count of right answers; ``axis=0``: argmax by column; ``axis=None``: argmax
    of the flattened arrays; ``percent``: the result times 100."""

    def accuracy(Y, P):
        right = np.argmax(P, axis=axis) == np.argmax(Y, axis=axis)
        value = float(np.mean(right) if fraction else np.sum(right))
        return 100.0 * value if percent else value

    return accuracy


def _catalogue():
    formula_softmax = "Rappel : softmax(Z)ᵢₖ = exp(Zᵢₖ − maxⱼ Zᵢⱼ) / Σⱼ exp(Zᵢⱼ − maxⱼ Zᵢⱼ), ligne par ligne (axis=1)."
    formula_ce = "Rappel : L = −1/N Σᵢ Σₖ Yᵢₖ log Pᵢₖ, avec P bornée par np.clip(P, 1e-12, 1)."
    formula_grad = (
        "Rappel : dL/dW = Xᵀ(P − Y)/N, de forme (D, K), et dL/db = Σᵢ (Pᵢ − Yᵢ)/N, de forme (K,), "
        "où N est le nombre de lignes de X."
    )
    formula_best = (
        " Rappel : (eta, epochs) est le couple de la plus petite valeur de val_losses[eta][epochs - 1] ; à "
        "égalité, le plus petit nombre d'époques, puis le premier pas dans l'ordre du dictionnaire."
    )
    formula_acc = "Rappel : exactitude = proportion des lignes où argmax(P, axis=1) == argmax(Y, axis=1), entre 0 et 1."
    return {
        "one_hot": [
            Mistake(
                "softmax_mnist.one_hot/transposed",
                "le tableau est transposé : il faut une ligne par exemple et une colonne par classe, forme (N, K).",
                wrong_one_hot(transposed=True),
            ),
            Mistake(
                "softmax_mnist.one_hot/classes_from_data",
                "le nombre de classes est déduit des étiquettes "
                "(max + 1) au lieu d'utiliser num_classes : une classe absente du lot fait perdre une colonne. "
                "La forme doit être (N, num_classes).",
                wrong_one_hot(classes_from_data=True),
            ),
            Mistake(
                "softmax_mnist.one_hot/whole_columns",
                "Y[:, labels] = 1 remplit des colonnes entières (toutes les "
                "lignes) : il faut un seul 1 par ligne, Y[np.arange(N), labels] = 1.",
                wrong_one_hot(whole_columns=True),
            ),
        ],
        "softmax": [
            Mistake(
                "softmax_mnist.softmax/no_max_shift",
                "le maximum de chaque ligne n'est pas soustrait avant "
                "l'exponentielle : exp(1000) vaut inf et le résultat devient nan pour de grands logits. "
                + formula_softmax,
                wrong_softmax(shift=False),
            ),
            Mistake(
                "softmax_mnist.softmax/wrong_axis",
                "la normalisation est faite par colonne (axis=0) : ce sont les "
                "lignes (une par exemple) qui doivent sommer à 1. " + formula_softmax,
                wrong_softmax(axis=0),
            ),
            Mistake(
                "softmax_mnist.softmax/not_normalised",
                "les exponentielles ne sont pas divisées par leur somme : "
                "chaque ligne doit sommer à 1. " + formula_softmax,
                wrong_softmax(normalise=False),
            ),
            Mistake(
                "softmax_mnist.softmax/global_max_and_sum",
                "le maximum et la somme sont pris sur tout le tableau "
                "au lieu de chaque ligne : les lignes ne somment plus à 1. " + formula_softmax,
                wrong_softmax(axis=None),
            ),
        ],
        "cross_entropy": [
            Mistake(
                "softmax_mnist.cross_entropy/log_zero",
                "log(0) n'est pas évité : quand une probabilité vaut "
                "exactement 0, la perte devient nan (0 × log 0) ou inf. Bornez P avec np.clip(P, 1e-12, 1). "
                + formula_ce,
                wrong_cross_entropy(clip=False),
            ),
            Mistake(
                "softmax_mnist.cross_entropy/sum_not_mean",
                "la somme n'est pas divisée par le nombre d'exemples N (somme au lieu de moyenne). " + formula_ce,
                wrong_cross_entropy(mean=False),
            ),
            Mistake(
                "softmax_mnist.cross_entropy/no_minus",
                "le signe moins a été oublié : la perte doit être positive. " + formula_ce,
                wrong_cross_entropy(sign=1.0),
            ),
            Mistake(
                "softmax_mnist.cross_entropy/mean_over_classes",
                "np.mean sur tout le tableau divise par N × K au "
                "lieu de N : on somme sur les classes, on moyenne sur les exemples. " + formula_ce,
                wrong_cross_entropy(over_classes=True),
            ),
        ],
        "gradient": [
            Mistake(
                "softmax_mnist.gradient/not_divided_by_n",
                "le gradient n'est pas divisé par la taille N du lot. " + formula_grad,
                wrong_gradient(divide=False),
            ),
            Mistake(
                "softmax_mnist.gradient/transposed",
                "dL/dW est transposé : (P − Y)ᵀ X a la forme (K, D) ; "
                "c'est Xᵀ (P − Y), de la forme (D, K) de W. " + formula_grad,
                wrong_gradient(transposed=True),
            ),
            Mistake(
                "softmax_mnist.gradient/sign",
                "le signe est inversé : c'est (P − Y), pas (Y − P). " + formula_grad,
                wrong_gradient(sign=-1.0),
            ),
            Mistake(
                "softmax_mnist.gradient/bias_not_summed",
                "dL/db n'est pas sommé sur les exemples du lot : il a la forme (K,) de b, pas (N, K). " + formula_grad,
                wrong_gradient(sum_bias=False),
            ),
        ],
        "train": [
            Mistake(
                "softmax_mnist.train/plus_update",
                "la mise à jour monte le gradient au lieu de le descendre : "
                "W ← W − η·dL/dW et b ← b − η·dL/db (signe moins).",
                wrong_train(sign=+1.0),
            ),
            Mistake(
                "softmax_mnist.train/batch_mean_history",
                "history['train_loss'] est la moyenne des pertes des mini-lots de l'époque, chacune mesurée "
                "avant la mise à jour de son lot, donc avec des poids différents : la perte d'apprentissage d'une "
                "époque se mesure à la fin de l'époque, sur tout le jeu d'entraînement, avec les poids de ce "
                "moment-là, exactement comme la perte de validation.",
                wrong_train(batch_mean_history=True),
            ),
            Mistake(
                "softmax_mnist.train/no_shuffle",
                "les lots sont pris dans l'ordre des données, sans mélange : à "
                "chaque époque, parcourez "
                "les lots dans l'ordre order = rng.permutation(N), avec rng = np.random.default_rng(seed) créé "
                "une seule fois au début de train.",
                wrong_train(shuffle=False),
            ),
            Mistake(
                "softmax_mnist.train/same_order_every_epoch",
                "toutes les époques parcourent les exemples dans "
                "le même ordre, celui de la première époque (une permutation tirée une seule fois, ou un générateur "
                "recréé à chaque époque) : chaque époque tire un nouvel ordre, order = rng.permutation(N), avec un "
                "seul générateur rng = np.random.default_rng(seed) créé avant la boucle des époques.",
                wrong_train(reseed_every_epoch=True),
            ),
            Mistake(
                "softmax_mnist.train/drops_last_batch",
                "le dernier lot, plus petit, est oublié : quand N n'est "
                "pas un multiple de batch_size, il reste order[start:start + batch_size] avec moins d'exemples, "
                "à utiliser aussi (start parcourt range(0, N, batch_size)).",
                wrong_train(drop_last=True),
            ),
        ],
        "accuracy": [
            Mistake(
                "softmax_mnist.accuracy/count_not_fraction",
                "le nombre de bonnes réponses n'est pas divisé par N : l'exactitude est une proportion. " + formula_acc,
                wrong_accuracy(fraction=False),
            ),
            Mistake(
                "softmax_mnist.accuracy/wrong_axis",
                "argmax est pris par colonne (axis=0) : la classe prédite d'un "
                "exemple est l'argmax de sa ligne (axis=1). " + formula_acc,
                wrong_accuracy(axis=0),
            ),
            Mistake(
                "softmax_mnist.accuracy/argmax_without_axis",
                "np.argmax sans axis renvoie un seul indice, celui du "
                "maximum du tableau aplati, et l'exactitude ne vaut plus que 0 ou 1 : précisez axis=1. " + formula_acc,
                wrong_accuracy(axis=None),
            ),
            Mistake(
                "softmax_mnist.accuracy/percent",
                "le résultat est en pourcentage : l'exactitude attendue est une "
                "proportion entre 0 et 1. " + formula_acc,
                wrong_accuracy(percent=True),
            ),
        ],
        "best_setting": [
            Mistake(
                "softmax_mnist.best_setting/eta_then_epochs",
                "le pas renvoyé est celui de la plus petite perte après la dernière époque, et le nombre d'époques "
                "est ensuite cherché sur la courbe de ce pas seulement : le pas et le nombre d'époques se "
                "choisissent ensemble, au plus petit de toutes les pertes du dictionnaire, quelle que soit "
                "l'époque." + formula_best,
                wrong_best_setting(eta_then_epochs=True),
            ),
            Mistake(
                "softmax_mnist.best_setting/epochs_from_zero",
                "le nombre d'époques renvoyé est l'indice du minimum dans sa liste, 1 de moins que le nombre "
                "d'époques : l'élément d'indice 0 est la perte après la 1re époque, les époques se comptent à partir de 1."
                + formula_best,
                wrong_best_setting(from_zero=True),
            ),
            Mistake(
                "softmax_mnist.best_setting/largest_loss",
                "le réglage renvoyé est celui de la plus grande perte de validation : une perte se minimise "
                "(c'est une exactitude qui se maximise)." + formula_best,
                wrong_best_setting(largest=True),
            ),
            Mistake(
                "softmax_mnist.best_setting/ties_to_last",
                "à égalité de perte, le réglage renvoyé est le dernier rencontré en parcourant le dictionnaire : "
                "il faut le plus petit nombre d'époques, puis le premier pas du dictionnaire." + formula_best,
                wrong_best_setting(ties_to_last=True),
            ),
            Mistake(
                "softmax_mnist.best_setting/ties_to_first_eta",
                "à égalité de perte, le réglage renvoyé est celui du premier pas du dictionnaire, même quand un "
                "autre pas atteint la même perte en moins d'époques : à égalité, on prend d'abord le plus petit "
                "nombre d'époques, puis le premier pas." + formula_best,
                wrong_best_setting(ties_to_first_eta=True),
            ),
        ],
    }


MISTAKES = _catalogue()
