"""Sample submissions of TD 2 and the situation each one reproduces (scores: tests/grading/test_grading_td2.py).

``erreurs_k`` writes, for every graded function, the k-th mistake of that function's catalogue
(``MISTAKES`` of autograde/td2/<notebook>/mistakes.py), as a one-line change of alice's answer where
the mistake is one line; a function whose catalogue is shorter is alice's (right).
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td2", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change

DESCENTE_1D = "01_descente_1d"
MINI_LOTS = "02_mini_lots"

# alice: everything right, written otherwise than the reference (Horner's scheme, lists, a while loop,
# the gradient written inline), and her written answers (graded by hand: "à corriger à la main" until a
# teacher grades them).
F = """
def f(w):
    # schéma de Horner : (((0.25 w − 1.5) w − 1.25) w + 6) w
    return (((0.25 * w - 1.5) * w - 1.25) * w + 6) * w
"""
DF = """
def df(w):
    return ((w - 4.5) * w - 2.5) * w + 6
"""
DESCENT = """
def gradient_descent(df, w0, eta, n_steps):
    chemin = [w0]
    w = w0
    for _ in range(n_steps):
        pente = df(w)
        w = w - eta * pente
        chemin.append(w)
    return np.array(chemin, dtype=float)
"""
BATCHES = """
def iterate_minibatches(x, y, batch_size, rng):
    n = len(x)
    melange = rng.permutation(n)
    x_m, y_m = x[melange], y[melange]
    lots = []
    debut = 0
    while debut < n:
        lots.append((x_m[debut:debut + batch_size], y_m[debut:debut + batch_size]))
        debut += batch_size
    return lots
"""
TRAIN = """
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    historique = []
    for _ in range(epochs):
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            ecart = (w * xb + b) - yb
            w, b = w - eta * np.mean(ecart * xb), b - eta * np.mean(ecart)
        historique.append(np.mean((w * x + b - y) ** 2) / 2)
    return w, b, np.array(historique)
"""

DESCENTE = {
    "reponse_derivee": r"""
Terme par terme, on multiplie par l'exposant et on le baisse de 1 : $0,25 \times 4 = 1$, $1,5 \times 3 = 4,5$,
$1,25 \times 2 = 2,5$ et la dérivée de $6w$ est $6$. Donc $f'(w) = w^3 - 4,5 w^2 - 2,5 w + 6$.

Vérification : $f'(1) = 1 - 4,5 - 2,5 + 6 = 0$.
""",
    "reponse_iterations": r"""
$w^{(1)} = 2 - 0,05 \times f'(2) = 2 - 0,05 \times (-9) = 2,45$ ;
$f'(2,45) \approx -12,4301$ donc $w^{(2)} \approx 2,45 + 0,6215 = 3,0715$ ;
$f'(3,0715) \approx -15,1554$ donc $w^{(3)} \approx 3,0715 + 0,7578 = 3,8293$.
La pente est négative, donc $w$ avance vers la droite, vers le minimum global (4,76).
""",
    "reponse_pas": r"""
1. Avec $\eta = 0,5$ : $w^{(1)} = 2 - 0,5 \times (-9) = 6,5$, on saute par-dessus le minimum (vers 4,76). En 6,5 la
pente vaut $f'(6,5) = 74,25$, donc $w^{(2)} = 6,5 - 37,125 = -30,625$. Chaque pas arrive là où la pente est plus
forte, donc le pas suivant est encore plus grand : ça diverge.
2. Avec $\eta = 0,01$ : $w^{(1)} = 2,09$. On va vers le même minimum global mais avec des pas 5 fois plus petits,
donc après 30 pas on n'y est pas encore.
3. On essaie plusieurs valeurs (0,001, 0,01, 0,1) et on regarde la courbe de la perte : si elle remonte, le pas est
trop grand, si elle baisse très lentement il est trop petit.
""",
    "reponse_initialisation": r"""
1. Depuis 6 avec $\eta = 0,01$ : la pente est positive, on recule jusqu'au minimum global (4,76). Depuis 6 avec
$\eta = 0,12$ : le premier pas saute en 0,6, de l'autre côté de la bosse, et on finit au minimum local (−1,26).
Depuis −2 : la pente est négative, on avance et on tombe dans le minimum local (−1,26) avec les deux pas.
2. La descente ne connaît que la pente là où elle est : elle s'arrête dans le premier creux où la pente s'annule et
ne peut pas savoir qu'il y en a un plus profond.
3. Pour un réseau, le résultat dépend de l'initialisation des poids et du pas : il faut bien initialiser, régler le
pas et éventuellement faire plusieurs entraînements.
""",
    "f": F,
    "df": DF,
    "gradient_descent": DESCENT,
}

LOTS = {
    "reponse_taille_lot": r"""
