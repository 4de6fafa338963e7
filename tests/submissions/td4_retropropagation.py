"""Sample submissions of TD 4 and the situation each one reproduces (scores: tests/test_grading_td4.py)."""

# lea: everything right, written with loops, one example at a time, and other formulas than the reference.
RESEAU = {
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
}

LEA = {"01_reseau_2_3_1": RESEAU, "02_activations": ACTIVATIONS}


# erreurs_k: the k-th catalogued mistake (MISTAKES of autograde/reference/backprop.py and activations.py) of every
# graded function that has at least k of them, written by hand as a student would; every other function is lea's.
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
