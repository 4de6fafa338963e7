"""TD 7, notebook 2: decision boundaries of a logistic regression and of an MLP on make_moons, and what
the MLP's hidden layer makes of the points.

The graded function builds the grid of points on which a classifier is evaluated to draw its decision
boundary: ``grid_points(X, n_steps, margin) -> (xx, yy, grid)`` with X: (N, 2), xx, yy: (n_steps, n_steps)
from ``np.meshgrid`` (default 'xy' indexing: xx varies along the columns, yy along the rows),
grid: (n_steps², 2) = the points (xx.ravel(), yy.ravel()).

The hidden representation of a fitted ``MLPClassifier`` is A1 = ReLU(X W1 + b1), (N, H), with
W1 = ``coefs_[0]`` and b1 = ``intercepts_[0]``; the notebook draws it along the output neuron's logit
z = A1 w2 + b2 and the first principal component of what z ignores (``hidden_view``).

Constants the notebook fixes: ``make_moons(n_samples=300, noise=0.25, random_state=0)``,
``train_test_split(..., test_size=0.3, random_state=0)`` (then 30 % of the training points for validation,
``random_state=0``); sklearn ``LogisticRegression()`` and ``MLPClassifier(hidden_layer_sizes=(H,),
activation="relu", solver="lbfgs", alpha=n * lam, max_iter=MAX_ITER, random_state=0)``. λ (``lam``) is the
weight of the L2 penalty per example, as in notebook 1: scikit-learn divides its ``alpha`` by the number n of
training points, so ``alpha = n λ``. The pair (H, λ) is chosen on the validation loss (cross-entropy,
``log_loss``) over the grid SIZES × LAMS (``retained_pair``).
"""

import numpy as np

N_SAMPLES = 300
NOISE = 0.25
TEST_SIZE = 0.3
HIDDEN = 32  # the MLP of section 3, before the grid
LAM = 1e-3
SIZES = (2, 32, 128)  # the grid of section 4
LAMS = (1e-6, 1e-3, 2e-2)
MAX_ITER = 2000
N_STEPS = 200
MARGIN = 0.5


def make_data():
    """(X_rest, X_test, y_rest, y_test) of the notebook: two interleaved half-moons, 70 % / 30 %."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(n_samples=N_SAMPLES, noise=NOISE, random_state=0)
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=0)


def grid_points(X, n_steps=N_STEPS, margin=MARGIN):
    """Regular grid covering the data with a margin on each side.

    Each axis: ``np.linspace(min − margin, max + margin, n_steps)`` of its own column of X; then
    ``xx, yy = np.meshgrid(axis0, axis1)`` and ``grid = np.column_stack([xx.ravel(), yy.ravel()])``.
    X: (N, 2) -> (xx (n_steps, n_steps), yy (n_steps, n_steps), grid (n_steps², 2)).
    """
    axis0 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, n_steps)
    axis1 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, n_steps)
    xx, yy = np.meshgrid(axis0, axis1)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def validation_split(X_rest, y_rest):
    """(X_train, X_val, y_train, y_val): 30 % of the training points for validation, ``random_state=0``."""
    from sklearn.model_selection import train_test_split

    return train_test_split(X_rest, y_rest, test_size=TEST_SIZE, random_state=0)


def mlp(hidden, lam, n):
    """The notebook's MLPClassifier (unfitted) for H = hidden and the penalty λ, learning on n points."""
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(hidden,),
        activation="relu",
        solver="lbfgs",
        alpha=n * lam,
        max_iter=MAX_ITER,
        random_state=0,
    )


def retained_pair(X_train, y_train, X_val, y_val):
    """The pair (H, λ) of SIZES × LAMS whose MLP, learnt on (X_train, y_train), has the smallest validation loss;
    with the dict {(H, λ): validation loss}."""
    from sklearn.metrics import log_loss

    losses = {
        (size, lam): log_loss(y_val, mlp(size, lam, len(X_train)).fit(X_train, y_train).predict_proba(X_val))
        for lam in LAMS
        for size in SIZES
    }
    return min(losses, key=losses.get), losses


def models(n, hidden=HIDDEN, lam=LAM):
    """The two classifiers the notebook compares (unfitted), the MLP's penalty for n training points."""
    from sklearn.linear_model import LogisticRegression

    return {
        "logistic": LogisticRegression(),
        "mlp": mlp(hidden, lam, n),
    }


def hidden_activations(mlp, X):
    """A1 = ReLU(X W1 + b1) of a fitted one-hidden-layer MLPClassifier. X: (N, 2) -> (N, H)."""
    return np.maximum(0.0, X @ mlp.coefs_[0] + mlp.intercepts_[0])


def hidden_view(mlp, X):
    """Two coordinates of the hidden representation, the output neuron's own and the largest of the rest.

    z = A1 w2 + b2, (N,), is what the output neuron thresholds at 0 (class 1 when z > 0); the second
    coordinate, (N,), is the first principal component (numpy's SVD) of A1 once its component along w2
    is removed and the result centred: the direction of largest variance that the output neuron ignores.
    """
    A1 = hidden_activations(mlp, X)
    w2, b2 = mlp.coefs_[1][:, 0], mlp.intercepts_[1][0]
    direction = w2 / np.linalg.norm(w2)
    others = A1 - np.outer(A1 @ direction, direction)
    others = others - others.mean(axis=0)
    _, _, Vt = np.linalg.svd(others, full_matrices=False)
    return A1 @ w2 + b2, others @ Vt[0]
