"""One cell, one function: a graded cell's visible self-check uses only what its own cell and the given
cells before it define, so that one mistake costs one cell.

A graded cell runs its hidden checks, then its visible self-check. If that self-check used a name
defined by another graded cell's visible part (which stops at the first failed check) or a function
the student writes (other than the one the cell grades), a mistake judged elsewhere would also end
this cell in a NameError or a wrong value, after its ✔. The names a self-check may use are:

(a) those its own cell defines; (b) those the given cells before it define (code cells the student
does not write: imports, data, locked helpers), unless a given cell computed them with the student's
work (``Y_fit = one_hot(y_fit, K)``); (c) builtins; (d) the function(s) its checks judge.

A graded function that calls the student's function of another answer cell (``backward`` calls
``forward``) is judged with the reference one (its check's ``ISOLATED``), and every visible assert says,
in French, what is wrong: a ✔ followed by a bare AssertionError would not tell the student what to change.
Static only (ast and symtable, no execution).
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from dataclasses import dataclass, field

import pytest
from conftest import SOURCE, nbgrader_meta, notebook_id, notebooks, read

from autograde.hidden_tests import hidden_region, isolated_helpers, student_name

SOURCE_NOTEBOOKS = notebooks(SOURCE)
BUILTINS = frozenset(dir(builtins))
# Comprehensions run where they are written; a def's or a lambda's body runs when it is called.
COMPREHENSIONS = {"listcomp", "setcomp", "dictcomp", "genexpr"}


@dataclass
class Names:
    """The module-level names a piece of code binds, and those it reads without binding them first."""

    defined: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)


def _tables(table: symtable.SymbolTable):
    yield table
    for child in table.get_children():
        yield from _tables(child)


def _bound(top: symtable.SymbolTable) -> set[str]:
    """The module-level names a statement binds: assignments, for/with/except targets, imports, def and
    class, and, from inner scopes, `global` names they assign and walrus targets of comprehensions."""
    return {
        s.get_name()
        for t in _tables(top)
        for s in t.get_symbols()
        if (s.is_assigned() or s.is_imported()) and (t is top or s.is_declared_global())
    }


def _read_globals(top: symtable.SymbolTable) -> tuple[set[str], set[str]]:
    """The module-level names a statement reads: (now, later). Its top level, its comprehensions and
    its class bodies run now; the bodies of its functions and lambdas run when they are called."""
    now, later = set(), set()

    def walk(table, deferred):
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (table is top or symbol.is_global()):
                (later if deferred else now).add(symbol.get_name())
        for child in table.get_children():
            walk(child, deferred or (child.get_type() == "function" and child.get_name() not in COMPREHENSIONS))

    walk(top, False)
    return now, later


def statements(source: str, label: str = "<cell>") -> list[tuple[set[str], set[str], set[str]]]:
    """(binds, reads now, reads later) of each top-level statement of a cell, in order."""
    module = ast.parse(source, label)
    if any(isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names) for node in ast.walk(module)):
        raise ValueError(f"{label}: `import *` hides what the cell defines")
    found = []
    for statement in module.body:
        top = symtable.symtable(ast.unparse(statement), label, "exec")
        local = _comprehension_variables(statement)
        bound, now, later = _bound(top), *_read_globals(top)
        found.append((bound - local, now - local, later - local))
    return found


def _comprehension_variables(statement: ast.stmt) -> set[str]:
    """The loop variables of its comprehensions that nothing else in the statement binds: local to the
    comprehension. Python ≥ 3.12 inlines comprehensions, and its symtable reports them at the top."""
    variables = {
        n.id
        for c in ast.walk(statement)
        if isinstance(c, ast.comprehension)
        for n in ast.walk(c.target)
        if isinstance(n, ast.Name)
    }
    elsewhere: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            elsewhere.add(node.target.id)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.withitem)):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.optional_vars if isinstance(node, ast.withitem) else node.target]
            )
            elsewhere |= {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            elsewhere.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            elsewhere |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            elsewhere.add(node.name)
    return variables - elsewhere


def names(source: str, label: str = "<cell>") -> Names:
    """What a cell binds and what it reads from the notebook's namespace.

    Statements run in order: a name read by a statement is the notebook's unless an earlier statement
    of the cell, or the statement itself (a loop's target, a comprehension's walrus), binds it. The
    bodies of functions and lambdas run later: their names count as the cell's if the cell binds them
    anywhere."""
    result, deferred = Names(), set()
    for bound, now, later in statements(source, label):
        result.used |= now - bound - result.defined
        deferred |= later
        result.defined |= bound
    result.used |= deferred - result.defined
    return result


def code_cells(nb):
    """(kind, grade_id, source) of each code cell: "graded" (a test cell with a hidden region), "answer"
    (a solution cell the student writes) or "given"."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        kind = "answer" if meta.get("solution") else "graded" if meta.get("grade") else "given"
        yield kind, meta.get("grade_id") or f"cellule {index}", cell.source


