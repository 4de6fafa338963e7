"""Student HTML is inert (autograde/feedback.py, nbgrader_config.py): a hostile notebook rendered by
nbgrader's own feedback and formgrade templates, with the course's configuration, keeps no script,
no event handler, no javascript: URL, no style, frame or meta of the student's, while the course's
prose, the maths, a table, a figure and the verdicts are still there; our pages carry a
Content-Security-Policy first in <head>. tests/browser/test_hostile_html.py renders the same payloads
in Chromium, after a real grading run."""

from __future__ import annotations

import os
import re

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import REPO

from autograde.course import Course
from autograde.feedback import FEEDBACK_POLICY, MATHJAX_CONFIG, MATHJAX_URL, PAGE_POLICY, clean_html
from autograde.report import render
from autograde.results import CellResult

MARKER = "PWNED"
# Where a payload that ran would send its request (the browser test records every request to it).
LISTENER = "http://127.0.0.1:9/pwned"
RUN = f"document.title='{MARKER}';fetch('{LISTENER}')"
# Script and markup in every form a browser could run or obey, each of which would set the marker.
PAYLOADS_HTML = f"""<script>{RUN}</script>
<img src="x" onerror="{RUN}">
<svg onload="{RUN}"><circle r="5"></circle></svg>
<iframe srcdoc="&lt;script&gt;parent.{RUN}&lt;/script&gt;"></iframe>
<a href="javascript:{RUN}">mon lien</a>
<details open ontoggle="{RUN}"><summary>détails</summary></details>
<meta http-equiv="refresh" content="0;url=javascript:{RUN}">
<style>.panel-heading, .score, .output_error, h4 {{ display: none !important }}</style>
<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:white">20/20</div>
<base href="javascript:{RUN}//">"""
PAYLOADS_MARKDOWN = f"# Ma réponse\n\n{PAYLOADS_HTML}\n\n[un lien](javascript:{RUN})\n"
SVG_PAYLOAD = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{RUN}"><circle r="5"/></svg>'
# Code a student adds at the end of a notebook: outputs in every kind that could carry a script.
PAYLOADS_CODE = f"""from IPython.display import HTML, Javascript, Markdown, SVG, display
display(HTML({PAYLOADS_HTML!r}))
display(Javascript({RUN!r}))
display({{"application/javascript": {RUN!r}, "text/plain": "js"}}, raw=True)
display({{"text/html": "<b>gras</b>", "application/vnd.jupyter.widget-view+json": {{"model_id": "x"}}}}, raw=True)
display(Markdown({PAYLOADS_MARKDOWN!r}))
display(SVG({SVG_PAYLOAD!r}))
"""


def hostile_cells() -> list:
    """A markdown cell and a code cell of payloads, as a student would add them."""
    return [nbformat.v4.new_markdown_cell(PAYLOADS_MARKDOWN), nbformat.v4.new_code_cell(PAYLOADS_CODE)]


def scripts_and_handlers(page: str) -> list[str]:
    """What in ``page`` could run a script or take the page over: each <script>, on* attribute,
    javascript: URL, <style>/<meta>/<base>/<iframe>/<object>/<embed> and style attribute, with its text."""
    soup = BeautifulSoup(page, "html.parser")
    found = [str(tag)[:120] for tag in soup.find_all(["script", "iframe", "object", "embed", "base", "svg", "form"])]
    found += [str(tag)[:120] for tag in soup.find_all("meta") if tag.get("http-equiv", "").lower() == "refresh"]
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on") or re.match(r"\s*javascript:", text, re.IGNORECASE):
                found.append(f"<{tag.name} {name}={text[:80]!r}>")
    return found


@pytest.mark.parametrize("payload", [line for line in PAYLOADS_HTML.splitlines()])
def test_clean_html_leaves_nothing_that_runs(payload):
    cleaned = clean_html(payload)
    assert scripts_and_handlers(cleaned) == [] and "<style" not in cleaned and "style=" not in cleaned, cleaned


