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

REGRESSION = {
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
