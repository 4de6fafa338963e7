"""Sample submissions of TD 1 and the situation each one reproduces (scores: tests/grading/test_grading_td1.py).

``erreurs_k`` writes, for every graded function whose catalogue has at least k mistakes, the k-th
mistake of its catalogue (``MISTAKES`` of autograde/td1/<notebook>/mistakes.py), as a one-line change of a
right answer where the mistake is one line, by hand otherwise; every other cell is alice's (right).
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td1", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change


def one_line_changes(source, *changes):
    """``source`` with one line changed per ``(old, new)``: a cell of several functions, one mistake in each."""
    for old, new in changes:
        source = one_line_change(source, old, new)
    return source


# alice: everything right, written with explicit loops and other formulas than the reference.
NEURONE = {
    "reponse_elements": r"""
1. $x_i$ : les entrées ; $w_i$ : les poids ; $b$ : le biais ; $\Sigma$ fait la somme pondérée des entrées plus le
biais, $z$ est la pré-activation ; $f$ : la fonction d'activation ; $y$ : la sortie. Les paramètres sont les $w_i$
et $b$.
2. $f$ est la marche (1 si $z \geq 0$, 0 sinon) et $b = -\theta$, car $\sum_i w_i x_i \geq \theta$ équivaut à
$\sum_i w_i x_i - \theta \geq 0$.
""",
    "activations": """
def id(z):
    return z


def sigmoid(z):
    # exp(-log(1 + e^-z)) : même valeur que 1 / (1 + e^-z)
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    return np.where(z > 0, z, 0.0)


def tanh(z):
    return 2.0 / (1.0 + np.exp(-2.0 * z)) - 1.0
""",
    "neuron": """
def neuron(x, w, b, f):
    if np.ndim(x) == 1:
        z = b
        for i in range(len(w)):
            z = z + x[i] * w[i]
        return f(z)
    sorties = []
    for ligne in x:
        sorties.append(neuron(ligne, w, b, f))
    return np.array(sorties)
""",
}

# alice's written answers (graded by hand: "à corriger à la main" until a teacher grades them).
REGRESSION = {
    "reponse_gradient": r"""
Pour un terme, $\frac{\partial}{\partial \hat{y}_i} (\hat{y}_i - y_i)^2 = 2 (\hat{y}_i - y_i)$, et
$\hat{y}_i = w x_i + b$ donne $\frac{\partial \hat{y}_i}{\partial w} = x_i$, $\frac{\partial \hat{y}_i}{\partial b} = 1$.
Avec la règle de la chaîne, le 2 s'annule avec le 1/2 :

$\frac{\partial L}{\partial w} = \frac{1}{n} \sum_i (\hat{y}_i - y_i) x_i$ et $\frac{\partial L}{\partial b} = \frac{1}{n} \sum_i (\hat{y}_i - y_i)$.
""",
    "reponse_pas_apprentissage": """
Avec 1 000 époques et η = 0,001, la droite n'est pas encore celle de linregress (b surtout) : la descente n'a pas
fini. Avec η = 0,01, 1 000 époques suffisent. Avec η = 1, la perte explose : chaque pas va trop loin et passe
de l'autre côté du minimum, de plus en plus haut, la descente diverge.
""",
    "loss": """
def loss(y, y_hat):
    total = 0.0
    for i in range(len(y)):
        total += (y_hat[i] - y[i]) ** 2
    return total / (2 * len(y))
""",
    "gradient": """
def gradient(x, y_hat, y):
    n = len(x)
    dw, db = 0.0, 0.0
    for xi, yhi, yi in zip(x, y_hat, y):
        dw += (yhi - yi) * xi
        db += yhi - yi
    return dw / n, db / n
""",
    "train": """
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    historique = []
    for _ in range(epochs):
        y_hat = predict(x, w, b)
        historique.append(loss(y, y_hat))
        dw, db = gradient(x, y_hat, y)
        w, b = w - eta * dw, b - eta * db
    return w, b, np.array(historique)
""",
}

LOGISTIQUE = {
    # alice copies her part-1 functions, as the notebook asks.
    "reprise_partie_1": """
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def neuron(x, w, b, f):
    return f(x @ w + b)
""",
    "predict_proba": """
def predict_proba(X, w, b):
    return neuron(X, w, b, sigmoid)
""",
    "reponse_expressions": r"""
1. $z_i = \mathbf{x}_i \cdot \mathbf{w} + b$ puis $\hat{y}_i = \sigma(z_i)$.
2. $\hat{y}_i$ est la probabilité que l'exemple soit de classe 1, car $\sigma$ est entre 0 et 1.
3. $\sigma(0) = 0,5$ et $\sigma$ croît : classe 1 quand $z_i \geq 0$. La frontière est la droite
$w_1 x_1 + w_2 x_2 + b = 0$.
""",
    "reponse_gradient": r"""
