"""Sample submissions of TD 4 and the situation each one reproduces (scores: tests/grading/test_grading_td4.py).

``erreurs_k`` writes, for every graded function, the k-th mistake of that function's catalogue
(``MISTAKES`` of autograde/td4/<notebook>/mistakes.py), as a one-line change of the vectorised correct
answers below where the mistake is one line (a cell of two functions: one line in each); a function
whose catalogue is shorter is lea's (right).
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td4", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change

RESEAU = "01_reseau_2_3_1"
ACTIVATIONS = "02_activations"


def changes(source, *pairs):
    """``source`` with several one-line changes, ``(old, new)`` each: a cell of two functions, one in each."""
    for old, new in pairs:
        source = one_line_change(source, old, new)
    return source


# lea: everything right, written with loops, one example at a time, and other formulas than the reference.
# Her written answers are graded by hand ("à corriger à la main" until a teacher grades them).
LEA_RESEAU = {
    "reponse_passe_avant": r"""
Pour un exemple : $z^{(1)}_j = W^{(1)}_{1j} x_1 + W^{(1)}_{2j} x_2 + b^{(1)}_j$ et $a^{(1)}_j = \sigma(z^{(1)}_j)$ pour
j = 1, 2, 3, puis $z^{(2)} = W'_1 a^{(1)}_1 + W'_2 a^{(1)}_2 + W'_3 a^{(1)}_3 + b'$, $\hat{y} = \sigma(z^{(2)})$ et
$L = (\hat{y} - y)^2 / 2$.

En matrices : $z^{(1)} = x W^{(1)} + b^{(1)}$ (1 × 3), $a^{(1)} = \sigma(z^{(1)})$, $z^{(2)} = a^{(1)} W' + b'$ (1 × 1).
Sur un lot : $Z_1 = X W^{(1)} + b^{(1)}$ est N × 3, chaque ligne est un exemple ; le même biais est ajouté à toutes
les lignes (broadcasting de numpy). Puis $A_1 = \sigma(Z_1)$, $Z_2 = A_1 W' + b'$ (N × 1), $\hat{Y} = \sigma(Z_2)$.
""",
    "reponse_parametres": r"""
1. Paramètres : poids et biais. Hyperparamètres : nombre de couches, de neurones, activations, perte, η, époques.
2. 2 × 3 poids + 3 biais pour la couche cachée, 3 poids + 1 biais pour la sortie : 6 + 3 + 3 + 1 = 13.
3. Chaque couche k → k + 1 a $n_k n_{k+1}$ poids et $n_{k+1}$ biais (un par neurone qui calcule, l'entrée n'en a
   pas) : total $\sum_{k=0}^{p} n_{k+1}(n_k + 1)$.
""",
    "reponse_retropropagation": r"""
**Sortie.** $\frac{\partial L}{\partial \hat{y}} = \hat{y} - y$ (le 2 du carré part avec le 1/2). Comme
$\sigma' = \sigma(1 - \sigma)$, $\frac{\partial \hat{y}}{\partial z^{(2)}} = \hat{y}(1 - \hat{y})$, donc
$\delta^{(2)} = (\hat{y} - y)\,\hat{y}(1 - \hat{y})$. Puis $z^{(2)} = \sum_j a_j W'_j + b'$ donne
$\frac{\partial L}{\partial b'} = \delta^{(2)}$ et $\frac{\partial L}{\partial W'_j} = a_j \delta^{(2)}$.

**Couche cachée.** $a_j$ ne touche $L$ que par $z^{(2)}$ : $\frac{\partial L}{\partial a_j} = \delta^{(2)} W'_j$, puis
$\delta^{(1)}_j = \delta^{(2)} W'_j\, a_j (1 - a_j)$. Enfin $\frac{\partial L}{\partial b^{(1)}_j} = \delta^{(1)}_j$ et
$\frac{\partial L}{\partial W^{(1)}_{kj}} = x_k \delta^{(1)}_j$ : la matrice est $x^T \delta^{(1)}$ (2 × 1 fois 1 × 3).

**Lot.** L est une moyenne : chaque exemple apporte son gradient divisé par N, et on additionne les exemples.
Avec une ligne par exemple : $\Delta_2 = (\hat{Y} - Y) * \hat{Y} * (1 - \hat{Y}) / N$ (N × 1), $dW_2 = A_1^T \Delta_2$
(3 × 1), $db_2$ = somme des lignes de $\Delta_2$, $\Delta_1 = (\Delta_2 W_2^T) * A_1 * (1 - A_1)$ (N × 3),
$dW_1 = X^T \Delta_1$ (2 × 3), $db_1$ = somme des lignes de $\Delta_1$ (3 valeurs).
""",
    "forward": """
