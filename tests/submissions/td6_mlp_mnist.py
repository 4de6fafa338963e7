"""Sample submissions of TD 6 and the situation each one reproduces (scores: tests/grading/test_grading_td6.py).

``erreurs_k`` writes, for every graded function whose catalogue has at least k mistakes, the k-th
mistake of its catalogue (``MISTAKES`` of autograde/td6/<notebook>/mistakes.py), as a one-line change of
alice's answer where the mistake is one line, by hand as a student would otherwise; every other cell is
alice's (right). A notebook with no k-th mistake at all is not handed in (erreurs_5 and erreurs_6 only hand
in 01_mlp_numpy).
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td6", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change

# alice: everything right, written differently from the reference (loops, other formulas).
MLP = {
    "init_params": """
def init_params(n_in, n_hidden, n_out, seed=0):
    rng = np.random.default_rng(seed)
    parametres = []
    for entree, sortie in [(n_in, n_hidden), (n_hidden, n_out)]:
        # variance 2 / n_entrée : écart-type racine de 2 / n_entrée
        W = rng.standard_normal((entree, sortie)) * (2.0 / entree) ** 0.5
        parametres += [W, np.zeros(sortie)]
    return tuple(parametres)
""",
    "dropout": """
def dropout(A, p, rng, training=True):
    if training:
        u = rng.random(A.shape)
        masque = np.where(u < p, 0.0, 1.0 / (1.0 - p))
    else:
        masque = np.ones(A.shape)
    return masque * A, masque
""",
    "forward": """
def relu(Z):
    return np.where(Z > 0, Z, 0.0)


def softmax(Z):
    # log-softmax stable : z - log Σ exp(z)
    from scipy.special import logsumexp
    return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))


def forward(X, params, p_drop=0.0, rng=None):
    W1, b1, W2, b2 = params
    Z1 = np.dot(X, W1) + b1[np.newaxis, :]
    entrainement = rng is not None
    A1, mask = dropout(relu(Z1), p_drop, rng, training=entrainement)
    Z2 = np.dot(A1, W2) + b2[np.newaxis, :]
    P = softmax(Z2)
    return P, (Z1, A1, mask)
""",
    "loss": """
def loss(Y, P, params, lam=0.0):
    W1, b1, W2, b2 = params
    N = Y.shape[0]
    total = 0.0
    for i in range(N):
        k = int(np.argmax(Y[i]))
        total -= np.log(max(P[i, k], 1e-12))
    penalite = 0.0
    for W in (W1, W2):
        penalite += np.sum(W * W)
    return total / N + 0.5 * lam * penalite
""",
    "backward": """
def backward(X, Y, params, P, cache, lam=0.0):
    W1, b1, W2, b2 = params
    Z1, A1, mask = cache
    N = X.shape[0]
    delta2 = P - Y
    dW2 = np.einsum("ih,ik->hk", A1, delta2) / N + lam * W2
    db2 = np.mean(delta2, axis=0)
    delta1 = np.dot(delta2, W2.T) * mask
    delta1[Z1 <= 0] = 0.0
    dW1 = np.einsum("id,ih->dh", X, delta1) / N + lam * W1
    db1 = np.mean(delta1, axis=0)
    return dW1, db1, dW2, db2
""",
    "train": """
def train(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=0):
    W1, b1, W2, b2 = params
    rng = np.random.default_rng(seed)
    historique = []
    for epoque in range(epochs):
        ordre = rng.permutation(len(X))
        pertes = []
        debut = 0
        while debut < len(X):
            lot = ordre[debut:debut + batch_size]
            debut += batch_size
            P, cache = forward(X[lot], (W1, b1, W2, b2), p_drop, rng)
            pertes.append(loss(Y[lot], P, (W1, b1, W2, b2), lam))
            dW1, db1, dW2, db2 = backward(X[lot], Y[lot], (W1, b1, W2, b2), P, cache, lam)
            W1 = W1 - eta * dW1
            b1 = b1 - eta * db1
            W2 = W2 - eta * dW2
            b2 = b2 - eta * db2
        historique.append(sum(pertes) / len(pertes))
    return (W1, b1, W2, b2), np.array(historique)
""",
    "early_stopping": """
def early_stopping(val_losses, patience):
    meilleure = 0
    for epoque in range(1, len(val_losses)):
        if val_losses[epoque] < val_losses[meilleure]:
            meilleure = epoque
    sans_progres = len(val_losses) - 1 - meilleure
    return meilleure, sans_progres >= patience
