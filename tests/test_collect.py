"""Submissions in from an LMS (autograde/collect.py) and grades out (autograde/lms.py): Moodle's
"Download all submissions" archive, built here as Moodle builds it, collected, graded, exported."""
import csv
import html
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from autograde import collect as collecting
from autograde import pipeline
from autograde.collect import MARKER, CollectError, Identity, collect, read_roster
from autograde.course import Course
from autograde.lms import write_moodle_csv
from autograde.report import write_report
from conftest import REPO, SUBMISSIONS

TD1 = "td1_neurone_regression"
SAMPLES = SUBMISSIONS / TD1

# The class: roster id, first name, last name, email, and the sample submission each one hands in.
CLASS = [
    ("e01", "Alice", "Martin", "alice.martin@univ.fr", "alice_boucles"),
    ("e02", "Bob", "Durand", "bob.durand@univ.fr", "bob_intact"),
    ("e03", "Chloé", "Lefèvre", "chloe.lefevre@univ.fr", "chloe_gradient_faux"),
    ("e04", "David", "Petit", "david.petit@univ.fr", "david_erreurs"),
    ("e05", "Élodie", "Moreau-Roux", "elodie.moreau@univ.fr", "erreurs_1"),
    ("e06", "Farid", "Benali", "farid.benali@univ.fr", "erreurs_5"),
]
SAMPLE_OF = {student: sample for student, *_, sample in CLASS}


def roster_file(folder: Path, delimiter: str = ",") -> Path:
    path = folder / "roster.csv"
    lines = [delimiter.join(("id", "prénom", "nom", "email"))]
    lines += [delimiter.join(person[:4]) for person in CLASS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def notebook(sample: str, name: str) -> bytes:
    return (SAMPLES / sample / f"{name}.ipynb").read_bytes()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def moodle_folder(first: str, last: str, lms_id: int) -> str:
    return f"{first} {last}_{lms_id}_assignsubmission_file_"


NOTEBOOKS = ("01_neurone", "02_regression_lineaire", "03_regression_logistique")


def moodle_archive(path: Path) -> Path:
    """Moodle's archive "in folders" for the class: Alice renamed a notebook as a browser does, Chloé
    handed a zip in, Farid also a PDF; plus a student who is on no roster."""
    files = {}
    for lms_id, (_, first, last, _, sample) in enumerate(CLASS, start=101):
        folder = moodle_folder(first, last, lms_id)
        if sample == "chloe_gradient_faux":
            files[f"{folder}/td1.zip"] = zipped({f"td1/{name}.ipynb": notebook(sample, name) for name in NOTEBOOKS})
            continue
        for name in NOTEBOOKS:
            handed = "01_neurone (1)" if (sample, name) == ("alice_boucles", "01_neurone") else name
            files[f"{folder}/{handed}.ipynb"] = notebook(sample, name)
    files[f"{moodle_folder('Farid', 'Benali', 106)}/compte-rendu.pdf"] = b"%PDF-1.4 rapport"
    files[f"{moodle_folder('Zoé', 'Inconnue', 999)}/01_neurone.ipynb"] = notebook("alice_boucles", "01_neurone")
    path.write_bytes(zipped(files))
    return path


# ----------------------------------------------------------------------------------- fast layer
def test_roster_accepts_semicolons_accents_and_any_header_case(tmp_path):
    people = read_roster(roster_file(tmp_path, ";"))
    assert people[2] == Identity("e03", "Chloé", "Lefèvre", "chloe.lefevre@univ.fr")
    (tmp_path / "bad.csv").write_text("nom,email\nX,x@y\n", encoding="utf-8")
    with pytest.raises(CollectError, match="'id' column"):
        read_roster(tmp_path / "bad.csv")
    (tmp_path / "bad.csv").write_text("id,nom\n../x,X\n", encoding="utf-8")
    with pytest.raises(CollectError, match="cannot be a student id"):
        read_roster(tmp_path / "bad.csv")


def test_a_moodle_archive_is_collected_per_student_with_what_it_could_not_place(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    found = collect(TD1, moodle_archive(tmp_path / "moodle.zip"), course, read_roster(roster_file(tmp_path)))
    out = course.root / "downloaded" / TD1 / "collected"
    assert found.folder == out
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, *SAMPLE_OF])
    assert sorted(found.files["e01"]) == ["01_neurone (1).ipynb", "02_regression_lineaire.ipynb",
                                          "03_regression_logistique.ipynb"], "the intake renames it, and says so"
    assert found.renamed == ["e01: 01_neurone (1).ipynb → 01_neurone.ipynb"]
    for name in NOTEBOOKS:  # opened from the zip inside the zip
        assert (out / "e03" / f"{name}.ipynb").read_bytes() == notebook("chloe_gradient_faux", name)
    assert found.unknown_students == [f"{moodle_folder('Zoé', 'Inconnue', 999)}/01_neurone.ipynb"]
    assert found.not_notebooks == [f"e06: {moodle_folder('Farid', 'Benali', 106)}/compte-rendu.pdf"]
    assert found.problems == []
    assert json.loads((out / MARKER).read_text())["unknown_students"] == found.unknown_students

    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gradebook:
        chloe = gradebook.find_student("e03")
        assert (chloe.first_name, chloe.last_name, chloe.email, chloe.lms_user_id) == (
            "Chloé", "Lefèvre", "chloe.lefevre@univ.fr", "103")


