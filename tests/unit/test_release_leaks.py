"""A release notebook gives away nothing its own TD or a later TD grades (issue 21): no key fact of a
written answer (the `**Faits clés**` line of its grading guide), no significant statement of the solution
of a graded code cell, names and spacing aside. The rule, the normalisation and how to read a failure:
docs/course-conventions.md#key-facts-and-the-leak-test; the machinery is tests/keyfacts.py. The printed
outputs of the given cells are checked where the notebooks are executed (tests/notebooks/test_notebooks.py)."""

import pytest
from conftest import RELEASE, SOURCE, notebook_id
from keyfacts import (
    answers_from_td,
    code_leaks,
    fact_leaks,
    normalise,
    notebooks,
    secrets,
    solution_statements,
    td_number,
    unparsable_regions,
    written_answers,
)

SOURCE_NOTEBOOKS = notebooks(SOURCE)
RELEASE_NOTEBOOKS = notebooks(RELEASE)
ANSWERS = [answer for path in SOURCE_NOTEBOOKS for answer in written_answers(path)]


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: f"{a.notebook.name}:{a.grade_id}")
def test_every_written_answer_lists_its_key_facts(answer):
    lines, facts = answer.facts_lines, answer.facts
    assert lines == 1, (
        f"{answer.grade_id} ({answer.notebook.name}): the grading guide needs one line "
        "`**Faits clés** : « … » ; « … »` between the solution markers"
    )
    assert 2 <= len(facts) <= 5, f"{answer.grade_id}: 2 to 5 key facts, each between « and », not {facts}"
    for fact in facts:
        assert len(normalise(fact)) >= 3, f"{answer.grade_id}: « {fact} » is too short to be a distinctive fact"


@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=notebook_id)
def test_release_states_no_key_fact_of_its_td_or_a_later_one(path):
    leaks = fact_leaks(path, answers_from_td(td_number(path)))
    if leaks:
        pytest.fail("a key fact is stated before it is asked:\n" + "\n".join(leaks), pytrace=False)


@pytest.mark.parametrize("path", RELEASE_NOTEBOOKS, ids=notebook_id)
def test_release_contains_no_solution_statement_of_its_td_or_a_later_one(path):
    leaks = code_leaks(path)
    if leaks:
        pytest.fail("a graded solution is given away:\n" + "\n".join(leaks), pytrace=False)


@pytest.mark.parametrize("path", SOURCE_NOTEBOOKS, ids=notebook_id)
def test_every_solution_region_parses(path):
    """A region that does not parse would hide its statements from the leak test."""
    assert unparsable_regions(path) == []


def test_the_leak_test_compares_statements_of_every_td_with_graded_code():
    graded_tds = {td_number(p) for p in SOURCE_NOTEBOOKS if solution_statements(p)}
    assert graded_tds == {td_number(p) for p in SOURCE_NOTEBOOKS}
    assert len(secrets()) >= 50


@pytest.mark.parametrize(
    ("solution", "given", "leaks"),
    [
        ("return lam * W", "return lam * W", False),  # too short to be anyone's solution
        ("rng = np.random.default_rng(seed)", "rng = np.random.default_rng(seed)", False),
        ("dW1 = x.T @ dz1", "dW = inputs[k].T @ dz", True),  # names and a list's index aside
        ("da = ((y_hat - y) / n) @ W2.T", "da = ((y_hat - y) / n) @ weights[-1].T", True),
        ("return 1 / (1 + np.exp(-z))", "s = 1.0 / (1.0 + np.exp(-t))", True),  # the same value
        (
            "W = rng.normal(0, np.sqrt(2 / n), size=(n, h))",
            "[rng.normal(0, np.sqrt(2 / a), size=(a, b)) for a, b in s]",
            True,
        ),
        ("dW1 = x.T @ dz1", "dW1 = x @ dz1.T", False),
        ("return np.mean(residual * x)", "return np.sum(residual * x)", False),  # library calls kept
        ("z1 = forward(x) @ W1 + b1", "z1 = backward(x) @ W1 + b1", False),  # the notebook's functions kept
        ("velocity = beta * velocity + grad", "return w * x + b", False),  # arithmetic of names alone
    ],
)
def test_solutions_are_compared_names_and_spacing_aside(solution, given, leaks):
    from keyfacts import shared

    assert bool(shared(solution, given)) is leaks


def test_key_facts_are_compared_spacing_case_and_latex_aside():
    stated = normalise(r"On trouve $\frac{\partial L}{\partial w} = 2\, c\;x$ et ŷ − y = 0{,}5 : La Réponse, (2, 3).")
    assert normalise(r"\frac{\partial L}{\partial w}=2cx") in stated
    assert normalise("0,5") in stated and normalise("0.5") in stated and normalise("la réponse") in stated
    assert normalise("la reponse") not in stated  # accents kept
    assert normalise("2,3") not in stated  # a list is no decimal number


