"""Mutants of a reference solution: the plausible wrong functions a check must reject.

:func:`mutants` takes the source of one function or class and returns every variant that differs from
it by one small change, each with a readable id: what changes into what, and in a class the method
(``"wait = 0 → (supprimé)"``, ``"backward: reversed(topo) → topo"``; `` #2`` for the second such change).
No line number: an id survives a reformatting or an edit elsewhere. The changes are the mistakes
students make, not only the operator swaps of general-purpose tools:

===================  ===========================================================================
operator             change
===================  ===========================================================================
arithmetic           ``+ ↔ -``, ``* ↔ /``, ``** → *``, ``@ → *``, ``// → /``
dropped term         ``a + b → a`` / ``b``, ``a - b → a`` / ``b``, ``a * b → a`` / ``b``, ``a / b → a``
sign                 ``-x → x``; ``not c → c``
comparison           ``< ↔ <=``, ``> ↔ >=``, ``< ↔ >``, ``== ↔ !=``; ``and ↔ or``
constant             an integer ``n → n ± 1``, a number ``x → 0`` (``0 → 1``), ``x → 2x`` (``|x| ≥ 1e-6``: a
                     smaller number is a round-off guard, mutated to 0 only), ``True ↔ False``
function             ``sum ↔ mean``, ``max ↔ min``, ``argmax ↔ argmin``, ``maximum ↔ minimum``,
                     ``zeros ↔ ones`` (and their ``_like``)
argument             a keyword argument or the last positional one dropped (``axis=0``, ``h``: the callee's
                     default is used), two adjacent positional arguments swapped (not those of a
                     symmetric function: ``maximum``…), ``range(n) → range(n ± 1)``
axis                 ``axis=k`` → another axis, through the constant operator
transpose, copy      ``x.T → x``; ``x.copy()``, ``np.copy(x)``, ``np.array(x)`` → ``x`` (aliasing)
order                ``reversed(x) → x``; two adjacent dependent statements swapped (a statement that
                     writes a name the other reads); returned values swapped
dropped statement    an update (``x += …``, ``x[i] = …``, ``self.grad = …``), a call statement, or a
                     re-assignment of a name (``wait = 0``, the reset of a counter) removed
in place             ``y = f(W)`` → ``W[...] = f(W); y = W`` and ``return f(W)`` → ``W[...] = f(W);
                     return W``, for a parameter ``W``: the result written into the caller's array
===================  ===========================================================================

Why our own: mutmut and cosmic-ray mutate whole files and run a test command per mutant (a fresh
process, a pytest session, a database of results); a check here is one call on a function object
taking milliseconds, and the mistakes that matter (axes, aliasing, a forgotten reset, a default used
instead of an argument) are not in their operator sets. The standard library's :mod:`ast` parses,
rewrites and unparses the code; nothing else is needed.
"""

from __future__ import annotations

import ast
import copy
import textwrap
from dataclasses import dataclass

__all__ = ["Mutant", "OPERATORS", "mutants"]


@dataclass(frozen=True)
class Mutant:
    id: str  # "wait = 0 → (supprimé)", "backward: reversed(topo) → topo"
    operator: str
    source: str  # the whole mutated definition


@dataclass(frozen=True)
class _Change:
    """Replace ``parent.field[start:stop]`` (or ``parent.field`` when start is None) by ``new``."""

    path: tuple  # ((field, index or None), ...) from the definition to the parent
    field: str
    start: int | None
    stop: int | None
    new: list
    operator: str
    where: str  # "backward: " for a change in a method of a class, else ""
    before: str
    after: str


_BINARY = {
    ast.Add: [ast.Sub],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.Div],
    ast.Div: [ast.Mult],
    ast.FloorDiv: [ast.Div],
    ast.Pow: [ast.Mult],
    ast.MatMult: [ast.Mult],
}
_COMPARE = {
    ast.Lt: [ast.LtE, ast.Gt],
    ast.LtE: [ast.Lt, ast.GtE],
    ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
}
_FUNCTIONS = {
    "sum": "mean",
    "mean": "sum",
    "max": "min",
    "min": "max",
    "argmax": "argmin",
    "argmin": "argmax",
    "maximum": "minimum",
    "minimum": "maximum",
    "zeros": "ones",
    "ones": "zeros",
    "zeros_like": "ones_like",
    "ones_like": "zeros_like",
}
_COPIES = {"copy", "array"}  # np.copy(x), np.array(x), x.copy()
_GUARD = 1e-6  # below this, a number is a round-off guard (an ε in a log): only its absence matters
_SYMMETRIC = {"maximum", "minimum", "add", "multiply", "hypot", "logical_and", "logical_or"}  # f(a, b) = f(b, a)


