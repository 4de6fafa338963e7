"""Sample submissions of TD 8 and the situation each one reproduces (scores: tests/grading/test_grading_td8.py).

``erreurs_k`` writes, for every graded function, the k-th mistake of that function's catalogue
(``MISTAKES`` of autograde/td8/<notebook>/mistakes.py), as a one-line change of alice's answer where
the mistake is one line; a function whose catalogue is shorter is alice's (right).
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td8", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change

OPTIMISEURS = "01_optimiseurs"
REGULARISATION = "02_regularisation_mnist"

# alice: everything right, written differently from the reference (other names, preallocated path…).
MOMENTUM = """
def sgd_momentum_step(theta, grad, velocity, eta, beta):
    nouvelle_vitesse = beta * velocity + grad
    nouveau_theta = theta - eta * nouvelle_vitesse
    return nouveau_theta, nouvelle_vitesse
"""
ADAM = """
def adam_step(theta, grad, m, v, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    correction1, correction2 = 1 - beta1 ** t, 1 - beta2 ** t
    m_hat = m / correction1
    v_hat = v / correction2
    pas = eta * m_hat / (np.sqrt(v_hat) + eps)
    return theta - pas, m, v
"""
DECAY = """
def step_decay(eta0, epoch, drop, every):
    paliers = int(np.floor(epoch / every))
    return eta0 * drop ** paliers
"""
OPTIMIZE = """
def optimize(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
    theta = np.array(theta0, dtype=float)
    chemin = np.zeros((n_steps + 1, theta.size))
    chemin[0] = theta
    vitesse = np.zeros_like(theta)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for k in range(n_steps):
        g = grad_f(theta)
        if method == "momentum":
            theta, vitesse = sgd_momentum_step(theta, g, vitesse, eta, beta)
        elif method == "adam":
            theta, m, v = adam_step(theta, g, m, v, k + 1, eta, beta, beta2, eps)
        else:
            theta = theta - eta * g
        chemin[k + 1] = theta
    return chemin
"""
TRAIN = """
def train(X, Y, X_val, Y_val, params, method, eta, epochs, batch_size=32, drop=1.0, every=1, seed=0):
    generateur = np.random.default_rng(seed)
    etats = [[np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)] for p in params]
    historique = {"train_loss": [], "val_loss": []}
    pas_numero = 0
    n = X.shape[0]
    for epoque in range(epochs):
        pas = step_decay(eta, epoque, drop, every)
        ordre = generateur.permutation(n)
        pertes_lots = []
        for debut in range(0, n, batch_size):
            lot = ordre[debut:debut + batch_size]
            P, cache = forward(X[lot], params)
            pertes_lots.append(loss(Y[lot], P))
            gradients = backward(X[lot], Y[lot], params, P, cache)
            pas_numero += 1
            nouveaux = []
            for theta, g, etat in zip(params, gradients, etats):
                if method == "momentum":
                    theta, etat[0] = sgd_momentum_step(theta, g, etat[0], pas, BETA)
                elif method == "adam":
                    theta, etat[1], etat[2] = adam_step(theta, g, etat[1], etat[2], pas_numero, pas, BETA, BETA2, EPS)
                else:
                    theta = theta - pas * g
                nouveaux.append(theta)
            params = tuple(nouveaux)
        historique["train_loss"].append(loss(Y, forward(X, params)[0]))
        historique["val_loss"].append(loss(Y_val, forward(X_val, params)[0]))
    return params, historique
"""
# The student's own TD 3 selection, copied in (not graded here).
BEST = """
# Ma fonction du TD 3.
def best_setting(val_losses):
    meilleur = None
    for cle, pertes in val_losses.items():
        for epoque, perte in enumerate(pertes, start=1):
            if meilleur is None or perte < meilleur[0]:
                meilleur = (perte, cle, epoque)
    return meilleur[1], meilleur[2]
"""
SOFT = """
def soft_threshold(W, t):
    taille = np.abs(W) - t
    taille = np.where(taille > 0, taille, 0.0)
    return np.sign(W) * taille
"""
FIT = """
def fit_penalized(X, Y, X_val, Y_val, W, b, penalty, lam, eta, epochs):
    historique = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        P = softmax(X @ W + b)
        dW, db = gradient(X, P, Y)
        if penalty == "L1":
            W = soft_threshold(W - eta * dW, eta * lam)
        else:
            W = W - eta * dW - eta * lam * W
        b = b - eta * db
        historique["train_loss"].append(cross_entropy(Y, softmax(X @ W + b)))
        historique["val_loss"].append(cross_entropy(Y_val, softmax(X_val @ W + b)))
    return W, b, historique
"""

ZIGZAG = r"""
1. Un pas de descente multiplie $x$ par $1 - \eta$ et $y$ par $1 - 25\eta$. Avec $\eta = 0{,}07$, le facteur
de $y$ est négatif ($-0{,}75$) : $y$ change de signe à chaque pas, d'où le zigzag. Il faut $|1 - 25\eta| < 1$,
donc $\eta < 0{,}08$, sinon $y$ explose : avec 0,085 la valeur monte, avec 0,075 elle descend encore. Mais $x$ ne
diminue que de 7 % par pas : c'est très lent.
2. Le momentum : les gradients selon $y$ changent de signe et s'annulent dans la vitesse, ceux selon $x$ s'ajoutent.
Adam : chaque coordonnée est divisée par la taille de son gradient, donc les deux avancent au même rythme.
"""

COURBES = r"""
1. Après l'époque retenue, la perte d'apprentissage baisse encore mais celle de validation remonte : sur-apprentissage.
On garde donc l'époque du minimum de validation.
2. Avec η = 1 la descente simple est instable et reste haute. Une fois leur pas choisi, les trois finissent proches.
3. Le pas décroissant lisse les courbes et la validation descend un peu plus bas : moins de bruit des mini-lots.
"""
L1L2 = r"""
1. Avec L2 un poids inutile est multiplié par $1 - \eta\lambda$ : il ne s'annule jamais. Avec le seuillage, il
arrive à 0 exactement et y reste. Le sous-gradient le fait osciller autour de 0.
2. Les pixels du bord, toujours noirs.
3. La validation s'améliore à peine ; L1 donne un modèle avec beaucoup de poids nuls pour presque la même perte.
"""

ALICE = {
    OPTIMISEURS: {
        "sgd_momentum_step": MOMENTUM,
        "adam_step": ADAM,
        "step_decay": DECAY,
        "optimize": OPTIMIZE,
        "reponse_zigzag": ZIGZAG,
        "train": TRAIN,
        "best_setting": BEST,
        "reponse_courbes": COURBES,
    },
    REGULARISATION: {
        "soft_threshold": SOFT,
        "fit_penalized": FIT,
        "best_setting": BEST,
        "reponse_l1_l2": L1L2,
    },
}

# erreurs_k: the k-th catalogued mistake of every function that has k of them.
ERREURS = {
    1: {
        OPTIMISEURS: {
            "sgd_momentum_step": one_line_change(
                MOMENTUM,
                "nouveau_theta = theta - eta * nouvelle_vitesse",
                "nouveau_theta = theta + eta * nouvelle_vitesse",
            ),
            "adam_step": one_line_change(
                ADAM, "pas = eta * m_hat / (np.sqrt(v_hat) + eps)", "pas = eta * m / (np.sqrt(v) + eps)"
            ),
            "step_decay": one_line_change(
                DECAY, "paliers = int(np.floor(epoch / every))", "paliers = int(np.floor((epoch + 1) / every))"
            ),
            "optimize": one_line_change(OPTIMIZE, "return chemin", "return chemin[1:]"),
            "train": one_line_change(
                TRAIN,
                'historique["train_loss"].append(loss(Y, forward(X, params)[0]))',
                'historique["train_loss"].append(np.mean(pertes_lots))',
            ),
        },
        REGULARISATION: {
            "soft_threshold": one_line_change(SOFT, "return np.sign(W) * taille", "return taille"),
            "fit_penalized": one_line_change(
                FIT,
                "W = soft_threshold(W - eta * dW, eta * lam)",
                "W = W - eta * (dW + lam * np.sign(W))",
            ),
        },
    },
    2: {
        OPTIMISEURS: {
            "sgd_momentum_step": one_line_change(
                MOMENTUM, "nouvelle_vitesse = beta * velocity + grad", "nouvelle_vitesse = velocity + grad"
            ),
            "adam_step": one_line_change(
                ADAM,
                "correction1, correction2 = 1 - beta1 ** t, 1 - beta2 ** t",
                "correction1, correction2 = 1 - beta1 ** (t + 1), 1 - beta2 ** (t + 1)",
            ),
            "step_decay": one_line_change(DECAY, "paliers = int(np.floor(epoch / every))", "paliers = epoch / every"),
            "optimize": one_line_change(
                OPTIMIZE,
                "theta, m, v = adam_step(theta, g, m, v, k + 1, eta, beta, beta2, eps)",
                "theta, m, v = adam_step(theta, g, m, v, k, eta, beta, beta2, eps)",
            ),
            "train": one_line_change(
                TRAIN,
                "ordre = generateur.permutation(n)",
                "ordre, etats = generateur.permutation(n), [[np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)] for p in params]",
            ),
        },
        REGULARISATION: {
            "soft_threshold": one_line_change(
                SOFT, "return np.sign(W) * taille", "return np.where(np.abs(W) > t, W, 0.0)"
            ),
            "fit_penalized": one_line_change(
                FIT, "W = soft_threshold(W - eta * dW, eta * lam)", "W = soft_threshold(W - eta * dW, lam)"
            ),
        },
    },
    3: {
        OPTIMISEURS: {
            "sgd_momentum_step": one_line_change(
                MOMENTUM, "nouveau_theta = theta - eta * nouvelle_vitesse", "nouveau_theta = theta - eta * grad"
            ),
            "adam_step": one_line_change(
                ADAM, "pas = eta * m_hat / (np.sqrt(v_hat) + eps)", "pas = eta * m_hat / (v_hat + eps)"
            ),
            "step_decay": one_line_change(DECAY, "paliers = int(np.floor(epoch / every))", "paliers = epoch"),
            # Not one line: the velocity and the moments are created inside the loop.
            "optimize": """
def optimize(grad_f, theta0, method, n_steps, eta, beta=0.9, beta2=0.999, eps=1e-8):
    theta = np.array(theta0, dtype=float)
    chemin = np.zeros((n_steps + 1, theta.size))
    chemin[0] = theta
    for k in range(n_steps):
        vitesse = np.zeros_like(theta)
        m = np.zeros_like(theta)
        v = np.zeros_like(theta)
        g = grad_f(theta)
        if method == "momentum":
            theta, vitesse = sgd_momentum_step(theta, g, vitesse, eta, beta)
        elif method == "adam":
            theta, m, v = adam_step(theta, g, m, v, k + 1, eta, beta, beta2, eps)
        else:
            theta = theta - eta * g
        chemin[k + 1] = theta
    return chemin
""",
            "train": one_line_change(TRAIN, "pertes_lots = []", "pertes_lots, pas_numero = [], 0"),
        },
        REGULARISATION: {
            "soft_threshold": one_line_change(
                SOFT, "taille = np.where(taille > 0, taille, 0.0)", "taille = np.abs(W) - t"
            ),
            "fit_penalized": one_line_change(
                FIT, "W = soft_threshold(W - eta * dW, eta * lam)", "W = soft_threshold(W, eta * lam) - eta * dW"
            ),
        },
    },
    4: {
        OPTIMISEURS: {
            "sgd_momentum_step": one_line_change(
                MOMENTUM, "nouveau_theta = theta - eta * nouvelle_vitesse", "nouveau_theta = theta - eta * velocity"
            ),
            "adam_step": one_line_change(
                ADAM, "pas = eta * m_hat / (np.sqrt(v_hat) + eps)", "pas = eta * m_hat / np.sqrt(v_hat + eps)"
            ),
            "step_decay": one_line_change(DECAY, "return eta0 * drop ** paliers", "return eta0 * drop * paliers"),
            "train": one_line_change(
                TRAIN, "ordre = generateur.permutation(n)", "ordre = np.random.default_rng(seed).permutation(n)"
            ),
        },
        REGULARISATION: {
            "soft_threshold": one_line_change(SOFT, "return np.sign(W) * taille", "return np.maximum(W - t, 0.0)"),
            "fit_penalized": one_line_change(
                FIT,
                "b = b - eta * db",
                'b = soft_threshold(b - eta * db, eta * lam) if penalty == "L1" else b - eta * (db + lam * b)',
            ),
        },
    },
    # The two steps, train and fit_penalized have a fifth catalogued mistake.
    5: {
        OPTIMISEURS: {
            "sgd_momentum_step": one_line_change(
                MOMENTUM,
                "nouvelle_vitesse = beta * velocity + grad",
                "nouvelle_vitesse = beta * velocity + (1 - beta) * grad",
            ),
            "adam_step": one_line_change(ADAM, "return theta - pas, m, v", "return theta - pas, m_hat, v_hat"),
            "train": one_line_change(
                TRAIN,
                "pas = step_decay(eta, epoque, drop, every)",
                "pas = step_decay(eta, epoque + 1, drop, every)",
            ),
        },
        REGULARISATION: {
            "fit_penalized": one_line_change(
                FIT,
                'historique["train_loss"].append(cross_entropy(Y, softmax(X @ W + b)))',
                'historique["train_loss"].append(cross_entropy(Y, softmax(X @ W + b)) + (lam * np.sum(np.abs(W)) if penalty == "L1" else lam / 2 * np.sum(W ** 2)))',
            ),
        },
    },
}

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
}
# chloe's two steps are wrong (erreurs_1's), her optimize and train are right: both are judged with the
# reference steps, so only the steps' cells lose their points.
STUDENTS["chloe_pas_faux"] = {
    **ALICE,
    OPTIMISEURS: {
        **ALICE[OPTIMISEURS],
        **{name: ERREURS[1][OPTIMISEURS][name] for name in ("sgd_momentum_step", "adam_step")},
    },
}
for k, wrong in ERREURS.items():
    STUDENTS[f"erreurs_{k}"] = {notebook: {**cells, **wrong.get(notebook, {})} for notebook, cells in ALICE.items()}
