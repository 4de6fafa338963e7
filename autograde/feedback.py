"""What the student gets back: the graded notebook without the hidden tests.

nbgrader's feedback is the autograded notebook rendered to HTML, hidden tests and tracebacks
included (nbgrader #917, #1363): a traceback from inside a check prints the check's source lines.
:class:`StripHiddenTests` runs in ``generate_feedback`` and leaves, in each graded test cell, the
visible self-check and the one-line verdict the student needs.

It also makes what a student wrote inert wherever nbgrader renders a notebook to HTML (the feedback
pages and the teacher's formgrader): see "inert student HTML" below and nbgrader_config.py.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

import nh3
from bs4 import BeautifulSoup
from jinja2 import BytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from pygments.token import STANDARD_TYPES
from traitlets import Bool
from traitlets.config import LoggingConfigurable

from .hidden_tests import HIDDEN_REGION
from .records import is_test_cell

HIDDEN_NOTE = "# (tests cachés : leur verdict est affiché sous la cellule)\n"
# Messages for errors whose own text would say nothing to a student.
PLAIN_WORDS = {
    "KeyboardInterrupt": "interrompu : la limite de temps par cellule a été dépassée (boucle infinie ?).",
    "CellTimeoutError": "la limite de temps par cellule a été dépassée.",
}


def strip_hidden_source(source: str) -> str:
    return HIDDEN_REGION.sub(HIDDEN_NOTE, source)


class StripHiddenTests(Preprocessor):
    """Remove hidden-test code and every traceback from graded test cells."""

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_test_cell(cell):
            return cell, resources
        cell.source = strip_hidden_source(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                evalue = output.get("evalue", "") or PLAIN_WORDS.get(output.get("ename", ""), "")
                output["evalue"] = evalue
                output["traceback"] = [f"{output.get('ename', 'Erreur')}: {evalue}"]
        return cell, resources


# ----------------------------------------------------------------------------------- inert student HTML
# Everything a student wrote (markdown, HTML outputs, cell metadata, names from the roster) is rendered
# in the teacher's formgrader, on the Jupyter server's origin where the teacher is logged in, and in the
# feedback pages. nbconvert's ``sanitize_html`` covers outputs only: nbgrader's formgrade and feedback
# templates render markdown cells without it, and its bleach list escapes ordinary tags (<p>, <h2>) into
# visible text. So one policy (Ammonia, through nh3) cleans every piece of rendered HTML, a
# preprocessor keeps only outputs that render without a script, and the pages we write carry a
# Content-Security-Policy that refuses any script but MathJax's.

# MathJax as nbconvert loads it, pinned: a CSP can name one folder of one host, not "the latest".
MATHJAX_URL = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
MATHJAX_FOLDER = MATHJAX_URL.rsplit("/", 1)[0] + "/"
# The configuration nbconvert's template gives MathJax, as a plain object read at load time: MathJax
# evaluates its ``text/x-mathjax-config`` blocks with eval, which the policy refuses.
MATHJAX_CONFIG = (
    "window.MathJax = {TeX: {equationNumbers: {autoNumber: 'AMS', useLabelIds: true}}, "
    "tex2jax: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], "
    "processEscapes: true, processEnvironments: true}, displayAlign: 'center', messageStyle: 'none', "
    "CommonHTML: {linebreaks: {automatic: true}}};"
)

# What a page we write may load: images embedded as data: URIs and its own inline styles; no script,
# form, frame or <base>. The feedback pages add MathJax (its scripts and fonts, from the pinned folder)
# and the one inline script that configures it, allowed by its hash.
PAGE_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'"
)


def _script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


FEEDBACK_POLICY = (
    PAGE_POLICY.replace("font-src data:", f"font-src data: {MATHJAX_FOLDER}")
    + f"; script-src {MATHJAX_FOLDER} {_script_hash(MATHJAX_CONFIG)}"
)


def policy_meta(policy: str = PAGE_POLICY) -> str:
    """The <meta> that sets ``policy`` on a page: it must come first in <head>, before anything it governs."""
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">'


# Tags: Ammonia's defaults (text, lists, tables, images, no script, style, form, frame, svg or meta).
# Classes: only those nbconvert's markdown and code highlighting produce, so that a student cannot
# borrow the page's own layout classes (a Bootstrap "navbar-fixed-top" over the scores).
_TOKEN_CLASSES = frozenset(STANDARD_TYPES.values()) - {""}
_CLASSES = {
    "span": lambda c: c in _TOKEN_CLASSES,
    "a": lambda c: c == "anchor-link",
    "div": lambda c: c == "highlight" or re.fullmatch(r"hl-[a-z0-9_+-]{1,40}", c) is not None,
    "pre": lambda c: False,
    "code": lambda c: re.fullmatch(r"language-[a-z0-9_+-]{1,40}", c) is not None,
}
_ATTRIBUTES = {tag: set(allowed) for tag, allowed in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag in _CLASSES:
    _ATTRIBUTES.setdefault(_tag, set()).add("class")
for _tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _ATTRIBUTES.setdefault(_tag, set()).add("id")  # the targets of the headings' anchor links
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if _CLASSES.get(tag, lambda c: False)(name)]
        return " ".join(kept) or None
    if value.strip().lower().startswith("data:"):
        # An image embedded by the markdown renderer (cell attachments); never a link to a data: page.
        return value if tag == "img" and attribute == "src" and _IMAGE_DATA.fullmatch(value.strip()) else None
    return value


def clean_html(fragment) -> str:
    """``fragment`` with nothing left that runs, loads a script, restyles the page or submits a form."""
    if isinstance(fragment, bytes):
        fragment = fragment.decode("utf-8", "replace")
    return nh3.clean(
        str(fragment),
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes={"http", "https", "mailto", "data"},
    )


class SafeMarkdown(LoggingConfigurable):
    """nbconvert's ``markdown2html`` filter, cleaned: registered in place of the exporter's own
    (``HTMLExporter.filters`` in nbgrader_config.py), so that every template renders markdown through
    it, nbgrader's formgrade and feedback templates included."""

    def __call__(self, context, source):
        return clean_html(self.parent.markdown2html(context, source))

    # jinja hands the template context to a filter that says so (``jinja2.pass_context``).
    jinja_pass_arg = pass_context(lambda: None).jinja_pass_arg  # type: ignore[attr-defined]  # set by pass_context


