"""Submissions that try to break the grader, graded in one run with a correct one (scores and
messages: tests/grading/test_grading_robustness.py).

Each student hands in TD 1's correct answers (alice's) with one defect, most often in
02_regression_lineaire (cells loss 2, gradient 3, train 3 points) and only that notebook, to keep
the batch fast; the notebooks not handed in get 0 as "non rendu".
"""

import importlib.util
from pathlib import Path

import nbformat

ASSIGNMENT = "td1_neurone_regression"

_spec = importlib.util.spec_from_file_location("td1_samples", Path(__file__).with_name(f"{ASSIGNMENT}.py"))
_td1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_td1)
ALICE, NEURONE, REGRESSION = _td1.ALICE, _td1.NEURONE, _td1.REGRESSION
LINEAR = "02_regression_lineaire"


def linear(**cells):
    """Only notebook 02, alice's answers with ``cells`` replaced."""
    return {LINEAR: {**REGRESSION, **cells}}


GRADIENT_OK = REGRESSION["gradient"]

STUDENTS = {
    "alice_correcte": ALICE,
    # Time: an endless loop inside the function, then one that swallows the interruption.
    "boucle_dans_la_fonction": linear(
        gradient="""
def gradient(x, y_hat, y):
    dw = db = 0.0
    while True:
        dw += 0.0
    return dw, db
"""
    ),
    "boucle_qui_resiste": linear(
        gradient="""
import time
while True:
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass  # "on ne m'arrête pas"
"""
        + GRADIENT_OK
    ),
    # Memory: a function that allocates without end.
    "memoire_sans_fin": linear(
        gradient="""
def gradient(x, y_hat, y):
    blocs = []
    while True:
        blocs.append(np.ones(10**7))
"""
    ),
    # The kernel dies: os._exit in a graded function (all three notebooks handed in), a segfault.
    "noyau_tue": {
        **ALICE,
        LINEAR: {
            **REGRESSION,
            "gradient": """
import os


def gradient(x, y_hat, y):
    os._exit(1)
""",
        },
    },
    "segfault": linear(
        gradient="""
import ctypes


def gradient(x, y_hat, y):
    ctypes.string_at(0)
"""
    ),
    # Files: not JSON, empty, a graded cell or an answer deleted, cells reordered, another kernel.
    "json_invalide": {"01_neurone": NEURONE, LINEAR: REGRESSION},
    "fichier_vide": {LINEAR: REGRESSION},
    "test_supprime": {LINEAR: REGRESSION},
    "reponse_supprimee": {LINEAR: REGRESSION},
    "cellules_deplacees": {LINEAR: REGRESSION},
    "autre_noyau": {LINEAR: REGRESSION},
    "fichier_renomme": {LINEAR: REGRESSION},
    "fonction_renommee": linear(gradient=GRADIENT_OK.replace("def gradient(", "def gradient_lineaire(")),
    # Values that fool a plain assert: __eq__ always True, NaN, a list, a wrong shape.
    "egalite_truquee": linear(
        loss='''
class ToujoursEgal:
    """Égal à tout : un `assert loss(...) == attendu` passerait."""
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def loss(y, y_hat):
    return ToujoursEgal()
'''
    ),
    "nan": linear(
        loss="""
def loss(y, y_hat):
    return float("nan")
"""
    ),
    "liste": {
        "01_neurone": {
            **NEURONE,
            "neuron": """
def neuron(x, w, b, f):
    if np.ndim(x) == 1:
        return f(np.dot(x, w) + b)
    return [f(np.dot(ligne, w) + b) for ligne in x]
""",
        }
    },
    "mauvaise_forme": {
        "01_neurone": {
            **NEURONE,
            "neuron": """
def neuron(x, w, b, f):
    if np.ndim(x) == 1:
        return f(np.dot(x, w) + b)
    return f(x @ w.reshape(-1, 1) + b)
""",
        }
    },
    # Output: a million lines printed.
    "million_de_lignes": linear(
        gradient="""
print("\\n".join(f"ligne {i}" for i in range(1_000_000)))
"""
        + GRADIENT_OK
    ),
    # The traceback display patched away (nbgrader PR #1324), with a wrong gradient.
    "traceback_masque": linear(
        loss=REGRESSION["loss"]
        + """

get_ipython().showtraceback = lambda *args, **kwargs: None
""",
        gradient="""
def gradient(x, y_hat, y):
    return float(np.mean((y - y_hat) * x)), float(np.mean(y - y_hat))
""",
    ),
    # Numpy patched so that every comparison succeeds, with a wrong gradient: flagged at intake, and
    # powerless, for the comparisons run in the grader's process.
    "triche_numpy": linear(
        gradient="""
np.isclose = lambda a, b, **kwargs: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool)


def gradient(x, y_hat, y):
    return 0.0, 0.0
"""
    ),
}


def _cells_without(nb, *grade_ids):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids]
    return nbformat.writes(nb).encode()


def _moved(nb):
    """test_gradient before gradient, train at the top of the notebook."""
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    cells = list(nb.cells)
    gradient, test = ids.index("gradient"), ids.index("test_gradient")
    cells[gradient], cells[test] = cells[test], cells[gradient]
    train = cells.pop(ids.index("train"))
    nb.cells = [train, *cells]
    return nbformat.writes(nb).encode()


def _other_kernel(nb):
    nb.metadata["kernelspec"] = {"name": "mon-python", "display_name": "Mon Python", "language": "python"}
    return nbformat.writes(nb).encode()


DAMAGE = {
    "json_invalide": {LINEAR: lambda nb: nbformat.writes(nb).encode()[:-200]},
    "fichier_vide": {LINEAR: lambda nb: b""},
    "test_supprime": {LINEAR: lambda nb: _cells_without(nb, "test_gradient")},
    "reponse_supprimee": {LINEAR: lambda nb: _cells_without(nb, "gradient")},
    "cellules_deplacees": {LINEAR: _moved},
    "autre_noyau": {LINEAR: _other_kernel},
    "fichier_renomme": {LINEAR: lambda nb: (f"{LINEAR} (1).ipynb", nbformat.writes(nb).encode())},
}