def test_clean_html_keeps_prose_tables_images_and_links():
    fragment = (
        '<h2 id="t">Titre<a class="anchor-link" href="#t">¶</a></h2><p>$a &lt; b$ <b>gras</b> '
        '<a href="https://fr.wikipedia.org">wiki</a></p><table><thead><tr><th>n</th></tr></thead>'
        '<tbody><tr><td>1</td></tr></tbody></table><img alt="f" src="data:image/png;base64,iVBORw0KGgo=">'
    )
    assert clean_html(fragment) == fragment.replace('">wiki', '" rel="noopener noreferrer">wiki').replace(
        'href="#t"', 'href="#t" rel="noopener noreferrer"'
    )


def test_only_inert_classes_and_data_images_survive():
    assert (
        clean_html('<div class="navbar-fixed-top highlight hl-python">x</div>')
        == '<div class="highlight hl-python">x</div>'
    )
    assert clean_html('<a href="data:text/html,&lt;script&gt;">x</a>') == '<a rel="noopener noreferrer">x</a>'
    assert clean_html('<img src="data:image/svg+xml;base64,PHN2Zz4=">') == "<img>"


def exporter(template: str):
    """nbgrader's HTML exporter for ``template`` ("feedback" or "formgrade"), configured as nbgrader's
    generate_feedback and formgrader configure it: the course's nbgrader_config.py, then their own
    template settings."""
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config(PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config())
    templates = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    config.HTMLExporter.template_name = template
    config.HTMLExporter.extra_template_basedirs = [os.path.join(templates, "templates")]
    config.HTMLExporter.extra_template_paths = [
        os.path.join(templates, "static", "node_modules", "bootstrap", "dist", "css")
    ]
    exporter_class = config.GenerateFeedback.exporter_class if template == "feedback" else HTMLExporter
    return exporter_class(config=config)


HOSTILE_NAME = f'<img src=x onerror="{RUN}">'
RESOURCES = {
    "nbgrader": {"notebook": "02_regression_lineaire", "score": 1, "max_score": 2, "late_penalty": 0},
    "student": HOSTILE_NAME,
    "last_name": HOSTILE_NAME,
    "first_name": HOSTILE_NAME,
    "base_url": "",
    "submission_id": "s1",
    "notebook_id": "02_regression_lineaire",
    "assignment_id": "td1",
    "index": 0,
    "total": 1,
    "notebook_path": "autograded/x/td1/02_regression_lineaire.ipynb",
}
VERDICT = "`loss` : 3 cas vérifiés, tous corrects."