@dataclass(frozen=True)
class Binder:
    """The last cell that bound a name before the graded cell; for a given cell, the names of the
    student's work (answers, graded cells' variables) its value was computed from."""

    kind: str
    grade_id: str
    computed_from: frozenset = frozenset()


def violations(nb, notebook: str) -> list[str]:
    """One line per name a graded cell's visible self-check reads and may not."""
    found, binders = [], {}
    for kind, grade_id, source in code_cells(nb):
        label = f"{notebook}:{grade_id}"
        if kind == "graded":
            region = hidden_region(source)
            assert region is not None, f"{label}: a graded cell without a hidden region"
            check_ids, source = region
            judged = {student_name(check_id) for check_id in check_ids}
            for name in sorted(names(source, label).used - judged):
                binder = binders.get(name)
                if binder is None:
                    if name not in BUILTINS:
                        found.append(f"{label} reads `{name}`, which no cell before it defines")
                elif binder.kind != "given":  # an answer's `id` hides the builtin too
                    found.append(f"{label} reads `{name}`, defined by the {binder.kind} cell {binder.grade_id}")
                elif binder.computed_from - judged:
                    found.append(
                        f"{label} reads `{name}`, which the given cell {binder.grade_id} computes with "
                        + ", ".join(f"`{n}`" for n in sorted(binder.computed_from - judged))
                    )
        for bound, now, later in statements(source, label):
            computed_from = frozenset()
            if kind == "given":  # what each statement computes from, a function from what its body calls
                for name in (now | later) & binders.keys():
                    binder = binders[name]
                    computed_from |= binder.computed_from if binder.kind == "given" else {name}
            for name in bound:
                binders[name] = Binder(kind, grade_id, computed_from)
    return found


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_a_visible_self_check_uses_only_its_cell_the_given_cells_and_its_function(path):
    assert violations(read(path), notebook_id(path)) == []


def unisolated_helpers(nb, notebook: str) -> list[str]:
    """The student's functions of other answer cells that a graded function's reference answer calls
    and its check does not replace by the reference (``ISOLATED``): a mistake there would cost this
    cell too. Helpers written in the function's own answer cell are judged with it."""
    answers = {grade_id: source for kind, grade_id, source in code_cells(nb) if kind == "answer"}
    written_in = {
        name: grade_id for grade_id, source in answers.items() for bound, _, _ in statements(source) for name in bound
    }
    found = []
    for kind, grade_id, source in code_cells(nb):
        if kind != "graded":
            continue
        for check_id in hidden_region(source)[0]:
            function = student_name(check_id)
            cell = written_in.get(function)
            if cell is None:
                continue
            [definition] = [
                statement
                for statement in ast.parse(answers[cell]).body
                if isinstance(statement, (ast.FunctionDef, ast.ClassDef)) and statement.name == function
            ]
            _, now, later = statements(ast.unparse(definition))[0]
            helpers = {name for name in now | later if written_in.get(name, cell) != cell}
            found += [
                f"{notebook}:{grade_id}: {check_id} calls `{name}` (answer cell {written_in[name]}), not isolated"
                for name in sorted(helpers - set(isolated_helpers(check_id) or ()))
            ]
    return found


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_a_graded_function_is_judged_with_the_reference_helpers_of_other_cells(path):
    """``backward`` calls the student's ``forward``: its check gives it the reference one, and so does
    the visible self-check after a ✔ (hidden_tests._isolate_for_this_cell)."""
    assert unisolated_helpers(read(path), notebook_id(path)) == []


def test_a_helper_left_to_the_student_is_found(monkeypatch):
    from autograde.td4.reseau_2_3_1 import checks

    monkeypatch.delitem(checks.ISOLATED["backward"], "forward")  # the registry holds this very dict
    path = SOURCE / "td4_retropropagation" / "01_reseau_2_3_1.ipynb"
    assert unisolated_helpers(read(path), "td4") == [
        "td4:test_backward: td4.reseau_2_3_1.backward calls `forward` (answer cell forward), not isolated"
    ]