1. Par époque, $B = 1$ va beaucoup plus vite ; par mise à jour, les trois courbes sont presque les mêmes. Dans une
époque, chaque exemple sert une fois, donc une époque coûte pareil pour toutes les tailles, mais il y a $N/B$ mises
à jour (arrondi au-dessus) : une mise à jour sur un petit lot coûte beaucoup moins cher.
2. Avec $B = 1$, la perte n'arrive pas exactement au minimum et elle bouge d'une époque à l'autre, car le gradient
d'un seul exemple est bruité. La moyenne de $B$ gradients a une variance $\sigma^2 / B$, donc un écart type
$\sigma / \sqrt{B}$ : pour diviser le bruit par 2, il faut 4 fois plus d'exemples par lot, et un pas 4 fois plus cher.
3. Petit lot : beaucoup de pas, pas chers, mais bruités ; grand lot : gradient précis mais peu de pas et chers.
$B = 32$ est un compromis, et ça se vectorise bien.
""",
    "iterate_minibatches": BATCHES,
    "train_minibatch": TRAIN,
}

ALICE = {DESCENTE_1D: DESCENTE, MINI_LOTS: LOTS}

HORNER = "return (((0.25 * w - 1.5) * w - 1.25) * w + 6) * w"
DF_LINE = "return ((w - 4.5) * w - 2.5) * w + 6"
STEP = "w = w - eta * pente"
PAIRS = "x_m, y_m = x[melange], y[melange]"
UPDATE = "w, b = w - eta * np.mean(ecart * xb), b - eta * np.mean(ecart)"

# erreurs_k: the k-th catalogued mistake of every function that has k of them; every other function is
# alice's. Each wrong cell gets 0 and its message names the mistake.
ERREURS = {
    1: {
        DESCENTE_1D: {
            "f": one_line_change(F, HORNER, "return (((0.25 * w + 1.5) * w - 1.25) * w + 6) * w"),
            "df": one_line_change(DF, DF_LINE, "return -(((w - 4.5) * w - 2.5) * w + 6)"),
            "gradient_descent": one_line_change(DESCENT, STEP, "w = w + eta * pente"),
        },
        MINI_LOTS: {
            "iterate_minibatches": one_line_change(BATCHES, "while debut < n:", "while debut + batch_size <= n:"),
            "train_minibatch": one_line_change(
                TRAIN, UPDATE, "w, b = w - eta * np.sum(ecart * xb) / len(x), b - eta * np.sum(ecart) / len(x)"
            ),
        },
    },
    2: {
        DESCENTE_1D: {
            # Not a change of alice's line: her Horner form has no square to mistype.
            "f": """
def f(w):
    return 0.25 * w**4 - 1.5 * w**3 - 1.25 * w*2 + 6 * w
""",
            "df": one_line_change(DF, DF_LINE, "return ((0.25 * w - 1.5) * w - 1.25) * w + 6"),
            "gradient_descent": one_line_change(DESCENT, "chemin = [w0]", "chemin = []"),
        },
        MINI_LOTS: {
            "iterate_minibatches": one_line_change(BATCHES, "melange = rng.permutation(n)", "melange = np.arange(n)"),
            # Not one line in place: the update is dedented out of the loop over the batches.
            "train_minibatch": """
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    historique = []
    for _ in range(epochs):
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            ecart = (w * xb + b) - yb
        w, b = w - eta * np.mean(ecart * xb), b - eta * np.mean(ecart)
        historique.append(np.mean((w * x + b - y) ** 2) / 2)
    return w, b, np.array(historique)
""",
        },
    },
    3: {
        DESCENTE_1D: {
            # Not a change of alice's line: in Horner's form, 6 in place of 6·w is no one-line slip.
            "f": """
def f(w):
    return 0.25 * w**4 - 1.5 * w**3 - 1.25 * w**2 + 6
""",
            "df": one_line_change(DF, DF_LINE, "return ((w - 4.5) * w - 2.5) * w"),
            "gradient_descent": one_line_change(DESCENT, "for _ in range(n_steps):", "for _ in range(1, n_steps):"),
        },
        MINI_LOTS: {
            "iterate_minibatches": one_line_change(BATCHES, PAIRS, "x_m, y_m = x[melange], y[rng.permutation(n)]"),
            "train_minibatch": one_line_change(TRAIN, UPDATE, "w, b = w - np.mean(ecart * xb), b - np.mean(ecart)"),
        },
    },
    4: {
        DESCENTE_1D: {
            "df": one_line_change(DF, DF_LINE, "return (((w - 4.5) * w - 2.5) * w + 6) * w"),
            "gradient_descent": one_line_change(DESCENT, STEP, "w = w - pente"),
        },
        MINI_LOTS: {
            "iterate_minibatches": one_line_change(BATCHES, PAIRS, "x_m, y_m = x[melange], y"),
            # Not one line in place: the loss is recorded before the loop over the batches.
            "train_minibatch": """
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    historique = []
    for _ in range(epochs):
        historique.append(np.mean((w * x + b - y) ** 2) / 2)
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            ecart = (w * xb + b) - yb
            w, b = w - eta * np.mean(ecart * xb), b - eta * np.mean(ecart)
    return w, b, np.array(historique)
""",
        },
    },
    # Only train_minibatch has a fifth and a sixth catalogued mistake.
    5: {
        MINI_LOTS: {
            # Not one line: the losses of the batches are kept and averaged.
            "train_minibatch": """
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    historique = []
    for _ in range(epochs):
        pertes_lots = []
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            ecart = (w * xb + b) - yb
            pertes_lots.append(np.mean(ecart ** 2) / 2)
            w, b = w - eta * np.mean(ecart * xb), b - eta * np.mean(ecart)
        historique.append(np.mean(pertes_lots))
    return w, b, np.array(historique)
""",
        },
    },
    6: {
        MINI_LOTS: {
            "train_minibatch": one_line_change(
                TRAIN,
                "for xb, yb in iterate_minibatches(x, y, batch_size, rng):",
                "for xb, yb in iterate_minibatches(x, y, batch_size, np.random.default_rng(SHUFFLE_SEED)):",
            ),
        },
    },
}

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
    **{
        f"erreurs_{k}": {notebook: {**ALICE[notebook], **wrong.get(notebook, {})} for notebook in ALICE}
        for k, wrong in ERREURS.items()
    },
}