1. $\sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \sigma(z) (1 - \sigma(z))$.
2. $\frac{\partial \ell_i}{\partial \hat{y}_i} = -\frac{y_i}{\hat{y}_i} + \frac{1 - y_i}{1 - \hat{y}_i}$, et avec
   $\frac{\partial \hat{y}_i}{\partial z_i} = \hat{y}_i (1 - \hat{y}_i)$ il reste $\hat{y}_i - y_i$.
3. $\frac{\partial L}{\partial w_j} = \frac{1}{n} \sum_i (\hat{y}_i - y_i) x_{ij}$, $\frac{\partial L}{\partial b} = \frac{1}{n} \sum_i (\hat{y}_i - y_i)$.
4. En matrices : $\frac{1}{n} X^T (\hat{y} - y)$, de forme (D, n) × (n,) = (D,).
""",
    "loss": """
def loss(y, y_hat):
    total = 0.0
    for yi, pi in zip(y, y_hat):
        pi = min(max(pi, 1e-12), 1 - 1e-12)
        total -= yi * np.log(pi) + (1 - yi) * np.log(1 - pi)
    return total / len(y)
""",
    "gradient": """
def gradient(x, y_hat, y):
    n, d = x.shape
    dw = np.zeros(d)
    db = 0.0
    for i in range(n):
        ecart = y_hat[i] - y[i]
        dw += ecart * x[i]
        db += ecart
    return dw / n, db / n
""",
    "train": """
def train(x, y, eta, epochs):
    w = np.zeros(x.shape[1])
    b = 0.0
    historique = []
    for _ in range(epochs):
        y_hat = predict_proba(x, w, b)
        historique.append(loss(y, y_hat))
        dw, db = gradient(x, y_hat, y)
        w = w - eta * dw
        b = b - eta * db
    return w, b, np.array(historique)
""",
    "predict": """
def predict(x, w, b):
    return np.array([1 if p >= 0.5 else 0 for p in predict_proba(x, w, b)])