def forward(X, y, W1, b1, W2, b2):
    N = X.shape[0]
    z1 = np.zeros((N, 3))
    for n in range(N):
        for j in range(3):
            z1[n, j] = X[n, 0] * W1[0, j] + X[n, 1] * W1[1, j] + b1[j]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = np.zeros((N, 1))
    for n in range(N):
        z2[n, 0] = a1[n, 0] * W2[0, 0] + a1[n, 1] * W2[1, 0] + a1[n, 2] * W2[2, 0] + b2[0]
    y_hat = 1 / (1 + np.exp(-z2))
    L = 0.0
    for n in range(N):
        L += 0.5 * (y_hat[n, 0] - y[n, 0]) ** 2
    return z1, a1, z2, y_hat, L / N
""",
    "count_parameters": """
def count_parameters(layer_sizes):
    return sum(layer_sizes[k] * layer_sizes[k + 1] + layer_sizes[k + 1] for k in range(len(layer_sizes) - 1))
""",
    "backward": """
def backward(X, y, W1, b1, W2, b2):
    # un exemple à la fois, comme sur la feuille, puis on somme les contributions
    N = len(X)
    dW1, db1 = np.zeros((2, 3)), np.zeros(3)
    dW2, db2 = np.zeros((3, 1)), np.zeros(1)
    for n in range(N):
        a = sigmoid(X[n] @ W1 + b1)
        y_hat = sigmoid(a @ W2 + b2)
        delta2 = (y_hat - y[n]) * y_hat * (1 - y_hat) / N
        dW2 += np.outer(a, delta2)
        db2 += delta2
        delta1 = (W2 @ delta2) * a * (1 - a)
        dW1 += np.outer(X[n], delta1)
        db1 += delta1
    return dW1, db1, dW2, db2
""",
    "gradient_check": """
def gradient_check(f, params, grads, h=1e-5):
    resultat = []
    for k in range(len(params)):
        autres = list(params)

        def f_seul(theta):
            autres[k] = theta
            return f(*autres)

        n = numerical_gradient(f_seul, params[k], h)
        g = grads[k]
        pire = 0.0
        for i in np.ndindex(g.shape):
            e = abs(g[i] - n[i]) / max(1e-12, abs(g[i]) + abs(n[i]))
            pire = max(pire, e)
        resultat.append(pire)
    return tuple(resultat)
""",
}

LEA_ACTIVATIONS = {
    "reponse_non_lineaire": r"""
1. Sans sigmoïde cachée, $z^{(2)} = (x W^{(1)} + b^{(1)}) W' + b' = x (W^{(1)} W') + (b^{(1)} W' + b')$ : c'est un
   seul neurone, de poids $W^{(1)} W'$ (2 × 1) et de biais $b^{(1)} W' + b'$. Avec dix couches c'est pareil, un
   produit de matrices reste une matrice.
2. La sigmoïde de sortie donne un nombre entre 0 et 1, une probabilité.
3. Les activations cachées doivent être non linéaires, sinon tout le réseau reste linéaire (affine) et ne sépare
   pas le XOR.
""",
    "verification_un_neurone": """
rng = np.random.default_rng(4)
W1, b1, W2, b2 = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 1)), rng.normal(size=1)
X = rng.normal(size=(5, 2))
two_layers = sigmoid((X @ W1 + b1) @ W2 + b2)
w_single = np.dot(W1, W2)
b_single = np.dot(b1, W2) + b2
one_neuron = sigmoid(X @ w_single + b_single)
assert np.allclose(two_layers, one_neuron)
""",
    "couche": """
def mse_gradient(y_hat, y):
    N = y.shape[0]
    return (y_hat - y) / N


def layer_backward(dA, Z, A_prev, W, activation_prime):
    dZ = dA * activation_prime(Z)
    dW = np.dot(A_prev.T, dZ)
    dA_prev = np.dot(dZ, W.T)
    return dW, dA_prev
""",
    "reponse_derivees": r"""
1. $\sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \frac{1}{1 + e^{-z}} \times \frac{e^{-z}}{1 + e^{-z}} = \sigma(z)(1 - \sigma(z))$,
   car $\frac{e^{-z}}{1 + e^{-z}} = 1 - \sigma(z)$.
2. $\tanh'(z) = \frac{(e^z + e^{-z})^2 - (e^z - e^{-z})^2}{(e^z + e^{-z})^2} = 1 - \tanh(z)^2$.
3. ReLU : 1 si z > 0, 0 si z < 0. Leaky ReLU : 1 si z > 0, α si z < 0. En 0 la pente à gauche et la pente à droite
   ne sont pas les mêmes, il y a un angle : pas de dérivée.
