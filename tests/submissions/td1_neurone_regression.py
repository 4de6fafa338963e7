"""Sample submissions of TD 1 and the situation each one reproduces (scores: tests/test_grading_td1.py)."""

# alice: everything right, written with explicit loops and other formulas than the reference.
NEURONE = {
    "activations": '''
def id(z):
    return z


def sigmoid(z):
    # exp(-log(1 + e^-z)) : même valeur que 1 / (1 + e^-z)
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    return np.where(z > 0, z, 0.0)


def tanh(z):
    return 2.0 / (1.0 + np.exp(-2.0 * z)) - 1.0
''',
    "neuron": '''
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
''',
}

# alice's written answers (graded by hand: "à corriger à la main" until a teacher grades them).
REGRESSION = {
    "reponse_gradient": r'''
Pour un terme, $\frac{\partial}{\partial \hat{y}_i} (\hat{y}_i - y_i)^2 = 2 (\hat{y}_i - y_i)$, et
$\hat{y}_i = w x_i + b$ donne $\frac{\partial \hat{y}_i}{\partial w} = x_i$, $\frac{\partial \hat{y}_i}{\partial b} = 1$.
Avec la règle de la chaîne, le 2 s'annule avec le 1/2 :

$\frac{\partial L}{\partial w} = \frac{1}{n} \sum_i (\hat{y}_i - y_i) x_i$ et $\frac{\partial L}{\partial b} = \frac{1}{n} \sum_i (\hat{y}_i - y_i)$.
''',
    "reponse_pas_apprentissage": '''
Avec 1 000 époques et η = 0,001, la droite n'est pas encore celle de linregress (b surtout) : la descente n'a pas
fini. Avec η = 0,01, 1 000 époques suffisent. Avec η = 1, la perte explose : chaque pas va trop loin et passe
de l'autre côté du minimum, de plus en plus haut, la descente diverge.
''',
    "loss": '''
def loss(y, y_hat):
    total = 0.0
    for i in range(len(y)):
        total += (y_hat[i] - y[i]) ** 2
    return total / (2 * len(y))
''',
    "gradient": '''
def gradient(x, y_hat, y):
    n = len(x)
    dw, db = 0.0, 0.0
    for xi, yhi, yi in zip(x, y_hat, y):
        dw += (yhi - yi) * xi
        db += yhi - yi
    return dw / n, db / n
''',
    "train": '''
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    historique = []
    for _ in range(epochs):
        y_hat = predict(x, w, b)
        historique.append(loss(y, y_hat))
        dw, db = gradient(x, y_hat, y)
        w, b = w - eta * dw, b - eta * db
    return w, b, np.array(historique)
''',
}

LOGISTIQUE = {
    "reponse_gradient": r'''
1. $\sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \sigma(z) (1 - \sigma(z))$.
2. $\frac{\partial \ell_i}{\partial \hat{y}_i} = -\frac{y_i}{\hat{y}_i} + \frac{1 - y_i}{1 - \hat{y}_i}$, et avec
   $\frac{\partial \hat{y}_i}{\partial z_i} = \hat{y}_i (1 - \hat{y}_i)$ il reste $\hat{y}_i - y_i$.
3. $\frac{\partial L}{\partial w_j} = \frac{1}{n} \sum_i (\hat{y}_i - y_i) x_{ij}$, $\frac{\partial L}{\partial b} = \frac{1}{n} \sum_i (\hat{y}_i - y_i)$.
4. En matrices : $\frac{1}{n} X^T (\hat{y} - y)$, de forme (D, n) × (n,) = (D,).
''',
    "loss": '''
def loss(y, y_hat):
    total = 0.0
    for yi, pi in zip(y, y_hat):
        pi = min(max(pi, 1e-12), 1 - 1e-12)
        total -= yi * np.log(pi) + (1 - yi) * np.log(1 - pi)
    return total / len(y)
''',
    "gradient": '''
def gradient(x, y_hat, y):
    n, d = x.shape
    dw = np.zeros(d)
    db = 0.0
    for i in range(n):
        ecart = y_hat[i] - y[i]
        dw += ecart * x[i]
        db += ecart
    return dw / n, db / n
''',
    "train": '''
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
''',
    "predict": '''
def predict(x, w, b):
    return np.array([1 if p >= 0.5 else 0 for p in predict_proba(x, w, b)])
''',
}

