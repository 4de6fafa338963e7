"""The tests every TD's sample submissions pass, written once.

A ``tests/grading/test_grading_tdN.py`` file declares a subclass of :class:`GradingSuite` with the
assignment's tables (``FULL``, ``EXPECTED``, ``GRADED_IN`` …) and adds the tests proper to that TD;
the tests below run once per subclass, on that assignment graded once by the real nbgrader pipeline
(the ``graded`` fixture). Tables of scores are ``{notebook: {grade_id: points}}``.
"""

from __future__ import annotations

import csv
import html
import importlib
import importlib.util
import re

import pytest
from conftest import SUBMISSIONS, read

# What must never reach a student: the hidden tests' code, the grading package, its tracebacks.
HIDDEN = re.compile(r"hidden_test|BEGIN HIDDEN TESTS|END HIDDEN TESTS|autograde|checking\.py|check_against_reference")


def zero(full):
    """``full`` with every graded cell at 0."""
    return {notebook: {grade_id: 0 for grade_id in cells} for notebook, cells in full.items()}


def but(full, **scores):
    """``full`` with the named graded cells at the given score. A cell is named ``notebook__grade_id``,
    or by its bare grade_id when a single notebook has it."""
    table = {notebook: dict(cells) for notebook, cells in full.items()}
    for key, score in scores.items():
        if "__" in key:
            notebook, grade_id = key.split("__")
        else:
            [notebook] = [name for name, cells in full.items() if key in cells]
            grade_id = key
        assert grade_id in table[notebook], key
        table[notebook][grade_id] = score
    return table


def points(table):
    """The total of a table of scores."""
    return sum(sum(cells.values()) for cells in table.values())


def mistakes_of(check_id):
    """The catalogued mistakes a check recognises: ``mistakes_of("td1.regression_lineaire.gradient")``."""
    from autograde.hidden_tests import catalogue

    return catalogue(check_id)