""",
}

ALICE = {"01_neurone": NEURONE, "02_regression_lineaire": REGRESSION, "03_regression_logistique": LOGISTIQUE}

# The linear-regression gradient written with numpy rather than alice's loop, right: chloe's and the
# erreurs_k students' gradients are one-line changes of it (in alice's loop, the residual is written twice).
GRADIENT_VECTORISE = """
def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
"""

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
    # chloe writes (y − ŷ) instead of (ŷ − y) in the linear-regression gradient.
    "chloe_gradient_faux": {
        **ALICE,
        "02_regression_lineaire": {
            **REGRESSION,
            "gradient": one_line_change(GRADIENT_VECTORISE, "residual = y_hat - y", "residual = y - y_hat"),
        },
    },
    # david's train raises (list index), and his predict uses an unexpected threshold.
    "david_erreurs": {
        **ALICE,
        "02_regression_lineaire": {
            **REGRESSION,
            "train": """
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    losses = []
    for epoch in range(epochs):
        y_hat = predict(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w, b = w - eta * dw, b - eta * db
    return w, b, losses
""",
        },
        "03_regression_logistique": {
            **LOGISTIQUE,
            "predict": """
def predict(x, w, b):
    return (predict_proba(x, w, b) >= 0.7).astype(int)
""",
        },
    },
    # emma leaves a search loop that never ends at the top of her gradient cell.
    "emma_boucle_infinie": {
        **ALICE,
        "02_regression_lineaire": {
            **REGRESSION,
            "gradient": """
# je cherche un pas assez petit pour que la perte soit nulle...
pas = 1.0
while loss(y, predict(x, pas, 0.0)) > 0:
    pas = pas / 2

def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
""",
        },
    },
}


# ---------------------------------------------------------------- mistake k of every graded function
# erreurs_k: the k-th catalogued mistake of every graded function that has at least k of them (catalogue
# sizes: id 4, sigmoid 3, relu 3, tanh 3, neuron 3; linear loss 4, gradient 5, train 3; logistic
# predict_proba 3, loss 4, gradient 4, train 3, predict 3). Each wrong cell gets 0 and its message names the
# mistake (tests/grading/test_grading_td1.py). A mistake of one line is a one-line change of alice's answer (of
# GRADIENT_VECTORISE for the linear-regression gradient); the others are written whole, each saying why.
ACTIVATIONS, NEURON = NEURONE["activations"], NEURONE["neuron"]
LOSS_LIN, TRAIN_LIN = REGRESSION["loss"], REGRESSION["train"]
LOSS_LOG, GRADIENT_LOG, PREDICT = LOGISTIQUE["loss"], LOGISTIQUE["gradient"], LOGISTIQUE["predict"]
STEP_LIN = "w, b = w - eta * dw, b - eta * db"
RETURN_LOSS_LIN, SQUARE = "return total / (2 * len(y))", "total += (y_hat[i] - y[i]) ** 2"
CLIP, TERMS, RETURN_LOSS_LOG = (
    "pi = min(max(pi, 1e-12), 1 - 1e-12)",
    "total -= yi * np.log(pi) + (1 - yi) * np.log(1 - pi)",
    "return total / len(y)",
)
RETURN_GRADIENT_LOG = "return dw / n, db / n"
RESIDUAL, RETURN_GRADIENT = "residual = y_hat - y", "return np.mean(residual * x), np.mean(residual)"
SIGMOID, RELU, TANH = (
    "return np.exp(-np.logaddexp(0.0, -z))",
    "return np.where(z > 0, z, 0.0)",
    "return 2.0 / (1.0 + np.exp(-2.0 * z)) - 1.0",
)
CLASSES = "return np.array([1 if p >= 0.5 else 0 for p in predict_proba(x, w, b)])"
PROBA, CALL = LOGISTIQUE["predict_proba"], "return neuron(X, w, b, sigmoid)"

ERREURS = {
    1: {
        "01_neurone": {
            # ReLU pour l'identité, e^z au lieu de e^-z, min au lieu de max, la sigmoïde pour tanh
            "activations": one_line_changes(
                ACTIVATIONS,
                ("return z", "return np.maximum(z, 0)"),
                (SIGMOID, "return np.exp(-np.logaddexp(0.0, z))"),
                (RELU, "return np.where(z < 0, z, 0.0)"),
                (TANH, "return 1.0 / (1.0 + np.exp(-z))"),
            ),
            # biais oublié
            "neuron": one_line_change(NEURON, "z = b", "z = 0.0"),
        },
        "02_regression_lineaire": {
            # facteur 1/2 oublié
            "loss": one_line_change(LOSS_LIN, RETURN_LOSS_LIN, "return total / len(y)"),
            # (y − ŷ) au lieu de (ŷ − y)
            "gradient": one_line_change(GRADIENT_VECTORISE, RESIDUAL, "residual = y - y_hat"),
            # mise à jour avec +
            "train": one_line_change(TRAIN_LIN, STEP_LIN, "w, b = w + eta * dw, b + eta * db"),
        },
        "03_regression_logistique": {
            # l'identité au lieu de la sigmoïde
            "predict_proba": one_line_change(PROBA, CALL, "return neuron(X, w, b, lambda z: z)"),
            # ŷ borné à [0, 1] : log(0) n'est pas évité
            "loss": one_line_change(LOSS_LOG, CLIP, "pi = min(max(pi, 0), 1)"),
            # (y − ŷ) au lieu de (ŷ − y)
            "gradient": one_line_change(GRADIENT_LOG, "ecart = y_hat[i] - y[i]", "ecart = y[i] - y_hat[i]"),
            # mise à jour avec + (whole: alice updates w and b on two lines, and both change)
            "train": """
def train(x, y, eta, epochs):
    w, b = np.zeros(x.shape[1]), 0.0
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        y_hat = predict_proba(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w += eta * dw
        b += eta * db
    return w, b, losses
""",
            # les probabilités au lieu des classes
            "predict": one_line_change(PREDICT, CLASSES, "return predict_proba(x, w, b)"),
        },
    },
    2: {
        "01_neurone": {
            # la dérivée 1 pour l'identité, le 1 oublié au dénominateur, |z| pour ReLU, le signe de tanh
            "activations": one_line_changes(
                ACTIVATIONS,
                ("return z", "return np.ones_like(z)"),
                (SIGMOID, "return 1 / np.exp(-z)"),
                (RELU, "return np.abs(z)"),
                (TANH, "return 2.0 / (1.0 + np.exp(2.0 * z)) - 1.0"),
            ),
            # biais ajouté après l'activation (whole: in alice's loop two lines change, z starts from 0
            # and b is added to f(z))
            "neuron": """
def neuron(x, w, b, f):
    return f(np.dot(x, w)) + b
""",
        },
        "02_regression_lineaire": {
            # somme au lieu de moyenne
            "loss": one_line_change(LOSS_LIN, RETURN_LOSS_LIN, "return total / 2"),
            # pas de division par n
            "gradient": one_line_change(
                GRADIENT_VECTORISE, RETURN_GRADIENT, "return np.sum(residual * x), np.sum(residual)"
            ),
            # η oublié
            "train": one_line_change(TRAIN_LIN, STEP_LIN, "w, b = w - dw, b - db"),
        },
        "03_regression_logistique": {
            # biais oublié
            "predict_proba": one_line_change(PROBA, CALL, "return neuron(X, w, 0.0, sigmoid)"),
            # signe moins oublié
            "loss": one_line_change(LOSS_LOG, TERMS, "total += yi * np.log(pi) + (1 - yi) * np.log(1 - pi)"),
            # pas de division par n
            "gradient": one_line_change(GRADIENT_LOG, RETURN_GRADIENT_LOG, "return dw, db"),
            # η oublié (whole: alice updates w and b on two lines, and both change)
            "train": """
def train(x, y, eta, epochs):
    w, b = np.zeros(x.shape[1]), 0.0
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        y_hat = predict_proba(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w = w - dw
        b = b - db
    return w, b, losses
""",
            # classes inversées
            "predict": one_line_change(
                PREDICT, CLASSES, "return np.array([0 if p >= 0.5 else 1 for p in predict_proba(x, w, b)])"
            ),
        },
    },
    3: {
        "01_neurone": {
            # z aplati, la dérivée σ(1 − σ), la dérivée de ReLU, tanh(z/2)
            "activations": one_line_changes(
                ACTIVATIONS,
                ("return z", "return np.ravel(z)"),
                (SIGMOID, "return np.exp(-np.logaddexp(0.0, -z)) * (1 - np.exp(-np.logaddexp(0.0, -z)))"),
                (RELU, "return np.where(z > 0, 1.0, 0.0)"),
                (TANH, "return 2.0 / (1.0 + np.exp(-z)) - 1.0"),
            ),
            # pas d'activation
            "neuron": one_line_change(NEURON, "return f(z)", "return z"),
        },
        "02_regression_lineaire": {
            # ni 1/2 ni division par n
            "loss": one_line_change(LOSS_LIN, RETURN_LOSS_LIN, "return total"),
            # facteur 2 de la dérivée du carré
            "gradient": one_line_change(
                GRADIENT_VECTORISE, RETURN_GRADIENT, "return 2 * np.mean(residual * x), 2 * np.mean(residual)"
            ),
            # perte enregistrée après la mise à jour (whole: a line moves below the update, none changes)
            "train": """
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        dw, db = gradient(x, predict(x, w, b), y)
        w = w - eta * dw
        b = b - eta * db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses
""",
        },
        "03_regression_logistique": {
            # la probabilité de la classe 0
            "predict_proba": one_line_change(PROBA, CALL, "return 1 - neuron(X, w, b, sigmoid)"),
            # somme au lieu de moyenne
            "loss": one_line_change(LOSS_LOG, RETURN_LOSS_LOG, "return total"),
            # dL/db : le vecteur (ŷ − y)/n, pas sa somme
            "gradient": one_line_change(GRADIENT_LOG, RETURN_GRADIENT_LOG, "return dw / n, (y_hat - y) / n"),
            # perte enregistrée après la mise à jour (whole: a line moves below the update, none changes)
            "train": """
def train(x, y, eta, epochs):
    w, b = np.zeros(x.shape[1]), 0.0
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        dw, db = gradient(x, predict_proba(x, w, b), y)
        w = w - eta * dw
        b = b - eta * db
        losses[epoch] = loss(y, predict_proba(x, w, b))
    return w, b, losses
""",
            # seuil 0 sur la probabilité
            "predict": one_line_change(
                PREDICT, CLASSES, "return np.array([1 if p >= 0 else 0 for p in predict_proba(x, w, b)])"
            ),
        },
    },
    4: {
        "01_neurone": {
            # les zᵢ additionnés (sigmoid, relu and tanh have three mistakes: theirs are alice's, right)
            "activations": one_line_change(ACTIVATIONS, "return z", "return np.sum(z)"),
        },
        "02_regression_lineaire": {
            # écarts non élevés au carré
            "loss": one_line_change(LOSS_LIN, SQUARE, "total += y_hat[i] - y[i]"),
            # dL/dw sans les xᵢ
            "gradient": one_line_change(
                GRADIENT_VECTORISE, RETURN_GRADIENT, "return np.mean(residual), np.mean(residual)"
            ),
        },
        "03_regression_logistique": {
            # le terme (1 − yᵢ) log(1 − ŷᵢ) oublié
            "loss": one_line_change(LOSS_LOG, TERMS, "total -= yi * np.log(pi)"),
            # dL/db : le vecteur des écarts
            "gradient": one_line_change(GRADIENT_LOG, RETURN_GRADIENT_LOG, "return dw / n, y_hat - y"),
        },
    },
    5: {
        "02_regression_lineaire": {
            # (dL/db, dL/dw) au lieu de (dL/dw, dL/db)
            "gradient": one_line_change(
                GRADIENT_VECTORISE, RETURN_GRADIENT, "return np.mean(residual), np.mean(residual * x)"
            ),
        },
    },
}

for k, wrong in ERREURS.items():
    STUDENTS[f"erreurs_{k}"] = {notebook: {**cells, **wrong.get(notebook, {})} for notebook, cells in ALICE.items()}
