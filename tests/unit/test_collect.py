"""Submissions in from an LMS (autograde/collect.py) and grades out (autograde/lms.py): Moodle's
"Download all submissions" archive, built here as Moodle builds it, collected, graded, exported."""

import csv
import functools
import html
import io
import json
import struct
import tracemalloc
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS

from autograde import collect as collecting
from autograde import pipeline
from autograde.collect import MARKER, CollectError, Identity, Limits, collect, read_roster
from autograde.course import Course
from autograde.lms import write_moodle_csv
from autograde.report import write_report

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
    for bad in ("../x", '"a,b"', "-x", "=1+1", "élève", "a" * 65):
        (tmp_path / "bad.csv").write_text(f"id,nom\n{bad},X\n", encoding="utf-8")
        with pytest.raises(CollectError, match="cannot be a student id"):
            read_roster(tmp_path / "bad.csv")


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_quoted_name_with_quotes_and_delimiters_stays_in_its_column(tmp_path, delimiter):
    d = delimiter
    (tmp_path / "quotes.csv").write_text(
        f'id{d}prénom{d}nom{d}email\ne01{d}"Jean ""JJ""{d} fils"{d}Dupont{d}jj@univ.fr\n', encoding="utf-8"
    )
    assert read_roster(tmp_path / "quotes.csv") == [Identity("e01", f'Jean "JJ"{d} fils', "Dupont", "jj@univ.fr")]


def test_a_moodle_archive_is_collected_per_student_with_what_it_could_not_place(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    found = collect(TD1, moodle_archive(tmp_path / "moodle.zip"), course, read_roster(roster_file(tmp_path)))
    out = course.root / "downloaded" / TD1 / "collected"
    assert found.folder == out
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, *SAMPLE_OF])
    assert sorted(found.files["e01"]) == [
        "01_neurone (1).ipynb",
        "02_regression_lineaire.ipynb",
        "03_regression_logistique.ipynb",
    ], "the intake renames it, and says so"
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
            "Chloé",
            "Lefèvre",
            "chloe.lefevre@univ.fr",
            "103",
        )


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
    (archive / "moodle.zip").write_bytes(
        zipped({f"{prefix}{name}.ipynb": notebook("bob_intact", name) for name in NOTEBOOKS})
    )
    (archive / "lisez-moi.txt").write_text("rien")
    found = collect(TD1, archive, course, read_roster(roster_file(tmp_path)))
    assert found.files == {"e02": [f"{name}.ipynb" for name in NOTEBOOKS]}
    assert found.unknown_students == ["lisez-moi.txt"]


