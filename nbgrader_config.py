"""nbgrader configuration of the course. Every key here is read by nbgrader (tests/unit/test_config.py checks it).

The protections live here, so that they apply to nbgrader's own commands (`nbgrader autograde`, the
formgrader) as much as to `autograde grade`: sandboxed kernels, hidden checks judged in the grader,
guarded execution, limits, feedback without hidden tests. Their values: autograde/settings.py."""

import os

from autograde import settings

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "intro-deep-learning"
# The gradebook: a database server's when AUTOGRADE_DB_URL names one, else the SQLite file beside this
# file, whichever directory nbgrader is started from.
c.CourseDirectory.db_url = settings.DB_URL.get() or "sqlite:///" + os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "gradebook.db"
)

# What the student sees in place of the solution (French, as the rest of the notebooks).
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"

# Execution limits at grading time: a cell running longer than this is interrupted and gets 0.
c.Execute.timeout = settings.CELL_TIMEOUT.get()

# A cell printing without end is cut in the graded notebook (and its feedback).
c.LimitOutput.max_lines = settings.MAX_OUTPUT_LINES.get()
c.LimitOutput.max_traceback = 50

# Autograding runs each notebook in a sandboxed python3 kernel, judges the hidden checks in the grader
# and survives the kernel: see autograde/execution.py and autograde/sandbox.py.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades  # noqa: E402

from autograde.course import after_autograde, before_autograde  # noqa: E402
from autograde.execution import GuardedExecute  # noqa: E402

c.Autograde.autograde_preprocessors = [
    GuardedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# Before nbgrader reads a student's notebooks: the intake (unreadable files set aside, renamed or
# damaged notebooks repaired; autograde/intake.py). After the last one: the student is stamped graded.
c.Autograde.pre_convert_hook = before_autograde
c.Autograde.post_convert_hook = after_autograde

# Feedback never shows the hidden tests' code nor a traceback from inside a check (autograde/feedback.py).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402, I001
from nbgrader.preprocessors import GetGrades  # noqa: E402

from autograde.feedback import StripHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, StripHiddenTests, CSSHTMLHeaderPreprocessor]

# Student HTML is inert wherever nbgrader renders a notebook: the formgrader (on the Jupyter server's
# origin, where the teacher is logged in; it builds its exporter with `HTMLExporter(config=...)`) and
# the feedback pages. sanitize_html drops JavaScript outputs and widget views and cleans HTML outputs;
# markdown, which nbgrader's own templates render without it, is cleaned by our markdown2html; only
# inert outputs and escaped names reach a template; the feedback pages carry a Content-Security-Policy
# (autograde/feedback.py).
from autograde.feedback import FeedbackExporter, InertStudentContent  # noqa: E402

c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {
    "markdown2html": "autograde.feedback.SafeMarkdown",
    "clean_html": "autograde.feedback.clean_html",
}
c.HTMLExporter.preprocessors = [InertStudentContent]
c.GenerateFeedback.exporter_class = FeedbackExporter

# `nbgrader export` (ours and the teacher's): every cell quoted, none a spreadsheet formula (autograde/export.py).
from autograde.export import QuotedCsvExportPlugin  # noqa: E402

c.ExportApp.plugin_class = QuotedCsvExportPlugin
