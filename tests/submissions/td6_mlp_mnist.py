"""Sample submissions of TD 6 and the situation each one reproduces (scores: tests/grading/test_grading_td6.py).

``erreurs_k`` writes, for every graded function whose catalogue has at least k mistakes, the k-th
mistake of its catalogue (``MISTAKES`` of autograde/td6/mlp_numpy/mistakes.py), as a one-line change of
alice's answer where the mistake is one line, by hand as a student would otherwise; every other cell is
alice's (right), her copy of `best_setting` (TD 3's, not graded here) included.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td6", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change

# alice: everything right, written differently from the reference (loops, other formulas).
MLP = {
    "forward": """
def relu(Z):
    return np.where(Z > 0, Z, 0.0)


def forward(X, params):
    W1, b1, W2, b2 = params
    Z1 = np.dot(X, W1) + b1[np.newaxis, :]
    A1 = relu(Z1)
    Z2 = np.dot(A1, W2) + b2[np.newaxis, :]
    P = softmax(Z2)
    return P, (Z1, A1)
""",
    "backward": """
def backward(X, Y, params, P, cache):
    W1, b1, W2, b2 = params
    Z1, A1 = cache
    N = X.shape[0]
    delta2 = P - Y
    dW2 = np.einsum("ih,ik->hk", A1, delta2) / N
    db2 = np.mean(delta2, axis=0)
    delta1 = np.dot(delta2, W2.T)
    delta1[Z1 <= 0] = 0.0
    dW1 = np.einsum("id,ih->dh", X, delta1) / N
    db1 = np.mean(delta1, axis=0)
    return dW1, db1, dW2, db2
""",
    "train": """
def train(X, Y, X_val, Y_val, params, eta, epochs, batch_size, seed=0):
    W1, b1, W2, b2 = params
    rng = np.random.default_rng(seed)
    historique = {"train_loss": [], "val_loss": []}
    for epoque in range(epochs):
        ordre = rng.permutation(len(X))
        debut = 0
        while debut < len(X):
            lot = ordre[debut:debut + batch_size]
            debut += batch_size
            P, cache = forward(X[lot], (W1, b1, W2, b2))
            dW1, db1, dW2, db2 = backward(X[lot], Y[lot], (W1, b1, W2, b2), P, cache)
            W1 = W1 - eta * dW1
            b1 = b1 - eta * db1
            W2 = W2 - eta * dW2
            b2 = b2 - eta * db2
        for cle, (X_jeu, Y_jeu) in [("train_loss", (X, Y)), ("val_loss", (X_val, Y_val))]:
            historique[cle].append(loss(Y_jeu, forward(X_jeu, (W1, b1, W2, b2))[0]))
    return (W1, b1, W2, b2), historique
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
    # her TD 3 function, copied (not graded in TD 6)
    "best_setting": """
def best_setting(val_losses):
    choix = None
    for eta, pertes in val_losses.items():
        for e, perte in enumerate(pertes):
            if choix is None or perte < choix[0]:
                choix = (perte, eta, e + 1)
    return choix[1], choix[2]
""",
}

# alice's written answers (graded by hand: "à corriger à la main" until a teacher grades them). Only alice
# writes them: the erreurs_k students, built on her code, leave the release's stubs.
MLP_REPONSES = {
    "reponse_retropropagation": r"""
1. Avec $\sum_k Y_{ik} = 1$, $\ell_i = -\sum_k Y_{ik} Z_{2,ik} + \log \sum_j e^{Z_{2,ij}}$, donc
   $\partial \ell_i / \partial Z_{2,ik} = P_{ik} - Y_{ik}$ ; avec la moyenne : $dZ_2 = (P - Y) / N$, forme (N, K).
2. $Z_2 = A_1 W_2 + b_2$ : $dW_2 = A_1^T dZ_2$, (H, N) × (N, K) = (H, K) ; $b_2$ est dans chaque ligne, donc
   $db_2$ est la somme des lignes de $dZ_2$, forme (K,).
3. $dA_1 = dZ_2 W_2^T$, (N, K) × (K, H) = (N, H).
4. ReLU a pour dérivée 1 si $z > 0$, 0 sinon : $dZ_1 = dA_1 \odot (Z_1 > 0)$.
5. $dW_1 = X^T dZ_1$, forme (D, H) ; $db_1$ = somme des lignes de $dZ_1$, forme (H,).
""",
    "reponse_controles": r"""
1. Les poids sont petits, donc les logits sont presque nuls et la softmax donne presque 1/K à chaque classe :
   la perte vaut $-\log(1/K) = \log K$. Loin de log K, je soupçonnerais une erreur dans la perte ou la softmax.
2. Le réseau doit pouvoir retenir 50 images : sinon le gradient ou la mise à jour est faux. La validation reste
   haute : il a appris par cœur, il ne généralise pas.
""",
}

ALICE = {"01_mlp_numpy": {**MLP, **MLP_REPONSES}}

