"""Which cells of a notebook draw a figure, and what an executed cell shows (tests/notebooks/): read from
the notebook's code, not listed by hand. A cell draws when its own statements (outside the functions it
defines) call pyplot's drawing functions, or call a function of the notebook that does (TD 5's draw_graph,
TD 2's plot_path…). The colour count finds a figure that failed to render, not an empty axes frame (its
ticks and labels alone give it hundreds of colours)."""

import ast
import base64
import io
import os

import numpy as np
from conftest import MNIST_DIR
from PIL import Image

# A call to one of these (plt.show(), plt.subplots(…)…) draws, or opens a figure that the inline
# backend shows at the end of the cell.
PYPLOT_DRAWING = {
    "show",
    "figure",
    "subplots",
    "plot",
    "scatter",
    "imshow",
    "loglog",
    "semilogy",
    "contourf",
    "bar",
    "hist",
}


def called_names(nodes) -> set[str]:
    """Dotted names of the functions called in ``nodes`` (``plt.show``, ``draw_graph``…), nested
    function and class bodies excepted: defining a function draws nothing."""
    names = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            names.add(ast.unparse(node.func))
        stack.extend(ast.iter_child_nodes(node))
    return names


def draws(names: set[str], drawing_functions: set[str]) -> bool:
    return any(n in drawing_functions or (n.startswith("plt.") and n[4:] in PYPLOT_DRAWING) for n in names)


def figure_cells(nb) -> list[int]:
    """Indices of the code cells of ``nb`` that draw a figure."""
    trees = {i: ast.parse(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    bodies = {
        node.name: node.body
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    drawing_functions: set[str] = set()
    while True:  # a function that calls a drawing function draws too
        more = {name for name, body in bodies.items() if draws(called_names(body), drawing_functions)}
        if more <= drawing_functions:
            break
        drawing_functions |= more
    return [i for i, tree in trees.items() if draws(called_names(tree.body), drawing_functions)]


def png_outputs(cell) -> list[bytes]:
    return [
        base64.b64decode(o["data"]["image/png"]) for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
    ]


def colours(png: bytes) -> int:
    """How many different colours the image has (1: a blank, uniform image)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return len(np.unique(pixels, axis=0))


def kernel_env() -> dict:
    """The environment of a student's JupyterLab kernel. ipykernel picks matplotlib's inline backend
    (figures as image/png outputs) only when MPLBACKEND is unset; the Makefile and tests/conftest.py set
    it to Agg, with which plt.show() shows nothing: so the inline backend is named here."""
    return dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline", MNIST_DIR=str(MNIST_DIR))
