"""TD 5, notebook 1: the computation graph of L = (w1·x + w2·y)², differentiated by hand.

The graph of the sheet: a = w1·x, b = w2·y, c = a + b, L = c². By the chain rule, with dL/dc = 2c,
dL/dw1 = 2c·x, dL/dw2 = 2c·y, dL/dx = 2c·w1, dL/dy = 2c·w2. All inputs are numbers.
"""
import numpy as np

NOTEBOOK = "td5_autograd/01_graphe_de_calcul"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py.
HIDDEN_FORMULAS: tuple[str, ...] = (
    # reponse_derivees_locales: the local derivatives of the nodes, then the chain rule
    r"\frac{\partial L}{\partial c} = 2c",
    r"\frac{\partial a}{\partial w_1} = x",
    r"\frac{\partial a}{\partial x} = w_1",
    r"\frac{\partial b}{\partial w_2} = y",
    r"\frac{\partial b}{\partial y} = w_2",
    r"\frac{\partial L}{\partial w_1} = 2c\,x",
    r"\frac{\partial L}{\partial w_2} = 2c\,y",
    r"\frac{\partial L}{\partial x} = 2c\,w_1",
    r"\frac{\partial L}{\partial y} = 2c\,w_2",
    r"(7{,}5 ;\ 2{,}5 ;\ 10 ;\ -5)",
    # reponse_precision: L is quadratic in w1, so the forward difference errs by x²h, the centred one not at all
    r"L(w_1 + h) = L(w_1) + h\,\frac{\partial L}{\partial w_1} + h^2 x^2",
    r"L(w_1 + h) - L(w_1 - h) = 2h\,\frac{\partial L}{\partial w_1}",
    r"x^2 h",
)

# The notebook's worked point: c = 2·1.5 + (−1)·0.5 = 2.5, L = 6.25.
EXAMPLE = {"w1": 2.0, "w2": -1.0, "x": 1.5, "y": 0.5}
H = 1e-5  # the default step of numerical_gradient


def forward(w1, w2, x, y):
    """The values of the graph's nodes: (a, b, c, L)."""
    a = w1 * x
    b = w2 * y
    c = a + b
    return a, b, c, c ** 2


def hand_gradients(w1, w2, x, y):
    """(dL/dw1, dL/dw2, dL/dx, dL/dy) of L = (w1·x + w2·y)², four numbers, in this order."""
    c = w1 * x + w2 * y
    dL_dc = 2.0 * c
    return dL_dc * x, dL_dc * y, dL_dc * w1, dL_dc * w2


def loss_of(params):
    """L as a function of the array params = (w1, w2, x, y), for numerical_gradient."""
    w1, w2, x, y = params
    return (w1 * x + w2 * y) ** 2


def numerical_gradient(f, params, h=H):
    """Centred differences: g_i = (f(p + h·e_i) − f(p − h·e_i)) / (2h).

    f takes an array of shape (n,) and returns a number; params: (n,). Returns an array (n,).
    params is not modified.
    """
    params = np.asarray(params, dtype=float)
    grad = np.zeros_like(params)
    for i in range(params.size):
        step = np.zeros_like(params)
        step[i] = h
        grad[i] = (f(params + step) - f(params - step)) / (2 * h)
    return grad


def _numerical_gradient_variant(forward_only=False, over_h=False, keep_step=False):
    def numerical_gradient(f, params, h=H):
        p = np.array(params, dtype=float)
        grad = np.zeros_like(p)
        for i in range(p.size):
            p[i] += h
            f_plus = f(p.copy())
            if forward_only:
                p[i] -= h
                grad[i] = (f_plus - f(p.copy())) / h
                continue
            p[i] -= 2 * h
            f_minus = f(p.copy())
            grad[i] = (f_plus - f_minus) / (h if over_h else 2 * h)
            if not keep_step:
                p[i] += h
        return grad
    return numerical_gradient


def _mistakes():
    from ..checking import Mistake

    rule = ("Rappel : avec c = w1·x + w2·y, dL/dc = 2c, puis dL/dw1 = 2c·x, dL/dw2 = 2c·y, "
            "dL/dx = 2c·w1, dL/dy = 2c·w2.")
    centred = "Rappel : g_i = (f(p + h·e_i) − f(p − h·e_i)) / (2h), où seul p_i bouge."

    def scaled(factor):
        return lambda w1, w2, x, y: tuple(factor * g for g in hand_gradients(w1, w2, x, y))

    return {
        "hand_gradients": [
            Mistake("hand_gradients_forgot_two", "le facteur 2 de la dérivée du carré a été oublié : "
                    "d(c²)/dc = 2c, pas c. " + rule, scaled(0.5)),
            Mistake("hand_gradients_wrong_factor", "chaque dérivée est multipliée par le mauvais facteur du "
                    "produit : d(w1·x)/dw1 = x (l'autre facteur), pas w1. " + rule,
                    lambda w1, w2, x, y: (2 * (w1 * x + w2 * y) * w1, 2 * (w1 * x + w2 * y) * w2,
                                          2 * (w1 * x + w2 * y) * x, 2 * (w1 * x + w2 * y) * y)),
            Mistake("hand_gradients_square_split", "le carré a été développé comme (a + b)² = a² + b² : le "
                    "double produit 2ab manque, et dL/dw1 devient 2·w1·x². Le gradient doit passer par c = a + b. "
                    + rule, lambda w1, w2, x, y: (2 * w1 * x * x, 2 * w2 * y * y, 2 * w1 * x * w1, 2 * w2 * y * w2)),
        ],
        "numerical_gradient": [
            Mistake("numerical_gradient_forward_difference", "ce sont des différences avant "
                    "(f(p + h·e_i) − f(p)) / h, moins précises (erreur en h au lieu de h²) : il faut les "
                    "différences centrées. " + centred, _numerical_gradient_variant(forward_only=True)),
            Mistake("numerical_gradient_divided_by_h", "la différence centrée est divisée par h au lieu de 2h "
                    "(les deux points sont à distance 2h) : le résultat est deux fois trop grand. " + centred,
                    _numerical_gradient_variant(over_h=True)),
            Mistake("numerical_gradient_step_not_undone", "après avoir calculé g_i, p_i n'est pas remis à sa "
                    "valeur : il reste décalé de −h pendant le calcul des composantes suivantes. " + centred,
                    _numerical_gradient_variant(keep_step=True)),
        ],
    }


MISTAKES = _mistakes()