""",
}

MOONS = {
    "grid_points": """
def grid_points(X, n_steps=200, margin=0.5):
    bas, haut = X.min(axis=0) - margin, X.max(axis=0) + margin
    pas = (haut - bas) / (n_steps - 1)
    axe0 = bas[0] + pas[0] * np.arange(n_steps)
    axe1 = bas[1] + pas[1] * np.arange(n_steps)
    xx = np.tile(axe0, (n_steps, 1))
    yy = np.tile(axe1[:, None], (1, n_steps))
    grid = np.array([[xx[i, j], yy[i, j]] for i in range(n_steps) for j in range(n_steps)])
    return xx, yy, grid
""",
}

# alice's written answers (graded by hand: "à corriger à la main" until a teacher grades them). Only alice
# writes them: the erreurs_k students, built on her code, leave the release's stubs.
MLP_REPONSES = {
    "reponse_retropropagation": r"""
1. Avec $\sum_k Y_{ik} = 1$, $\ell_i = -\sum_k Y_{ik} Z_{2,ik} + \log \sum_j e^{Z_{2,ij}}$, donc
   $\partial \ell_i / \partial Z_{2,ik} = P_{ik} - Y_{ik}$ ; avec la moyenne : $dZ_2 = (P - Y) / N$, forme (N, K).
2. $Z_2 = A_1 W_2 + b_2$ : $dW_2 = A_1^T dZ_2 + \lambda W_2$, (H, N) × (N, K) = (H, K) ; $b_2$ est dans chaque
   ligne, donc $db_2$ est la somme des lignes de $dZ_2$, forme (K,).
3. $dA_1 = dZ_2 W_2^T$, (N, K) × (K, H) = (N, H).
4. ReLU a pour dérivée 1 si $z > 0$, 0 sinon, et le masque multiplie : $dZ_1 = dA_1 \odot mask \odot (Z_1 > 0)$ ;
   un neurone éteint a un gradient nul.
5. $dW_1 = X^T dZ_1 + \lambda W_1$, forme (D, H) ; $db_1$ = somme des lignes de $dZ_1$, forme (H,).
6. La dérivée de $\frac{\lambda}{2} \|W\|^2$ est $\lambda W$, ajoutée à $dW_1$ et $dW_2$ (pas aux biais).
""",
    "reponse_regularisation": """
1. Oui : presque 100 % sur les images apprises, environ 4 points de moins en validation. L'exactitude
   d'apprentissage ne mesure que la mémoire du réseau, pas ce qu'il fait sur des images nouvelles.
2. L2 ajoute λW au gradient, donc chaque pas rapetisse un peu les poids : la fonction apprise est plus lisse.
   Le dropout éteint des neurones au hasard à chaque pas : le réseau ne peut pas s'appuyer sur quelques neurones.
   Ici les deux réduisent un peu l'écart ; le dropout gagne quelques dixièmes en validation, L2 (1e-3) presque rien.
3. L2 change la perte et agit sur les poids, sans hasard ; le dropout agit sur les activations, au hasard, et
   seulement à l'entraînement (au test on garde tous les neurones).
4. Le dropout p = 0,2, qui a la meilleure exactitude de validation ; le test ne sert qu'à la fin.
""",
    "reponse_initialisation": r"""
1. $\mathrm{Var}(z) = n\,\sigma^2\,E[a^2]$. ReLU garde la moitié positive de $z$ : $E[a^2] = \mathrm{Var}(z)/2$.
   D'une couche à l'autre la variance est multipliée par $n\sigma^2/2$ : il faut $\sigma^2 = 2/n$ (He). Sur la
   figure, He reste stable, Xavier (moitié moins de variance) diminue, 0,01 s'effondre.
2. Avec des poids égaux, tous les neurones cachés calculent la même chose et ont le même gradient : ils restent
   identiques (symétrie). Avec des zéros et ReLU, le gradient de $W_1$ est même nul.
3. Trop grands : les activations et les logits explosent, la softmax sature, la perte et les gradients sont
   énormes, l'apprentissage est instable (avec × 10, la validation est bien plus basse). Trop petits : tout
   s'éteint et l'apprentissage est très lent.
""",
}

MOONS_REPONSES = {
    "reponse_representation_cachee": """