4. On a déjà les activations $a$ de la passe avant : $a(1 - a)$ et $1 - a^2$ ne coûtent presque rien.
""",
    "derivees_sigmoide_tanh": """
def sigmoid_prime(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


def tanh_prime(z):
    return 1 / np.cosh(z) ** 2
""",
    "derivees_relu": """
def relu_prime(z):
    return (z > 0) * 1.0


def leaky_relu_prime(z, alpha=0.01):
    return 1.0 * (z > 0) + alpha * (z <= 0)
""",
    "reponse_saturation": r"""
1. Si σ(z) est proche de 0 ou de 1, σ'(z) = σ(z)(1 − σ(z)) est proche de 0 (σ'(10) ≈ 4,5e-5). s(1 − s) est
   maximal pour s = 1/2, donc en z = 0, et vaut 1/4. Un neurone saturé a un gradient presque nul : ses poids ne
   bougent pas, et il ne renvoie presque rien aux couches d'avant.
2. Le gradient de la première couche est un produit de K termes σ' × poids, un par couche. Avec 10^-3 par couche
   on a 10^(-3K), et même dans le meilleur cas (1/4)^K : il diminue exponentiellement, c'est la droite qui descend
   sur la figure en échelle log. Les premières couches n'apprennent presque plus (vanishing gradient).
3. ReLU' vaut 0 ou 1 : quand le neurone est actif, le gradient passe tel quel, il n'est pas divisé à chaque couche.
4. Un neurone mort a z < 0 pour tous les exemples : il sort 0, sa dérivée est 0, il ne reçoit plus de gradient et
   ne peut plus changer. Avec leaky ReLU la dérivée vaut α > 0, donc il peut encore revenir.
""",
}

LEA = {RESEAU: LEA_RESEAU, ACTIVATIONS: LEA_ACTIVATIONS}

# The vectorised correct answers the mistakes are written from.
FORWARD = """
def forward(X, y, W1, b1, W2, b2):
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    y_hat = sigmoid(z2)
    L = np.mean((y_hat - y) ** 2) / 2
    return z1, a1, z2, y_hat, L
"""
COUNT = """
def count_parameters(layer_sizes):
    total = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        total += n_in * n_out + n_out
    return total
"""
# Their backward calls their own (wrong) forward: it is judged with the reference forward all the same.
BACKWARD = """
def backward(X, y, W1, b1, W2, b2):
    z1, a1, z2, y_hat, L = forward(X, y, W1, b1, W2, b2)
    N = X.shape[0]
    dz2 = (y_hat - y) / N * y_hat * (1 - y_hat)
    dW2 = a1.T @ dz2
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2.T) * a1 * (1 - a1)
    dW1 = X.T @ dz1
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2
"""
CHECK = """
def gradient_check(f, params, grads, h=1e-5):
    errors = []
    for k in range(len(params)):
        numeric = numerical_gradient(lambda theta: f(*params[:k], theta, *params[k + 1:]), params[k], h)
        ecart = np.abs(grads[k] - numeric)
        echelle = np.maximum(1e-12, np.abs(grads[k]) + np.abs(numeric))
        errors.append(np.max(ecart / echelle))
    return tuple(errors)
"""
SIGMOID_TANH = """
def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2
"""
RELUS = """
def relu_prime(z):
    return np.where(z > 0, 1.0, 0.0)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)