ALICE = {"01_neurone": NEURONE, "02_regression_lineaire": REGRESSION, "03_regression_logistique": LOGISTIQUE}

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
    # chloe writes (y − ŷ) instead of (ŷ − y) in the linear-regression gradient.
    "chloe_gradient_faux": {**ALICE, "02_regression_lineaire": {**REGRESSION, "gradient": '''
def gradient(x, y_hat, y):
    residual = y - y_hat
    return np.mean(residual * x), np.mean(residual)
'''}},
    # david's train raises (list index), and his predict uses an unexpected threshold.
    "david_erreurs": {
        **ALICE,
        "02_regression_lineaire": {**REGRESSION, "train": '''
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    losses = []
    for epoch in range(epochs):
        y_hat = predict(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w, b = w - eta * dw, b - eta * db
    return w, b, losses
'''},
        "03_regression_logistique": {**LOGISTIQUE, "predict": '''
def predict(x, w, b):
    return (predict_proba(x, w, b) >= 0.7).astype(int)
'''},
    },
    # emma leaves a search loop that never ends at the top of her gradient cell.
    "emma_boucle_infinie": {**ALICE, "02_regression_lineaire": {**REGRESSION, "gradient": '''
# je cherche un pas assez petit pour que la perte soit nulle...
pas = 1.0
while loss(y, predict(x, pas, 0.0)) > 0:
    pas = pas / 2

def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual * x), np.mean(residual)
'''}},
}


