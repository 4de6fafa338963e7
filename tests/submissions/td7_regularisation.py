"""Sample submissions of TD 7 and the situation each one reproduces (scores: tests/grading/test_grading_td7.py).

``erreurs_k`` writes, for every graded function whose catalogue has at least k mistakes, the k-th
mistake of its catalogue (``MISTAKES`` of autograde/td7/<notebook>/mistakes.py), as a one-line change of
alice's answer where the mistake is one line, by hand as a student would otherwise; every other cell is
alice's (right), her `best_setting` of TD 3 included (copied in, not graded here).
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td7", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change

NOTEBOOK_1 = "01_initialisation_regularisation"
NOTEBOOK_2 = "02_frontieres_moons"

# alice: everything right, written differently from the reference (loops, other formulas).
REGULARISATION = {
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
    "l2_penalty": """
def l2_penalty(params, lam):
    W1, b1, W2, b2 = params
    somme = 0.0
    for W in (W1, W2):
        somme += np.sum(W * W)
    penalite = 0.5 * lam * somme
    gradients = (lam * W1, 0.0 * b1, lam * W2, 0.0 * b2)
    return penalite, gradients
""",
    # her own function of TD 3, copied in (not graded here)
    "best_setting": """
def best_setting(val_losses):
    meilleur = None
    for reglage, pertes in val_losses.items():
        e = int(np.argmin(pertes))  # la première des plus petites
        if meilleur is None or pertes[e] < meilleur[2]:
            meilleur = (reglage, e + 1, pertes[e])
    return meilleur[0], meilleur[1]
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
REGULARISATION_REPONSES = {
    "reponse_initialisation": r"""
1. $w_j$ est centré et indépendant de $a_j$, donc $E[w_j a_j] = 0$ et $\mathrm{Var}(w_j a_j) = E[w_j^2] E[a_j^2]
   = \sigma^2 E[a^2]$. Les termes sont indépendants : $\mathrm{Var}(z) = n\,\sigma^2\,E[a^2]$.
   $\mathrm{ReLU}(z)^2 = z^2 1[z > 0]$, et par symétrie c'est la moitié de $E[z^2]$ : $E[a^2] = \mathrm{Var}(z)/2$.
   D'une couche à l'autre la variance est multipliée par $n\sigma^2/2$ : il faut $\sigma^2 = 2/n$ (He). Sur la
   figure, He reste stable, Xavier (facteur 1/2) diminue, 0,01 (facteur 0,013) s'effondre.
2. Avec des poids égaux, tous les neurones cachés calculent la même chose et ont le même gradient : ils restent
   identiques (symétrie). Avec des zéros et ReLU, le gradient de $W_1$ est même nul.
3. Trop grands : les activations et les logits explosent, la softmax sature, l'apprentissage est instable. Trop
   petits : tout s'éteint et l'apprentissage est très lent.
""",
    "reponse_regularisation": r"""
1. Oui : la perte d'apprentissage tombe vers 0,01 mais celle de validation remonte après l'époque 16 environ. La
   perte d'apprentissage ne mesure que ce que le réseau a retenu.
2. $W \leftarrow W - \eta(\nabla + \lambda W) = (1 - \eta\lambda) W - \eta \nabla$ : chaque pas multiplie les poids
   par 0,999. Avec $\lambda = 10^{-2}$ les deux pertes restent hautes : trop régularisé.
3. Le dropout éteint des neurones au hasard à chaque pas : le réseau ne peut pas compter sur quelques neurones, ce
   qui revient à moyenner des sous-réseaux. Sa perte de validation est la plus basse.
4. Chaque réglage a son meilleur nombre d'époques : à 30 époques on comparerait un réseau qui a déjà sur-appris.
""",
}

MOONS_REPONSES = {
    "reponse_representation_cachee": """
1. La régression logistique ne voit que $(x_1, x_2)$ : sa frontière est une droite du plan, et aucune droite ne sépare
   les lunes. Le neurone de sortie est linéaire en $A_1$ : la couche cachée a transformé les points pour qu'un seuil
   sur $z$ les sépare ; ramené dans le plan, ce seuil devient une courbe.
2. Là où les mêmes neurones restent actifs, $z$ est affine en $x$ : la frontière y est un segment de droite. Elle
   est donc faite de morceaux de droite, qui changent de direction quand un neurone s'allume ou s'éteint.
""",
    "reponse_choix_hyperparametres": """
1. Plus de neurones : une frontière plus tortueuse. Plus de λ : une frontière plus lisse, presque droite à 2e-2.
2. H = 128 ou 32 avec λ = 1e-6 : la frontière contourne des points isolés, l'apprentissage est presque parfait mais
   la perte de validation est très haute. Avec λ = 2e-2 ou H = 2, c'est l'inverse : trop simple.
3. Le couple retenu (H = 32, λ = 1e-3) a aussi la meilleure exactitude de validation, à égalité avec H = 128. En haut
   à droite, l'exactitude est correcte mais la perte mauvaise : le modèle est trop confiant sur ses erreurs.
""",
}

