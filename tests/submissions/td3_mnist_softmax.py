"""Sample submissions of TD 3 and the situation each one reproduces (scores: tests/test_grading_td3.py).

``erreurs_k`` writes, for every graded function, the k-th mistake of that function's catalogue in
``autograde/reference/softmax_regression.py`` (MISTAKES), as a student would write it; a function
whose catalogue is shorter is written correctly.
"""

NOTEBOOK = "01_softmax_mnist"

# alice: everything right, with loops and other formulas than the reference.
ALICE = {
    "one_hot": '''
def one_hot(labels, num_classes):
    Y = np.zeros((len(labels), num_classes))
    for i in range(len(labels)):
        Y[i, labels[i]] = 1.0
    return Y
''',
    "softmax": '''
def softmax(Z):
    # log-somme-exp : log Σ exp(z) = m + log Σ exp(z - m)
    m = np.max(Z, axis=1)[:, None]
    log_somme = m + np.log(np.sum(np.exp(Z - m), axis=1))[:, None]
    return np.exp(Z - log_somme)
''',
    "cross_entropy": '''
def cross_entropy(Y, P):
    total = 0.0
    for y_ligne, p_ligne in zip(Y, P):
        bonne_classe = np.argmax(y_ligne)
        total -= np.log(max(p_ligne[bonne_classe], 1e-12))
    return total / len(Y)
''',
    "gradient": '''
def gradient(X, P, Y):
    n = X.shape[0]
    dW = np.zeros((X.shape[1], P.shape[1]))
    db = np.zeros(P.shape[1])
    for i in range(n):
        ecart = P[i] - Y[i]
        dW += np.outer(X[i], ecart)
        db += ecart
    return dW / n, db / n
''',
    "train": '''
def train(X, Y, eta, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    losses = []
    for epoch in range(epochs):
        indices = np.arange(len(X))
        rng.shuffle(indices)  # même ordre que rng.permutation(len(X))
        pertes = []
        debut = 0
        while debut < len(X):
            lot = indices[debut:debut + batch_size]
            P = softmax(X[lot] @ W + b)
            pertes.append(cross_entropy(Y[lot], P))
            dW, db = gradient(X[lot], P, Y[lot])
            W -= eta * dW
            b -= eta * db
            debut += batch_size
        losses.append(sum(pertes) / len(pertes))
    return W, b, np.array(losses)
''',
    "accuracy": '''
def accuracy(Y, P):
    bons = 0
    for y_ligne, p_ligne in zip(Y, P):
        if np.argmax(y_ligne) == np.argmax(p_ligne):
            bons += 1
    return bons / len(Y)
''',
}

# alice's written answers (graded by hand: "à corriger à la main" until a teacher grades them).
ANSWERS = {
    "reponse_stabilite": r'''
1. $e^{1000}$ est plus grand que le plus grand flottant (environ $10^{308}$) : `np.exp` renvoie `inf`, et
   `inf / inf` donne `nan`.
2. $e^{z_k - c} = e^{-c} e^{z_k}$ : le facteur $e^{-c}$ est le même en haut et en bas, il se simplifie.
3. Avec $c = \max$, le plus grand exposant vaut 0, tous les $e^{z_j - c}$ sont entre 0 et 1, et le dénominateur
   vaut au moins 1 (le terme du maximum vaut 1) : plus de `inf`, et pas de $0/0$ pour des scores très négatifs.
''',
    "reponse_gradient": r'''
1. Avec $S = \sum_j e^{z_j}$ : si $j = k$, $\frac{\partial p_k}{\partial z_k} = \frac{e^{z_k} S - e^{2 z_k}}{S^2} = p_k (1 - p_k)$ ;
   si $j \neq k$, $\frac{\partial p_k}{\partial z_j} = -\frac{e^{z_k} e^{z_j}}{S^2} = -p_k p_j$.
2. Tous les $p_k$ dépendent de $z_j$ (par $S$), donc
   $\frac{\partial \ell}{\partial z_j} = -\sum_k \frac{y_k}{p_k} \frac{\partial p_k}{\partial z_j} = -y_j (1 - p_j) + \sum_{k \neq j} y_k p_j = p_j \sum_k y_k - y_j$,
   et $\sum_k y_k = 1$ (one-hot) : il reste $p_j - y_j$. Pour le lot, avec la moyenne : $\frac{1}{N}(P - Y)$, de forme (N, K).
3. $\frac{\partial Z_{ik}}{\partial W_{dk}} = X_{id}$ et $\frac{\partial Z_{ik}}{\partial b_k} = 1$, donc
   $\frac{\partial L}{\partial W_{dk}} = \frac{1}{N} \sum_i X_{id} (P_{ik} - Y_{ik})$, soit $\frac{1}{N} X^T (P - Y)$ :
   (D, N) × (N, K) = (D, K) comme W ; et $\frac{\partial L}{\partial b_k} = \frac{1}{N} \sum_i (P_{ik} - Y_{ik})$, un vecteur (K,).
''',
    "reponse_courbes": '''
1. La perte baisse beaucoup entre la première et la deuxième époque, puis de moins en moins : à la fin elle descend
   encore un peu. Quelques époques de plus amélioreraient un peu l'apprentissage, presque pas le test.
2. J'obtiens 0,94 sur l'apprentissage et 0,92 sur le test : l'écart est petit, le modèle ne sur-apprend presque
   pas. Mais il se trompe sur 6 % des images qu'il a apprises : c'est le modèle qui est limité.
3. Le score d'un chiffre est une somme pondérée des pixels : un seul modèle d'image par chiffre, qui ne peut pas
   combiner des pixels ni accepter un chiffre décalé ou écrit autrement. Avec plus d'exemples, on reste vers 92 % :
   il faut un modèle non linéaire (une couche cachée).
''',
}

