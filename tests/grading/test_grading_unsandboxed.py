"""Grading without the sandbox (`autograde grade --no-sandbox`, for a teacher trying the course on a
laptop without bubblewrap): the same verdicts, every grade marked "non vérifié"."""

import csv
import shutil

import pytest
from conftest import REPO, SUBMISSIONS

from autograde import pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory):
    root = tmp_path_factory.mktemp("unsandboxed")
    for student in ("alice_honnete", "bruno_signe_inverse"):
        shutil.copytree(SUBMISSIONS / "hostile" / student, root / "copies" / student)
    run = pipeline.grade("td1_neurone_regression", root / "copies", root / "course", REPO, sandbox=False, jobs=1)
    return run.course.root, run.rows


def test_the_verdicts_are_the_same(unsandboxed):
    _, rows = unsandboxed
    linear = {(r.student, r.grade_id): r.score for r in rows if r.notebook == "02_regression_lineaire" and not r.manual}
    assert linear == {
        ("alice_honnete", "test_loss"): 2,
        ("alice_honnete", "test_gradient"): 3,
        ("alice_honnete", "test_train"): 3,
        ("bruno_signe_inverse", "test_loss"): 2,
        ("bruno_signe_inverse", "test_gradient"): 0,
        ("bruno_signe_inverse", "test_train"): 3,
    }
    # The written answers the two students wrote in notebook 02 wait for the teacher, at 0.
    written = [r for r in rows if r.manual and r.notebook == "02_regression_lineaire"]
    assert len(written) == 4 and all(r.score == 0 and r.message == "à corriger à la main" for r in written)


def test_every_grade_is_marked_unverified_in_the_table_and_the_export(unsandboxed):
    course, rows = unsandboxed
    handed_in = [r for r in rows if r.notebook == "02_regression_lineaire"]
    assert handed_in and not any(r.verified for r in handed_in)
    totals = pipeline.grade_table(rows).splitlines()[2:]
    assert all(line.endswith("(non vérifié)") for line in totals)
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        assert {line["student_id"]: line["verification"] for line in csv.DictReader(handle)} == {
            "alice_honnete": "non vérifié",
            "bruno_signe_inverse": "non vérifié",
        }
