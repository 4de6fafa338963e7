"""Sample submissions of TD 3 and the situation each one reproduces (scores: tests/grading/test_grading_td3.py).

``erreurs_k`` writes, for every graded function, the k-th mistake of that function's catalogue
(``MISTAKES`` of autograde/td3/softmax_mnist/mistakes.py), as a one-line change of alice's answer where
the mistake is one line; a function whose catalogue is shorter is alice's (right).
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td3", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change

NOTEBOOK = "01_softmax_mnist"

# alice: everything right, with loops and other formulas than the reference.
ALICE = {
    "one_hot": """
def one_hot(labels, num_classes):
    Y = np.zeros((len(labels), num_classes))
    for i in range(len(labels)):
        Y[i, labels[i]] = 1.0
    return Y
""",
    "softmax": """
def softmax(Z):
    # log-somme-exp : log Σ exp(z) = m + log Σ exp(z - m)
    m = np.max(Z, axis=1)[:, None]
    log_somme = m + np.log(np.sum(np.exp(Z - m), axis=1))[:, None]
    return np.exp(Z - log_somme)
""",
    "cross_entropy": """
def cross_entropy(Y, P):
    total = 0.0
    for y_ligne, p_ligne in zip(Y, P):
        bonne_classe = np.argmax(y_ligne)
        total -= np.log(max(p_ligne[bonne_classe], 1e-12))
    return total / len(Y)
""",
    "gradient": """
def gradient(X, P, Y):
    n = X.shape[0]
    dW = np.zeros((X.shape[1], P.shape[1]))
    db = np.zeros(P.shape[1])
    for i in range(n):
        ecart = P[i] - Y[i]
        dW += np.outer(X[i], ecart)
        db += ecart
    return dW / n, db / n
""",
    "train": """
