"""Sample submissions of TD 4 and the situation each one reproduces (scores: tests/test_grading_td4.py)."""

# lea: everything right, written with loops, one example at a time, and other formulas than the reference.
# Her written answers are graded by hand ("à corriger à la main" until a teacher grades them).
RESEAU = {
    "reponse_retropropagation": r'''
**Sortie.** $\frac{\partial L}{\partial \hat{y}} = \hat{y} - y$ (le 2 du carré part avec le 1/2). Comme
$\sigma' = \sigma(1 - \sigma)$, $\frac{\partial \hat{y}}{\partial z^{(2)}} = \hat{y}(1 - \hat{y})$, donc
$\delta^{(2)} = (\hat{y} - y)\,\hat{y}(1 - \hat{y})$. Puis $z^{(2)} = \sum_j W'_j a_j + b'$ donne
$\frac{\partial L}{\partial b'} = \delta^{(2)}$ et $\frac{\partial L}{\partial W'_j} = \delta^{(2)} a_j$.

**Couche cachée.** $a_j$ ne touche $L$ que par $z^{(2)}$ : $\frac{\partial L}{\partial a_j} = \delta^{(2)} W'_j$, puis
$\delta^{(1)}_j = \delta^{(2)} W'_j\, a_j (1 - a_j)$. Enfin $\frac{\partial L}{\partial b^{(1)}_j} = \delta^{(1)}_j$ et
$\frac{\partial L}{\partial W^{(1)}_{jk}} = \delta^{(1)}_j x_k$ : la matrice est $\delta^{(1)} x^T$ (3 × 1 fois 1 × 2).

**Lot.** L est une moyenne : chaque exemple apporte son gradient divisé par N, et on additionne les exemples.
Avec une ligne par exemple : $\Delta_2 = (\hat{Y} - Y) * \hat{Y} * (1 - \hat{Y}) / N$ (N × 1), $dW_2 = \Delta_2^T A_1$
(1 × 3), $db_2$ = somme des lignes de $\Delta_2$, $\Delta_1 = (\Delta_2 W_2) * A_1 * (1 - A_1)$ (N × 3),
$dW_1 = \Delta_1^T X$ (3 × 2), $db_1$ = somme des lignes de $\Delta_1$ (3 valeurs).
''',
    "forward": '''
def forward(x, y, W1, b1, W2, b2):
    N = x.shape[0]
    z1 = np.zeros((N, 3))
    for n in range(N):
        for i in range(3):
            z1[n, i] = W1[i, 0] * x[n, 0] + W1[i, 1] * x[n, 1] + b1[i]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = np.zeros((N, 1))
    for n in range(N):
        z2[n, 0] = W2[0, 0] * a1[n, 0] + W2[0, 1] * a1[n, 1] + W2[0, 2] * a1[n, 2] + b2[0]
    y_hat = 1 / (1 + np.exp(-z2))
    L = 0.0
    for n in range(N):
        L += 0.5 * (y_hat[n, 0] - y[n, 0]) ** 2
    return z1, a1, z2, y_hat, L / N
''',
    "count_parameters": '''
def count_parameters(layer_sizes):
    return sum(layer_sizes[k] * layer_sizes[k + 1] + layer_sizes[k + 1] for k in range(len(layer_sizes) - 1))
''',
    "backward": '''
def backward(x, y, W1, b1, W2, b2):
    # un exemple à la fois, comme sur la feuille, puis on somme les contributions
    N = len(x)
    dW1, db1 = np.zeros((3, 2)), np.zeros(3)
    dW2, db2 = np.zeros((1, 3)), np.zeros(1)
    for n in range(N):
        a = sigmoid(W1 @ x[n] + b1)
        y_hat = sigmoid(W2 @ a + b2)
        delta2 = (y_hat - y[n]) * y_hat * (1 - y_hat) / N
        dW2 += np.outer(delta2, a)
        db2 += delta2
        delta1 = (W2.T @ delta2) * a * (1 - a)
        dW1 += np.outer(delta1, x[n])
        db1 += delta1
    return dW1, db1, dW2, db2
''',
    "numerical_gradient": '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros(theta.shape)
    flat = grad.reshape(-1)
    for k in range(theta.size):
        e = np.zeros(theta.size)
        e[k] = h
        e = e.reshape(theta.shape)
        flat[k] = (f(theta + e) - f(theta - e)) / (2 * h)
    return grad
''',
}

ACTIVATIONS = {
    "reponse_derivees": r'''
1. $\sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2} = \frac{1}{1 + e^{-z}} \times \frac{e^{-z}}{1 + e^{-z}} = \sigma(z)(1 - \sigma(z))$,
   car $\frac{e^{-z}}{1 + e^{-z}} = 1 - \sigma(z)$.