1. La régression logistique ne voit que $(x_1, x_2)$ : sa frontière est une droite du plan, et aucune droite ne sépare
   les lunes. Le neurone de sortie est linéaire en $A_1$ : la couche cachée a transformé les points pour qu'un seuil
   sur $z$ les sépare ; ramené dans le plan, ce seuil devient une courbe.
2. Sans ReLU, tout le réseau est affine en $x$ : c'est une régression logistique, la frontière redevient une droite.
""",
    "reponse_choix_hyperparametres": """
1. Plus de neurones : une frontière plus tortueuse. Plus d'alpha : une frontière plus lisse, presque droite à 3.
2. H = 128, alpha = 1e-4 : la frontière contourne des points isolés, l'apprentissage est presque parfait mais la
   validation bien plus basse. Avec alpha = 3 ou H = 2, c'est l'inverse : trop simple, les deux sont basses.
3. H = 8, alpha = 0,1 : la meilleure exactitude de validation.
4. Si on choisit sur le test, l'exactitude de test a servi à régler le modèle : elle est trop optimiste et ne
   mesure plus ce qu'il fera sur des données nouvelles. Le test doit rester intact jusqu'à la fin.
""",
}

ALICE = {"01_mlp_numpy": {**MLP, **MLP_REPONSES}, "02_frontieres_moons": {**MOONS, **MOONS_REPONSES}}

# ---------------------------------------------------------------- mistake k of every graded function
# A mistake of one line is written as that change of alice's answer; the others, by hand.
INIT, DROPOUT, FORWARD, LOSS, BACKWARD, TRAIN, EARLY = (
    MLP[name] for name in ("init_params", "dropout", "forward", "loss", "backward", "train", "early_stopping")
)
GRID = MOONS["grid_points"]
HE_STD = "W = rng.standard_normal((entree, sortie)) * (2.0 / entree) ** 0.5"
SOFTMAX = "return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))"

ERREURS_1 = {
    "01_mlp_numpy": {
        # Xavier au lieu de He
        "init_params": one_line_change(
            INIT, HE_STD, "W = rng.standard_normal((entree, sortie)) * (2.0 / (entree + sortie)) ** 0.5"
        ),
        # pas de division par 1 - p
        "dropout": one_line_change(
            DROPOUT, "masque = np.where(u < p, 0.0, 1.0 / (1.0 - p))", "masque = np.where(u < p, 0.0, 1.0)"
        ),
        # softmax sans soustraction du maximum
        "forward": one_line_change(FORWARD, SOFTMAX, "return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)"),
        # lam * ||W||² sans le 1/2
        "loss": one_line_change(LOSS, "return total / N + 0.5 * lam * penalite", "return total / N + lam * penalite"),
        # gradients des biais non sommés sur le mini-lot
        "backward": """
def backward(X, Y, params, P, cache, lam=0.0):
    W1, b1, W2, b2 = params
    Z1, A1, mask = cache
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2 + lam * W2
    db2 = dZ2
    dZ1 = (dZ2 @ W2.T) * mask * (Z1 > 0)
    dW1 = X.T @ dZ1 + lam * W1
    db1 = dZ1
    return dW1, db1, dW2, db2
""",
        # mise à jour avec +
        "train": """
def train(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=0):
    rng = np.random.default_rng(seed)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            P, cache = forward(X[batch], params, p_drop, rng)
            batch_losses.append(loss(Y[batch], P, params, lam))
            grads = backward(X[batch], Y[batch], params, P, cache, lam)
            params = tuple(theta + eta * g for theta, g in zip(params, grads))
        losses[epoch] = np.mean(batch_losses)
    return params, losses
""",
        # l'époque du meilleur score comptée dans la patience
        "early_stopping": one_line_change(
            EARLY, "sans_progres = len(val_losses) - 1 - meilleure", "sans_progres = len(val_losses) - meilleure"
        ),
    },
    "02_frontieres_moons": {
        # marge oubliée
        "grid_points": one_line_change(
            GRID,
            "bas, haut = X.min(axis=0) - margin, X.max(axis=0) + margin",
            "bas, haut = X.min(axis=0), X.max(axis=0)",
        ),
    },
}

ERREURS_2 = {
    "01_mlp_numpy": {
        # la variance 2/n donnée comme écart-type
        "init_params": one_line_change(INIT, HE_STD, "W = rng.standard_normal((entree, sortie)) * (2.0 / entree)"),
        # p pris pour la probabilité de garder
        "dropout": one_line_change(DROPOUT, "masque = np.where(u < p, 0.0, 1.0 / (1.0 - p))", "masque = (u < p) / p"),
        # ReLU aussi sur la sortie
        "forward": one_line_change(FORWARD, "P = softmax(Z2)", "P = softmax(relu(Z2))"),
        # les biais pénalisés aussi
        "loss": one_line_change(LOSS, "for W in (W1, W2):", "for W in (W1, b1, W2, b2):"),
        # pas de division par N
        "backward": """