# ---------------------------------------------------------------- mistake k of every graded function
# A mistake of one line is written as that change of alice's answer; the others, by hand.
FORWARD, BACKWARD, TRAIN, EARLY = (MLP[name] for name in ("forward", "backward", "train", "early_stopping"))
UPDATE_LINES = ("W1 = W1 - eta * dW1", "b1 = b1 - eta * db1", "W2 = W2 - eta * dW2", "b2 = b2 - eta * db2")


def _every_update(new):
    """alice's train with each of her four update lines rewritten by ``new(line)``."""
    source = TRAIN
    for line in UPDATE_LINES:
        source = one_line_change(source, line, new(line))
    return source


ERREURS_1 = {
    "01_mlp_numpy": {
        **MLP,
        # ReLU aussi sur la sortie
        "forward": one_line_change(FORWARD, "P = softmax(Z2)", "P = softmax(relu(Z2))"),
        # gradients des biais non sommés sur le mini-lot
        "backward": """
def backward(X, Y, params, P, cache):
    W1, b1, W2, b2 = params
    Z1, A1 = cache
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2
    db2 = dZ2
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1
    return dW1, db1, dW2, db2
""",
        # mise à jour avec + (ses quatre lignes)
        "train": _every_update(lambda line: line.replace(" - eta", " + eta")),
        # l'époque du meilleur score comptée dans la patience
        "early_stopping": one_line_change(
            EARLY, "sans_progres = len(val_losses) - 1 - meilleure", "sans_progres = len(val_losses) - meilleure"
        ),
    },
}

ERREURS_2 = {
    "01_mlp_numpy": {
        **MLP,
        # convention des transparents : un exemple par colonne
        "forward": """
def relu(Z):
    return np.maximum(0.0, Z)


def forward(X, params):
    W1, b1, W2, b2 = params
    Z1 = W1.T @ X.T + b1.reshape(-1, 1)
    A1 = relu(Z1)
    P = softmax((W2.T @ A1 + b2.reshape(-1, 1)).T).T
    return P, (Z1, A1)
""",
        # pas de division par N
        "backward": """
def backward(X, Y, params, P, cache):
    W1, b1, W2, b2 = params
    Z1, A1 = cache
    dZ2 = P - Y
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return dW1, db1, dW2, db2
""",
        # eta oublié
        "train": _every_update(lambda line: line.replace("eta * ", "")),
        # la dernière des plus petites pertes retenue en cas d'égalité
        "early_stopping": one_line_change(
            EARLY, "if val_losses[epoque] < val_losses[meilleure]:", "if val_losses[epoque] <= val_losses[meilleure]:"
        ),
    },
}

ERREURS_3 = {
    "01_mlp_numpy": {
        **MLP,
        # pas de ReLU sur la couche cachée
        "forward": one_line_change(FORWARD, "A1 = relu(Z1)", "A1 = Z1"),
        # dérivée de ReLU oubliée
        "backward": one_line_change(BACKWARD, "delta1[Z1 <= 0] = 0.0", "pass"),
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
}

ERREURS_4 = {
    "01_mlp_numpy": {
        **MLP,
        # biais oubliés
        "forward": """
def relu(Z):
    return np.maximum(0.0, Z)


def forward(X, params):
    W1, b1, W2, b2 = params
    Z1 = X @ W1
    A1 = relu(Z1)
    return softmax(A1 @ W2), (Z1, A1)
""",
        # 1/N compté deux fois pour les biais (moyenne de dZ, qui contient déjà le 1/N)
        "backward": """
def backward(X, Y, params, P, cache):
    W1, b1, W2, b2 = params
    Z1, A1 = cache
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2
    db2 = dZ2.mean(axis=0)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.mean(axis=0)
    return dW1, db1, dW2, db2
""",
        # le dernier mini-lot incomplet est sauté
        "train": one_line_change(TRAIN, "while debut < len(X):", "while debut + batch_size <= len(X):"),
        # époques numérotées à partir de 1
        "early_stopping": one_line_change(
            EARLY, "return meilleure, sans_progres >= patience", "return meilleure + 1, sans_progres >= patience"
        ),
    },
}

# erreurs_5: only train and early_stopping have a fifth mistake.
ERREURS_5 = {
    "01_mlp_numpy": {
        **MLP,
        # la courbe d'apprentissage : la moyenne des pertes des mini-lots pendant l'époque
        "train": """
def train(X, Y, X_val, Y_val, params, eta, epochs, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    history = {"train_loss": [], "val_loss": []}
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            P, cache = forward(X[batch], params)
            batch_losses.append(loss(Y[batch], P))
            grads = backward(X[batch], Y[batch], params, P, cache)
            params = tuple(theta - eta * g for theta, g in zip(params, grads))
        history["train_loss"].append(np.mean(batch_losses))
        history["val_loss"].append(loss(Y_val, forward(X_val, params)[0]))
    return params, history
""",
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

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebook untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
    "erreurs_1": ERREURS_1,
    "erreurs_2": ERREURS_2,
    "erreurs_3": ERREURS_3,
    "erreurs_4": ERREURS_4,
    "erreurs_5": ERREURS_5,
}