def graded_notebook():
    """A graded notebook as nbgrader renders it: course prose with maths, a written answer and a
    student cell of payloads, a figure, a test cell's verdict, and the payloads' outputs."""
    written = nbformat.v4.new_markdown_cell(PAYLOADS_MARKDOWN)
    written.metadata["nbgrader"] = {
        "grade_id": f'reponse"><script>{RUN}</script>',
        "solution": True,
        "grade": True,
        "points": 1,
        "score": 0,
        "comment": HOSTILE_NAME + " à revoir",
    }
    figure = nbformat.v4.new_code_cell("plt.plot(losses)")
    figure.outputs = [nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    test = nbformat.v4.new_code_cell("test_loss()")
    test.metadata["nbgrader"] = {"grade_id": "test_loss", "grade": True, "points": 2, "score": 2, "solution": False}
    test.outputs = [nbformat.v4.new_output("stream", name="stdout", text=VERDICT + "\n")]
    markdown, code = hostile_cells()
    code.outputs = [
        nbformat.v4.new_output("display_data", {"text/html": PAYLOADS_HTML, "text/plain": "html"}),
        nbformat.v4.new_output("display_data", {"application/javascript": RUN, "text/plain": "js"}),
        nbformat.v4.new_output("display_data", {"text/markdown": PAYLOADS_MARKDOWN, "text/plain": "md"}),
        nbformat.v4.new_output("display_data", {"image/svg+xml": f'<svg onload="{RUN}"></svg>', "text/plain": "svg"}),
        nbformat.v4.new_output("display_data", {"text/vnd.mermaid": "graph TD; A-->B", "text/plain": "m"}),
    ]
    prose = nbformat.v4.new_markdown_cell(
        "## La descente\n\nOn cherche $w$ tel que $L(w) < L(w_0)$ :\n\n$$w \\leftarrow w - \\eta \\nabla L$$"
    )
    nb = nbformat.v4.new_notebook(cells=[prose, written, figure, test, markdown, code])
    nb.metadata["language_info"] = {"name": "python"}
    return nb


@pytest.mark.parametrize("template", ["feedback", "formgrade"])
def test_a_hostile_notebook_renders_inert_with_its_verdict_figure_and_maths(template):
    page, _ = exporter(template).from_notebook_node(graded_notebook(), resources=dict(RESOURCES))
    soup = BeautifulSoup(page, "html.parser")
    found = scripts_and_handlers(page)
    if template == "feedback":
        assert [s.get("src") for s in soup.find_all("script")] == [None, MATHJAX_URL]
        assert soup.find_all("script")[0].string == MATHJAX_CONFIG
        assert [f for f in found if not f.startswith("<script")] == []
    else:  # the formgrader's own scripts, from its static folder or its fixed inline code
        ours = [
            s
            for s in soup.find_all("script")
            if (s.get("src") or "").startswith(
                ("/formgrader/static/", "https://cdnjs.cloudflare.com/ajax/libs/mathjax/")
            )
            or (not s.get("src") and MARKER not in (s.string or "") and "fetch(" not in (s.string or ""))
        ]
        assert len(ours) == len(soup.find_all("script"))
        # Its own handlers (onclick='toggle_name(true);'), none of the student's.
        assert [f for f in found if MARKER in f or "fetch" in f] == []
    assert MARKER not in "".join(str(s) for s in soup.find_all("script"))
    assert soup.find_all("style", string=re.compile("display: none !important")) == []
    assert not any("position:fixed" in (tag.get("style") or "") for tag in soup.find_all(True))
    # What the student and the teacher must still see.
    assert VERDICT.replace("`", "`") in soup.get_text()
    assert soup.find("img", src="data:image/png;base64,iVBORw0KGgo=") is not None
    assert soup.find("h2") is not None and "On cherche $w$ tel que $L(w) < L(w_0)$" in soup.get_text()
    assert "Ma réponse" in soup.get_text() and "gras" in soup.get_text()


def test_the_feedback_page_starts_with_its_policy():
    page, _ = exporter("feedback").from_notebook_node(graded_notebook(), resources=dict(RESOURCES))
    head = BeautifulSoup(page, "html.parser").head
    first = head.find(True)
    assert (first.name, first.get("http-equiv"), first.get("content")) == (
        "meta",
        "Content-Security-Policy",
        FEEDBACK_POLICY,
    )
    assert "script-src https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/ 'sha256-" in FEEDBACK_POLICY


def test_the_class_report_has_a_policy_and_escapes_what_students_wrote(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    rows = [
        CellResult(
            HOSTILE_NAME,
            "02_regression_lineaire",
            "test_loss",
            1,
            2,
            f"<script>{RUN}</script>",
            (f'<b onclick="{RUN}">x</b>',),
        )
    ]
    page = render(course, "td1_neurone_regression", rows)
    soup = BeautifulSoup(page, "html.parser")
    first = soup.head.find(True)
    assert (first.name, first.get("content")) == ("meta", PAGE_POLICY) and "script-src" not in PAGE_POLICY
    assert scripts_and_handlers(page) == []
    assert HOSTILE_NAME in soup.get_text(), "the name is shown, as text"


def test_the_payload_cell_is_python():
    compile(PAYLOADS_CODE, "<payloads>", "exec")  # a syntax error would test nothing in the browser
