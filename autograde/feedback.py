"""What the student gets back: the graded notebook without the hidden tests.

nbgrader's feedback is the autograded notebook rendered to HTML, hidden tests and tracebacks
included (nbgrader #917, #1363): a traceback from inside a check prints the check's source lines.
:class:`StripHiddenTests` runs in ``generate_feedback`` and leaves, in each graded test cell, the
visible self-check and the one-line verdict the student needs.
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .execution import is_test_cell
from .hidden_tests import HIDDEN_REGION

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