ALICE = {NOTEBOOK_1: {**REGULARISATION, **REGULARISATION_REPONSES}, NOTEBOOK_2: {**MOONS, **MOONS_REPONSES}}

# ---------------------------------------------------------------- mistake k of every graded function
# A mistake of one line is written as that change of alice's answer; the others, by hand.
INIT, DROPOUT, L2 = (REGULARISATION[name] for name in ("init_params", "dropout", "l2_penalty"))
GRID = MOONS["grid_points"]
HE_STD = "W = rng.standard_normal((entree, sortie)) * (2.0 / entree) ** 0.5"
MASK = "masque = np.where(u < p, 0.0, 1.0 / (1.0 - p))"
GRADIENTS = "gradients = (lam * W1, 0.0 * b1, lam * W2, 0.0 * b2)"


def _notebook_1(**answers):
    """alice's notebook 1 with these answers instead of hers."""
    return {**REGULARISATION, **answers}


ERREURS_1 = {
    NOTEBOOK_1: _notebook_1(
        # Xavier au lieu de He
        init_params=one_line_change(
            INIT, HE_STD, "W = rng.standard_normal((entree, sortie)) * (2.0 / (entree + sortie)) ** 0.5"
        ),
        # pas de division par 1 - p
        dropout=one_line_change(DROPOUT, MASK, "masque = np.where(u < p, 0.0, 1.0)"),
        # λ (‖W1‖² + ‖W2‖²) sans le 1/2
        l2_penalty=one_line_change(L2, "penalite = 0.5 * lam * somme", "penalite = lam * somme"),
    ),
    NOTEBOOK_2: {
        # marge oubliée
        "grid_points": one_line_change(
            GRID,
            "bas, haut = X.min(axis=0) - margin, X.max(axis=0) + margin",
            "bas, haut = X.min(axis=0), X.max(axis=0)",
        ),
    },
}

ERREURS_2 = {
    NOTEBOOK_1: _notebook_1(
        # la variance 2/n donnée comme écart-type
        init_params=one_line_change(INIT, HE_STD, "W = rng.standard_normal((entree, sortie)) * (2.0 / entree)"),
        # p pris pour la probabilité de garder
        dropout=one_line_change(DROPOUT, MASK, "masque = (u < p) / p"),
        # gradient 2λW
        l2_penalty=one_line_change(L2, GRADIENTS, "gradients = (2 * lam * W1, 0.0 * b1, 2 * lam * W2, 0.0 * b2)"),
    ),
    NOTEBOOK_2: {
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
    NOTEBOOK_1: _notebook_1(
        # biais tirés au hasard comme les poids
        init_params=one_line_change(
            INIT,
            "parametres += [W, np.zeros(sortie)]",
            "parametres += [W, rng.standard_normal(sortie) * (2.0 / entree) ** 0.5]",
        ),
        # dropout aussi au test
        dropout="""
def dropout(A, p, rng, training=True):
    mask = (rng.random(A.shape) >= p) / (1.0 - p)
    return A * mask, mask
""",
        # les biais pénalisés aussi
        l2_penalty="""
def l2_penalty(params, lam):
    penalite = sum(0.5 * lam * np.sum(theta ** 2) for theta in params)
    return penalite, tuple(lam * theta for theta in params)
""",
    ),
    NOTEBOOK_2: {
        # l'étendue de la première colonne pour les deux axes
        "grid_points": one_line_change(
            GRID, "axe1 = bas[1] + pas[1] * np.arange(n_steps)", "axe1 = bas[0] + pas[0] * np.arange(n_steps)"
        ),
    },
}

# Catalogue sizes: init_params 4, dropout 3, l2_penalty 3, grid_points 4. erreurs_4: dropout and l2_penalty have no
# fourth mistake, so erreurs_4's are alice's (right).
ERREURS_4 = {
    NOTEBOOK_1: _notebook_1(
        # écart-type calculé avec le nombre de sorties de la couche
        init_params=one_line_change(INIT, HE_STD, "W = rng.standard_normal((entree, sortie)) * (2.0 / sortie) ** 0.5"),
    ),
    NOTEBOOK_2: {
        # colonnes de grid inversées
        "grid_points": one_line_change(
            GRID,
            "grid = np.array([[xx[i, j], yy[i, j]] for i in range(n_steps) for j in range(n_steps)])",
            "grid = np.array([[yy[i, j], xx[i, j]] for i in range(n_steps) for j in range(n_steps)])",
        ),
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
}