# erreurs_k: the k-th catalogued mistake (MISTAKES of autograde/td1/*/mistakes.py) of every graded function
# that has at least k of them, written by hand as a student would; every other function is alice's.
# Each wrong cell gets 0 and its message names the mistake (tests/test_grading_td1.py).
ERREURS = {
    1: {
        "01_neurone": {
            "activations": '''
def id(z):
    # l'identité ne garde que ce qui est positif ?
    return np.maximum(z, 0)


def sigmoid(z):
    return 1 / (1 + np.exp(z))


def relu(z):
    return np.minimum(0, z)


def tanh(z):
    return 1 / (1 + np.exp(-z))
''',
            "neuron": '''
def neuron(x, w, b, f):
    return f(x @ w)
''',
        },
        "02_regression_lineaire": {
            "loss": '''
def loss(y, y_hat):
    return np.mean((y_hat - y) ** 2)
''',
            "gradient": '''
def gradient(x, y_hat, y):
    n = len(y)
    dw = np.sum((y - y_hat) * x) / n
    db = np.sum(y - y_hat) / n
    return dw, db
''',
            "train": '''
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        y_hat = predict(x, w, b)
        losses[epoch] = loss(y, y_hat)
        dw, db = gradient(x, y_hat, y)
        w = w + eta * dw
        b = b + eta * db
    return w, b, losses
''',
        },
        "03_regression_logistique": {
            "loss": '''
def loss(y, y_hat):
    return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
''',
            "gradient": '''
def gradient(x, y_hat, y):
    erreur = y - y_hat
    return x.T @ erreur / len(y), np.mean(erreur)
''',
            "train": '''
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
''',
            "predict": '''
def predict(x, w, b):
    return predict_proba(x, w, b)
''',
        },
    },
    2: {
        "01_neurone": {
            "activations": '''
def id(z):
    # la dérivée de z par rapport à z vaut 1
    return np.ones_like(z)


def sigmoid(z):
    return 1 / np.exp(-z)


def relu(z):
    return np.abs(z)


def tanh(z):
    return (np.exp(-z) - np.exp(z)) / (np.exp(z) + np.exp(-z))
''',
            "neuron": '''
def neuron(x, w, b, f):
    return f(np.dot(x, w)) + b
''',
        },
        "02_regression_lineaire": {
            "loss": '''
def loss(y, y_hat):
    return np.sum((y_hat - y) ** 2) / 2
''',
            "gradient": '''
def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.sum(residual * x), np.sum(residual)
''',
            "train": '''
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    losses = []
    for epoch in range(epochs):
        y_hat = predict(x, w, b)
        losses.append(loss(y, y_hat))
        dw, db = gradient(x, y_hat, y)
        w = w - dw
        b = b - db
    return w, b, np.array(losses)
''',
        },
        "03_regression_logistique": {
            "loss": '''
def loss(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
''',
            "gradient": '''
def gradient(x, y_hat, y):
    residual = y_hat - y
    return x.T @ residual, np.sum(residual)
''',
            "train": '''
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
''',
            "predict": '''
def predict(x, w, b):
    return (predict_proba(x, w, b) < 0.5).astype(int)
''',
        },
    },
    3: {
        "01_neurone": {
            "activations": '''
def id(z):
    return np.ravel(z)


def sigmoid(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def relu(z):
    return np.where(z > 0, 1.0, 0.0)


def tanh(z):
    return 2 / (1 + np.exp(-z)) - 1
''',
            "neuron": '''
def neuron(x, w, b, f):
    return x @ w + b
''',
        },
        "02_regression_lineaire": {
            "loss": '''
def loss(y, y_hat):
    return np.sum((y_hat - y) ** 2)
''',
            "gradient": '''
def gradient(x, y_hat, y):
    # dérivée de (ŷ − y)² : 2 (ŷ − y)
    residual = y_hat - y
    return 2 * np.mean(residual * x), 2 * np.mean(residual)
''',
            "train": '''
def train(x, y, eta, epochs):
    w, b = W_INIT, B_INIT
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        dw, db = gradient(x, predict(x, w, b), y)
        w = w - eta * dw
        b = b - eta * db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses
''',
        },
        "03_regression_logistique": {
            "loss": '''
def loss(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
''',
            "gradient": '''
def gradient(x, y_hat, y):
    n = len(y)
    residual = y_hat - y
    return x.T @ residual / n, residual / n
''',
            "train": '''
def train(x, y, eta, epochs):
    w, b = np.zeros(x.shape[1]), 0.0
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        dw, db = gradient(x, predict_proba(x, w, b), y)
        w = w - eta * dw
        b = b - eta * db
        losses[epoch] = loss(y, predict_proba(x, w, b))
    return w, b, losses
''',
            "predict": '''
def predict(x, w, b):
    return (predict_proba(x, w, b) >= 0).astype(int)
''',
        },
    },
    4: {
        "01_neurone": {
            "activations": '''
def id(z):
    return np.sum(z)


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    return np.where(z > 0, z, 0.0)


def tanh(z):
    return 2.0 / (1.0 + np.exp(-2.0 * z)) - 1.0
''',
        },
        "02_regression_lineaire": {
            "loss": '''
def loss(y, y_hat):
    return np.mean(y_hat - y) / 2
''',
            "gradient": '''
def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual), np.mean(residual)
''',
        },
        "03_regression_logistique": {
            "loss": '''
def loss(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p))
''',
            "gradient": '''
def gradient(x, y_hat, y):
    residual = y_hat - y
    return x.T @ residual / len(y), residual
''',
        },
    },
    5: {
        "02_regression_lineaire": {
            "gradient": '''
def gradient(x, y_hat, y):
    residual = y_hat - y
    return np.mean(residual), np.mean(residual * x)
''',
        },
    },
}

for k, wrong in ERREURS.items():
    STUDENTS[f"erreurs_{k}"] = {notebook: {**cells, **wrong.get(notebook, {})} for notebook, cells in ALICE.items()}
