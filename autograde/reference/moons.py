"""TD 6, notebook 2: decision boundaries of a logistic regression and of an MLP on make_moons.

The graded function builds the grid of points on which a classifier is evaluated to draw its
decision boundary: ``grid_points(X, n_steps, margin) -> (xx, yy, grid)`` with X: (N, 2),
xx, yy: (n_steps, n_steps) from ``np.meshgrid`` (default 'xy' indexing: xx varies along the
columns, yy along the rows), grid: (n_steps², 2) = the points (xx.ravel(), yy.ravel()).

Constants the notebook fixes: ``make_moons(n_samples=300, noise=0.25, random_state=0)``,
``train_test_split(..., test_size=0.3, random_state=0)``; sklearn ``LogisticRegression()`` and
``MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="lbfgs", alpha=ALPHA,
max_iter=MAX_ITER, random_state=0)``.
"""

NOTEBOOK = "td6_mlp_mnist/02_frontieres_moons"  # source/ and release/ hold it as <NOTEBOOK>.ipynb
# What the release must not state, because a written answer asks the student to derive it (spaces do
# not count): tests/test_release_hides_derivations.py. Its written answer (reponse_choix_hyperparametres)
# asks for a conclusion, not a formula.
HIDDEN_FORMULAS: tuple[str, ...] = ()
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

    return {"logistic": LogisticRegression(),
            "mlp": MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="lbfgs", alpha=ALPHA,
                                 max_iter=MAX_ITER, random_state=0)}


def _grid(no_margin=False, ij=False, same_range=False, swap_columns=False):
    def wrong(X, n_steps=N_STEPS, margin=MARGIN):
        m = 0.0 if no_margin else margin
        second = X[:, 0] if same_range else X[:, 1]
        axis0 = np.linspace(X[:, 0].min() - m, X[:, 0].max() + m, n_steps)
        axis1 = np.linspace(second.min() - m, second.max() + m, n_steps)
        xx, yy = np.meshgrid(axis0, axis1, indexing="ij" if ij else "xy")
        columns = [yy.ravel(), xx.ravel()] if swap_columns else [xx.ravel(), yy.ravel()]
        return xx, yy, np.column_stack(columns)
    return wrong


def _mistakes():
    from ..checking import Mistake

    rule = ("Rappel : axe k = np.linspace(X[:, k].min() − margin, X[:, k].max() + margin, n_steps), "
            "xx, yy = np.meshgrid(axe0, axe1), grid = np.column_stack([xx.ravel(), yy.ravel()]).")
    return {
        "grid_points": [
            Mistake("moons_grid_no_margin", "la marge est oubliée : la grille doit déborder des données de "
                    "`margin` de chaque côté. " + rule, _grid(no_margin=True)),
            Mistake("moons_grid_ij_indexing", "np.meshgrid est appelé avec indexing='ij' : xx et yy sont transposés. "
                    "Avec l'indexation par défaut ('xy'), xx varie le long des colonnes, comme l'axe horizontal "
                    "d'une image. " + rule, _grid(ij=True)),
            Mistake("moons_grid_same_range", "les deux axes utilisent l'étendue de la première colonne de X ; "
                    "l'axe vertical doit couvrir X[:, 1]. " + rule, _grid(same_range=True)),
            Mistake("moons_grid_columns_swapped", "les colonnes de grid sont inversées : la première coordonnée "
                    "d'un point est celle de xx. " + rule, _grid(swap_columns=True)),
        ],
    }


MISTAKES = _mistakes()