# MISTAKES[function][k - 1], written by hand.
MISTAKES = {
    "one_hot": [
        '''
def one_hot(labels, num_classes):
    Y = np.zeros((num_classes, len(labels)))
    for i, label in enumerate(labels):
        Y[label, i] = 1
    return Y
''',
        '''
def one_hot(labels, num_classes):
    K = labels.max() + 1
    return np.eye(K)[labels]
''',
        '''
def one_hot(labels, num_classes):
    Y = np.zeros((len(labels), num_classes))
    Y[:, labels] = 1
    return Y
''',
    ],
    "softmax": [
        '''
def softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
''',
        '''
def softmax(Z):
    E = np.exp(Z - np.max(Z, axis=0))
    return E / np.sum(E, axis=0)
''',
        '''
def softmax(Z):
    return np.exp(Z - np.max(Z, axis=1, keepdims=True))
''',
        '''
def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / np.sum(E)
''',
    ],
    "cross_entropy": [
        '''
def cross_entropy(Y, P):
    return -np.mean(np.sum(Y * np.log(P), axis=1))
''',
        '''
def cross_entropy(Y, P):
    return -np.sum(Y * np.log(np.clip(P, 1e-12, 1)))
''',
        '''
def cross_entropy(Y, P):
    return np.sum(Y * np.log(np.clip(P, 1e-12, 1))) / Y.shape[0]
''',
        '''
def cross_entropy(Y, P):
    return -np.mean(Y * np.log(np.clip(P, 1e-12, 1)))
''',
    ],
    "gradient": [
        '''
def gradient(X, P, Y):
    R = P - Y
    return X.T @ R, R.sum(axis=0)
''',
        '''
def gradient(X, P, Y):
    R = P - Y
    return R.T @ X / len(X), R.sum(axis=0) / len(X)
''',
        '''
def gradient(X, P, Y):
    R = Y - P
    return X.T @ R / X.shape[0], np.sum(R, axis=0) / X.shape[0]
''',
        '''
def gradient(X, P, Y):
    N = len(X)
    return X.T @ (P - Y) / N, (P - Y) / N
''',
    ],
    "train": [
        '''
def train(X, Y, eta, epochs, batch_size, seed):
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    rng = np.random.default_rng(seed)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            P = softmax(X[batch] @ W + b)
            batch_losses.append(cross_entropy(Y[batch], P))
            dW, db = gradient(X[batch], P, Y[batch])
            W = W + eta * dW
            b = b + eta * db
        losses[epoch] = np.mean(batch_losses)
    return W, b, losses
''',
        '''
def train(X, Y, eta, epochs, batch_size, seed):
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    rng = np.random.default_rng(seed)
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            P = softmax(X[batch] @ W + b)
            batch_losses.append(cross_entropy(Y[batch], P))
            dW, db = gradient(X[batch], P, Y[batch])
            W = W - dW
            b = b - db
        losses[epoch] = np.mean(batch_losses)
    return W, b, losses
''',
        '''
def train(X, Y, eta, epochs, batch_size, seed):
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        batch_losses = []
        for start in range(0, len(X), batch_size):
            Xb, Yb = X[start:start + batch_size], Y[start:start + batch_size]
            P = softmax(Xb @ W + b)
            batch_losses.append(cross_entropy(Yb, P))
            dW, db = gradient(Xb, P, Yb)
            W = W - eta * dW
            b = b - eta * db
        losses[epoch] = np.mean(batch_losses)
    return W, b, losses
''',
        '''
def train(X, Y, eta, epochs, batch_size, seed):
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            P = softmax(X[batch] @ W + b)
            batch_losses.append(cross_entropy(Y[batch], P))
            dW, db = gradient(X[batch], P, Y[batch])
            W = W - eta * dW
            b = b - eta * db
        losses[epoch] = np.mean(batch_losses)
    return W, b, losses
''',
        '''
def train(X, Y, eta, epochs, batch_size, seed):
    W = np.zeros((X.shape[1], Y.shape[1]))
    b = np.zeros(Y.shape[1])
    rng = np.random.default_rng(seed)
    losses = np.zeros(epochs)
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for j in range(n_batches):
            batch = order[j * batch_size:(j + 1) * batch_size]
            P = softmax(X[batch] @ W + b)
            batch_losses.append(cross_entropy(Y[batch], P))
            dW, db = gradient(X[batch], P, Y[batch])
            W = W - eta * dW
            b = b - eta * db
        losses[epoch] = np.mean(batch_losses)
    return W, b, losses
''',
    ],
    "accuracy": [
        '''
def accuracy(Y, P):
    return np.sum(np.argmax(P, axis=1) == np.argmax(Y, axis=1))
''',
        '''
def accuracy(Y, P):
    return np.mean(np.argmax(P, axis=0) == np.argmax(Y, axis=0))
''',
        '''
def accuracy(Y, P):
    return np.mean(np.argmax(P) == np.argmax(Y))
''',
        '''
def accuracy(Y, P):
    return 100 * np.mean(np.argmax(P, axis=1) == np.argmax(Y, axis=1))
''',
    ],
}


def with_mistakes(k):
    """Alice's answers with the k-th catalogued mistake (1-based) of every function that has one."""
    return {**ANSWERS, **{name: wrong[k - 1] if len(wrong) >= k else ALICE[name] for name, wrong in MISTAKES.items()}}


STUDENTS = {
    "alice_boucles": {NOTEBOOK: {**ALICE, **ANSWERS}},
    # bob hands in the release notebook untouched: 0 everywhere, and grading goes on.
    "bob_intact": {NOTEBOOK: {}},
    **{f"erreurs_{k}": {NOTEBOOK: with_mistakes(k)} for k in range(1, 6)},
}
