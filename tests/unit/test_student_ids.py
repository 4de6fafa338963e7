"""Student ids are data, never syntax (autograde/student_ids.py), and a submission folder is read without
following anything (Course.take): a bad folder costs that student alone, with a message."""

import hashlib
import os

import pytest

from autograde import student_ids
from autograde.course import MAX_DEPTH, MAX_FILES, SUBMISSION, Course, SubmissionRefused, read_submission

TD1 = "td1_neurone_regression"


@pytest.mark.parametrize("name", ["alice", "Alice_Martin", "22104567", "jean-pierre.dupont", "a@b.fr", "x+y", "a" * 64])
def test_safe_ids(name):
    assert student_ids.is_safe(name) and student_ids.problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "a,b",
        "x\ny",
        "-rf",
        "=1+1",
        "+33",
        "@cmd",
        ".cache",
        "..",
        "a/b",
        "a b",
        "é",
        "*",
        "a[1]",
        "",
        "a" * 65,
        "x\x00y",
        "<script>",
        "a;b",
    ],
)
def test_unsafe_ids_are_refused_with_a_reason_that_shows_the_name_escaped(name):
    assert not student_ids.is_safe(name)
    reason = student_ids.problem(name)
    assert "ne peut pas servir d'identifiant" in reason and "\n" not in reason and "\x00" not in reason


@pytest.mark.parametrize(
    "name, safe",
    [("Élodie Durand", "Elodie_Durand"), ("-rf", "rf"), ("a,b", "a_b"), ("x\ny", "x_y"), ("...", None), ("🙂", None)],
)
def test_safe_form(name, safe):
    assert student_ids.safe_form(name) == safe


# ---------------------------------------------------------------------------------- Course.take
@pytest.fixture
def course(tmp_path):
    return Course.init(tmp_path / "course")


@pytest.fixture
def submissions(tmp_path):
    """Two good students, and every kind of bad folder beside them."""
    root = tmp_path / "copies"
    for student in ("alice", "bob"):
        (root / student / "sous-dossier").mkdir(parents=True)
        (root / student / "01_neurone.ipynb").write_text(f"notebook de {student}")
        (root / student / "sous-dossier" / "donnees.txt").write_text("1 2 3")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "solution.ipynb").write_text("la solution")
    for name in ("a,b", "x\ny", "-rf", ".cache"):
        (root / name).mkdir()
        (root / name / "01_neurone.ipynb").write_text("copie")
    (root / ".git").mkdir()  # a tool's folder, not a student's: passed over in silence
    (root / "lien").symlink_to(root / "bob")  # a student folder that is another student's
    (root / "boucle").mkdir()
    (root / "boucle" / "01_neurone.ipynb").write_text("copie")
    (root / "boucle" / "boucle").symlink_to(root / "boucle")  # a loop
    (root / "fichier_lie").mkdir()
    (root / "fichier_lie" / "01_neurone.ipynb").symlink_to(secret / "solution.ipynb")
    (root / "dossier_lie").mkdir()
    (root / "dossier_lie" / "01_neurone.ipynb").write_text("copie")
    (root / "dossier_lie" / "cours").symlink_to(secret)
    (root / "tube").mkdir()
    os.mkfifo(root / "tube" / "01_neurone.ipynb")  # reading it would wait for ever
    return root


def test_bad_folders_are_refused_with_their_message_and_the_others_taken(course, submissions):
    plan = course.take(TD1, submissions)
    assert plan.to_grade == ["alice", "bob"] and plan.unchanged == []
    assert sorted(plan.refused) == sorted(
        ["-rf", "a,b", "x\ny", ".cache", "lien", "boucle", "fichier_lie", "dossier_lie", "tube"]
    )
    for name in ("-rf", "a,b", "x\ny", ".cache"):
        assert plan.refused[name] == student_ids.problem(name)
    assert plan.refused["lien"] == "« lien » est un lien symbolique : refusé, jamais suivi."
    assert plan.refused["boucle"] == "copie refusée : « boucle » est un lien symbolique : refusé, jamais suivi."
    assert plan.refused["fichier_lie"] == (
        "copie refusée : « 01_neurone.ipynb » est un lien symbolique : refusé, jamais suivi."
    )
    assert plan.refused["dossier_lie"] == "copie refusée : « cours » est un lien symbolique : refusé, jamais suivi."
    assert plan.refused["tube"] == ("copie refusée : « 01_neurone.ipynb » n'est ni un dossier ni un fichier ordinaire.")
    # Only the good students reach submitted/, each exactly as handed in; nothing was followed.
    assert sorted(p.name for p in (course.root / "submitted").iterdir()) == ["alice", "bob"]
    for student in ("alice", "bob"):
        folder = course.folder("submitted", student, TD1)
        assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == [
            SUBMISSION,
            "01_neurone.ipynb",
            "sous-dossier",
            "sous-dossier/donnees.txt",
        ]
        assert (folder / "01_neurone.ipynb").read_text() == f"notebook de {student}"
    assert not list(course.root.rglob("solution.ipynb"))
    assert course.students(TD1) == ["alice", "bob"]
    assert not (course.root / ".autograde-staging").exists()


def test_a_refused_student_costs_nobody_else_again(course, submissions):
    course.take(TD1, submissions)
    again = course.take(TD1, submissions)
    assert again.to_grade == ["alice", "bob"] and len(again.refused) == 9


def test_the_hash_is_the_one_earlier_versions_wrote(tmp_path):
    """Courses graded before keep their stamps: the hash is unchanged for an ordinary folder."""
    folder = tmp_path / "alice"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "x").write_bytes(b"1")
    (folder / "a.txt").write_bytes(b"2")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "n.ipynb").write_bytes(b"3")
    expected = hashlib.sha256(b"a/x\x001\x00" + b"a.txt\x002\x00").hexdigest()
    assert read_submission(folder) == expected


def test_too_many_files_or_levels_are_refused(tmp_path):
    wide = tmp_path / "large"
    wide.mkdir()
    for k in range(MAX_FILES + 1):
        (wide / f"f{k}").write_bytes(b"")
    with pytest.raises(SubmissionRefused, match=f"plus de {MAX_FILES} fichiers"):
        read_submission(wide)
    deep = tmp_path / "profond"
    (deep / "/".join(["d"] * (MAX_DEPTH + 2))).mkdir(parents=True)
    with pytest.raises(SubmissionRefused, match="niveaux"):
        read_submission(deep)


def test_unsafe_folders_already_in_submitted_are_never_graded_and_are_reported(course, tmp_path):
    for name in ("alice", "a,b", "x\ny"):
        (course.root / "submitted" / name / TD1).mkdir(parents=True)
    (course.root / "submitted" / "lien").symlink_to(course.root / "submitted" / "alice")
    assert course.students(TD1) == ["alice"]
    unusable = course.unusable(TD1)
    assert sorted(unusable) == sorted(["a,b", "x\ny", "lien"])
    assert unusable["a,b"].endswith(student_ids.problem("a,b"))
    assert "lien symbolique" in unusable["lien"]
    empty = tmp_path / "vide"
    empty.mkdir()
    assert course.take(TD1, empty).refused == unusable