def backward(X, Y, params, P, cache, lam=0.0):
    W1, b1, W2, b2 = params
    Z1, A1, mask = cache
    dZ2 = P - Y
    dW2 = A1.T @ dZ2 + lam * W2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ W2.T) * mask * (Z1 > 0)
    dW1 = X.T @ dZ1 + lam * W1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2
""",
        # eta oublié
        "train": """
def train(X, Y, params, eta, epochs, batch_size, lam=0.0, p_drop=0.0, seed=0):
    rng = np.random.default_rng(seed)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            P, cache = forward(X[batch], params, p_drop, rng)
            batch_losses.append(loss(Y[batch], P, params, lam))
            grads = backward(X[batch], Y[batch], params, P, cache, lam)
            params = tuple(theta - g for theta, g in zip(params, grads))
        losses[epoch] = np.mean(batch_losses)
    return params, losses
""",
        # la dernière des plus petites pertes retenue en cas d'égalité
        "early_stopping": one_line_change(
            EARLY, "if val_losses[epoque] < val_losses[meilleure]:", "if val_losses[epoque] <= val_losses[meilleure]:"
        ),
    },
    "02_frontieres_moons": {
        # meshgrid en indexation 'ij'
        "grid_points": """
def grid_points(X, n_steps=200, margin=0.5):
    axis0 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, n_steps)
    axis1 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, n_steps)
    xx, yy = np.meshgrid(axis0, axis1, indexing="ij")
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])
""",
    },
}

ERREURS_3 = {
    "01_mlp_numpy": {
        # biais tirés au hasard comme les poids
        "init_params": one_line_change(
            INIT,
            "parametres += [W, np.zeros(sortie)]",
            "parametres += [W, rng.standard_normal(sortie) * (2.0 / entree) ** 0.5]",
        ),
        # dropout aussi au test
        "dropout": """
def dropout(A, p, rng, training=True):
    mask = (rng.random(A.shape) >= p) / (1.0 - p)
    return A * mask, mask
""",
        # convention des transparents : un exemple par colonne
        "forward": """
def relu(Z):
    return np.maximum(0.0, Z)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def forward(X, params, p_drop=0.0, rng=None):
    W1, b1, W2, b2 = params
    Z1 = W1.T @ X.T + b1.reshape(-1, 1)
    A1, mask = dropout(relu(Z1), p_drop, rng, training=rng is not None)
    P = softmax(W2.T @ A1 + b2.reshape(-1, 1))
    return P, (Z1, A1, mask)
""",
        # somme au lieu de moyenne
        "loss": one_line_change(LOSS, "return total / N + 0.5 * lam * penalite", "return total + 0.5 * lam * penalite"),
        # terme L2 oublié dans les gradients
        "backward": """
def backward(X, Y, params, P, cache, lam=0.0):
    W1, b1, W2, b2 = params
    Z1, A1, mask = cache
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ W2.T) * mask * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2
""",
        # pas de mélange
        "train": one_line_change(TRAIN, "ordre = rng.permutation(len(X))", "ordre = np.arange(len(X))"),
        # chaque époque comparée à la précédente, pas au meilleur score
        "early_stopping": """
def early_stopping(val_losses, patience):
    meilleure = int(np.argmin(val_losses))
    # arrêt si aucune des `patience` dernières époques n'a fait mieux que celle d'avant
    recentes = val_losses[-(patience + 1):]
    stop = len(val_losses) > patience and all(b >= a for a, b in zip(recentes, recentes[1:]))
    return meilleure, stop
