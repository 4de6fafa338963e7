"""Sample submissions of TD 2 and the situation each one reproduces (scores: tests/test_grading_td2.py)."""

# alice: everything right, written otherwise than the reference (Horner's scheme, lists, a while loop,
# the gradient written inline).
DESCENTE = {
    "f": '''
def f(w):
    # schéma de Horner : (((0.25 w − 1.5) w − 1.25) w + 6) w
    return (((0.25 * w - 1.5) * w - 1.25) * w + 6) * w
''',
    "df": '''
def df(w):
    return ((w - 4.5) * w - 2.5) * w + 6
''',
    "gradient_descent": '''
def gradient_descent(df, w0, alpha, n_steps):
    chemin = [w0]
    w = w0
    for _ in range(n_steps):
        pente = df(w)
        w = w - alpha * pente
        chemin.append(w)
    return np.array(chemin, dtype=float)
''',
}

MINI_LOTS = {
    "iterate_minibatches": '''
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
''',
    "train_minibatch": '''
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
''',
}

ALICE = {"01_descente_1d": DESCENTE, "02_mini_batchs": MINI_LOTS}


# erreurs_k: the k-th catalogued mistake (MISTAKES of autograde/reference/gradient_descent.py and
# minibatch.py) of every graded function that has at least k of them, written by hand as a student
# would; every other function is alice's. Each wrong cell gets 0 and its message names the mistake.
ERREURS = {
    1: {
        "01_descente_1d": {
            "f": '''
def f(w):
    return 0.25 * w**4 + 1.5 * w**3 - 1.25 * w**2 + 6 * w
''',
            "df": '''
def df(w):
    return -w**3 + 4.5 * w**2 + 2.5 * w - 6
''',
            "gradient_descent": '''
def gradient_descent(df, w0, alpha, n_steps):
    path = [w0]
    w = w0
    for t in range(n_steps):
        w = w + alpha * df(w)
        path.append(w)
    return np.array(path)
''',
        },
        "02_mini_batchs": {
            "iterate_minibatches": '''
def iterate_minibatches(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x) - batch_size + 1, batch_size):
        idx = order[start:start + batch_size]
        yield x[idx], y[idx]
''',
            "train_minibatch": '''
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            ecart = predict(xb, w, b) - yb
            dw = np.sum(ecart * xb) / len(x)
            db = np.sum(ecart) / len(x)
            w = w - eta * dw
            b = b - eta * db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses
''',
        },
    },
    2: {
        "01_descente_1d": {
            "f": '''
def f(w):
    return 0.25 * w**4 - 1.5 * w**3 - 1.25 * w*2 + 6 * w
''',
            "df": '''
def df(w):
    return 0.25 * w**3 - 1.5 * w**2 - 1.25 * w + 6
''',
            "gradient_descent": '''
def gradient_descent(df, w0, alpha, n_steps):
    chemin = []
    w = w0
    for _ in range(n_steps):
        w = w - alpha * df(w)
        chemin.append(w)
    return np.array(chemin)
''',
        },
        "02_mini_batchs": {
            "iterate_minibatches": '''
def iterate_minibatches(x, y, batch_size, rng):
    lots = []
    for i in range(0, len(x), batch_size):
        lots.append((x[i:i + batch_size], y[i:i + batch_size]))
    return lots
''',
            "train_minibatch": '''
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            dw, db = gradient(xb, predict(xb, w, b), yb)
        w = w - eta * dw
        b = b - eta * db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses
''',
        },
    },
    3: {
        "01_descente_1d": {
            "f": '''
def f(w):
    return 0.25 * w**4 - 1.5 * w**3 - 1.25 * w**2 + 6
''',
            "df": '''
def df(w):
    return w**3 - 4.5 * w**2 - 2.5 * w
''',
            "gradient_descent": '''
def gradient_descent(df, w0, alpha, n_steps):
    path = [w0]
    for t in range(1, n_steps):
        path.append(path[-1] - alpha * df(path[-1]))
    return np.array(path)
''',
        },
        "02_mini_batchs": {
            "iterate_minibatches": '''
def iterate_minibatches(x, y, batch_size, rng):
    x = x[rng.permutation(len(x))]
    y = y[rng.permutation(len(y))]
    for i in range(0, len(x), batch_size):
        yield x[i:i + batch_size], y[i:i + batch_size]
''',
            "train_minibatch": '''
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            dw, db = gradient(xb, predict(xb, w, b), yb)
            w = w - dw
            b = b - db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses
''',
        },
    },
    4: {
        "01_descente_1d": {
            "df": '''
def df(w):
    # 4 × 0.25 = 1, 3 × 1.5 = 4.5, 2 × 1.25 = 2.5, 1 × 6 = 6
    return w**4 - 4.5 * w**3 - 2.5 * w**2 + 6 * w
''',
            "gradient_descent": '''
def gradient_descent(df, w0, alpha, n_steps):
    path = np.zeros(n_steps + 1)
    path[0] = w0
    for t in range(n_steps):
        path[t + 1] = path[t] - df(path[t])
    return path
''',
        },
        "02_mini_batchs": {
            "iterate_minibatches": '''
def iterate_minibatches(x, y, batch_size, rng):
    idx = rng.permutation(len(x))
    x_melange = x[idx]
    for i in range(0, len(x), batch_size):
        yield x_melange[i:i + batch_size], y[i:i + batch_size]
''',
            "train_minibatch": '''
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        losses[epoch] = loss(y, predict(x, w, b))
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            dw, db = gradient(xb, predict(xb, w, b), yb)
            w = w - eta * dw
            b = b - eta * db
    return w, b, losses
''',
        },
    },
    5: {
        "02_mini_batchs": {
            "train_minibatch": '''
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    rng = np.random.default_rng(SHUFFLE_SEED)
    losses = []
    for epoch in range(epochs):
        pertes_lots = []
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            y_hat = predict(xb, w, b)
            pertes_lots.append(loss(yb, y_hat))
            dw, db = gradient(xb, y_hat, yb)
            w = w - eta * dw
            b = b - eta * db
        losses.append(np.mean(pertes_lots))
    return w, b, np.array(losses)
''',
        },
    },
    6: {
        "02_mini_batchs": {
            "train_minibatch": '''
def train_minibatch(x, y, eta, epochs, batch_size):
    w, b = W_INIT, B_INIT
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        rng = np.random.default_rng(SHUFFLE_SEED)
        for xb, yb in iterate_minibatches(x, y, batch_size, rng):
            dw, db = gradient(xb, predict(xb, w, b), yb)
            w = w - eta * dw
            b = b - eta * db
        losses[epoch] = loss(y, predict(x, w, b))
    return w, b, losses
''',
        },
    },
}

STUDENTS = {
    "alice_boucles": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in ALICE},
    **{f"erreurs_{k}": {notebook: {**ALICE[notebook], **wrong.get(notebook, {})} for notebook in ALICE}
       for k, wrong in ERREURS.items()},
}