def test_the_key_facts_line_may_be_wrapped():
    from keyfacts import FACT, FACTS_LINE

    guide = "**Guide.** …\n\n**Faits clés** : « un » ; « deux\n  trois » ;\n« quatre »\n\nSuite : « non »."
    [line] = FACTS_LINE.findall(guide)
    assert [" ".join(f.split()) for f in FACT.findall(line)] == ["un", "deux trois", "quatre"]


def course(tmp_path, notebooks_by_folder):
    """A course of small notebooks: {"tdk_name/NN_nb": [cells]}, each cell (type, source, nbgrader metadata)."""
    import nbformat

    for name, cells in notebooks_by_folder.items():
        nb = nbformat.v4.new_notebook()
        for cell_type, text, meta in cells:
            cell = (nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell)(text)
            if meta:
                cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "points": 1, **meta}
            nb.cells.append(cell)
        path = tmp_path / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
    return tmp_path


ANSWER = {"grade": True, "solution": True, "grade_id": "reponse_x"}
GRADED = {"grade": False, "solution": True, "grade_id": "f"}
GUIDE = "### BEGIN SOLUTION\n**Guide.** …\n\n**Faits clés** : « la pente vaut $2\\,a$ » ; « `dW = X.T @ dZ` »\n### END SOLUTION"
SOLUTION = "def f(X, dZ):\n    ### BEGIN SOLUTION\n    dW = X.T @ dZ * 2.0\n    return dW\n    ### END SOLUTION"


def test_the_rule_runs_from_a_td_to_its_own_and_later_ones_only(tmp_path):
    from keyfacts import output_leaks

    source = course(tmp_path / "source", {"td2_b/01_b": [("markdown", GUIDE, ANSWER), ("code", SOLUTION, GRADED)]})
    release = course(
        tmp_path / "release",
        {
            "td1_a/01_a": [("markdown", "Ici la pente vaut 2a.", None), ("code", "g = x.T @ y * 2", None)],
            "td2_b/01_b": [("markdown", "VOTRE RÉPONSE ICI", ANSWER), ("code", "def f(X, dZ):\n    pass", GRADED)],
            "td3_c/01_c": [("markdown", "La pente vaut 2 a.", None), ("code", "dW = X.T @ dZ * 2.0", None)],
        },
    )
    earlier, own, later = sorted(release.glob("*/*.ipynb"))
    assert fact_leaks(earlier, answers_from_td(1, source)) == [
        "td1_a/01_a states « la pente vaut $2\\,a$ » of reponse_x (td2_b/01_b)"
    ]
    assert code_leaks(earlier, source) == ["td1_a/01_a contains `dW = X.T @ dZ * 2.0` of f (td2_b/01_b)"]
    assert fact_leaks(own, answers_from_td(2, source)) == [] and code_leaks(own, source) == []
    # A later TD may give what an earlier one graded: its deadline has passed.
    assert answers_from_td(3, source) == [] and code_leaks(later, source) == []
    # The stub of the very cell may give a line of its solution; any other cell may not.
    stub = "def f(X, dZ):\n    dW = X.T @ dZ * 2.0\n    # VOTRE CODE ICI\n    raise NotImplementedError()"
    given = [("markdown", "VOTRE RÉPONSE ICI", ANSWER), ("code", stub, GRADED)]
    release = course(tmp_path / "release2", {"td2_b/01_b": given})
    assert code_leaks(release / "td2_b/01_b.ipynb", source) == []
    release = course(tmp_path / "release3", {"td2_b/01_b": [*given, ("code", "g = a.T @ b * 2", None)]})
    assert code_leaks(release / "td2_b/01_b.ipynb", source) == [
        "td2_b/01_b contains `dW = X.T @ dZ * 2.0` of f (td2_b/01_b)"
    ]
    executed = read_notebook(source / "td2_b/01_b.ipynb")
    executed.cells[1].outputs = [{"output_type": "stream", "name": "stdout", "text": "dW = X.T @ dZ\n"}]
    assert output_leaks(executed, source / "td2_b/01_b.ipynb", source) == []  # a solution cell's output
    executed.cells.append(executed.cells[1].copy())
    executed.cells[-1].metadata = {}
    assert output_leaks(executed, source / "td2_b/01_b.ipynb", source) == [
        "td2_b/01_b prints « `dW = X.T @ dZ` » of reponse_x (td2_b/01_b)"
    ]


def read_notebook(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)