2. $\tanh'(z) = \frac{(e^z + e^{-z})^2 - (e^z - e^{-z})^2}{(e^z + e^{-z})^2} = 1 - \tanh(z)^2$.
3. ReLU : 1 si z > 0, 0 si z < 0. Leaky ReLU : 1 si z > 0, α si z < 0. En 0 la pente à gauche et la pente à droite
   ne sont pas les mêmes, il y a un angle : pas de dérivée.
4. On a déjà les activations $a$ de la passe avant : $a(1 - a)$ et $1 - a^2$ ne coûtent presque rien.
''',
    "derivees_sigmoide_tanh": '''
def sigmoid_prime(z):
    return np.exp(-z) / (1 + np.exp(-z)) ** 2


def tanh_prime(z):
    return 1 / np.cosh(z) ** 2
''',
    "derivees_relu": '''
def relu_prime(z):
    return (z > 0) * 1.0


def leaky_relu_prime(z, alpha=0.01):
    return 1.0 * (z > 0) + alpha * (z <= 0)
''',
    "reponse_saturation": r'''
1. Si σ(z) est proche de 0 ou de 1, σ'(z) = σ(z)(1 − σ(z)) est proche de 0 (σ'(10) ≈ 4,5e-5). s(1 − s) est
   maximal pour s = 1/2, donc en z = 0, et vaut 1/4. Un neurone saturé a un gradient presque nul : ses poids ne
   bougent pas, et il ne renvoie presque rien aux couches d'avant.
2. Le gradient de la première couche est un produit de K termes σ' × poids, un par couche. Avec 10^-3 par couche
   on a 10^(-3K), et même dans le meilleur cas (1/4)^K : il diminue exponentiellement, c'est la droite qui descend
   sur la figure en échelle log. Les premières couches n'apprennent presque plus (vanishing gradient).
3. ReLU' vaut 0 ou 1 : quand le neurone est actif, le gradient passe tel quel, il n'est pas divisé à chaque couche.
4. Un neurone mort a z < 0 pour tous les exemples : il sort 0, sa dérivée est 0, il ne reçoit plus de gradient et
   ne peut plus changer. Avec leaky ReLU la dérivée vaut α > 0, donc il peut encore revenir.
''',
}

LEA = {"01_reseau_2_3_1": RESEAU, "02_activations": ACTIVATIONS}


# erreurs_k: the k-th catalogued mistake (MISTAKES of autograde/reference/backprop.py and activations.py) of every
# graded function that has at least k of them, written by hand as a student would; every other function, and
# the written answers, are lea's.
# Their backward calls their own (wrong) forward: it is judged with the reference forward all the same.
ERREURS = {
    1: {
        "01_reseau_2_3_1": {
            "forward": '''
def forward(x, y, W1, b1, W2, b2):
    z1 = x @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    y_hat = z2
    L = np.mean((y_hat - y) ** 2) / 2
    return z1, a1, z2, y_hat, L
''',
            "count_parameters": '''
def count_parameters(layer_sizes):
    total = 0
    for i in range(len(layer_sizes) - 1):
        total += layer_sizes[i] * layer_sizes[i + 1]
    return total
''',
            "backward": '''
def backward(x, y, W1, b1, W2, b2):
    z1, a1, z2, y_hat, L = forward(x, y, W1, b1, W2, b2)
    N = len(x)
    dz2 = (y_hat - y) / N * y_hat * (1 - y_hat)
    dW2 = a1.T @ dz2
    db2 = np.sum(dz2, axis=0)
    dz1 = (dz2 @ W2) * a1 * (1 - a1)
    dW1 = x.T @ dz1
    db1 = np.sum(dz1, axis=0)
    return dW1, db1, dW2, db2