def _text(nodes) -> str:
    if not nodes:
        return "(supprimé)"
    text = "; ".join(ast.unparse(n) for n in nodes)
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "…"


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _names(node, context) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}


_MODULES = {"np", "numpy", "math"}
# Array methods that return a new value and leave the array as it was.
_READING_METHODS = {
    "sum",
    "mean",
    "max",
    "min",
    "argmax",
    "argmin",
    "copy",
    "reshape",
    "astype",
    "dot",
    "transpose",
    "ravel",
    "flatten",
    "std",
    "var",
    "clip",
    "cumsum",
    "round",
    "item",
    "tolist",
    "nonzero",
    "any",
    "all",
    "squeeze",
    "exp",
    "log",
}


def _path(node) -> str | None:
    """``self.grad`` for an attribute chain on a name, ``x`` for ``x[i]``; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _path(node.value)
        return None if base is None else f"{base}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return _path(node.value)
    return None


def _reads(node: ast.AST) -> set[str]:
    """The paths a statement reads: whole chains (``self.data``, not ``self`` too), the indices of what
    it stores into, and the target of an augmented assignment."""
    path = _path(node)
    if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load) and path is not None:
        return {path}
    found: set[str] = set()
    target = _path(node.target) if isinstance(node, ast.AugAssign) else None
    if target is not None:
        found.add(target)
    children: list[ast.AST]
    if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
        children = [node.slice] if isinstance(node, ast.Subscript) else []
        if path is None:
            children.append(node.value)
    else:
        children = list(ast.iter_child_nodes(node))
    for child in children:
        found |= _reads(child)
    return found


def _writes(statement, local_functions: set[str]) -> set[str]:
    """What a statement may change, as paths (``w``, ``self.grad``): assigned, augmented, subscript- or
    attribute-assigned, or the object whose method it calls for its effect (``topo.append``,
    ``rng.normal``; not ``x.sum()``); ``*`` when it calls a function defined inside the definition (a
    closure such as ``build`` may change anything). The module's functions are pure."""
    written = set()
    for node in ast.walk(statement):
        if isinstance(node, (ast.Name, ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            path = _path(node)
            if path is not None:
                written.add(path)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr not in _READING_METHODS:
                owner = _path(node.func.value)
                if owner is not None and owner.split(".")[0] not in _MODULES:
                    written.add(owner)
            elif isinstance(node.func, ast.Name) and node.func.id in local_functions:
                written.add("*")
    return written


def _overlap(paths: set[str], others: set[str]) -> bool:
    """Two sets of paths touch the same object: equal, or one inside the other (``self`` and ``self.grad``)."""
    return any(p == q or p.startswith(q + ".") or q.startswith(p + ".") for p in paths for q in others)


def _dependent(first, second, local_functions: set[str]) -> bool:
    w1, w2 = _writes(first, local_functions), _writes(second, local_functions)
    r1, r2 = _reads(first) | w1, _reads(second) | w2
    return bool("*" in w1 or "*" in w2 or _overlap(w1, r2) or _overlap(w2, r1))


class _Finder:
    """Walks one definition and lists every change, with where it applies."""

    def __init__(self, definition: ast.AST):
        self.definition = definition
        self.changes: list[_Change] = []
        function = definition if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        self.parameters = (
            {a.arg for a in (function.args.posonlyargs + function.args.args + function.args.kwonlyargs)}
            - {"self", "cls"}
            if function
            else set()
        )
        self.assigned_twice = self._assigned_twice(definition)
        self.local_functions = {
            n.name
            for n in ast.walk(definition)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n is not definition
        }

    @staticmethod
    def _assigned_twice(definition) -> set[str]:
        counts: dict[str, int] = {}
        for node in ast.walk(definition):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in _names(target, ast.Store):
                        counts[name] = counts.get(name, 0) + 1
        return {name for name, count in counts.items() if count > 1}

    def add(self, path, field, start, stop, old, new, operator):
        old_nodes = old if isinstance(old, list) else [old]
        new_nodes = new if isinstance(new, list) else [new]
        where = ""
        if isinstance(self.definition, ast.ClassDef) and path and path[0][0] == "body":
            method = self.definition.body[path[0][1]]
            where = f"{method.name}: " if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) else ""
        self.changes.append(
            _Change(path, field, start, stop, new_nodes, operator, where, _text(old_nodes), _text(new_nodes))
        )

    def walk(self, node, path=(), top_level=False):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and all(isinstance(s, ast.stmt) for s in value):
                    self.statements(node, path, field, value, top_level=top_level and field == "body")
                for index, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        self.expression(node, path, field, index, item)
                        self.walk(item, path + ((field, index),), top_level=False)
            elif isinstance(value, ast.AST):
                self.expression(node, path, field, None, value)
                self.walk(value, path + ((field, None),), top_level=False)

    # --------------------------------------------------------------------------------- statements
    def statements(self, parent, path, field, body, top_level):
        body_start = 1 if body and _is_docstring(body[0]) else 0
        real = body[body_start:]
        for offset, statement in enumerate(real):
            index = body_start + offset
            if len(real) >= 2 and self._droppable(statement):
                self.add(path, field, index, index + 1, statement, [], "dropped statement")
            if offset + 1 < len(real):
                following = real[offset + 1]
                if (
                    not isinstance(statement, ast.Return)
                    and not isinstance(following, ast.Return)
                    and not isinstance(statement, (ast.FunctionDef, ast.ClassDef))
                    and not isinstance(following, (ast.FunctionDef, ast.ClassDef))
                    and _dependent(statement, following, self.local_functions)
                ):
                    self.add(path, field, index, index + 2, [statement, following], [following, statement], "order")
            if top_level and self.parameters:
                self.in_place(path, field, index, statement)

    def _droppable(self, statement) -> bool:
        if isinstance(statement, (ast.AugAssign, ast.Expr)) and not _is_docstring(statement):
            return True
        if isinstance(statement, ast.Assign):
            if any(not isinstance(t, ast.Name) for t in statement.targets):
                return True  # x[i] = …, self.grad = …, a, b = …
            return any(isinstance(t, ast.Name) and t.id in self.assigned_twice for t in statement.targets)
        return False

    def in_place(self, path, field, index, statement):
        value = statement.value if isinstance(statement, (ast.Assign, ast.Return)) else None
        if value is None or isinstance(value, (ast.Tuple, ast.Name, ast.Constant)):
            return
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in _COPIES | {"asarray", "astype"}
        ):
            return  # a copy of the parameter written into it changes nothing; the copy operator covers it
        if isinstance(statement, ast.Assign) and not (
            len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)
        ):
            return
        for parameter in sorted(_names(value, ast.Load) & self.parameters):
            write = ast.parse(f"{parameter}[...] = 0").body[0]
            write.value = copy.deepcopy(value)
            rest = copy.deepcopy(statement)
            rest.value = ast.Name(parameter, ast.Load())
            self.add(path, field, index, index + 1, statement, [write, rest], "in place")

    # -------------------------------------------------------------------------------- expressions
    def expression(self, parent, path, field, index, node):
        def add(new, operator):
            self.add(path, field, index, None if index is None else index + 1, node, new, operator)

        if isinstance(node, ast.BinOp):
            for op in _BINARY.get(type(node.op), []):
                add(ast.BinOp(node.left, op(), node.right), "arithmetic")
            if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
                add(node.left, "dropped term")
                add(node.right, "dropped term")
            elif isinstance(node.op, ast.Div):
                add(node.left, "dropped term")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            add(node.operand, "sign")
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            for op in _COMPARE.get(type(node.ops[0]), []):
                add(ast.Compare(node.left, [op()], node.comparators), "comparison")
        elif isinstance(node, ast.BoolOp):
            add(ast.BoolOp(ast.Or() if isinstance(node.op, ast.And) else ast.And(), node.values), "comparison")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
            self.constant(node, add)
        elif isinstance(node, ast.Call):
            self.call(node, add)
        elif isinstance(node, ast.Attribute) and node.attr == "T" and isinstance(node.ctx, ast.Load):
            add(node.value, "transpose")
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            elements = node.value.elts
            for i in range(len(elements) - 1):
                swapped = elements[:i] + [elements[i + 1], elements[i]] + elements[i + 2 :]
                add(ast.Return(ast.Tuple(swapped, ast.Load())), "order")

    @staticmethod
    def constant(node, add):
        value = node.value
        if isinstance(value, bool):
            add(ast.Constant(not value), "constant")
        elif isinstance(value, int):
            add(ast.Constant(value + 1), "constant")
            add(ast.Constant(value - 1), "constant")
        elif isinstance(value, float):
            add(ast.Constant(0.0 if value else 1.0), "constant")
            if abs(value) >= _GUARD:
                add(ast.Constant(2 * value), "constant")

    @staticmethod
    def call(node, add):
        function = node.func
        name = (
            function.attr
            if isinstance(function, ast.Attribute)
            else function.id
            if isinstance(function, ast.Name)
            else None
        )
        if name in _FUNCTIONS:
            swapped = copy.copy(function)
            if isinstance(swapped, ast.Attribute):
                swapped.attr = _FUNCTIONS[name]
            else:
                swapped.id = _FUNCTIONS[name]
            add(ast.Call(swapped, node.args, node.keywords), "function")
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                add(ast.Call(function, node.args, node.keywords[:i] + node.keywords[i + 1 :]), "argument")
        positional = node.args
        if len(positional) >= 2 and not isinstance(positional[-1], ast.Starred):
            add(ast.Call(function, positional[:-1], node.keywords), "argument")  # the callee's default instead
        for i in range(len(positional) - 1 if name not in _SYMMETRIC else 0):
            if not any(isinstance(a, ast.Starred) for a in positional[i : i + 2]):
                swapped_args = positional[:i] + [positional[i + 1], positional[i]] + positional[i + 2 :]
                add(ast.Call(function, swapped_args, node.keywords), "argument")
        if name == "range":
            for i, argument in enumerate(positional):
                if not isinstance(argument, ast.Constant):
                    for op in (ast.Add, ast.Sub):
                        bound = ast.BinOp(argument, op(), ast.Constant(1))
                        add(
                            ast.Call(function, positional[:i] + [bound] + positional[i + 1 :], node.keywords),
                            "argument",
                        )
        if name == "reversed" and len(positional) == 1:
            add(positional[0], "order")
        if name in _COPIES:
            if isinstance(function, ast.Attribute) and name == "copy" and not positional:
                add(function.value, "copy")  # x.copy() → x
            elif (
                isinstance(function, ast.Attribute)
                and len(positional) == 1
                and not node.keywords
                and isinstance(function.value, ast.Name)
                and function.value.id in ("np", "numpy")
            ):
                add(positional[0], "copy")  # np.copy(x), np.array(x) → x