# Outputs that render without a script (nbconvert's templates escape text/plain and text/latex, put
# images in <img>, and text/html or text/markdown through ``clean_html``). The rest (JavaScript, widget
# views, mermaid, PDF, unknown types) is dropped, whatever template or version renders the page.
INERT_OUTPUTS = frozenset(
    {"text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "image/gif"}
)
# Strings of nbgrader's resources that its formgrade template writes into the page unescaped.
ESCAPED_RESOURCES = ("student", "first_name", "last_name", "notebook_id", "assignment_id", "notebook_path")


class InertStudentContent(Preprocessor):
    """In every HTML page nbgrader renders from a student's notebook (formgrader and feedback): only
    inert outputs, and the strings nbgrader's templates write unescaped (the grade ids of the cells, the
    student's names) escaped."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        for key in ESCAPED_RESOURCES:
            if isinstance(resources.get(key), str):
                resources[key] = html.escape(resources[key])
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        nbgrader = cell.get("metadata", {}).get("nbgrader")
        if isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id"), str):
            nbgrader["grade_id"] = html.escape(nbgrader["grade_id"])
        for output in cell.get("outputs", []):
            if isinstance(output.get("data"), dict):
                for mimetype in [m for m in output["data"] if m not in INERT_OUTPUTS]:
                    del output["data"][mimetype]
        return cell, resources


def with_policy(page: str, policy: str) -> str:
    """``page`` with the Content-Security-Policy <meta> first in its <head> and MathJax loaded as the
    policy allows (pinned, configured by the hashed inline script)."""
    soup = BeautifulSoup(page, "html.parser")
    head = soup.head
    if head is None:
        head = soup.new_tag("head")
        (soup.html or soup).insert(0, head)
    # src and type are single-valued attributes: bs4 gives them as str.
    mathjax = [
        script
        for script in soup.find_all("script")
        if "mathjax" in str(script.get("src") or "").lower() + str(script.get("type") or "").lower()
    ]
    for script in mathjax:
        script.decompose()
    if mathjax:
        config, loader = soup.new_tag("script"), soup.new_tag("script", src=MATHJAX_URL)
        config.string = MATHJAX_CONFIG
        head.append(config)
        head.append(loader)
    head.insert(0, BeautifulSoup(policy_meta(policy), "html.parser"))
    return str(soup)


class _CompiledTemplates(BytecodeCache):
    """The feedback templates compiled once per process, kept in memory (Jinja checks each against its
    source's checksum): nbgrader builds an exporter, and so a template environment, for every run of
    ``generate_feedback``, which would compile them again."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()


class FeedbackExporter(HTMLExporter):
    """The feedback page's exporter (``GenerateFeedback.exporter_class``): nbconvert's HTML with our
    Content-Security-Policy, so that nothing a student slipped past the cleaning runs there either."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED_TEMPLATES
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        page, resources = super().from_notebook_node(nb, resources, **kw)
        return with_policy(page, FEEDBACK_POLICY), resources


def rehearse(config) -> str:
    """A feedback page of a small graded notebook, made as ``generate_feedback`` makes one with ``config``
    (an nbgrader configuration) and returned. A process that forks a grading process per student
    (autograde/submission_task.py) calls it first, so that what the exporter does only once in a process
    (its templates compiled, the Markdown, HTML and syntax highlighting libraries imported and their
    patterns compiled) is done once for every student rather than again in each of them."""
    import nbformat
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)  # as nbgrader builds it
    v4 = nbformat.v4
    graded = v4.new_code_cell(
        "def f(x):\n    return 2 * x\n",
        metadata={
            "nbgrader": {"grade": True, "grade_id": "f", "points": 1, "score": 0, "solution": False, "locked": True}
        },
        outputs=[
            v4.new_output("stream", name="stdout", text="ok\n"),
            v4.new_output("error", ename="AssertionError", evalue="f", traceback=["AssertionError: f"]),
        ],
    )
    nb = v4.new_notebook(
        cells=[v4.new_markdown_cell("# Titre\n\n*texte*, `code` et $x^2$"), graded],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
            "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        },
    )
    nbformat.validate(nb)
    resources = {"nbgrader": {"notebook": "rehearsal", "score": 0.0, "max_score": 1.0, "late_penalty": 0.0}}
    page, _ = exporter.from_notebook_node(nb, resources)
    return page
