"""Teacher-side package of the course: reference solutions, hidden-test checks, grading pipeline.

Students never have this package. In a source notebook, hidden test cells call :func:`hidden_test`;
at grading time the grader runs the same checks in its own process (autograde/judge.py).
"""

from .checking import Verdict, seed_for
from .hidden_tests import HiddenTestFailure, hidden_test, run_check, student_name

__all__ = ["hidden_test", "run_check", "student_name", "HiddenTestFailure", "Verdict", "seed_for"]