def train(X, Y, X_val, Y_val, eta, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    history = {"train_loss": [], "val_loss": []}
    for epoch in range(epochs):
        indices = np.arange(len(X))
        rng.shuffle(indices)  # même ordre que rng.permutation(len(X))
        debut = 0
        while debut < len(X):
            lot = indices[debut:debut + batch_size]
            dW, db = gradient(X[lot], softmax(X[lot] @ W + b), Y[lot])
            W, b = W - eta * dW, b - eta * db
            debut += batch_size
        for nom, X_mesure, Y_mesure in (("train_loss", X, Y), ("val_loss", X_val, Y_val)):
            history[nom].append(cross_entropy(Y_mesure, softmax(X_mesure @ W + b)))
    return W, b, history
""",
    "accuracy": """
def accuracy(Y, P):
    bons = 0
    for y_ligne, p_ligne in zip(Y, P):
        if np.argmax(y_ligne) == np.argmax(p_ligne):
            bons += 1
    return bons / len(Y)
""",
    "best_setting": """
def best_setting(val_losses):
    meilleur = None  # (perte, pas, époques)
    for eta, pertes in val_losses.items():
        for epoque, perte in enumerate(pertes, start=1):
            # à égalité de perte, moins d'époques ; à égalité encore, le pas rencontré le premier
            if meilleur is None or perte < meilleur[0] or (perte == meilleur[0] and epoque < meilleur[2]):
                meilleur = (perte, eta, epoque)
    return meilleur[1], meilleur[2]
""",
}

# alice's written answers (graded by hand: "à corriger à la main" until a teacher grades them).
ANSWERS = {
    "reponse_stabilite": r"""
1. $e^{1000}$ est plus grand que le plus grand flottant (environ $10^{308}$) : `np.exp` renvoie `inf`, et
   `inf / inf` donne `nan`.
2. $e^{z_k - c} = e^{-c} e^{z_k}$ : le facteur $e^{-c}$ est le même en haut et en bas, il se simplifie.
3. Avec $c = \max$, le plus grand exposant vaut 0, tous les $e^{z_j - c}$ sont entre 0 et 1, et le dénominateur
   vaut au moins 1 (le terme du maximum vaut 1) : plus de `inf`, et pas de $0/0$ pour des scores très négatifs.
""",
    "reponse_gradient": r"""
1. Avec $S = \sum_j e^{z_j}$ : si $j = k$, $\frac{\partial p_k}{\partial z_k} = \frac{e^{z_k} S - e^{2 z_k}}{S^2} = p_k (1 - p_k)$ ;
   si $j \neq k$, $\frac{\partial p_k}{\partial z_j} = -\frac{e^{z_k} e^{z_j}}{S^2} = -p_k p_j$.
2. Tous les $p_k$ dépendent de $z_j$ (par $S$), donc
   $\frac{\partial \ell}{\partial z_j} = -\sum_k \frac{y_k}{p_k} \frac{\partial p_k}{\partial z_j} = -y_j (1 - p_j) + \sum_{k \neq j} y_k p_j = p_j \sum_k y_k - y_j$,
   et $\sum_k y_k = 1$ (one-hot) : il reste $p_j - y_j$. Pour le lot, avec la moyenne : $\frac{1}{N}(P - Y)$, de forme (N, K).
3. $\frac{\partial Z_{ik}}{\partial W_{dk}} = X_{id}$ et $\frac{\partial Z_{ik}}{\partial b_k} = 1$, donc
   $\frac{\partial L}{\partial W_{dk}} = \frac{1}{N} \sum_i X_{id} (P_{ik} - Y_{ik})$, soit $\frac{1}{N} X^T (P - Y)$ :
   (D, N) × (N, K) = (D, K) comme W ; et $\frac{\partial L}{\partial b_k} = \frac{1}{N} \sum_i (P_{ik} - Y_{ik})$, un vecteur (K,).
""",
    "reponse_courbes": """
1. Les deux pertes baissent vite au début. Pour η = 1, la perte de validation est au plus bas à l'époque 4 (0,33)
   puis remonte jusqu'à 0,43 alors que celle d'entraînement tombe à 0,07 : le modèle apprend les images vues au
   détriment des nouvelles, c'est du sur-apprentissage. Pour η = 0,1, la validation touche 0,2715 à l'époque 24 puis
   reste plate pendant que l'entraînement baisse encore : un début de sur-apprentissage. Pour η = 0,01, tout baisse
   encore à 40 époques : pas fini d'apprendre.
2. Réglage retenu : η = 0,1 et 24 époques. Le pas de plus petite perte d'entraînement (η = 1, 0,12 après 20 époques)
   a une perte de validation de 0,37 contre 0,27 : bien apprendre les images vues ne veut pas dire bien reconnaître
   les autres. On choisit sur la validation car un réglage choisi sur des images est ajusté à ces images : son score
   y est optimiste (ici 0,27 en validation contre 0,31 en test). Si on choisissait sur le test, plus rien ne
   mesurerait des images nouvelles ; mesuré une fois à la fin, il reste honnête (0,91).
3. 0,94 sur l'entraînement : loin de 1, et proche du test (0,91), donc ce n'est pas du sur-apprentissage mais du
   sous-apprentissage : le modèle est limité. Le score d'un chiffre est une somme pondérée des pixels, un seul
   gabarit par chiffre, qui ne peut pas combiner des pixels ni accepter un chiffre décalé ou écrit autrement. Plus
   d'exemples n'y changeraient presque rien : il faut un modèle non linéaire (une couche cachée).
""",
}

# MISTAKES[function][k - 1]: a one-line change of alice's answer, or written in full where it is not one line.
ONE_HOT, SOFTMAX, CROSS_ENTROPY, GRADIENT, TRAIN, ACCURACY, BEST_SETTING = (
    ALICE[name] for name in ("one_hot", "softmax", "cross_entropy", "gradient", "train", "accuracy", "best_setting")
)
MISTAKES = {
    "one_hot": [
        one_line_change(ONE_HOT, "return Y", "return Y.T"),
        one_line_change(
            ONE_HOT, "Y = np.zeros((len(labels), num_classes))", "Y = np.zeros((len(labels), labels.max() + 1))"
        ),
        one_line_change(ONE_HOT, "Y[i, labels[i]] = 1.0", "Y[:, labels[i]] = 1.0"),
    ],
    "softmax": [
        # Not one line of alice's log-sum-exp: the naive formula, written from scratch.
        """
def softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
""",
        # Not one line: the maximum and the sum both taken by column.
        """
def softmax(Z):
    E = np.exp(Z - np.max(Z, axis=0))
    return E / np.sum(E, axis=0)
""",
        one_line_change(SOFTMAX, "return np.exp(Z - log_somme)", "return np.exp(Z - m)"),
        # Not one line: the maximum and the sum both taken over the whole array.
        """
def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / np.sum(E)
""",
    ],
    "cross_entropy": [
        # Not one line: alice's loop reads only the true class, where a probability of 0 elsewhere does no harm.
        """
def cross_entropy(Y, P):
    return -np.mean(np.sum(Y * np.log(P), axis=1))
""",
        one_line_change(CROSS_ENTROPY, "return total / len(Y)", "return total"),
        one_line_change(
            CROSS_ENTROPY,
            "total -= np.log(max(p_ligne[bonne_classe], 1e-12))",
            "total += np.log(max(p_ligne[bonne_classe], 1e-12))",
        ),
        one_line_change(CROSS_ENTROPY, "return total / len(Y)", "return total / Y.size"),
    ],
    "gradient": [
        one_line_change(GRADIENT, "return dW / n, db / n", "return dW, db"),
        one_line_change(GRADIENT, "return dW / n, db / n", "return dW.T / n, db / n"),
        one_line_change(GRADIENT, "ecart = P[i] - Y[i]", "ecart = Y[i] - P[i]"),
        one_line_change(GRADIENT, "return dW / n, db / n", "return dW / n, (P - Y) / n"),
    ],
    "train": [
        one_line_change(TRAIN, "W, b = W - eta * dW, b - eta * db", "W, b = W + eta * dW, b + eta * db"),
        # Not one line of alice's: the training loss as the mean of the epoch's batch losses, written in full.
        """
def train(X, Y, X_val, Y_val, eta, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    W, b = np.zeros((X.shape[1], Y.shape[1])), np.zeros(Y.shape[1])
    history = {"train_loss": [], "val_loss": []}
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        pertes = []
        for start in range(0, len(X), batch_size):
            lot = order[start:start + batch_size]
            P = softmax(X[lot] @ W + b)
            pertes.append(cross_entropy(Y[lot], P))
            dW, db = gradient(X[lot], P, Y[lot])
            W, b = W - eta * dW, b - eta * db
        history["train_loss"].append(np.mean(pertes))
        history["val_loss"].append(cross_entropy(Y_val, softmax(X_val @ W + b)))
    return W, b, history
""",
        one_line_change(
            TRAIN, "rng.shuffle(indices)  # même ordre que rng.permutation(len(X))", "# rng.shuffle(indices)"
        ),
        one_line_change(
            TRAIN,
            "rng.shuffle(indices)  # même ordre que rng.permutation(len(X))",
            "np.random.default_rng(seed).shuffle(indices)",
        ),
        one_line_change(TRAIN, "while debut < len(X):", "while debut + batch_size <= len(X):"),
    ],
    "accuracy": [
        one_line_change(ACCURACY, "return bons / len(Y)", "return bons"),
        # Not one line of alice's loop: argmax by column, written vectorised.
        """
def accuracy(Y, P):
    return np.mean(np.argmax(P, axis=0) == np.argmax(Y, axis=0))
""",
        # Not one line: argmax without axis, written vectorised.
        """
def accuracy(Y, P):
    return np.mean(np.argmax(P) == np.argmax(Y))
""",
        one_line_change(ACCURACY, "return bons / len(Y)", "return 100 * bons / len(Y)"),
    ],
    "best_setting": [
        # Not one line of alice's loop: η on the last epoch, then the epochs of that η alone.
        """
def best_setting(val_losses):
    eta = min(val_losses, key=lambda e: val_losses[e][-1])
    return eta, int(np.argmin(val_losses[eta])) + 1
""",
        one_line_change(
            BEST_SETTING, "for epoque, perte in enumerate(pertes, start=1):", "for epoque, perte in enumerate(pertes):"
        ),
        one_line_change(
            BEST_SETTING,
            "if meilleur is None or perte < meilleur[0] or (perte == meilleur[0] and epoque < meilleur[2]):",
            "if meilleur is None or perte > meilleur[0] or (perte == meilleur[0] and epoque < meilleur[2]):",
        ),
        one_line_change(
            BEST_SETTING,
            "if meilleur is None or perte < meilleur[0] or (perte == meilleur[0] and epoque < meilleur[2]):",
            "if meilleur is None or perte <= meilleur[0]:",
        ),
        one_line_change(
            BEST_SETTING,
            "if meilleur is None or perte < meilleur[0] or (perte == meilleur[0] and epoque < meilleur[2]):",
            "if meilleur is None or perte < meilleur[0]:",
        ),
    ],
}


def with_mistakes(k):
    """Alice's answers with the k-th catalogued mistake (1-based) of every function that has one."""
    return {**ANSWERS, **{name: wrong[k - 1] if len(wrong) >= k else ALICE[name] for name, wrong in MISTAKES.items()}}


STUDENTS = {
    "alice_boucles": {NOTEBOOK: {**ALICE, **ANSWERS}},
    # bob hands in the release notebook untouched: 0 everywhere, and grading goes on.
    "bob_intact": {NOTEBOOK: {}},
    **{f"erreurs_{k}": {NOTEBOOK: with_mistakes(k)} for k in range(1, 6)},
}