def load_module(path, name):
    """The Python file ``path`` imported as a module named ``name`` (a sample spec, the builder)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class GradingSuite:
    """What is true of every TD's sample submissions. A subclass sets:

    - ``ASSIGNMENT``: the assignment, and the folder of its samples in tests/submissions/;
    - ``FULL``: the points of every automatically graded cell; ``MANUAL`` (optional) those of the
      written answers, graded by hand; ``TOTAL`` the sum of both (stated, as a check);
    - ``EXPECTED``: each sample student's exact table of scores (``erreurs_k`` makes the k-th
      catalogued mistake of every function that has k of them);
    - ``GRADED_IN``: check id -> (notebook, graded cell), for every check of the TD's notebooks;
    - ``SHOWN_AS`` (optional): how a MISTAKES key is named in the messages, when not `` `key` ``;
    - ``CELL_TIMEOUT`` (optional): a per-cell limit for grading;
    - ``WRITERS``: the sample students who write the answers of ``MANUAL`` (the others leave the release's
      stubs, as bob_intact does).
    """

    ASSIGNMENT: str
    FULL: dict
    TOTAL: int
    EXPECTED: dict
    GRADED_IN: dict
    MANUAL: dict = {}
    SHOWN_AS: dict = {}
    CELL_TIMEOUT: int | None = None
    WRITERS: tuple[str, ...] = ("alice_boucles",)

    def pytest_generate_tests(self, metafunc):
        """One test per sample student, or per catalogued mistake, of this subclass's assignment."""
        if "mistake" in metafunc.fixturenames:
            metafunc.parametrize("student, notebook, grade_id, name, mistake", self.catalogued_mistakes())
        elif "student" in metafunc.fixturenames:
            metafunc.parametrize("student", sorted(self.EXPECTED))

    @classmethod
    def catalogued_mistakes(cls):
        """(student, notebook, graded cell, name in the message, mistake): who makes each catalogued mistake."""
        found = []
        for check_id, (notebook, grade_id) in cls.GRADED_IN.items():
            key = check_id.rsplit(".", 1)[1]
            found += [
                pytest.param(
                    f"erreurs_{k}", notebook, grade_id, cls.SHOWN_AS.get(key, f"`{key}`"), mistake, id=mistake.name
                )
                for k, mistake in enumerate(mistakes_of(check_id), start=1)
            ]
        return found

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, graded_class):
        """This assignment's sample submissions, graded (once per test session)."""
        return graded_class(cls.ASSIGNMENT, cell_timeout=cls.CELL_TIMEOUT)

    # -- the tables themselves ------------------------------------------------------------------
    def test_every_sample_submission_has_an_expected_score(self):
        assert sorted(p.name for p in (SUBMISSIONS / self.ASSIGNMENT).iterdir() if p.is_dir()) == sorted(self.EXPECTED)

    def test_every_graded_function_has_its_catalogue_of_mistakes_and_its_cell(self):
        from autograde.registry import notebook

        packages = {check.rsplit(".", 1)[0] for check in self.GRADED_IN}
        declared = {entry.check_id for package in packages for entry in notebook(package).graded}
        assert set(self.GRADED_IN) == declared, "every check of the TD's notebooks is graded in a cell, and only those"
        assert set(self.GRADED_IN.values()) == {
            (notebook, grade_id) for notebook, cells in self.FULL.items() for grade_id in cells
        }
        for check in self.GRADED_IN:
            assert len(mistakes_of(check)) >= 3, check

    def test_there_is_one_mistake_student_per_rank_of_the_largest_catalogue(self):
        largest = max(len(mistakes_of(check)) for check in self.GRADED_IN)
        assert sorted(s for s in self.EXPECTED if s.startswith("erreurs_")) == sorted(
            f"erreurs_{k}" for k in range(1, largest + 1)
        )

    def test_sample_submissions_are_what_the_builder_makes(self, tmp_path):
        build = load_module(SUBMISSIONS / "build.py", "build_samples")
        fresh = build.build(self.ASSIGNMENT, tmp_path)
        built = [path.relative_to(tmp_path / self.ASSIGNMENT) for path in fresh]
        assert {path.parts[0] for path in built} == set(self.EXPECTED)
        assert {path.stem for path in built} <= set(self.FULL)
        for path in fresh:
            committed = SUBMISSIONS / path.relative_to(tmp_path)
            assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py"

    # -- the grades -----------------------------------------------------------------------------
    def test_exact_score_of_every_graded_cell(self, graded, student):
        assert graded.scores(student) == self.EXPECTED[student]

    def test_every_lost_point_has_a_message(self, graded, student):
        for row in graded.rows:
            if row.student == student:
                assert (row.score < row.max_score) == bool(row.message), row

    def test_each_catalogued_mistake_is_named_to_the_sample_student_making_it(
        self, graded, student, notebook, grade_id, name, mistake
    ):
        row = graded.row(student, notebook, grade_id)
        assert row.score == 0, row
        assert f"{name} — erreur reconnue : {mistake.explanation}" in row.message.splitlines(), row.message

    def test_written_answers_wait_for_the_teacher(self, graded, student):
        """A written answer the student wrote is "à corriger à la main", with no point yet; one left as
        the release's stub gets 0 and says so."""
        for row in graded.rows:
            if row.student == student and row.manual:
                assert row.score == 0 and row.grade_id in self.MANUAL[row.notebook], row
                assert row.message == "à corriger à la main" if row.needs_manual_grade else row.message, row

    def test_written_answers_are_left_to_the_teacher(self, graded):
        """The writers' answers wait for the teacher, at 0 for now; bob's untouched stubs get 0 and say the
        answer was not written; the grade table says how many points are still to grade by hand."""
        from autograde.pipeline import grade_table

        for notebook, cells in self.MANUAL.items():
            for grade_id in cells:
                for student in self.WRITERS:
                    written = graded.row(student, notebook, grade_id)
                    assert (written.score, written.needs_manual_grade, written.message) == (
                        0,
                        True,
                        "à corriger à la main",
                    ), written
                stub = graded.row("bob_intact", notebook, grade_id)
                assert (stub.score, stub.needs_manual_grade, stub.message) == (
                    0,
                    False,
                    "Réponse écrite non rédigée : 0 point.",
                ), stub
        lines = {line.split()[0]: line for line in grade_table(graded.rows).splitlines()[2:]}
        for student in self.WRITERS:
            automatic = points(self.EXPECTED[student])
            assert lines[student].endswith(
                f"{automatic:g}/{self.TOTAL} ({points(self.MANUAL):g} pt à corriger à la main)"
            )
        assert lines["bob_intact"].endswith(f"0/{self.TOTAL}")

    def test_exported_grades(self, graded):
        assert points(self.FULL) + points(self.MANUAL) == self.TOTAL
        with open(graded.course / "grades.csv", newline="") as handle:
            rows = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
        for student, table in self.EXPECTED.items():
            row = rows[(student, self.ASSIGNMENT)]
            assert float(row["score"]) == points(table), student
            assert float(row["max_score"]) == self.TOTAL, student

    def test_feedback_shows_the_verdicts_but_no_hidden_test(self, graded):
        for student in self.EXPECTED:
            for notebook in self.FULL:
                page = graded.course / "feedback" / student / self.ASSIGNMENT / f"{notebook}.html"
                if not (SUBMISSIONS / self.ASSIGNMENT / student / f"{notebook}.ipynb").exists():
                    continue
                text = page.read_text(encoding="utf-8")
                found = HIDDEN.search(text)
                assert not found, f"{page}: {found.group(0)}"
                assert "tests cachés" in text
        for row in graded.rows:  # the message of a failed hidden test is in the student's feedback (wrapped)
            if row.message and row.message.startswith("`"):
                page = graded.feedback_html(row.student, self.ASSIGNMENT, row.notebook)
                assert " ".join(html.escape(row.message.splitlines()[0], quote=False).split()) in page, row

    def test_grade_table_shows_every_student_with_the_total(self, graded):
        from autograde.pipeline import grade_table, lost_points

        table = grade_table(graded.rows).splitlines()
        assert table[0].split() == ["étudiant", *self.FULL, "total"]
        totals = {line.split()[0]: line.split()[len(self.FULL) + 1] for line in table[2:]}
        assert totals == {student: f"{points(cells):g}/{self.TOTAL}" for student, cells in self.EXPECTED.items()}
        assert len(lost_points(graded.rows).splitlines()) == sum(1 for r in graded.rows if r.score < r.max_score)
