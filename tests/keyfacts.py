"""What a release notebook must not give away, read from the source notebooks (the leak tests).

- The key facts of a written answer: the line ``**Faits clés** : « … » ; « … »`` of its grading guide.
- The solution of a graded code cell: the statements between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` and the values they compute, compared names and spacing aside.

A release notebook of TD j must not state a key fact of a written answer of TD k ≥ j, nor contain a
significant solution statement of a graded cell of TD k ≥ j (an earlier TD's solution may be given: its
deadline has passed), nor print such a fact from a given cell. The rule, the normalisation and how to read
a failure: docs/course-conventions.md#key-facts-and-the-leak-test.
"""

from __future__ import annotations

import ast
import builtins
import copy
import json
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "source"
RELEASE = REPO / "release"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# The line of key facts, up to the end of its paragraph (a long line may be wrapped).
FACTS_LINE = re.compile(r"^\s*\*\*Faits clés\s*:?\s*\*\*\s*:?(.*?)(?:\n\s*\n|\Z)", re.MULTILINE | re.DOTALL)
FACT = re.compile(r"«\s*(.*?)\s*»", re.DOTALL)
DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
# A solution statement counts when it has at least this many AST nodes besides names, calls, constants and
# load/store contexts (its nested statements aside): `return lam * W` and `rng = np.random.default_rng(seed)`
# (3) do not, `dW1 = x.T @ dz1` (4) and `da = ((y_hat - y) / n) @ weights[-1].T` (8) do. Calibrated on the
# course: 3 admits only idioms (a seeded generator, `total = 0`, `residual = P - Y`).
SIGNIFICANT = 4


# --------------------------------------------------------------------------------------------- notebooks
@dataclass(frozen=True)
class Cell:
    index: int
    cell_type: str
    source: str
    meta: dict

    @property
    def grade_id(self) -> str:
        return self.meta.get("grade_id", f"cell {self.index}")


@dataclass(frozen=True)
class Notebook:
    path: Path
    cells: tuple[Cell, ...]

    @property
    def name(self) -> str:
        """``<assignment>/<notebook>``, as in the leak reports."""
        return f"{self.path.parent.name}/{self.path.stem}"

    @property
    def td(self) -> int:
        return td_number(self.path)


def td_number(path: Path) -> int:
    match = re.match(r"td(\d+)_", path.parent.name)
    assert match, f"{path}: an assignment folder is named td<k>_<name>"
    return int(match.group(1))