def test_duplicates_broken_and_oversized_archives_are_reported_not_collected(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    folder = moodle_folder("Bob", "Durand", 102)
    files = {
        f"{folder}/01_neurone (2).ipynb": notebook("bob_intact", "01_neurone"),
        f"{folder}/01_neurone.ipynb": notebook("alice_boucles", "01_neurone"),
        f"{folder}/cassé.zip": b"PK\x03\x04 not really a zip",
        f"{folder}/énorme.ipynb": b"{" + b" " * 200_000 + b"}",
    }
    (tmp_path / "moodle.zip").write_bytes(zipped(files))
    found = collect(
        TD1, tmp_path / "moodle.zip", course, read_roster(roster_file(tmp_path)), limits=Limits(file_bytes=100_000)
    )
    assert found.files == {"e02": ["01_neurone.ipynb"]}
    out = found.folder / "e02" / "01_neurone.ipynb"
    assert out.read_bytes() == notebook("alice_boucles", "01_neurone"), "the file under its own name wins"
    assert sorted(found.problems) == sorted(
        [
            f"e02: {folder}/01_neurone (2).ipynb ignoré, 01_neurone.ipynb déjà rendu (01_neurone.ipynb)",
            f"{folder}/cassé.zip: archive illisible (File is not a zip file)",
            f"{folder}/énorme.ipynb: plus de 0.0954 Mio, ignoré",
        ]
    )


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
    from grading.test_grading_td1 import TestTD1

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

    with open(write_moodle_csv(run.course), encoding="utf-8") as exported_file:
        exported = list(csv.DictReader(exported_file))
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
    code = main(
        [
            "--repo",
            str(REPO),
            "collect",
            TD1,
            str(moodle_archive(tmp_path / "moodle.zip")),
            "--roster",
            str(roster_file(tmp_path)),
            "--course",
            str(course),
        ]
    )
    said = capsys.readouterr().out
    assert code == 0
    assert f"6 étudiant(s), 18 notebook(s) → {course / 'downloaded' / TD1 / 'collected'}" in said
    assert f"  {moodle_folder('Zoé', 'Inconnue', 999)}/01_neurone.ipynb" in said
    assert f"  e06: {moodle_folder('Farid', 'Benali', 106)}/compte-rendu.pdf" in said
    assert f"Next: autograde grade {TD1} --course {course}" in said
    assert main(["--repo", str(REPO), "collect", TD1, str(tmp_path / "absent.zip"), "--course", str(course)]) == 2


# ------------------------------------------------------------------ hostile archives: bounded, streamed
BOB = moodle_folder("Bob", "Durand", 102)
LINEAR_NB = "02_regression_lineaire"
ZEROS = 200 * 2**20  # the bombs' uncompressed size: 200 MiB of zeros in about 200 KB


@functools.cache
def zeros_zip(name: str = "bombe.ipynb", declared: int | None = None, size: int = ZEROS) -> bytes:
    """A zip of one member of ``size`` zero bytes; ``declared``: the size its headers claim instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as member:
        for _ in range(size // 2**20):
            member.write(bytes(2**20))
    data = bytearray(buffer.getvalue())
    if declared is not None:  # uncompressed size: at 22 in the local header, at 24 in the central directory
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.index(signature)
            data[at + offset : at + offset + 4] = struct.pack("<I", declared)
    return bytes(data)


@functools.cache
def many_members() -> bytes:
    """A zip of 100,000 empty files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as many:
        for i in range(100_000):
            many.writestr(f"f{i}", b"")
    return buffer.getvalue()


def bob_and(extra: dict[str, bytes]) -> dict[str, bytes]:
    """Bob's three correct notebooks and, in his folder, ``extra``."""
    return {
        **{f"{BOB}/{name}.ipynb": notebook("bob_intact", name) for name in NOTEBOOKS},
        **{f"{BOB}/{name}": content for name, content in extra.items()},
    }


def test_zip_bombs_are_refused_one_member_at_a_time_in_bounded_memory(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    liar = zeros_zip("menteur.ipynb", declared=12 * 2**20)  # its headers claim 12 MiB, 200 MiB inside
    with zipfile.ZipFile(io.BytesIO(liar)) as lying:
        assert lying.infolist()[0].file_size == 12 * 2**20
    # 42.zip's idea, each bomb below the size limit of a file (20 MiB), far above the compression ratio.
    nested = zipped({f"td1_{i}.zip": zeros_zip(f"bombe_{i}.ipynb", size=15 * 2**20) for i in range(3)})
    deep = zeros_zip()
    for level in range(4):
        deep = zipped({f"niveau_{level}.zip": deep})
    archive = tmp_path / "moodle.zip"
    archive.write_bytes(
        zipped(bob_and({"zeros.zip": zeros_zip(), "imbriquees.zip": nested, "profond.zip": deep, "menteur.zip": liar}))
    )

    tracemalloc.start()
    try:
        found = collect(TD1, archive, course, read_roster(roster_file(tmp_path)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found.files == {"e02": [f"{name}.ipynb" for name in NOTEBOOKS]}
    assert sorted(found.problems) == sorted(
        [
            f"{BOB}/imbriquees.zip/td1_{i}.zip/bombe_{i}.ipynb: compressé plus de 100 fois (bombe de décompression ?), ignoré"
            for i in range(3)
        ]
        + [
            f"{BOB}/menteur.zip/menteur.ipynb: illisible dans l'archive (Bad CRC-32 for file 'menteur.ipynb')",
            f"{BOB}/profond.zip/niveau_3.zip/niveau_2.zip: archive dans une archive trop profonde, ignorée",
            f"{BOB}/zeros.zip/bombe.ipynb: plus de 20 Mio, ignoré",
        ]
    )
    # 645 MiB of zeros in the archive; the lying member is read up to its claimed 12 MiB, a chunk at a time.
    assert 3 * ZEROS + 3 * 15 * 2**20 > 600 * 2**20 and peak < 40 * 2**20, peak


def test_a_student_zip_of_100000_members_is_refused_unread_and_the_others_collected(tmp_path):
    course = Course.init(tmp_path / "course", REPO)
    (tmp_path / "moodle.zip").write_bytes(zipped(bob_and({"beaucoup.zip": many_members()})))
    found = collect(TD1, tmp_path / "moodle.zip", course, read_roster(roster_file(tmp_path)))
    assert found.files == {"e02": [f"{name}.ipynb" for name in NOTEBOOKS]}
    assert found.problems == [
        f"{BOB}/beaucoup.zip: archive de 100000 fichiers, au-delà de la limite de 20000 en tout, ignorée"
    ]


def test_names_that_could_escape_or_cannot_be_written(tmp_path, monkeypatch):
    course = Course.init(tmp_path / "course", REPO)
    long_name = "n" * 294 + ".ipynb"  # 300 characters: more than any file system takes
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in bob_and({long_name: notebook("bob_intact", "01_neurone")}).items():
            if not name.endswith("/01_neurone.ipynb"):
                out.writestr(name, content)
        out.writestr(f"{BOB}/../../02_regression_lineaire.ipynb", notebook("alice_boucles", LINEAR_NB))
        out.writestr("/etc/03_regression_logistique.ipynb", notebook("alice_boucles", "03_regression_logistique"))
        link = zipfile.ZipInfo(f"{moodle_folder('Alice', 'Martin', 101)}/01_neurone.ipynb")
        link.create_system, link.external_attr = 3, (0o120777 << 16)  # a symbolic link to the solution
        out.writestr(link, "../../../../source/td1_neurone_regression/01_neurone.ipynb")
    found = collect(TD1, archive, course, read_roster(roster_file(tmp_path)))
    assert found.files == {"e02": [f"{name}.ipynb" for name in NOTEBOOKS]}
    assert (found.folder / "e02" / "01_neurone.ipynb").read_bytes() == notebook("bob_intact", "01_neurone")
    assert sorted(found.problems) == sorted(
        [
            f"e02: {(BOB + '/' + long_name)[:119]}…: nom de fichier inutilisable, collecté sous 01_neurone.ipynb",
            f"{BOB}/../../02_regression_lineaire.ipynb: chemin avec « .. », ignoré",
            "/etc/03_regression_logistique.ipynb: chemin absolu, ignoré",
            f"{moodle_folder('Alice', 'Martin', 101)}/01_neurone.ipynb: lien symbolique, ignoré",
        ]
    )
    assert sorted(p.name for p in found.folder.parent.iterdir()) == ["collected"], "nothing written outside"

    # A name the file system refuses after all costs that file alone, with the reason.
    monkeypatch.setattr(collecting, "usable_name", lambda name: True)
    again = collect(TD1, archive, course, read_roster(roster_file(tmp_path)))
    assert again.files == {"e02": [f"{name}.ipynb" for name in NOTEBOOKS[1:]]}
    assert (
        f"e02: {(BOB + '/' + long_name)[:119]}…: ne peut pas être écrit (File name too long), non collecté"
        in again.problems
    )


def test_a_failed_collect_leaves_the_previous_collection_as_it_was(tmp_path, monkeypatch):
    course = Course.init(tmp_path / "course", REPO)
    roster = read_roster(roster_file(tmp_path))
    first = collect(TD1, moodle_archive(tmp_path / "moodle.zip"), course, roster)
    before = {p: p.read_bytes() for p in first.folder.rglob("*") if p.is_file()}

    def unchanged():
        assert {p: p.read_bytes() for p in first.folder.rglob("*") if p.is_file()} == before
        assert sorted(p.name for p in first.folder.parent.iterdir()) == ["collected"], "no half-written folder left"

    (tmp_path / "enorme.zip").write_bytes(many_members())  # too many members for the whole archive
    with pytest.raises(CollectError, match="archive de 100000 fichiers"):
        collect(TD1, tmp_path / "enorme.zip", course, roster)
    unchanged()
    with pytest.raises(CollectError, match=r"uncompressed \(Limits.total_bytes\): nothing was changed"):
        collect(TD1, tmp_path / "moodle.zip", course, roster, limits=Limits(total_bytes=100_000))
    unchanged()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(collecting, "_swap", disk_full)
    with pytest.raises(OSError):
        collect(TD1, tmp_path / "moodle.zip", course, roster)
    unchanged()


def test_folder_names_become_safe_ids_and_symlinks_are_not_followed(tmp_path):
    """nbgrader's archive folder, no roster: the folder names are the ids, in their safe form."""
    course = Course.init(tmp_path / "course", REPO)
    archive = course.root / "downloaded" / TD1 / "archive"
    for folder, sample in (
        ("Jean Dupont", "bob_intact"),
        ("Jean_Dupont", "alice_boucles"),
        ("abc\n", "bob_intact"),
        ("-x,y", "bob_intact"),
    ):
        (archive / folder).mkdir(parents=True)
        (archive / folder / "01_neurone.ipynb").write_bytes(notebook(sample, "01_neurone"))
    (archive / "abc\n" / "02_regression_lineaire.ipynb").symlink_to(
        REPO / "source" / TD1 / "02_regression_lineaire.ipynb"
    )
    (archive / "Eve").symlink_to(REPO / "source" / TD1, target_is_directory=True)  # the solutions, as a student
    found = collect(TD1, archive, course)
    assert found.files == {
        "Jean_Dupont": ["01_neurone.ipynb"],
        "abc_": ["01_neurone.ipynb"],
        "x_y": ["01_neurone.ipynb"],
    }
    assert (found.folder / "Jean_Dupont" / "01_neurone.ipynb").read_bytes() == notebook("bob_intact", "01_neurone")
    assert sorted(found.problems) == sorted(
        [
            "Jean_Dupont/01_neurone.ipynb: le dossier « Jean_Dupont » donne l'identifiant « Jean_Dupont », déjà celui de "
            "« Jean Dupont » : non collecté, renommez l'un des deux dossiers",
            "abc\\n/02_regression_lineaire.ipynb: lien symbolique ou fichier spécial, ignoré",
            "Eve: lien symbolique, ignoré",
        ]
    )
