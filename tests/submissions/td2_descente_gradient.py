"""Sample submissions of TD 2 and the situation each one reproduces (scores: tests/test_grading_td2.py)."""

# alice: everything right, written otherwise than the reference (Horner's scheme, lists, a while loop,
# the gradient written inline), and her written answers (graded by hand: "à corriger à la main" until a
# teacher grades them).
DESCENTE = {
    "reponse_derivee": r'''
Terme par terme, on multiplie par l'exposant et on le baisse de 1 : $0,25 \times 4 = 1$, $1,5 \times 3 = 4,5$,
$1,25 \times 2 = 2,5$ et la dérivée de $6w$ est $6$. Donc $f'(w) = w^3 - 4,5 w^2 - 2,5 w + 6$.

Vérification : $f'(1) = 1 - 4,5 - 2,5 + 6 = 0$.
''',
    "reponse_pas": r'''
1. Avec $\alpha = 0,5$ : $w^{(1)} = 2 - 0,5 \times (-9) = 6,5$, on saute par-dessus le minimum (vers 4,76). En 6,5 la
pente vaut $f'(6,5) = 74,25$, donc $w^{(2)} = 6,5 - 37,125 = -30,625$. Chaque pas arrive là où la pente est plus
forte, donc le pas suivant est encore plus grand : ça diverge.
2. Avec $\alpha = 0,01$ : $w^{(1)} = 2,09$. On va vers le même minimum global mais avec des pas 5 fois plus petits,
donc après 30 pas on n'y est pas encore.
3. On essaie plusieurs valeurs (0,001, 0,01, 0,1) et on regarde la courbe de la perte : si elle remonte, le pas est
trop grand, si elle baisse très lentement il est trop petit.
''',
    "reponse_initialisation": r'''
1. Depuis 6 avec $\alpha = 0,01$ : la pente est positive, on recule jusqu'au minimum global (4,76). Depuis 6 avec
$\alpha = 0,12$ : le premier pas saute en 0,6, de l'autre côté de la bosse, et on finit au minimum local (−1,26).
Depuis −2 : la pente est négative, on avance et on tombe dans le minimum local (−1,26) avec les deux pas.
2. La descente ne connaît que la pente là où elle est : elle s'arrête dans le premier creux où la pente s'annule et
ne peut pas savoir qu'il y en a un plus profond.
3. Pour un réseau, le résultat dépend de l'initialisation des poids et du pas : il faut bien initialiser, régler le
pas et éventuellement faire plusieurs entraînements.
''',
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
    "reponse_taille_lot": r'''
1. Par époque, $B = 1$ va beaucoup plus vite ; par mise à jour, les trois courbes sont presque les mêmes. Dans une
époque, chaque exemple sert une fois, donc une époque coûte pareil pour toutes les tailles, mais il y a $n/B$ mises
à jour (arrondi au-dessus) : une mise à jour sur un petit lot coûte beaucoup moins cher.
2. Avec $B = 1$, la perte n'arrive pas exactement au minimum et elle bouge d'une époque à l'autre, car le gradient
d'un seul exemple est bruité. La variance de la moyenne de $B$ gradients indépendants est $\sigma^2 / B$.
3. Petit lot : beaucoup de pas, pas chers, mais bruités ; grand lot : gradient précis mais peu de pas et chers.
$B = 32$ est un compromis, et ça se vectorise bien.
''',
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