''',
            "numerical_gradient": '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros(theta.shape)
    f0 = f(theta)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + h
        grad[i] = (f(theta) - f0) / h
        theta[i] = old
    return grad
''',
        },
        "02_activations": {
            "derivees_sigmoide_tanh": '''
def sigmoid_prime(z):
    return 1 / (1 + np.exp(-z))


def tanh_prime(z):
    return 1 - np.tanh(z)
''',
            "derivees_relu": '''
def relu_prime(z):
    return np.maximum(0, z)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.0)
''',
        },
    },
    2: {
        "01_reseau_2_3_1": {
            "forward": '''
def forward(x, y, W1, b1, W2, b2):
    z1 = x @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    y_hat = sigmoid(z2)
    L = np.mean((y_hat - y) ** 2)
    return z1, a1, z2, y_hat, L
''',
            "count_parameters": '''
def count_parameters(layer_sizes):
    total = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        total += n_in * n_out + n_in   # les poids, et un biais par entrée
    return total
''',
            "backward": '''
def backward(x, y, W1, b1, W2, b2):
    z1, a1, z2, y_hat, L = forward(x, y, W1, b1, W2, b2)
    N = len(x)
    dz2 = (y_hat - y) / N * y_hat * (1 - y_hat)
    dW2 = dz2.T @ a1
    db2 = dz2
    dz1 = (dz2 @ W2) * a1 * (1 - a1)
    dW1 = dz1.T @ x
    db1 = dz1
    return dW1, db1, dW2, db2
''',
            "numerical_gradient": '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros(theta.shape)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + h
        f_plus = f(theta)
        theta[i] = old - h
        f_minus = f(theta)
        theta[i] = old
        grad[i] = (f_plus - f_minus) / h
    return grad
''',
        },
        "02_activations": {
            "derivees_sigmoide_tanh": '''
def sigmoid_prime(z):
    # σ' = a (1 - a)
    return z * (1 - z)


def tanh_prime(z):
    return 1 - z ** 2
''',
            "derivees_relu": '''
def relu_prime(z):
    return np.where(z < 0, 1.0, 0.0)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)
''',
        },
    },
    3: {
        "01_reseau_2_3_1": {
            "forward": '''
def forward(x, y, W1, b1, W2, b2):
    z1 = x @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    y_hat = sigmoid(z2)
    L = 0.5 * np.sum((y_hat - y) ** 2)
    return z1, a1, z2, y_hat, L
''',
            "count_parameters": '''
def count_parameters(layer_sizes):
    poids = 0
    for i in range(len(layer_sizes) - 1):
        poids += layer_sizes[i] * layer_sizes[i + 1]
    biais = sum(layer_sizes)   # un biais par neurone
    return poids + biais
''',
            "backward": '''
def backward(x, y, W1, b1, W2, b2):
    z1, a1, z2, y_hat, L = forward(x, y, W1, b1, W2, b2)
    N = x.shape[0]
    dz2 = (y_hat - y) / N
    dW2 = dz2.T @ a1
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2) * a1 * (1 - a1)
    dW1 = dz1.T @ x
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2
''',
            "numerical_gradient": '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros(theta.shape)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + h
        f_plus = f(theta)
        theta[i] = old - h
        f_minus = f(theta)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
''',
        },
        "02_activations": {
            "derivees_sigmoide_tanh": '''
def sigmoid_prime(z):
    return -np.exp(-z) / (1 + np.exp(-z)) ** 2


def tanh_prime(z):
    return np.tanh(z) ** 2 - 1
''',
            "derivees_relu": '''
def relu_prime(z):
    return np.sign(z)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, alpha, 1.0)
''',
        },
    },
    4: {
        "01_reseau_2_3_1": {
            "forward": '''
def forward(x, y, W1, b1, W2, b2):
    z1 = x @ W1.T + b1
    a1 = z1
    z2 = a1 @ W2.T + b2
    y_hat = sigmoid(z2)
    L = np.mean((y_hat - y) ** 2) / 2
    return z1, a1, z2, y_hat, L
''',
            "backward": '''
def backward(x, y, W1, b1, W2, b2):
    z1, a1, z2, y_hat, L = forward(x, y, W1, b1, W2, b2)
    N = x.shape[0]
    dz2 = (y_hat - y) / N * y_hat
    dW2 = dz2.T @ a1
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2) * a1
    dW1 = dz1.T @ x
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2
''',
        },
        "02_activations": {
            "derivees_relu": '''
def relu_prime(z):
    return (z > 0) * 1.0


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.01)
''',
        },
    },
    5: {
        "01_reseau_2_3_1": {
            "backward": '''
def backward(x, y, W1, b1, W2, b2):
    z1, a1, z2, y_hat, L = forward(x, y, W1, b1, W2, b2)
    dz2 = (y_hat - y) * y_hat * (1 - y_hat)
    dW2 = dz2.T @ a1
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ W2) * a1 * (1 - a1)
    dW1 = dz1.T @ x
    db1 = dz1.sum(axis=0)
    return dW1, db1, dW2, db2
''',
        },
    },
}

STUDENTS = {
    "lea_boucles": LEA,
    # bob hands in the release notebooks untouched: 0 everywhere, and grading goes on.
    "bob_intact": {notebook: {} for notebook in LEA},
    **{f"erreurs_{k}": {notebook: {**LEA[notebook], **cells.get(notebook, {})} for notebook in LEA}
       for k, cells in ERREURS.items()},
}
