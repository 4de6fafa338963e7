"""Sample submissions of TD 5 (autograd) and the situation each one reproduces (scores: tests/grading/test_grading_td5.py).

The `Value` class is one solution cell graded by three cells (arithmetic, unary functions, backward). A
student's class is written here from its methods, so that the mistake students change only the methods
where they make their mistake. ``erreurs_k`` makes the k-th mistake of every catalogue that has k of them
(``MISTAKES`` of autograde/td5/<notebook>/mistakes.py), as a change of one line of alice's answer (or of a
few, each with one_line_change) where the mistake is that; otherwise the wrong answer is written out.
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_td5", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
one_line_change = _build.one_line_change


def changes(source, *pairs):
    """``source`` with several of its lines changed, each (old, new) by one_line_change."""
    for old, new in pairs:
        source = one_line_change(source, old, new)
    return source


# ------------------------------------------------------------------ notebook 1, written by alice
HAND = """
def hand_gradients(w1, w2, x, y):
    # passe avant
    a = w1 * x
    b = w2 * y
    c = a + b
    # passe arrière, du haut vers les feuilles
    dL_dc = 2 * c
    dL_da = dL_dc * 1
    dL_db = dL_dc * 1
    return (dL_da * x, dL_db * y, dL_da * w1, dL_db * w2)
"""
# alice copies theta for every entry, where the correction makes a step vector.
FORWARD = """
def forward_difference(f, theta, h=1e-5):
    depart = f(theta)
    resultat = np.zeros(np.shape(theta))
    for indice in np.ndindex(resultat.shape):
        decale = np.array(theta, dtype=float)
        decale[indice] = decale[indice] + h
        resultat[indice] = (f(decale) - depart) / h
    return resultat
"""

GRAPHE = {
    "graphe": """
CHILDREN = {
    "a": ("w1", "x"),
    "b": ("w2", "y"),
    "c": ("a", "b"),
    "L": ("c",),
}
""",
    # alice's written answers (graded by hand: "à corriger à la main" until a teacher grades them).
    "reponse_derivees_locales": r"""
Dérivées locales : $\frac{\partial L}{\partial c} = 2c$, $\frac{\partial c}{\partial a} = \frac{\partial c}{\partial b} = 1$,
$\frac{\partial a}{\partial w_1} = x$, $\frac{\partial a}{\partial x} = w_1$, $\frac{\partial b}{\partial w_2} = y$,
$\frac{\partial b}{\partial y} = w_2$.

En multipliant le long des chemins : $\frac{\partial L}{\partial w_1} = 2c \cdot 1 \cdot x = 2(w_1 x + w_2 y)\,x$,
$\frac{\partial L}{\partial w_2} = 2(w_1 x + w_2 y)\,y$, $\frac{\partial L}{\partial x} = 2(w_1 x + w_2 y)\,w_1$,
$\frac{\partial L}{\partial y} = 2(w_1 x + w_2 y)\,w_2$. Elles ont toutes le facteur $2c$.

Au point de travail $c = 3 - 0,5 = 2,5$ donc $2c = 5$ : 7,5 ; 2,5 ; 10 ; -5.
""",
    "reponse_precision": r"""
1. En $w_1$ seul, $L$ est de degré 2 : $L(w_1 + h) = L(w_1) + 2cx\,h + x^2 h^2$. La différence avant donne donc
   $2cx + x^2 h$, l'erreur est $x^2 h$ et la courbe monte avec une pente 1.
2. Dans $L(w_1 + h) - L(w_1 - h)$ les $x^2 h^2$ partent, il reste $4cx\,h$, divisé par $2h$ c'est exact. Pas de
   pente 2 parce qu'il n'y a pas de terme en $h^3$ ; avec une exponentielle ou un tanh on la verrait.
3. À gauche ce sont les arrondis des float : on soustrait deux nombres presque égaux (erreur $10^{-16}$ environ)
   et on divise par $h$, donc l'erreur grandit comme $1/h$. $10^{-5}$ est un compromis entre cette erreur et
   celle en $h^2$ ; $10^{-12}$ est trop petit (arrondis), $10^{-1}$ trop grand pour une fonction qui n'est pas
   quadratique.
""",
    "hand_gradients": HAND,
    "forward_difference": FORWARD,
}

# ------------------------------------------------------------------ notebook 2: alice's Value, method by method
HEAD = '''
class Value:
    """Un nombre (data) et le nœud du graphe de calcul qui l'a produit."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out
