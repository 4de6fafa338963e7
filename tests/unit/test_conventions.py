"""The conventions stated in TD 1 hold wherever a later TD recalls them (docs/course-conventions.md)."""

import ast
import re

import numpy as np
import pytest
from conftest import RELEASE, SOURCE, notebooks, read

from autograde.td1.regression_lineaire.solution import numerical_gradient as course_numerical_gradient


def given_numerical_gradients():
    """Every code cell of a release that defines ``numerical_gradient`` outside a student's answer."""
    for path in notebooks(RELEASE):
        for cell in read(path).cells:
            if cell.cell_type == "code" and re.search(r"^def numerical_gradient\(", cell.source, re.M):
                yield pytest.param(cell.source, id=f"{path.parent.name}/{path.stem}")


@pytest.mark.parametrize("source", list(given_numerical_gradients()))
def test_a_recalled_numerical_gradient_is_td1s(source):
    tree = ast.parse(source)
    [definition] = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "numerical_gradient"
    ]
    assert [a.arg for a in definition.args.args] == ["f", "theta", "h"]
    assert ast.literal_eval(definition.args.defaults[0]) == 1e-5
    namespace = {"np": np}
    exec(compile(ast.Module([definition], type_ignores=[]), "<cell>", "exec"), namespace)
    theta = np.random.default_rng(0).normal(size=(3, 4))
    before = theta.copy()
    f = lambda t: float(np.sum(np.sin(t) * t**2))  # noqa: E731
    got = namespace["numerical_gradient"](f, theta)
    assert got.shape == theta.shape and np.array_equal(theta, before)
    assert np.allclose(got, course_numerical_gradient(f, theta), rtol=0, atol=1e-12)


def test_td1_gives_the_numerical_gradient_and_later_tds_recall_it():
    recalling = {param.id.split("/")[0] for param in given_numerical_gradients()}
    assert "td1_neurone_regression" in recalling
    assert {
        "td3_mnist_softmax",
        "td4_retropropagation",
        "td5_autograd",
        "td6_mlp_mnist",
    } <= recalling


@pytest.mark.parametrize("path", notebooks(SOURCE), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_prose_says_mini_lot_not_mini_batch(path):
    prose = "\n".join(cell.source for cell in read(path).cells if cell.cell_type == "markdown")
    words = re.sub(r"`[^`]*`", "", prose)  # code identifiers keep their English names
    assert not re.search(r"mini-?batch", words, re.I)
