"""TD 6, notebook 2: decision boundaries of a logistic regression and of an MLP on make_moons, and what
the MLP's hidden layer makes of the points.

The graded function builds the grid of points on which a classifier is evaluated to draw its decision
boundary: ``grid_points(X, n_steps, margin) -> (xx, yy, grid)`` with X: (N, 2), xx, yy: (n_steps, n_steps)
from ``np.meshgrid`` (default 'xy' indexing: xx varies along the columns, yy along the rows),
grid: (n_steps², 2) = the points (xx.ravel(), yy.ravel()).

The hidden representation of a fitted ``MLPClassifier`` is A1 = ReLU(X W1 + b1), (N, H), with
W1 = ``coefs_[0]`` and b1 = ``intercepts_[0]``; the notebook draws it along the output neuron's logit
z = A1 w2 + b2 and the first principal component of what z ignores (``hidden_view``).

Constants the notebook fixes: ``make_moons(n_samples=300, noise=0.25, random_state=0)``,
``train_test_split(..., test_size=0.3, random_state=0)``; sklearn ``LogisticRegression()`` and
``MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="lbfgs", alpha=ALPHA,
max_iter=MAX_ITER, random_state=0)``.
"""

import numpy as np

N_SAMPLES = 300
NOISE = 0.25
TEST_SIZE = 0.3
HIDDEN = 32
ALPHA = 1e-3
MAX_ITER = 2000
N_STEPS = 200
MARGIN = 0.5


def make_data():
    """(X_train, X_test, y_train, y_test) of the notebook: two interleaved half-moons, 70 % / 30 %."""
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


def models():
    """The two classifiers the notebook compares (unfitted)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    return {
        "logistic": LogisticRegression(),
        "mlp": MLPClassifier(
            hidden_layer_sizes=(HIDDEN,),
            activation="relu",
            solver="lbfgs",
            alpha=ALPHA,
            max_iter=MAX_ITER,
            random_state=0,
        ),
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