def _notebook(*cells):
    """A notebook of (kind, grade_id, source) code cells; a graded cell's hidden region checks t.<grade_id>."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for kind, grade_id, source in cells:
        if kind == "graded":
            source = (
                f'### BEGIN HIDDEN TESTS\nfrom autograde import hidden_test\nhidden_test("td0.t.{grade_id}", '
                f"globals())\n### END HIDDEN TESTS\n{source}"
            )
        meta = {
            "grade": kind == "graded",
            "solution": kind == "answer",
            "locked": kind != "answer",
            "grade_id": f"test_{grade_id}" if kind == "graded" else grade_id,
        }
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta}))
    return nb


def test_what_a_self_check_may_read_and_what_it_may_not():
    nb = _notebook(
        ("given", "imports", "import numpy as np\ndata = np.arange(3)"),
        ("answer", "f", "def f(x):\n    return x\n\ndef helper(x):\n    return x"),
        ("graded", "f", "f_ex = f(data)\nassert len(f_ex) == 3, 'f garde la taille'"),
        (
            "given",
            "derived",
            "twice = 2 * helper(data)\nplain = data + 1\n\ndef fit():\n    return f(plain)\n\nfitted = fit()",
        ),
        ("answer", "g", "def g(x):\n    return x\n\ndef id(x):\n    return x"),
        ("graded", "g", "g(f_ex)\ng(helper(1))\ng(twice)\ng(plain)\ng(fitted)\ng(id(1))\ng(len(nowhere))"),
    )
    assert violations(nb, "nb") == [
        "nb:test_g reads `f_ex`, defined by the graded cell test_f",
        "nb:test_g reads `fitted`, which the given cell derived computes with `f`",
        "nb:test_g reads `helper`, defined by the answer cell f",
        "nb:test_g reads `id`, defined by the answer cell g",
        "nb:test_g reads `nowhere`, which no cell before it defines",
        "nb:test_g reads `twice`, which the given cell derived computes with `helper`",
    ]


def unexplained_asserts(nb, notebook: str) -> list[str]:
    """The asserts of graded cells' visible parts whose message is not a sentence: none, bare values
    such as ``(dw, db)``, or a string of fewer than two words (``"relu(3)"``)."""
    found = []
    for kind, grade_id, source in code_cells(nb):
        if kind == "graded":
            found += [
                f"{notebook}:{grade_id} line {node.lineno}: assert {ast.unparse(node.test)[:60]}"
                for node in ast.walk(ast.parse(hidden_region(source)[1]))
                if isinstance(node, ast.Assert) and not _is_sentence(node.msg)
            ]
    return found


def _is_sentence(message) -> bool:
    """A string or an f-string whose written text has at least two words ("attendu …, obtenu …")."""
    if isinstance(message, ast.JoinedStr):
        text = " ".join(part.value for part in message.values if isinstance(part, ast.Constant))
    elif isinstance(message, ast.Constant) and isinstance(message.value, str):
        text = message.value
    else:
        return False
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_every_visible_assert_of_a_graded_cell_says_what_is_wrong(path):
    """After a ✔, a bare AssertionError would not tell the student what to change."""
    assert unexplained_asserts(read(path), notebook_id(path)) == []


def test_an_assert_without_a_sentence_is_refused():
    nb = _notebook(
        (
            "graded",
            "f",
            "assert f(1) == 1\nassert f(2) == 2, f(2)\nassert f(3) == 3, 'f(3)'\n"
            "assert f(4) == 4, f'f(4) doit valoir 4, obtenu {f(4)}'",
        )
    )
    assert unexplained_asserts(nb, "nb") == [
        "nb:test_f line 1: assert f(1) == 1",
        "nb:test_f line 2: assert f(2) == 2",
        "nb:test_f line 3: assert f(3) == 3",
    ]


@pytest.mark.parametrize(
    "source, defined, used",
    [
        ("x = f(y)", {"x"}, {"f", "y"}),
        ("import numpy as np\nfrom a.b import c as d\nimport os.path", {"np", "d", "os"}, set()),
        (
            "def g(a, b=k):\n    return a + h + b\nclass C:\n    z = w\n    def m(self):\n        return z",
            {"g", "C"},
            {"k", "h", "w", "z"},
        ),
        ("for i, (j, k) in pairs:\n    total = i + j + k + t", {"i", "j", "k", "total"}, {"pairs", "t"}),
        ("squares = [v * v for v in values if v > lim]", {"squares"}, {"values", "lim"}),
        ("ok = any((n := m) > 0 for m in ms)\nprint(n)", {"ok", "n"}, {"any", "ms", "print"}),
        ("with open(p) as fh, ctx() as (a, b):\n    pass", {"fh", "a", "b"}, {"open", "p", "ctx"}),
        ("try:\n    pass\nexcept E as err:\n    msg = err", {"err", "msg"}, {"E"}),
        ("def setter():\n    global G\n    G = 1", {"setter", "G"}, set()),
        ("x_ex = 1\ny = x_ex", {"x_ex", "y"}, set()),
        ("y = x_ex\nx_ex = 1", {"x_ex", "y"}, {"x_ex"}),  # read before the cell binds it: the notebook's
        ("def f():\n    return later\nlater = 1", {"f", "later"}, set()),  # a body runs when called
        ("f = lambda q: q + r", {"f"}, {"r"}),
        ("if (m := re_match(s)):\n    pass", {"m"}, {"re_match", "s"}),
    ],
)
def test_names_of_a_cell(source, defined, used):
    assert names(source) == Names(defined, used)


def test_a_star_import_is_refused():
    with pytest.raises(ValueError, match="import"):
        names("from numpy import *")