def _apply(definition, change: _Change):
    mutated = copy.deepcopy(definition)
    parent = mutated
    for field, index in change.path:
        parent = getattr(parent, field) if index is None else getattr(parent, field)[index]
    new = copy.deepcopy(change.new)
    if change.start is None:
        setattr(parent, change.field, new[0])
    else:
        items = getattr(parent, change.field)
        items[change.start : change.stop] = new
        if not items:  # a body may not be empty
            items.append(ast.Pass())
    return ast.fix_missing_locations(mutated)


def _definition(source: str):
    tree = ast.parse(textwrap.dedent(source))
    definitions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    if len(tree.body) != 1 or len(definitions) != 1:
        raise ValueError("mutants() takes the source of exactly one function or class")
    return definitions[0]


def mutants(source: str) -> list[Mutant]:
    """Every one-change variant of the function or class in ``source`` that is still valid Python
    and differs from it, in source order; ids are unique (a repeated id gets `` #2``, `` #3`` …)."""
    definition = _definition(source)
    finder = _Finder(definition)
    finder.walk(definition, top_level=True)
    original = ast.unparse(definition)
    found: list[Mutant] = []
    seen_sources = {original}
    seen_ids: dict[str, int] = {}
    for change in finder.changes:
        try:
            mutated = ast.unparse(_apply(definition, change))
            compile(mutated, "<mutant>", "exec")
        except (SyntaxError, ValueError, TypeError, AttributeError):
            continue
        if mutated in seen_sources:
            continue
        seen_sources.add(mutated)
        base = f"{change.where}{change.before} → {change.after}"
        seen_ids[base] = seen_ids.get(base, 0) + 1
        found.append(Mutant(base if seen_ids[base] == 1 else f"{base} #{seen_ids[base]}", change.operator, mutated))
    return found


OPERATORS = (
    "arithmetic",
    "dropped term",
    "sign",
    "comparison",
    "constant",
    "function",
    "argument",
    "transpose",
    "copy",
    "order",
    "dropped statement",
    "in place",
)  # the module's table, in its order