""",
    },
    "02_frontieres_moons": {
        # l'étendue de la première colonne pour les deux axes
        "grid_points": one_line_change(
            GRID, "axe1 = bas[1] + pas[1] * np.arange(n_steps)", "axe1 = bas[0] + pas[0] * np.arange(n_steps)"
        ),
    },
}

# Catalogue sizes: init_params 4, dropout 3, forward 4, loss 4, backward 6, train 5, early_stopping 5,
# grid_points 4. erreurs_4: dropout has no fourth mistake, so erreurs_4's dropout is alice's (right).
ERREURS_4 = {
    "01_mlp_numpy": {
        **MLP,
        # écart-type calculé avec le nombre de sorties de la couche
        "init_params": one_line_change(
            INIT, HE_STD, "W = rng.standard_normal((entree, sortie)) * (2.0 / sortie) ** 0.5"
        ),
        # softmax normalisée sur les exemples (axis=0)
        "forward": one_line_change(FORWARD, SOFTMAX, "return np.exp(Z - logsumexp(Z, axis=0, keepdims=True))"),
        # log(0) non évité
        "loss": """
def loss(Y, P, params, lam=0.0):
    W1, b1, W2, b2 = params
    N = len(Y)
    ce = -np.sum(Y * np.log(P)) / N
    return ce + lam / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
""",
        # dérivée de ReLU oubliée
        "backward": """
def backward(X, Y, params, P, cache, lam=0.0):
    W1, b1, W2, b2 = params
    Z1, A1, mask = cache
    N = X.shape[0]
    dZ2 = (P - Y) / N
    dW2 = A1.T @ dZ2 + lam * W2
    db2 = np.sum(dZ2, axis=0)
    dZ1 = (dZ2 @ W2.T) * mask
    dW1 = X.T @ dZ1 + lam * W1
    db1 = np.sum(dZ1, axis=0)
    return dW1, db1, dW2, db2
""",
        # le dernier mini-lot incomplet est sauté
        "train": one_line_change(TRAIN, "while debut < len(X):", "while debut + batch_size <= len(X):"),
        # époques numérotées à partir de 1
        "early_stopping": one_line_change(
            EARLY, "return meilleure, sans_progres >= patience", "return meilleure + 1, sans_progres >= patience"
        ),
    },
    "02_frontieres_moons": {
        # colonnes de grid inversées
        "grid_points": one_line_change(
            GRID,
            "grid = np.array([[xx[i, j], yy[i, j]] for i in range(n_steps) for j in range(n_steps)])",
            "grid = np.array([[yy[i, j], xx[i, j]] for i in range(n_steps) for j in range(n_steps)])",
        ),
    },
}

# erreurs_5 and erreurs_6: only backward (6 mistakes), train (5) and early_stopping (5) have a fifth mistake,
# only backward a sixth. Their notebook 1 is alice's except those cells; notebook 2 (no such mistake) is NOT handed in,
# which saves one notebook execution each: its cell is graded 0, "non rendu".
ERREURS_5 = {
    "01_mlp_numpy": {
        **MLP,
        # dérivée de λ/2 ‖W‖² prise égale à 2λW
        "backward": """
def backward(X, Y, params, P, cache, lam=0.0):
    W1, b1, W2, b2 = params
    Z1, A1, mask = cache
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2 + 2 * lam * W2
    db2 = dZ2.sum(axis=0)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * mask * (Z1 > 0)
    dW1 = X.T @ dZ1 + 2 * lam * W1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2
""",
        # λ pas transmis à backward
        "train": one_line_change(
            TRAIN,
            "dW1, db1, dW2, db2 = backward(X[lot], Y[lot], (W1, b1, W2, b2), P, cache, lam)",
            "dW1, db1, dW2, db2 = backward(X[lot], Y[lot], (W1, b1, W2, b2), P, cache)",
        ),
        # un compteur d'époques sans progrès jamais remis à zéro (alice n'a pas de compteur : écrit en entier)
        "early_stopping": """
def early_stopping(val_losses, patience):
    meilleure = 0
    sans_progres = 0
    for epoque in range(1, len(val_losses)):
        if val_losses[epoque] < val_losses[meilleure]:
            meilleure = epoque
        else:
            sans_progres += 1
    return meilleure, sans_progres >= patience
""",
    },
}

ERREURS_6 = {
    "01_mlp_numpy": {
        **MLP,
        # masque de dropout oublié dans la rétropropagation
        "backward": one_line_change(BACKWARD, "delta1 = np.dot(delta2, W2.T) * mask", "delta1 = np.dot(delta2, W2.T)"),
    },
}

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
    "erreurs_1": ERREURS_1,
    "erreurs_2": ERREURS_2,
    "erreurs_3": ERREURS_3,
    "erreurs_4": ERREURS_4,
    "erreurs_5": ERREURS_5,
    "erreurs_6": ERREURS_6,
}
