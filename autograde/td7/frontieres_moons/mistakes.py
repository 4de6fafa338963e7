"""Known wrong variants of the graded function of TD 7, notebook 2 (02_frontieres_moons), each named
`frontieres_moons.<function>/<what>`: the hidden tests recognise them to name the mistake in the feedback."""

import numpy as np

from ...checking import Mistake
from .solution import MARGIN, N_STEPS


def wrong_grid_points(no_margin=False, ij=False, same_range=False, swap_columns=False):
    """`grid_points` with the chosen mistakes; without flags, the right one.

    ``no_margin``: the axes stop at the data; ``ij``: meshgrid with indexing='ij' (xx and yy transposed);
    ``same_range``: both axes span the first column of X; ``swap_columns``: grid's columns are (yy, xx)."""

    def grid_points(X, n_steps=N_STEPS, margin=MARGIN):
        m = 0.0 if no_margin else margin
        second = X[:, 0] if same_range else X[:, 1]
        axis0 = np.linspace(X[:, 0].min() - m, X[:, 0].max() + m, n_steps)
        axis1 = np.linspace(second.min() - m, second.max() + m, n_steps)
        xx, yy = np.meshgrid(axis0, axis1, indexing="ij" if ij else "xy")
        columns = [yy.ravel(), xx.ravel()] if swap_columns else [xx.ravel(), yy.ravel()]
        return xx, yy, np.column_stack(columns)

    return grid_points


def _catalogue():
    rule = (
        "Rappel : axe k = np.linspace(X[:, k].min() − margin, X[:, k].max() + margin, n_steps), "
        "xx, yy = np.meshgrid(axe0, axe1), grid = np.column_stack([xx.ravel(), yy.ravel()])."
    )
    return {
        "grid_points": [
            Mistake(
                "frontieres_moons.grid_points/no_margin",
                "la marge est oubliée : la grille doit déborder des données de `margin` de chaque côté. " + rule,
                wrong_grid_points(no_margin=True),
            ),
            Mistake(
                "frontieres_moons.grid_points/ij_indexing",
                "np.meshgrid est appelé avec indexing='ij' : xx et yy "
                "sont transposés. Avec l'indexation par défaut ('xy'), xx varie le long des colonnes, comme l'axe "
                "horizontal d'une image. " + rule,
                wrong_grid_points(ij=True),
            ),
            Mistake(
                "frontieres_moons.grid_points/same_range",
                "yy (l'axe vertical) couvre l'étendue de la "
                "première colonne de X, comme xx : il doit couvrir celle de la seconde, X[:, 1]. " + rule,
                wrong_grid_points(same_range=True),
            ),
            Mistake(
                "frontieres_moons.grid_points/columns_swapped",
                "les colonnes de grid sont inversées : la première coordonnée d'un point est celle de xx. " + rule,
                wrong_grid_points(swap_columns=True),
            ),
        ],
    }


MISTAKES = _catalogue()
