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
L2 = """
def l2_penalty_gradient(W, lam):
    # dérivée de (λ/2) w² : λ w
    return np.multiply(W, lam)
"""
L1 = """
def l1_penalty_gradient(W, lam):
    signe = np.where(W > 0, 1.0, np.where(W < 0, -1.0, 0.0))
    return lam * signe
"""
STEPS = """
# Mes fonctions de la partie 1.
def sgd_momentum_step(theta, grad, velocity, eta, beta):
    nouvelle_vitesse = beta * velocity + grad
    return theta - eta * nouvelle_vitesse, nouvelle_vitesse


def adam_step(theta, grad, m, v, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return theta - eta * m_hat / (np.sqrt(v_hat) + eps), m, v
"""

ZIGZAG = r"""
1. Un pas de descente multiplie $x$ par $1 - \eta$ et $y$ par $1 - 25\eta$. Avec $\eta = 0{,}075$, le facteur
de $y$ est négatif ($-0{,}875$) : $y$ change de signe à chaque pas, d'où le zigzag. Il faut $|1 - 25\eta| < 1$,
donc $\eta < 0{,}08$, sinon $y$ explose. Mais alors $x$ ne diminue que de 7,5 % par pas : c'est très lent.
2. Le momentum : les gradients selon $y$ changent de signe et s'annulent dans la vitesse, ceux selon $x$ s'ajoutent.
Adam : chaque coordonnée est divisée par la taille de son gradient, donc les deux avancent au même rythme.
"""

ALICE = {
    OPTIMISEURS: {
        "sgd_momentum_step": MOMENTUM,
        "adam_step": ADAM,
        "step_decay": DECAY,
        "optimize": OPTIMIZE,
        "reponse_zigzag": ZIGZAG,
    },
    REGULARISATION: {"l2_penalty_gradient": L2, "l1_penalty_gradient": L1, "steps": STEPS},
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
        },
        REGULARISATION: {
            "l2_penalty_gradient": one_line_change(L2, "return np.multiply(W, lam)", "return np.multiply(W, 2 * lam)"),
            "l1_penalty_gradient": one_line_change(L1, "return lam * signe", "return lam * np.abs(W)"),
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
        },
        REGULARISATION: {
            "l2_penalty_gradient": one_line_change(L2, "return np.multiply(W, lam)", "return np.multiply(W, -lam)"),
            "l1_penalty_gradient": one_line_change(L1, "return lam * signe", "return -lam * signe"),
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
        },
        REGULARISATION: {
            "l2_penalty_gradient": one_line_change(L2, "return np.multiply(W, lam)", "return np.multiply(W ** 2, lam)"),
            "l1_penalty_gradient": one_line_change(
                L1, "signe = np.where(W > 0, 1.0, np.where(W < 0, -1.0, 0.0))", "signe = np.where(W >= 0, 1.0, -1.0)"
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
        },
        REGULARISATION: {
            "l2_penalty_gradient": one_line_change(L2, "return np.multiply(W, lam)", "return lam / 2 * np.sum(W ** 2)"),
        },
    },
    # Only the two steps have a fifth catalogued mistake.
    5: {
        OPTIMISEURS: {
            "sgd_momentum_step": one_line_change(
                MOMENTUM,
                "nouvelle_vitesse = beta * velocity + grad",
                "nouvelle_vitesse = beta * velocity + (1 - beta) * grad",
            ),
            "adam_step": one_line_change(ADAM, "return theta - pas, m, v", "return theta - pas, m_hat, v_hat"),
        },
    },
}

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
}
# chloe's two steps are wrong (erreurs_1's), her optimize is right: optimize is judged with the reference
# steps, so only the steps' cells lose their points.
STUDENTS["chloe_pas_faux"] = {
    **ALICE,
    OPTIMISEURS: {
        **ALICE[OPTIMISEURS],
        **{name: ERREURS[1][OPTIMISEURS][name] for name in ("sgd_momentum_step", "adam_step")},
    },
}
for k, wrong in ERREURS.items():
    STUDENTS[f"erreurs_{k}"] = {notebook: {**cells, **wrong.get(notebook, {})} for notebook, cells in ALICE.items()}
