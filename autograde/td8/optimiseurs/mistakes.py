"""Known wrong variants of the graded functions of TD 8, notebook 1 (01_optimiseurs), each named
`optimiseurs.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import BETA, BETA2, EPS, adam_step, backward, forward, loss, sgd_momentum_step, step_decay


def wrong_sgd_momentum_step(sign=-1.0, use_beta=True, theta_with="new_velocity", average=False):
    """`sgd_momentum_step` with the chosen mistakes; without flags, the right one.

    ``sign``: θ ← θ + sign·η·(…); ``use_beta=False``: v ← v + g; ``theta_with``: what θ moves along,
    "new_velocity" (right), "old_velocity" (the velocity before its update) or "grad"; ``average``:
    v ← β v + (1 − β) g."""

    def step(theta, grad, velocity, eta, beta):
        new_velocity = (beta if use_beta else 1.0) * velocity + ((1 - beta) if average else 1.0) * grad
        direction = {"new_velocity": new_velocity, "old_velocity": velocity, "grad": grad}[theta_with]
        return theta + sign * eta * direction, new_velocity

    return step


def wrong_adam_step(bias_correction=True, t_shift=0, sqrt=True, eps_inside=False, return_corrected=False):
    """`adam_step` with the chosen mistakes; without flags, the right one.

    ``bias_correction=False``: m and v used as they are; ``t_shift``: the correction uses t + t_shift;
    ``sqrt=False``: divides by v̂ + ε; ``eps_inside``: divides by √(v̂ + ε); ``return_corrected``:
    returns m̂ and v̂ in place of m and v."""

    def step(theta, grad, m, v, t, eta, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        if bias_correction:
            m_hat, v_hat = m / (1 - beta1 ** (t + t_shift)), v / (1 - beta2 ** (t + t_shift))
        else:
            m_hat, v_hat = m, v
        if eps_inside:
            denominator = np.sqrt(v_hat + eps)
        else:
            denominator = (np.sqrt(v_hat) if sqrt else v_hat) + eps
        theta = theta - eta * m_hat / denominator
        return (theta, m_hat, v_hat) if return_corrected else (theta, m, v)

    return step


def wrong_step_decay(epoch_shift=0, floor=True, divide=True, power=True):
    """`step_decay` with the chosen mistakes; without flags, the right one.

    ``epoch_shift=1``: epochs counted from 1; ``floor=False``: drop^(epoch / every), no integer part;
    ``divide=False``: drop^epoch; ``power=False``: η₀ · drop · ⌊epoch / every⌋."""

    def schedule(eta0, epoch, drop, every):
        epoch = epoch + epoch_shift
        exponent = (epoch // every if floor else epoch / every) if divide else epoch
        return eta0 * drop**exponent if power else eta0 * drop * exponent

    return schedule


def wrong_optimize(keep_theta0=True, first_t=1, keep_state=True):
    """`optimize` with the chosen mistakes; without flags, the right one.

    ``keep_theta0=False``: the path starts after the first step; ``first_t=0``: Adam's counter starts
    at 0; ``keep_state=False``: the velocity and the moments are set back to zero at every step."""

    def optimize(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
        theta = np.array(theta0, dtype=float)
        path = [theta.copy()] if keep_theta0 else []
        velocity, m, v = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
        for t in range(first_t, n_steps + first_t):
            if not keep_state:
                velocity, m, v = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
            grad = grad_f(theta)
            if method == "sgd":
                theta = theta - eta * grad
            elif method == "momentum":
                theta, velocity = sgd_momentum_step(theta, grad, velocity, eta, beta)
            elif method == "adam":
                theta, m, v = adam_step(theta, grad, m, v, t, eta, beta, beta2, eps)
            else:
                raise ValueError(f"unknown method {method!r}")
            path.append(theta.copy())
        return np.array(path).reshape(-1, theta.size)

    return optimize


def wrong_train(history="end_of_epoch", reset_state=False, t_per_epoch=False, reshuffle_seed=False, decay_shift=0):
    """`train` with the chosen mistakes; without flags, the right one.

    ``history="batch_mean"``: train_loss is the mean of the epoch's mini-batch losses (before each
    update); ``reset_state``: velocities and moments created again at every epoch; ``t_per_epoch``: Adam's
    counter starts again from 1 at every epoch; ``reshuffle_seed``: a new generator default_rng(seed)
    every epoch (the same order every epoch); ``decay_shift=1``: step_decay given epoch + 1."""

    def train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size=32, drop=1.0, every=1, seed=0):
        rng = np.random.default_rng(seed)
        velocities, ms, vs = ([np.zeros_like(p) for p in params] for _ in range(3))
        curves = {"train_loss": [], "val_loss": []}
        t = 0
        for epoch in range(epochs):
            if reset_state:
                velocities, ms, vs = ([np.zeros_like(p) for p in params] for _ in range(3))
            if t_per_epoch:
                t = 0
            if reshuffle_seed:
                rng = np.random.default_rng(seed)
            rate = step_decay(eta, epoch + decay_shift, drop, every)
            order = rng.permutation(len(X))
            batch_losses = []
            for start in range(0, len(X), batch_size):
                batch = order[start : start + batch_size]
                P, cache = forward(X[batch], params)
                batch_losses.append(loss(Y[batch], P))
                grads = backward(X[batch], Y[batch], params, P, cache)
                t += 1
                new_params = []
                for i, (theta, grad) in enumerate(zip(params, grads)):
                    if method == "sgd":
                        theta = theta - rate * grad
                    elif method == "momentum":
                        theta, velocities[i] = sgd_momentum_step(theta, grad, velocities[i], rate, BETA)
                    else:
                        theta, ms[i], vs[i] = adam_step(theta, grad, ms[i], vs[i], t, rate, BETA, BETA2, EPS)
                    new_params.append(theta)
                params = tuple(new_params)
            if history == "batch_mean":
                curves["train_loss"].append(float(np.mean(batch_losses)))
            else:
                curves["train_loss"].append(loss(Y, forward(X, params)[0]))
            curves["val_loss"].append(loss(Y_val, forward(X_val, params)[0]))
        return params, curves

    return train


def _catalogue():
    momentum = "Rappel : v ← β·v + g, puis θ ← θ − η·v (avec la vitesse qui vient d'être mise à jour)."
    adam = (
        "Rappel : m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), "
        "θ ← θ − η·m̂ / (√v̂ + ε)."
    )
    decay = "Rappel : η = η₀ · drop^⌊epoch / every⌋, les époques étant numérotées à partir de 0."
    history = (
        'Rappel : après chaque époque, history["train_loss"] et history["val_loss"] reçoivent la perte sur '
        "tout le jeu (apprentissage, validation), calculée avec les paramètres de la fin de l'époque."
    )
    return {
        "sgd_momentum_step": [
            Mistake(
                "optimiseurs.sgd_momentum_step/sign",
                "θ avance dans le sens de la vitesse au lieu de reculer : "
                "la vitesse accumule des gradients, on descend donc avec −η·v. " + momentum,
                wrong_sgd_momentum_step(sign=1.0),
            ),
            Mistake(
                "optimiseurs.sgd_momentum_step/forgot_beta",
                "l'ancienne vitesse n'est pas multipliée par β : "
                "sans ce facteur d'oubli, la vitesse additionne tous les gradients passés. " + momentum,
                wrong_sgd_momentum_step(use_beta=False),
            ),
            Mistake(
                "optimiseurs.sgd_momentum_step/grad_not_velocity",
                "θ est mis à jour avec le gradient au lieu de "
                "la vitesse : la vitesse est calculée mais ne sert à rien, c'est une descente de gradient simple. "
                + momentum,
                wrong_sgd_momentum_step(theta_with="grad"),
            ),
            Mistake(
                "optimiseurs.sgd_momentum_step/old_velocity",
                "θ est mis à jour avec l'ancienne vitesse, avant qu'elle ne reçoive le gradient courant. " + momentum,
                wrong_sgd_momentum_step(theta_with="old_velocity"),
            ),
            Mistake(
                "optimiseurs.sgd_momentum_step/averaged_gradient",
                "la vitesse est calculée comme une moyenne "
                "β·v + (1 − β)·g : c'est la convention de m dans Adam, pas celle de l'énoncé, où le gradient "
                "s'ajoute en entier. " + momentum,
                wrong_sgd_momentum_step(average=True),
            ),
        ],
        "adam_step": [
            Mistake(
                "optimiseurs.adam_step/no_bias_correction",
                "la correction du biais manque : m et v partent de 0, "
                "il faut les diviser par (1 − β₁ᵗ) et (1 − β₂ᵗ) avant le pas. " + adam,
                wrong_adam_step(bias_correction=False),
            ),
            Mistake(
                "optimiseurs.adam_step/t_plus_one",
                "la correction du biais utilise t + 1 au lieu de t : t est déjà "
                "le numéro du pas courant (t = 1 au premier pas). " + adam,
                wrong_adam_step(t_shift=1),
            ),
            Mistake(
                "optimiseurs.adam_step/no_sqrt",
                "la racine carrée de v̂ manque : v̂ estime le carré du gradient, "
                "c'est √v̂ qui a l'échelle du gradient. " + adam,
                wrong_adam_step(sqrt=False),
            ),
            Mistake(
                "optimiseurs.adam_step/eps_inside_sqrt",
                "ε est ajouté sous la racine ; il s'ajoute après : √v̂ + ε. " + adam,
                wrong_adam_step(eps_inside=True),
            ),
            Mistake(
                "optimiseurs.adam_step/returns_corrected_moments",
                "la fonction renvoie m̂ et v̂ au lieu de m et "
                "v : les moments corrigés ne servent qu'au pas courant, ce sont m et v que l'on garde pour le pas "
                "suivant. " + adam,
                wrong_adam_step(return_corrected=True),
            ),
        ],
        "step_decay": [
            Mistake(
                "optimiseurs.step_decay/epoch_from_one",
                "le pas diminue une époque trop tôt, dès l'époque "
                "every − 1, comme si les époques étaient comptées à partir de 1 : il reste η₀ aux époques 0 à "
                "every − 1. " + decay,
                wrong_step_decay(epoch_shift=1),
            ),
            Mistake(
                "optimiseurs.step_decay/no_floor",
                "l'exposant n'est pas arrondi à l'entier inférieur : le pas "
                "diminue un peu à chaque époque au lieu de rester constant par paliers de every époques. " + decay,
                wrong_step_decay(floor=False),
            ),
            Mistake(
                "optimiseurs.step_decay/exponent_epoch",
                "l'exposant est le numéro de l'époque lui-même : le pas "
                "est multiplié par drop à chaque époque, pas toutes les every époques. " + decay,
                wrong_step_decay(divide=False),
            ),
            Mistake(
                "optimiseurs.step_decay/product_not_power",
                "drop multiplie le nombre de paliers au lieu d'être élevé à cette puissance. " + decay,
                wrong_step_decay(power=False),
            ),
        ],
        "optimize": [
            Mistake(
                "optimiseurs.optimize/no_theta0",
                "le chemin ne commence pas par le point de départ θ₀ : il doit "
                "contenir n_steps + 1 lignes, θ₀ puis la position après chaque pas.",
                wrong_optimize(keep_theta0=False),
            ),
            Mistake(
                "optimiseurs.optimize/adam_t_from_zero",
                "le compteur t passé à adam_step vaut 0 au premier pas : "
                "1 − β₁⁰ = 0 et la correction du biais divise par zéro. Le premier pas est t = 1, le dernier "
                "t = n_steps.",
                wrong_optimize(first_t=0),
            ),
            Mistake(
                "optimiseurs.optimize/state_reset",
                "la vitesse (ou les moments m et v d'Adam) repart de zéro à "
                "chaque pas : initialisez-la une seule fois, avant la boucle, et gardez la valeur que renvoie "
                "chaque pas.",
                wrong_optimize(keep_state=False),
            ),
        ],
        "train": [
            Mistake(
                "optimiseurs.train/batch_mean_history",
                'les pertes de validation sont justes mais history["train_loss"] ne l\'est pas : elle '
                "correspond à la moyenne des pertes des mini-lots pendant l'époque, chacune mesurée avant "
                "sa mise à jour, avec des paramètres qui changent en cours de route. " + history,
                wrong_train(history="batch_mean"),
            ),
            Mistake(
                "optimiseurs.train/state_reset_each_epoch",
                "la vitesse (ou les moments m et v d'Adam) repart de zéro au début de chaque époque : "
                "créez-la une seule fois, avant la boucle des époques ; elle continue d'une époque à la suivante.",
                wrong_train(reset_state=True),
            ),
            Mistake(
                "optimiseurs.train/adam_t_per_epoch",
                "le compteur t d'Adam repart de 1 au début de chaque époque : t compte les pas (les mini-lots) "
                "depuis le début de l'entraînement, sans jamais revenir en arrière.",
                wrong_train(t_per_epoch=True),
            ),
            Mistake(
                "optimiseurs.train/same_order_each_epoch",
                "les mini-lots sont les mêmes, dans le même ordre, à chaque époque : le générateur "
                "np.random.default_rng(seed) doit être créé une seule fois, avant la boucle des époques, "
                "et chaque époque tire sa propre permutation.",
                wrong_train(reshuffle_seed=True),
            ),
            Mistake(
                "optimiseurs.train/decay_epoch_from_one",
                "le pas diminue une époque trop tôt : step_decay reçoit le numéro de l'époque compté à partir "
                "de 0 (la première époque est l'époque 0).",
                wrong_train(decay_shift=1),
            ),
        ],
    }


MISTAKES = _catalogue()
