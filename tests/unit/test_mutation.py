"""Mutation testing of the checks (autograde.mutators, autograde.mutation).

The mutators make the plausible wrong functions of the issue's false positives; every graded function
of the course kills all its non-equivalent mutants (the whole run takes seconds: it is in the suite).
"""

import inspect
import re
import textwrap

import pytest
from conftest import REPO

from autograde import mutation
from autograde.mutators import OPERATORS, mutants


def ids(source: str, *, in_place: bool = True) -> set[str]:
    return {m.id for m in mutants(textwrap.dedent(source)) if in_place or m.operator != "in place"}


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "def f(a, b):\n    return a + b * 2\n",
            {
                "a + b * 2 → a - b * 2",
                "a + b * 2 → a",
                "a + b * 2 → b * 2",
                "b * 2 → b / 2",
                "b * 2 → b",
                "b * 2 → 2",
                "2 → 3",
                "2 → 1",
            },
        ),
        ("def f(x):\n    return -x\n", {"-x → x"}),
        ("def f(x, t):\n    return x < t\n", {"x < t → x <= t", "x < t → x > t"}),
        ("def f(eps=1e-12):\n    return eps\n", {"1e-12 → 0.0"}),  # a round-off guard: only its absence
        (
            "def f(x):\n    return np.sum(x, axis=0)\n",
            {
                "np.sum(x, axis=0) → np.mean(x, axis=0)",
                "np.sum(x, axis=0) → np.sum(x)",
                "0 → 1",
                "0 → -1",
            },
        ),
        (
            "def f(z):\n    return np.maximum(0.0, z)\n",
            {  # symmetric: no swap of its arguments
                "np.maximum(0.0, z) → np.minimum(0.0, z)",
                "np.maximum(0.0, z) → np.maximum(0.0)",
                "0.0 → 1.0",
            },
        ),
        ("def f(X):\n    return X.T @ X\n", {"X.T @ X → X.T * X", "X.T → X"}),
        ("def f(a, b):\n    return a, b\n", {"return (a, b) → return (b, a)"}),
    ],
)
def test_each_operator_makes_the_expected_mutants(source, expected):
    assert ids(source, in_place=False) == expected


def test_in_place_writes_the_result_into_each_parameter_it_reads():
    assert ids("def f(x, t):\n    y = x * t\n    return y\n") - ids(
        "def f(x, t):\n    y = x * t\n    return y\n", in_place=False
    ) == {"y = x * t → x[...] = x * t; y = x", "y = x * t → t[...] = x * t; y = t"}
    assert not ids("def f(x):\n    y = np.array(x)\n    return y * 2\n") & {
        "y = np.array(x) → x[...] = np.array(x); y = x"
    }


def test_a_mutant_is_valid_python_that_differs_and_its_id_is_unique():
    from autograde.td6.mlp_numpy import solution

    found = mutants(inspect.getsource(solution.train))
    assert len({m.id for m in found}) == len(found) > 30
    assert len({m.source for m in found}) == len(found)
    assert inspect.getsource(solution.train) not in {m.source for m in found}
    assert {m.operator for m in found} <= set(OPERATORS)
    for mutant in found:
        compile(mutant.source, "<mutant>", "exec")


# --------------------------------------------------------------------- the false positives
def test_aliasing_the_callers_array_is_a_mutant():
    """TD 8: `G = W` then in place — the result written into the caller's W."""
    from autograde.td8.regularisation_mnist import solution

    assert (
        "return np.sign(W) * np.maximum(np.abs(W) - t, 0.0) → W[...] = np.sign(W) * np.maximum(np.abs(W) - t, 0.0); return W"
        in ids(inspect.getsource(solution.soft_threshold))
    )


def test_an_argument_not_passed_on_is_a_mutant():
    """TD 4: gradient_check that never passes h on to the numerical gradient (its default is used)."""
    from autograde.td4.reseau_2_3_1 import solution

    source = inspect.getsource(solution.gradient_check)
    assert "numerical_gradient(loss_of_one, param, h) → numerical_gradient(loss_of_one, param)" in ids(source)


def test_a_graph_walked_out_of_topological_order_is_a_mutant():
    """TD 5: backward whose list holds a node before its children (pre-order), or walked forwards."""
    from autograde.td5.autograd import solution

    found = ids(inspect.getsource(solution.Value))
    assert (
        "backward: for child in v._prev: build(child); topo.append(v) → topo.append(v); for child in v._prev: "
        "build(child)" in found
    )
    assert "backward: reversed(topo) → topo" in found


def test_a_counter_never_reset_is_a_mutant():
    """TD 6: early stopping whose counter of epochs without progress is never set back to 0."""
    source = """
        def early_stopping(val_losses, patience):
            best_epoch, wait = 0, 0
            for epoch in range(1, len(val_losses)):
                if val_losses[epoch] < val_losses[best_epoch]:
                    best_epoch = epoch
                    wait = 0
                else:
                    wait += 1
            return best_epoch, wait >= patience
    """
    assert "wait = 0 → (supprimé)" in ids(source)
    from autograde.td6.mlp_numpy import solution

    assert "wait = 0 → (supprimé)" in ids(inspect.getsource(solution.early_stopping))


def test_independent_statements_are_not_swapped_and_dependent_ones_are():
    source = """
        def f(rng, a):
            x = a.sum(axis=0)
            y = a.max()
            u = rng.normal()
            v = rng.normal()
            return x, y, u, v
    """
    swaps = {i for i in ids(source) if ";" in i.split("→")[0]}
    assert swaps == {"u = rng.normal(); v = rng.normal() → v = rng.normal(); u = rng.normal()"}


# ---------------------------------------------------------------------------------------- runs
def test_targets_are_the_graded_functions_and_class_aspects():
    found = {t.key: t.check_ids for t in mutation.targets("td5.autograd")}
    assert found == {
        "td5.autograd.Value": (
            "td5.autograd.Value/arithmetic",
            "td5.autograd.Value/backward",
            "td5.autograd.Value/unary",
        )
    }


def test_an_equivalent_entry_that_a_check_kills_is_reported(monkeypatch):
    (target,) = mutation.select(["td8.regularisation_mnist.soft_threshold"])
    monkeypatch.setattr(
        mutation,
        "equivalents",
        lambda package: {
            "soft_threshold": {
                "np.abs(W) - t → np.abs(W)": "wrongly said equivalent",
                "gone → gone": "no longer generated",
            }
        },
    )
    (report,) = mutation.run([target], jobs=1)
    assert report.stale == ["gone → gone", "np.abs(W) - t → np.abs(W)"]
    assert not report.ok


@pytest.mark.slow
def test_every_check_kills_every_mutant_of_its_reference_and_the_readme_says_so():
    """The course's kill rate is 100 % of the non-equivalent mutants, no EQUIVALENT entry is stale, and
    the README's table gives each TD's figures as they are."""
    reports = mutation.run(mutation.select([]), jobs=1)
    assert all(r.ok for r in reports), mutation.format_report(reports)
    per_td: dict[str, list[int]] = {}
    for r in reports:
        figures = per_td.setdefault(r.target.package.split(".")[0], [0, 0, 0])
        figures[0] += r.killed
        figures[1] += r.mutants
        figures[2] += len(r.equivalent)
    row = re.search(r"^\| killed / mutants \(equivalent\) \|(.*)\|$", (REPO / "README.md").read_text(), re.M)
    assert row, "the README has the row of the kill rate per TD"
    shown = [cell.strip() for cell in row.group(1).split("|")]
    assert shown == [f"{k}/{n} ({e})" for _, (k, n, e) in sorted(per_td.items())]