@lru_cache(maxsize=None)
def load(path: Path) -> Notebook:
    """The notebook's cells, read as plain JSON (no schema validation: the fast layer reads them all)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for index, cell in enumerate(raw["cells"]):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        cells.append(Cell(index, cell["cell_type"], source, cell.get("metadata", {}).get("nbgrader", {})))
    return Notebook(path, tuple(cells))


def notebooks(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("td*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


# ------------------------------------------------------------------------------------------- key facts
def normalise(text: str) -> str:
    """Case, spacing (LaTeX's too), `$` and backticks aside; accents kept; `0{,}5`, `0,5` and `0.5` alike."""
    text = unicodedata.normalize("NFC", text).casefold()
    for spacing in ("\\,", "\\;", "\\!", "\\ "):
        text = text.replace(spacing, "")
    text = DECIMAL_COMMA.sub(".", text.replace("{,}", ",")).replace("$", "").replace("`", "")
    return "".join(text.split())


@dataclass(frozen=True, repr=False)
class WrittenAnswer:
    notebook: Notebook
    cell: Cell
    guide: str  # between the solution markers
    facts: tuple[str, ...]  # as written, without the « »
    facts_lines: int  # how many **Faits clés** lines the guide has (one expected)

    @property
    def grade_id(self) -> str:
        return self.cell.grade_id

    @property
    def td(self) -> int:
        return self.notebook.td

    def __repr__(self) -> str:
        return f"<{self.grade_id} of {self.notebook.name}>"


def guide_of(source: str) -> str:
    return source.split(BEGIN, 1)[-1].split(END, 1)[0] if BEGIN in source else ""


def written_answers(path: Path) -> list[WrittenAnswer]:
    """The markdown cells graded by hand (solution and grade) of a source notebook, with their key facts."""
    nb = load(path)
    answers = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.meta.get("solution") and cell.meta.get("grade"):
            guide = guide_of(cell.source)
            lines = FACTS_LINE.findall(guide)
            facts = tuple(FACT.findall(lines[0])) if lines else ()
            answers.append(WrittenAnswer(nb, cell, guide, facts, len(lines)))
    return answers


def fact_leaks(release: Path, answers: list[WrittenAnswer]) -> list[str]:
    """Each key fact of ``answers`` that the release notebook states (any cell, prose or code)."""
    text = normalise("\n".join(cell.source for cell in load(release).cells))
    return [
        f"{load(release).name} states « {fact} » of {answer.grade_id} ({answer.notebook.name})"
        for answer in answers
        for fact in answer.facts
        if normalise(fact) and normalise(fact) in text
    ]


def output_text(cell: dict) -> str:
    """What a code cell of an executed notebook shows as text: streams, results, displays, errors."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
        else:
            data = output.get("data", {})
            # An image is shown in place of its text/plain ("<Figure size …>"), as JupyterLab does.
            kinds = (
                ("text/markdown", "text/latex")
                if "image/png" in data
                else ("text/plain", "text/markdown", "text/latex")
            )
            parts += [data[kind] for kind in kinds if kind in data]
    return "\n".join("".join(p) if isinstance(p, list) else p for p in parts)


def output_leaks(executed, path: Path, source: Path = SOURCE) -> list[str]:
    """The key facts of the same or a later TD printed by the given cells of an executed source notebook
    (every code cell but the solution cells: the self-checks' output is seen once the answer is right)."""
    shown = "\n".join(
        output_text(cell)
        for cell in executed.cells
        if cell.cell_type == "code" and not cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    )
    text = normalise(shown)
    name = f"{path.parent.name}/{path.stem}"
    return [
        f"{name} prints « {fact} » of {answer.grade_id} ({answer.notebook.name})"
        for answer in answers_from_td(td_number(path), source)
        for fact in answer.facts
        if normalise(fact) and normalise(fact) in text
    ]


def answers_from_td(td: int, source: Path = SOURCE) -> list[WrittenAnswer]:
    """The written answers of TD ``td`` and of every later TD."""
    return [a for path in notebooks(source) if td_number(path) >= td for a in written_answers(path)]


# ---------------------------------------------------------------------------------- solution statements
MODULES = {"np", "numpy", "plt", "matplotlib", "math", "sklearn", "random", "scipy", "torch", "pd", "itertools"}
KEPT_NAMES = frozenset(dir(builtins)) | MODULES
UNCOUNTED: tuple[type, ...] = (ast.expr_context, ast.Name, ast.Call, ast.Constant)
# A loop's or a function's header is the same in every course (the signature is in the stub): only the
# statements and the conditions (if, while, with) are compared.
HEADERS_SKIPPED = (ast.For, ast.AsyncFor, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
NESTED = ("body", "orelse", "finalbody", "handlers", "cases")
VALUED = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)


@lru_cache(maxsize=None)
def imported_names() -> frozenset[str]:
    """Every name an import of a notebook binds (kept, like the builtins, when statements are compared)."""
    names = set()
    for root in (SOURCE, RELEASE):
        for path in notebooks(root):
            for tree in code_trees(path):
                for node in ast.walk(tree):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return frozenset(names)


def header(statement: ast.stmt) -> ast.stmt:
    """A shallow copy of the statement without its nested statements (a loop's header, an `if`'s test)."""
    bare = copy.copy(statement)
    for field in NESTED:
        if hasattr(bare, field):
            setattr(bare, field, [])
    return bare


def renamed(node: ast.AST, kept: frozenset[str]) -> ast.AST:
    """A copy with every local name (variables, arguments, functions defined) renamed v0, v1… in order of
    first appearance; builtins, modules and imported names kept; numbers compared as floats."""
    node = collapsed(copy.deepcopy(node))
    names: dict[str, str] = {}
    called = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
    kept = kept | called

    def rename(name: str) -> str:
        if name in kept:
            return name
        return names.setdefault(name, f"v{len(names)}")

    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            child.id = rename(child.id)
        elif isinstance(child, ast.arg):
            child.arg = rename(child.arg)
            child.annotation = None
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            child.name = rename(child.name)
        elif isinstance(child, ast.Constant) and type(child.value) in (int, float):
            child.value = float(child.value)
    return node


class _Collapse(ast.NodeTransformer):
    """`weights[k]`, `zs[-1]` read as one name: a layer's array taken from a list by its index is the
    numbered name of a fixed network (`W2`, `z1`)."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        index = node.slice
        simple = isinstance(index, (ast.Name, ast.Constant)) or (
            isinstance(index, ast.UnaryOp) and isinstance(index.operand, ast.Constant)
        )
        if isinstance(node.value, ast.Name) and simple and isinstance(node.ctx, ast.Load):
            return ast.Name(id=node.value.id, ctx=ast.Load())
        return node


def collapsed(node: ast.AST) -> ast.AST:
    return _Collapse().visit(node)


def size(node: ast.AST) -> int:
    """The AST nodes of a statement (its nested statements aside) or of an expression, besides names,
    calls, constants and load/store contexts; 0 for a loop's or a function's header."""
    if isinstance(node, HEADERS_SKIPPED):
        return 0
    bare = header(node) if isinstance(node, ast.stmt) else node
    return sum(1 for n in ast.walk(collapsed(copy.deepcopy(bare))) if not isinstance(n, UNCOUNTED))


def values(tree: ast.AST) -> list[ast.expr]:
    """What the statements compute (the value of an assignment, a return, an expression statement) and
    the elements of comprehensions: `x = E`, `return E` and `[E for …]` give away the same E."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, VALUED) and node.value is not None and not is_docstring(node):
            found.append(node.value)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            found.append(node.elt)
        elif isinstance(node, ast.DictComp):
            found.append(node.value)
    return found


def computes(value: ast.expr) -> bool:
    """A value counts on its own when it is significant and reads an attribute (`np.exp`, `x.T`,
    `rng.normal`): plain arithmetic of names (`a * b + c`: every affine formula of the course) and calls of
    the notebook's functions (`gradient(X, softmax(X @ W + b), Y)`) are not code of one solution."""
    return size(value) >= SIGNIFICANT and any(isinstance(n, ast.Attribute) for n in ast.walk(value))


def is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def statements(tree: ast.AST) -> list[ast.stmt]:
    """Every statement of the tree, nested ones (function bodies, loops) included, docstrings aside."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and not is_docstring(n)]


def key(node: ast.AST) -> str:
    """A statement (nested statements aside) or a value (marked `=`), names renamed, as text."""
    bare = header(node) if isinstance(node, ast.stmt) else node
    dump = ast.dump(renamed(bare, KEPT_NAMES | imported_names()), annotate_fields=False)
    return dump if isinstance(node, ast.stmt) else f"={dump}"


def parse(code: str) -> ast.Module | None:
    """The code parsed, with IPython's magics and shell lines left out; None when it is not Python."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
    try:
        return ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return None


FENCED = re.compile(r"```[a-zA-Z]*\n(.*?)```", re.DOTALL)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def cell_code(cell: Cell) -> list[str]:
    """The code of a cell: a code cell's source, or the fenced and inline code of a Markdown cell."""
    if cell.cell_type == "code":
        return [cell.source]
    return FENCED.findall(cell.source) + INLINE.findall(FENCED.sub("", cell.source))


@lru_cache(maxsize=None)
def code_trees(path: Path) -> tuple[ast.Module, ...]:
    """The code of a notebook that parses (IPython's magics aside)."""
    return tuple(tree for cell in load(path).cells for tree in map(parse, cell_code(cell)) if tree is not None)


@lru_cache(maxsize=None)
def cell_keys(path: Path) -> tuple[tuple[str, frozenset[str]], ...]:
    """Per cell of the notebook, its grade_id and the keys of the statements and values of its code."""
    return tuple(
        (cell.grade_id, frozenset().union(*(given_keys(code) for code in cell_code(cell)))) for cell in load(path).cells
    )


@dataclass(frozen=True)
class SolutionStatement:
    notebook: Notebook
    cell: Cell
    code: str  # the statement as written (its first line for a compound statement), or the value
    key: str

    @property
    def td(self) -> int:
        return self.notebook.td


def solution_regions(source: str) -> list[str]:
    return [part.split(END, 1)[0] for part in source.split(BEGIN)[1:]]


def unparsable_regions(path: Path) -> list[str]:
    return [
        cell.grade_id
        for cell in graded_code_cells(path)
        for region in solution_regions(cell.source)
        if parse(region) is None
    ]


def graded_code_cells(path: Path) -> list[Cell]:
    return [c for c in load(path).cells if c.cell_type == "code" and c.meta.get("solution") and BEGIN in c.source]


@lru_cache(maxsize=None)
def solution_statements(path: Path) -> tuple[SolutionStatement, ...]:
    """The significant statements of the solution regions of the notebook's graded code cells, and the
    values they compute that count on their own."""
    nb = load(path)
    return tuple(
        SolutionStatement(nb, cell, code, key_)
        for cell in graded_code_cells(path)
        for region in solution_regions(cell.source)
        for code, key_ in secret_parts(region)
    )


def secret_parts(region: str) -> list[tuple[str, str]]:
    """(code as written, key) of each significant statement of a solution region, then of each value
    that counts on its own."""
    tree = parse(region)
    if tree is None:
        return []
    found = [
        (ast.unparse(header(statement)).strip().splitlines()[0], key(statement))
        for statement in statements(tree)
        if size(statement) >= SIGNIFICANT
    ]
    return found + [(ast.unparse(value), key(value)) for value in values(tree) if computes(value)]


def given_keys(code: str) -> frozenset[str]:
    """The keys of every statement and value of some code."""
    tree = parse(code)
    return frozenset(key(node) for node in [*statements(tree), *values(tree)]) if tree else frozenset()


def shared(solution: str, given: str) -> list[str]:
    """What of a solution region the given code contains (the comparison of the leak test, for one pair)."""
    keys = given_keys(given)
    return [code for code, key_ in secret_parts(solution) if key_ in keys]


@lru_cache(maxsize=None)
def secrets(source: Path = SOURCE) -> dict[str, list[SolutionStatement]]:
    """Each significant solution statement of the course (by key), with every cell that grades it."""
    found: dict[str, list[SolutionStatement]] = {}
    for path in notebooks(source):
        for statement in solution_statements(path):
            found.setdefault(statement.key, []).append(statement)
    return found


def code_leaks(release: Path, source: Path = SOURCE) -> list[str]:
    """Each significant solution statement of a graded cell of the same or a later TD that the release
    notebook contains (code cells, code in its markdown), the stub of that very cell aside. A statement
    graded in several TDs is a secret until the first of them: a later TD may give it."""
    td, name, leaks, said = td_number(release), load(release).name, [], []
    # Statements first: a value is not reported again inside a statement already reported.
    for key_, graded in sorted(secrets(source).items(), key=lambda item: item[0].startswith("=")):
        if min(s.td for s in graded) < td:
            continue
        # The cell where the student writes a function may give lines of it around the solution region.
        stubs = {s.cell.grade_id for s in graded if s.notebook.name == name}
        if any(key_ in keys for grade_id, keys in cell_keys(release) if grade_id not in stubs):
            first = min(graded, key=lambda s: (s.td, s.notebook.name))
            if not any(first.code in code for code in said):
                said.append(first.code)
                leaks.append(f"{name} contains `{first.code}` of {first.cell.grade_id} ({first.notebook.name})")
    return leaks