def test_without_a_roster_students_are_their_lms_numbers(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    found = collect(TD1, moodle_archive(tmp_path / "moodle.zip"), course)
    assert sorted(found.files) == ["101", "102", "103", "104", "105", "106", "999"]
    assert found.identities["105"] == Identity("105", "Élodie", "Moreau-Roux", lms_id="105")
    assert found.unknown_students == []


def test_files_not_in_folders_and_nbgraders_archive_folder(tmp_path):
    """Moodle without "download in folders" (the file names carry the student), inside nbgrader's
    zip_collect folder downloaded/<assignment>/archive/, beside a loose file that names nobody."""
    course = Course.init(tmp_path / "course", REPO)
    archive = course.root / "downloaded" / TD1 / "archive"
    archive.mkdir(parents=True)
    prefix = moodle_folder("Bob", "Durand", 102)
    (archive / "moodle.zip").write_bytes(zipped({f"{prefix}{name}.ipynb": notebook("bob_intact", name)
                                                 for name in NOTEBOOKS}))
    (archive / "lisez-moi.txt").write_text("rien")
    found = collect(TD1, archive, course, read_roster(roster_file(tmp_path)))
    assert found.files == {"e02": [f"{name}.ipynb" for name in NOTEBOOKS]}
    assert found.unknown_students == ["lisez-moi.txt"]


def test_duplicates_broken_and_oversized_archives_are_reported_not_collected(tmp_path, monkeypatch):
    course = Course.init(tmp_path / "course", REPO)
    folder = moodle_folder("Bob", "Durand", 102)
    files = {f"{folder}/01_neurone (2).ipynb": notebook("bob_intact", "01_neurone"),
             f"{folder}/01_neurone.ipynb": notebook("alice_boucles", "01_neurone"),
             f"{folder}/cassé.zip": b"PK\x03\x04 not really a zip",
             f"{folder}/énorme.ipynb": b"{" + b" " * 200_000 + b"}"}
    (tmp_path / "moodle.zip").write_bytes(zipped(files))
    monkeypatch.setattr(collecting, "MAX_FILE_BYTES", 100_000)
    found = collect(TD1, tmp_path / "moodle.zip", course, read_roster(roster_file(tmp_path)))
    assert found.files == {"e02": ["01_neurone.ipynb"]}
    out = found.folder / "e02" / "01_neurone.ipynb"
    assert out.read_bytes() == notebook("alice_boucles", "01_neurone"), "the file under its own name wins"
    assert sorted(found.problems) == sorted([
        f"e02: {folder}/01_neurone (2).ipynb ignoré, 01_neurone.ipynb déjà rendu (01_neurone.ipynb)",
        f"{folder}/cassé.zip: archive illisible (File is not a zip file)",
        f"{folder}/énorme.ipynb: plus de 0.0954 Mio, ignoré"])


def test_collect_replaces_only_its_own_folder(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    archive, roster = moodle_archive(tmp_path / "moodle.zip"), read_roster(roster_file(tmp_path))
    mine = tmp_path / "mes_copies"
    mine.mkdir()
    (mine / "notes.txt").write_text("à garder")
    with pytest.raises(CollectError, match="not made by `autograde collect`"):
        collect(TD1, archive, course, roster, out=mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    first = collect(TD1, archive, course, roster)
    (first.folder / "e01" / "stale.ipynb").write_text("{}")
    again = collect(TD1, archive, course, roster)
    assert not (again.folder / "e01" / "stale.ipynb").exists() and again.files == first.files


# ------------------------------------------------------------------------- collected and graded
@pytest.mark.slow
def test_a_moodle_archive_collected_graded_and_exported(tmp_path):
    from test_grading_td1 import TestTD1

    course = Course.init(tmp_path / "course", REPO)
    found = collect(TD1, moodle_archive(tmp_path / "moodle.zip"), course, read_roster(roster_file(tmp_path)))
    run = pipeline.grade(TD1, found.folder, course.root, REPO, cell_timeout=TestTD1.CELL_TIMEOUT)
    assert not run.failed and sorted(run.plan.to_grade) == sorted(SAMPLE_OF)
    scores = {(r.student, f"{r.notebook}__{r.grade_id}"): r.score for r in run.rows}
    for student, sample in SAMPLE_OF.items():
        expected = TestTD1.EXPECTED[sample]
        for notebook, cells in expected.items():
            for grade_id, points in cells.items():
                assert scores[(student, f"{notebook}__{grade_id}")] == points, (student, sample, notebook, grade_id)
    renamed = run.course.intake_notes(TD1)["e01"]["01_neurone"]
    assert renamed == ["Le notebook rendu sous le nom « 01_neurone (1).ipynb » a été corrigé comme 01_neurone.ipynb."]

    exported = list(csv.DictReader(open(write_moodle_csv(run.course), encoding="utf-8")))
    maximum = TestTD1.TOTAL
    by_id = {line["id"]: line for line in exported}
    assert sorted(by_id) == sorted(SAMPLE_OF)
    for student, first, last, email, sample in CLASS:
        points = sum(sum(cells.values()) for cells in TestTD1.EXPECTED[sample].values())
        line = by_id[student]
        assert (line["email"], line["prénom"], line["nom"]) == (email, first, last)
        assert line[f"{TD1} (points sur {maximum})"] == f"{points:g}"
        assert line[f"{TD1} (/20)"] == f"{round(points / maximum * 20, 2):g}"

    page = write_report(run.course, TD1, run.rows)
    assert page == run.course.root / "reports" / f"{TD1}.html"
    text = page.read_text(encoding="utf-8")
    assert text.count('src="data:image/png;base64,') == 2, "the totals' distribution and the success per cell"
    for student in SAMPLE_OF:  # every student links to each of their feedback pages, and each page exists
        for name in NOTEBOOKS:
            href = f"../feedback/{student}/{TD1}/{name}.html"
            assert f'href="{href}"' in text and (page.parent / href).resolve().is_file(), (student, name)
    recognised = Counter(mistake for r in run.rows for mistake in r.mistakes)
    assert recognised, "the sample class makes catalogued mistakes"
    for mistake, count in recognised.items():
        assert f"<code>{html.escape(mistake)}</code> ({count})" in text, mistake
    assert "01_neurone (1).ipynb" in text, "the renamed notebook is among the intake's repairs"


def test_the_command_says_what_it_collected_and_what_it_could_not(tmp_path, capsys):
    from autograde.cli import main

    course = tmp_path / "course"
    code = main(["--repo", str(REPO), "collect", TD1, str(moodle_archive(tmp_path / "moodle.zip")),
                 "--roster", str(roster_file(tmp_path)), "--course", str(course)])
    said = capsys.readouterr().out
    assert code == 0
    assert f"6 étudiant(s), 18 notebook(s) → {course / 'downloaded' / TD1 / 'collected'}" in said
    assert f"  {moodle_folder('Zoé', 'Inconnue', 999)}/01_neurone.ipynb" in said
    assert f"  e06: {moodle_folder('Farid', 'Benali', 106)}/compte-rendu.pdf" in said
    assert f"Next: autograde grade {TD1} --course {course}" in said
    assert main(["--repo", str(REPO), "collect", TD1, str(tmp_path / "absent.zip"), "--course", str(course)]) == 2
