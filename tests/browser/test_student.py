"""The student's side, in JupyterLab: an untouched release notebook of each TD stops at its first
stub; a completed notebook runs with every self-check passing and its figures drawn, and nbgrader's
Validate button accepts it; on a notebook with a wrong function, Validate shows the failing cells."""

import shutil

import pytest
from conftest import RELEASE, SUBMISSIONS, read

from .conftest import running_jupyterlab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TD1 = "td1_neurone_regression"
COMPLETED = "alice_boucles/02_regression_lineaire.ipynb"  # every function right, and figures
WRONG_GRADIENT = "chloe_gradient_faux/02_regression_lineaire.ipynb"  # gradient with the wrong sign
SELF_CHECK_PASSED = "passe l'auto-vérification"
FIRST_RELEASE_NOTEBOOK = {
    folder.name: min(folder.glob("*.ipynb")).name for folder in sorted(RELEASE.iterdir()) if folder.is_dir()
}
RUN_TIMEOUT = 120_000  # ms: a whole notebook, on two busy cores


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab in a copy of what students get: release/ (every TD), and two students' TD 1 folders."""
    root = tmp_path_factory.mktemp("student") / "cours"
    shutil.copytree(RELEASE, root / "release")
    for notebook in (COMPLETED, WRONG_GRADIENT):
        student = notebook.split("/")[0]
        shutil.copytree(SUBMISSIONS / TD1 / student, root / student)
    with running_jupyterlab(root, root.parent / "jupyter") as server:
        yield server


@pytest.fixture(autouse=True)
def kernels_shut_down_after_each_test(lab):
    yield
    lab.shut_down_kernels()


def run_all(page) -> None:
    """Run > Run All Cells, once the kernel is ready: on a busy machine cells run before it are lost."""
    from playwright.sync_api import expect

    expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle")).to_be_visible(timeout=RUN_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def outputs(page, text: str | None = None):
    found = page.locator(".jp-OutputArea-output")
    return found.filter(has_text=text) if text else found


def errors(page):
    return page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")


def running_cells(page):
    return page.locator(".jp-InputPrompt", has_text="[*]")


def first_line_calling(grade_id: str, call: str) -> str:
    """The first line of the graded cell ``grade_id`` (TD 1's 02) that calls ``call``, as the release writes it."""
    nb = read(RELEASE / "td1_neurone_regression" / "02_regression_lineaire.ipynb")
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return next(line.strip() for line in cell.source.splitlines() if call in line and not line.startswith("#"))


def validate(page):
    """Press nbgrader's Validate button; return its result dialog."""
    page.locator(".validate-button").click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=RUN_TIMEOUT)
    return dialog


@pytest.mark.parametrize("assignment", sorted(FIRST_RELEASE_NOTEBOOK))
def test_untouched_release_notebook_stops_at_its_first_stub(lab, page, step, assignment):
    from playwright.sync_api import expect

    with step("open the release notebook"):
        lab.open(page, f"release/{assignment}/{FIRST_RELEASE_NOTEBOOK[assignment]}", workspace=step.test)
        expect(page.locator(".jp-Notebook")).to_be_visible()
    with step("run all: the first stub raises NotImplementedError", shot=errors(page).first):
        run_all(page)
        expect(errors(page)).to_have_count(1, timeout=RUN_TIMEOUT)  # Run All stops at the first error
        expect(errors(page)).to_contain_text("NotImplementedError")
        expect(errors(page)).to_contain_text("# VOTRE CODE ICI")  # the traceback ends in a stub
        expect(running_cells(page)).to_have_count(0)


def test_completed_notebook_passes_its_self_checks_draws_and_validates(lab, page, step):
    from playwright.sync_api import expect

    code = [c.source for c in read(SUBMISSIONS / TD1 / COMPLETED).cells if c.cell_type == "code"]
    self_checks = sum(SELF_CHECK_PASSED in source for source in code)
    shown = sum("plt.show()" in source for source in code)
    assert self_checks and shown
    with step("open a completed notebook"):
        lab.open(page, COMPLETED, workspace=step.test)
        expect(page.locator(".jp-Notebook")).to_be_visible()
    last_check = outputs(page, SELF_CHECK_PASSED).last
    with step("run all: every self-check passes", shot=last_check):
        run_all(page)
        expect(outputs(page, SELF_CHECK_PASSED)).to_have_count(self_checks, timeout=RUN_TIMEOUT)
        expect(running_cells(page)).to_have_count(0, timeout=RUN_TIMEOUT)
        expect(errors(page)).to_have_count(0)
    figures = page.locator(".jp-RenderedImage img")
    with step("the figures are drawn"):
        expect(figures).to_have_count(shown)
        widths = figures.evaluate_all("images => images.map(image => image.naturalWidth)")
        assert min(widths) > 100, f"an image that did not load: widths {widths}"
        # The picture of docs/teachers.md: train's graded cell with its self-check passed, the loss curve under it.
        train_cell = page.locator(".jp-CodeCell", has=outputs(page, SELF_CHECK_PASSED)).last
        train_cell.evaluate("node => node.scrollIntoView({block: 'start'})")
    with step("Validate: nbgrader's success message"):
        dialog = validate(page)
        expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")


def test_validate_shows_the_cells_a_wrong_function_fails(lab, page, step):
    from playwright.sync_api import expect

    with step("open a notebook with a wrong gradient"):
        lab.open(page, WRONG_GRADIENT, workspace=step.test)
        expect(page.locator(".jp-Notebook")).to_be_visible()
    with step("Validate: nbgrader shows the failing cells"):
        dialog = validate(page)
        expect(dialog).to_contain_text("The following cell failed:")
        text = dialog.inner_text()
        # The gradient's self-check fails (and train's, which calls it); loss's passes and is not shown.
        assert first_line_calling("test_gradient", "gradient(") in text and "AssertionError" in text, text
        assert first_line_calling("test_loss", "loss(") not in text, text