'''

GIVEN = """
    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(other) - self

    def __rtruediv__(self, other):
        return Value(other) / self
"""

ALICE_METHODS = {
    "mul": """
    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        resultat = Value(self.data * other.data, (self, other), "*")
        d_self, d_other = other.data, self.data

        def _backward():
            self.grad = self.grad + d_self * resultat.grad
            other.grad = other.grad + d_other * resultat.grad
        resultat._backward = _backward
        return resultat
""",
    "pow": """
    def __pow__(self, n):
        assert isinstance(n, (int, float)), "seules les puissances par un nombre sont prises en charge"
        resultat = Value(self.data ** n, (self,), "**" + str(n))
        derivee = n * self.data ** (n - 1)

        def _backward():
            self.grad = self.grad + derivee * resultat.grad
        resultat._backward = _backward
        return resultat
""",
    "sub": """
    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        resultat = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad = self.grad + resultat.grad
            other.grad = other.grad - resultat.grad
        resultat._backward = _backward
        return resultat
""",
    "div": """
    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        q = self.data / other.data
        resultat = Value(q, (self, other), "/")

        def _backward():
            self.grad = self.grad + resultat.grad / other.data
            other.grad = other.grad - q / other.data * resultat.grad
        resultat._backward = _backward
        return resultat
""",
    "exp": """
    def exp(self):
        e = math.exp(self.data)
        resultat = Value(e, (self,), "exp")

        def _backward():
            self.grad = self.grad + e * resultat.grad
        resultat._backward = _backward
        return resultat
""",
    "tanh": """
    def tanh(self):
        e2 = math.exp(-2 * abs(self.data))
        t = math.copysign((1 - e2) / (1 + e2), self.data)
        resultat = Value(t, (self,), "tanh")

        def _backward():
            self.grad = self.grad + (1 - t * t) * resultat.grad
        resultat._backward = _backward
        return resultat
""",
    "relu": """
    def relu(self):
        resultat = Value(max(0.0, self.data), (self,), "relu")

        def _backward():
            if self.data > 0:
                self.grad = self.grad + resultat.grad
        resultat._backward = _backward
        return resultat
""",
    # Kahn's algorithm instead of a depth-first search: a node is processed once all its parents are.
    "backward": """
    def backward(self):
        parents = {}
        a_voir, noeuds = [self], {id(self): self}
        while a_voir:
            v = a_voir.pop()
            for enfant in v._prev:
                parents[id(enfant)] = parents.get(id(enfant), 0) + 1
                if id(enfant) not in noeuds:
                    noeuds[id(enfant)] = enfant
                    a_voir.append(enfant)
        self.grad = 1.0
        prets = [self]
        while prets:
            v = prets.pop()
            v._backward()
            for enfant in v._prev:
                parents[id(enfant)] -= 1
                if parents[id(enfant)] == 0:
                    prets.append(enfant)
""",
}

ORDER = ("mul", "pow", "sub", "div", "GIVEN", "exp", "tanh", "relu", "backward")


def value_class(**methods):
    """alice's class with some methods replaced."""
    chosen = {**ALICE_METHODS, **methods, "GIVEN": GIVEN}
    return HEAD + "".join(chosen[name] for name in ORDER)


COPIE = """
def hand_gradients(w1, w2, x, y):
    c = w1 * x + w2 * y
    return 2 * c * x, 2 * c * y, 2 * c * w1, 2 * c * w2
"""

BILAN = r"""
1. Chaque opération garde ses entrées (les enfants), son type et une fonction _backward qui sait calculer les
   dérivées locales avec les valeurs de la passe avant.
2. Il faut qu'un nœud ait reçu tout son gradient avant de le passer à ses enfants. Dans L = c·c + c, c reçoit 1 de
   l'addition et 2c du produit ; si on le traitait avant le produit, a et b ne recevraient que 1 × (leur dérivée).
3. Quand un nœud sert deux fois, les gradients des deux chemins s'additionnent : avec =, a * a aurait a comme
   gradient au lieu de 2a.
4. Différences centrées : 2 évaluations par paramètre, donc 2P. Passe arrière : toutes les dérivées pour à peu près
   le prix d'une passe avant. Avec des millions de paramètres, c'est la seule façon raisonnable d'entraîner.
"""

ALICE = {
    "01_graphe_de_calcul": GRAPHE,
    "02_autograd": {"Value": value_class(), "copie_partie_1": COPIE, "reponse_autograd": BILAN},
}

# ------------------------------------------------------------------ the catalogued mistakes, as students write them
WRONG = {
    1: {
        "hand_gradients": one_line_change(HAND, "dL_dc = 2 * c", "dL_dc = c"),
        "forward_difference": one_line_change(
            FORWARD, "resultat[indice] = (f(decale) - depart) / h", "resultat[indice] = (f(decale) - depart) / (2 * h)"
        ),
        "methods": {
            # grad = … instead of grad += … in every operation the student writes
            "mul": changes(
                ALICE_METHODS["mul"],
                ("self.grad = self.grad + d_self * resultat.grad", "self.grad = d_self * resultat.grad"),
                ("other.grad = other.grad + d_other * resultat.grad", "other.grad = d_other * resultat.grad"),
            ),
            "pow": one_line_change(
                ALICE_METHODS["pow"],
                "self.grad = self.grad + derivee * resultat.grad",
                "self.grad = derivee * resultat.grad",
            ),
            "sub": changes(
                ALICE_METHODS["sub"],
                ("self.grad = self.grad + resultat.grad", "self.grad = resultat.grad"),
                ("other.grad = other.grad - resultat.grad", "other.grad = -resultat.grad"),
            ),
            "div": changes(
                ALICE_METHODS["div"],
                ("self.grad = self.grad + resultat.grad / other.data", "self.grad = resultat.grad / other.data"),
                (
                    "other.grad = other.grad - q / other.data * resultat.grad",
                    "other.grad = -q / other.data * resultat.grad",
                ),
            ),
            "tanh": one_line_change(
                ALICE_METHODS["tanh"],
                "self.grad = self.grad + (1 - t * t) * resultat.grad",
                "self.grad = self.grad + (1 - t) * resultat.grad",
            ),
            # Not a change of lines: no topological sort, each node passes its gradient on as soon as it is reached.
            "backward": """
    def backward(self):
        self.grad = 1.0

        def descendre(v):
            v._backward()
            for enfant in v._prev:
                descendre(enfant)
        descendre(self)
""",
        },
    },
    2: {
        "hand_gradients": one_line_change(
            HAND,
            "return (dL_da * x, dL_db * y, dL_da * w1, dL_db * w2)",
            "return (dL_da * w1, dL_db * w2, dL_da * x, dL_db * y)",
        ),
        # Not one line: numerical_gradient copied and renamed, a centred difference.
        "forward_difference": """
def forward_difference(f, theta, h=1e-5):
    grad = np.zeros(np.shape(theta))
    for i in np.ndindex(grad.shape):
        step = np.zeros(grad.shape)
        step[i] = h
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * h)
    return grad
""",
        "methods": {
            "mul": one_line_change(
                ALICE_METHODS["mul"],
                "d_self, d_other = other.data, self.data",
                "d_self, d_other = self.data, other.data",
            ),
            # Not one line: the condition is gone, and with it a level of indentation.
            "relu": """
    def relu(self):
        resultat = Value(max(0.0, self.data), (self,), "relu")

        def _backward():
            self.grad = self.grad + resultat.grad
        resultat._backward = _backward
        return resultat
""",
            # forgets dL/dL = 1
            "backward": one_line_change(ALICE_METHODS["backward"], "self.grad = 1.0", "pass"),
        },
    },
    3: {
        # Not one line: L taken as (w1 x)² + (w2 y)².
        "hand_gradients": """
def hand_gradients(w1, w2, x, y):
    # L = (w1 x)² + (w2 y)²
    return 2 * w1 * x * x, 2 * w2 * y * y, 2 * w1 * x * w1, 2 * w2 * y * w2
""",
        # Not one line: the step goes backwards and the difference is taken the other way round.
        "forward_difference": """
def forward_difference(f, theta, h=1e-5):
    depart = f(theta)
    resultat = np.zeros(np.shape(theta))
    for indice in np.ndindex(resultat.shape):
        decale = np.array(theta, dtype=float)
        decale[indice] = decale[indice] - h
        resultat[indice] = (depart - f(decale)) / h
    return resultat
""",
        "methods": {
            "pow": one_line_change(
                ALICE_METHODS["pow"], "derivee = n * self.data ** (n - 1)", "derivee = n * self.data ** n"
            ),
            "exp": one_line_change(
                ALICE_METHODS["exp"], "self.grad = self.grad + e * resultat.grad", "self.grad = self.grad + e"
            ),
            # Not a change of lines: a depth-first sort, whose _backward calls go from the leaves to the output.
            "backward": """
    def backward(self):
        ordre, vus = [], set()

        def construire(v):
            if id(v) not in vus:
                vus.add(id(v))
                for enfant in v._prev:
                    construire(enfant)
                ordre.append(v)
        construire(self)
        self.grad = 1.0
        for v in ordre:
            v._backward()
""",
        },
    },
    4: {  # only forward_difference, the arithmetic and backward have a fourth mistake
        # Not one line: theta is copied once, before the loop, so that the steps pile up.
        "forward_difference": """
def forward_difference(f, theta, h=1e-5):
    depart = f(theta)
    resultat = np.zeros(np.shape(theta))
    decale = np.array(theta, dtype=float)
    for indice in np.ndindex(resultat.shape):
        decale[indice] = decale[indice] + h
        resultat[indice] = (f(decale) - depart) / h
    return resultat
""",
        "methods": {
            "sub": one_line_change(
                ALICE_METHODS["sub"],
                "other.grad = other.grad - resultat.grad",
                "other.grad = other.grad + resultat.grad",
            ),
            # Not a change of lines: a breadth-first walk from the output (a queue), which is not a topological order.
            "backward": """
    def backward(self):
        self.grad = 1.0
        file, vus = [self], {id(self)}
        while file:
            v = file.pop(0)
            v._backward()
            for enfant in v._prev:
                if id(enfant) not in vus:
                    vus.add(id(enfant))
                    file.append(enfant)
""",
        },
    },
}

STUDENTS = {
    "alice_autre_style": ALICE,
    # bob hands in the release notebooks untouched: 0 everywhere.
    "bob_intact": {notebook: {} for notebook in ALICE},
}
for k, wrong in WRONG.items():
    graphe = {name: wrong.get(name, GRAPHE[name]) for name in GRAPHE}
    STUDENTS[f"erreurs_{k}"] = {
        "01_graphe_de_calcul": graphe,
        "02_autograd": {"Value": value_class(**wrong["methods"]), "copie_partie_1": COPIE},
    }