"""
SIGMOID_LINE, TANH_LINE = "return s * (1 - s)", "return 1 - np.tanh(z) ** 2"
RELU_LINE, LEAKY_LINE = "return np.where(z > 0, 1.0, 0.0)", "return np.where(z > 0, 1.0, alpha)"

ERREURS = {
    1: {
        RESEAU: {
            "forward": one_line_change(FORWARD, "y_hat = sigmoid(z2)", "y_hat = z2"),
            "count_parameters": one_line_change(COUNT, "total += n_in * n_out + n_out", "total += n_in * n_out"),
            "backward": changes(
                BACKWARD, ("dW2 = a1.T @ dz2", "dW2 = dz2.T @ a1"), ("dW1 = X.T @ dz1", "dW1 = dz1.T @ X")
            ),
            "gradient_check": one_line_change(
                CHECK, "ecart = np.abs(grads[k] - numeric)", "ecart = grads[k] - numeric"
            ),
        },
        ACTIVATIONS: {
            "derivees_sigmoide_tanh": changes(
                SIGMOID_TANH, (SIGMOID_LINE, "return s"), (TANH_LINE, "return 1 - np.tanh(z)")
            ),
            "derivees_relu": changes(
                RELUS, (RELU_LINE, "return np.maximum(0, z)"), (LEAKY_LINE, "return np.where(z > 0, 1.0, 0.0)")
            ),
        },
    },
    2: {
        RESEAU: {
            "forward": one_line_change(FORWARD, "L = np.mean((y_hat - y) ** 2) / 2", "L = np.mean((y_hat - y) ** 2)"),
            "count_parameters": one_line_change(
                COUNT,
                "total += n_in * n_out + n_out",
                "total += n_in * n_out + n_in   # les poids, et un biais par entrée",
            ),
            "backward": changes(
                BACKWARD, ("db2 = dz2.sum(axis=0)", "db2 = dz2"), ("db1 = dz1.sum(axis=0)", "db1 = dz1")
            ),
            "gradient_check": one_line_change(
                CHECK,
                "echelle = np.maximum(1e-12, np.abs(grads[k]) + np.abs(numeric))",
                "echelle = np.abs(grads[k]) + np.abs(numeric)",
            ),
        },
        ACTIVATIONS: {
            "derivees_sigmoide_tanh": changes(
                SIGMOID_TANH, (SIGMOID_LINE, "return z * (1 - z)"), (TANH_LINE, "return 1 - z ** 2")
            ),
            "derivees_relu": changes(
                RELUS,
                (RELU_LINE, "return np.where(z < 0, 1.0, 0.0)"),
                (LEAKY_LINE, "return np.where(z > 0, z, alpha * z)"),
            ),
        },
    },
    3: {
        RESEAU: {
            "forward": one_line_change(
                FORWARD, "L = np.mean((y_hat - y) ** 2) / 2", "L = 0.5 * np.sum((y_hat - y) ** 2)"
            ),
            # Not one line: the input layer's biases come from a second count.
            "count_parameters": """
def count_parameters(layer_sizes):
    poids = 0
    for i in range(len(layer_sizes) - 1):
        poids += layer_sizes[i] * layer_sizes[i + 1]
    biais = sum(layer_sizes)   # un biais par neurone
    return poids + biais
""",
            "backward": one_line_change(
                BACKWARD, "dz2 = (y_hat - y) / N * y_hat * (1 - y_hat)", "dz2 = (y_hat - y) / N"
            ),
            "gradient_check": one_line_change(
                CHECK, "errors.append(np.max(ecart / echelle))", "errors.append(np.mean(ecart / echelle))"
            ),
        },
        ACTIVATIONS: {
            "derivees_sigmoide_tanh": changes(
                SIGMOID_TANH, (SIGMOID_LINE, "return -s * (1 - s)"), (TANH_LINE, "return np.tanh(z) ** 2 - 1")
            ),
            "derivees_relu": changes(
                RELUS, (RELU_LINE, "return np.sign(z)"), (LEAKY_LINE, "return np.where(z > 0, alpha, 1.0)")
            ),
        },
    },
    4: {
        RESEAU: {
            "forward": one_line_change(FORWARD, "a1 = sigmoid(z1)", "a1 = z1"),
            "backward": changes(
                BACKWARD,
                ("dz2 = (y_hat - y) / N * y_hat * (1 - y_hat)", "dz2 = (y_hat - y) / N * y_hat"),
                ("dz1 = (dz2 @ W2.T) * a1 * (1 - a1)", "dz1 = (dz2 @ W2.T) * a1"),
            ),
            "gradient_check": one_line_change(
                CHECK,
                "errors.append(np.max(ecart / echelle))",
                "errors.append(np.linalg.norm(grads[k] - numeric) / (np.linalg.norm(grads[k]) + np.linalg.norm(numeric)))",
            ),
        },
        ACTIVATIONS: {
            "derivees_relu": one_line_change(RELUS, LEAKY_LINE, "return np.where(z > 0, 1.0, 0.01)"),
        },
    },
    5: {
        RESEAU: {
            "backward": one_line_change(
                BACKWARD, "dz2 = (y_hat - y) / N * y_hat * (1 - y_hat)", "dz2 = (y_hat - y) * y_hat * (1 - y_hat)"
            ),
            "gradient_check": one_line_change(CHECK, "return tuple(errors)", "return max(errors)"),
        },
    },
    6: {
        RESEAU: {
            "gradient_check": one_line_change(
                CHECK,
                "numeric = numerical_gradient(lambda theta: f(*params[:k], theta, *params[k + 1:]), params[k], h)",
                "numeric = numerical_gradient(lambda theta: f(*params[:k], theta, *params[k + 1:]), params[k])",
            ),
        },
    },
}

STUDENTS = {
    "lea_boucles": LEA,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in LEA},
    **{
        f"erreurs_{k}": {notebook: {**LEA[notebook], **cells.get(notebook, {})} for notebook in LEA}
        for k, cells in ERREURS.items()
    },
}
