"""The second hostile class (tests/submissions/hostile2.py), written against issue 18's grader, graded by
the real pipeline with two honest students: the exact score of every graded cell, and what must not
have happened (files planted in the environment, the grader's secret read, the grader steered by a
kernel's output, limits per process instead of per kernel, script in the teacher's browser, formulas
in the CSV files). A second, small run takes a submissions folder whose names no student chooses:
``a,b``, a newline, ``-rf``, ``.cache``, ``=1+2``, symlinks and a symlink loop.

It holds as root (``make test``) and as an unprivileged user (``.ci/test-as-user``): nothing here needs
root, and what a kernel may do does not depend on who runs the grader."""

from __future__ import annotations

import csv
import html.parser
import json
import re
import shutil
import site
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS, GradedClass
from grading_suite import load_module

pytestmark = pytest.mark.slow

spec = load_module(SUBMISSIONS / "hostile2.py", "hostile2_samples")
ASSIGNMENT, LINEAR, MARKER = spec.ASSIGNMENT, spec.LINEAR, spec.MARKER
SECRET = f"secret-du-correcteur-{MARKER}"
# Every correct cell of notebook 02 takes well under a second of CPU; the memory attack's first touch of
# 5 GB takes several seconds of system time on a virtual machine whose memory a long run has just filled
# (it went past 10 s in CI, right after the suite as root): its proof is the memory limit, not the time.
CELL_TIMEOUT = 20
# The notebook's CPU budget for this run: an honest notebook 02 takes a few seconds of CPU, the
# replays of rejeu_sans_fin's loss cell 15 s each.
BUDGET_S = 30
NOT_HANDED_IN = {
    "01_neurone": {"test_activations": 0, "test_neuron": 0},
    "03_regression_logistique": {
        "test_predict_proba": 0,
        "test_loss": 0,
        "test_gradient": 0,
        "test_train": 0,
        "test_predict": 0,
    },
}
TOTAL = 29  # TD 1's points, the written answers included: every student's max_score in grades.csv


def linear(loss=2, gradient=3, train=3):
    return {LINEAR: {"test_loss": loss, "test_gradient": gradient, "test_train": train}, **NOT_HANDED_IN}


EXPECTED = {
    "alice_honnete": linear(),
    "bruno_signe_inverse": linear(gradient=0),
    "remontage_rw": linear(),
    "espaces_de_noms": linear(),
    "secrets_du_correcteur": linear(),
    "canal_nbgrader": linear(),
    # Its gradient cell raises unless four processes held 1.25 GB each at once: a limit per kernel.
    "memoire_quatre_processus": linear(gradient=0),
    "bombe_fork": linear(),
    "disque_plein": linear(),
    "affichages_massifs": linear(),
    # The message sent while its loss was judged is over the grader's limits: that cell only.
    "message_geant": linear(loss=0),
    "crochets_imbriques": linear(gradient=0),
    # loss graded before the first crash; gradient and train crash the kernel themselves.
    "rejeu_sans_fin": linear(gradient=0, train=0),
    "html_hostile": linear(),
    # Its own test cell made an answer cell, points raised, a 50-point cell added: only loss and train.
    "metadonnees_truquees": linear(gradient=0),
    "formules_tableur": linear(),
    "lecteur_de_liens": linear(),
}


# ------------------------------------------------------------------------------------ helpers
def planted_paths() -> list[Path]:
    """Where remontage_rw writes, if it can, and where the code it plants leaves a trace when it runs
    in one of the grader's processes."""
    folders = {*site.getsitepackages(), sysconfig.get_paths()["purelib"], "/usr/lib/python3/dist-packages"}
    found = [Path(folder) / f"zz-{MARKER}.pth" for folder in folders]
    found += [Path(folder) / "sitecustomize.py" for folder in folders]
    found += [
        Path("/usr") / f"{MARKER}.txt",
        Path("/etc") / f"{MARKER}.txt",
        Path(sys.prefix) / f"{MARKER}.txt",
        Path(f"/tmp/{MARKER}-pth"),
        Path(f"/tmp/{MARKER}-sitecustomize"),
    ]
    return [path for path in found if path.exists() and (path.name != "sitecustomize.py" or MARKER in path.read_text())]


def remove_planted(paths: list[Path]) -> None:
    """A broken sandbox let the attack write into the environment: undo it, for every later process."""
    for path in paths:
        try:
            path.unlink()
        except OSError:
            pass


def outputs_of(graded: GradedClass, student: str) -> str:
    """Every text, error and plain display output of the student's graded notebook 02."""
    notebook = json.loads(
        (graded.course / "autograded" / student / ASSIGNMENT / f"{LINEAR}.ipynb").read_text(encoding="utf-8")
    )
    texts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            texts.append(
                "".join(output.get("text", ""))
                + output.get("evalue", "")
                + "".join(output.get("data", {}).get("text/plain", ""))
            )
    return "\n".join(texts)


def cell_of(graded: GradedClass, student: str, grade_id: str) -> dict:
    """The cell ``grade_id`` of the student's graded notebook 02."""
    notebook = json.loads(
        (graded.course / "autograded" / student / ASSIGNMENT / f"{LINEAR}.ipynb").read_text(encoding="utf-8")
    )
    [cell] = [c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def csv_cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's CSV injection rule


class ScriptFinder(html.parser.HTMLParser):
    """What in a page would run as the student's script: a <script> element carrying the marker, an
    event handler attribute carrying it, a javascript: URL, a frame, object, base or refresh it made."""

    URL_ATTRIBUTES = {
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "xlink:href",
        "srcdoc",
        "content",
        "background",
        "poster",
        "codebase",
    }

    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker, self.found, self._script = marker, [], None

    def handle_starttag(self, tag, attrs):
        values = " ".join(value or "" for _, value in attrs)
        if tag == "script":
            self._script = [values]
        for name, value in attrs:
            value = value or ""
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name.startswith("on") and self.marker in value:
                self.found.append(f"<{tag} {name}=…>")
            script_url = "javascript:" in compact or (name == "srcdoc" and self.marker in value)
            if name in self.URL_ATTRIBUTES and script_url:
                self.found.append(f"<{tag} {name}={value[:60]}>")
        if tag in ("iframe", "frame", "object", "embed", "base", "meta") and self.marker in values:
            self.found.append(f"<{tag} …>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            if self.marker in "".join(self._script):
                self.found.append("<script>…" + self.marker)
            self._script = None


def executable_student_script(page: str) -> list[str]:
    finder = ScriptFinder(f"xss-{MARKER}")
    finder.feed(page)
    finder.close()
    return finder.found


# ------------------------------------------------------------------------------------ the class
@pytest.fixture(scope="module")
def batch(graded_class):
    """The class graded once, with a secret in the grader's environment; whatever a broken sandbox let
    an attack plant in the environment is recorded, then removed at once."""
    from autograde import settings

    try:
        with pytest.MonkeyPatch.context() as environment:
            environment.setenv(spec.SECRET_VARIABLE, SECRET)
            environment.setenv(settings.NOTEBOOK_CPU_BUDGET.variable, str(BUDGET_S))
            graded = graded_class(ASSIGNMENT, samples="hostile2", cell_timeout=CELL_TIMEOUT, jobs=2)
    finally:
        planted = planted_paths()
        remove_planted(planted)
    graded.planted = planted
    return graded


def test_every_sample_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / "hostile2").iterdir() if p.is_dir()) == sorted(EXPECTED)


def test_sample_submissions_are_what_the_builder_makes(tmp_path):
    from conftest import read

    build = load_module(SUBMISSIONS / "build.py", "build_samples")
    for path in build.build("hostile2", tmp_path):
        committed = SUBMISSIONS / path.relative_to(tmp_path)
        assert read(committed) == read(path), f"{committed} is stale: run python tests/submissions/build.py hostile2"


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(batch, student):
    assert batch.scores(student) == EXPECTED[student]


def test_every_lost_point_has_a_message(batch):
    for row in batch.rows:
        if not row.manual:
            assert (row.score < row.max_score) == bool(row.message), row


def test_grades_csv_has_every_student_at_the_same_total(batch):
    with open(batch.course / "grades.csv", newline="", encoding="utf-8") as handle:
        lines = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert sorted(lines) == sorted(EXPECTED)
    for student, table in EXPECTED.items():
        assert float(lines[student]["max_score"]) == TOTAL, student
        assert float(lines[student]["score"]) == sum(sum(cells.values()) for cells in table.values()), student


# -- the sandbox, as root ------------------------------------------------------------------------
def test_nothing_was_remounted_or_planted_in_the_environment(batch):
    """remontage_rw remounted the virtualenv, /usr, /etc and / read-write and planted a .pth file and a
    sitecustomize.py, which would run in nbgrader's later processes: nothing was remounted, nothing
    written, nothing ran."""
    printed = outputs_of(batch, "remontage_rw")
    assert "remontages réussis : 0 []" in printed
    assert "fichiers plantés : 0 []" in printed
    assert batch.planted == []


def test_the_kernel_has_no_capability_no_root_and_no_way_out(batch):
    printed = outputs_of(batch, "espaces_de_noms")
    uid = re.search(r"uid : (\d+) ; CapEff : ([0-9a-f]+) ; CapPrm : ([0-9a-f]+)", printed)
    assert uid, printed[:2000]
    assert int(uid.group(1)) != 0
    assert int(uid.group(2), 16) == 0 and int(uid.group(3), 16) == 0
    assert "évasions réussies : 0 []" in printed, printed[:2000]


def test_the_graders_secret_and_the_machines_are_out_of_reach(batch):
    printed = outputs_of(batch, "secrets_du_correcteur")
    assert "secret trouvé : non" in printed, printed[:2000]
    assert "shadow lisible : non" in printed
    assert "dossiers personnels : []" in printed


def test_the_secret_is_in_no_file_the_grading_wrote(batch):
    for path in batch.course.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


# -- the grader's pipe ---------------------------------------------------------------------------
def test_the_poisoned_lines_reached_the_kernels_pipes(batch):
    """The attack did run: it wrote nbgrader's failure line to its pipes and flooded its stderr."""
    printed = outputs_of(batch, "canal_nbgrader")
    found = re.search(r"canaux empoisonnés : (\d+)", printed)
    assert found and int(found.group(1)) >= 2, printed[:2000]
    assert f"{MARKER} flot d'erreur" in printed  # the flood began (its end is cut from the notebook)


def test_no_kernel_output_steers_the_progress_or_floods_the_log(batch):
    """The class was graded to the end (the fixture raised nothing), no progress line names the phantom
    student of the forged lines, and the 50 MB of stderr are not in nbgrader's log."""
    assert not [line for line in batch.progress if spec.PHANTOM in line]
    log = batch.course / "autograde.log"
    assert log.stat().st_size < 5 * 2**20
    text = log.read_text(encoding="utf-8", errors="replace")
    assert spec.PHANTOM not in text and f"{MARKER} flot d'erreur" not in text


# -- limits per kernel -------------------------------------------------------------------------------
def test_four_processes_could_not_hold_5_gb_in_one_kernel(batch):
    """The attack ran to its count (it was not cut short by a time limit), and at most one held."""
    printed = outputs_of(batch, "memoire_quatre_processus")
    held = re.search(r"processus ayant tenu 1,25 Go : (\d)/4", printed)
    assert held, printed[:2000]
    assert int(held.group(1)) <= 1


def test_the_fork_bomb_was_stopped_by_the_process_limit(batch):
    from autograde import settings

    found = re.search(r"processus créés : (\d+) ; refus : (\w+)", outputs_of(batch, "bombe_fork"))
    assert found, outputs_of(batch, "bombe_fork")[:2000]
    assert int(found.group(1)) < settings.MAX_PROCESSES.get() and found.group(2) != "aucun"


def test_the_disk_of_a_kernel_is_bounded(batch):
    """/tmp, the work folder and /dev/shm each ran out of space before the attack's own 3 GB in all."""
    printed = outputs_of(batch, "disque_plein")
    phases = re.findall(r"(\S+) : (\d+) Mo écrits, arrêt : (\w+)", printed)
    assert [folder for folder, _, _ in phases][::2] == ["/tmp/gros", "/dev/shm/gros"], printed[:2000]
    assert sum(int(written) for _, written, _ in phases) < 3000
    assert [stop for _, _, stop in phases if stop not in ("ENOSPC", "EDQUOT")] == [], phases


def largest_graded_notebook() -> int:
    """Bytes a graded notebook may take: every output the grader keeps of a notebook (text, and images
    in base64), and 2 MiB for the notebook itself."""
    from autograde import settings

    return (
        settings.MAX_NOTEBOOK_TEXT_MB.get() * 2**20 + settings.MAX_NOTEBOOK_IMAGE_MB.get() * 2**20 * 4 // 3 + 2 * 2**20
    )


def test_a_flood_of_displays_and_images_is_bounded(batch):
    """40 images of 2.8 MB and 20,000 displays in one cell made a 135 MB notebook and feedback page."""
    graded = batch.course / "autograded" / "affichages_massifs" / ASSIGNMENT / f"{LINEAR}.ipynb"
    page = batch.course / "feedback" / "affichages_massifs" / ASSIGNMENT / f"{LINEAR}.html"
    printed = outputs_of(batch, "affichages_massifs")
    assert "images envoyées : 40" in printed and "'affichage 0'" in printed  # the kernel sent 112 MB and more
    assert graded.stat().st_size < largest_graded_notebook()
    assert page.stat().st_size < largest_graded_notebook() + 2 * 2**20  # nbconvert's page around it


def test_an_oversized_or_too_deep_message_costs_only_its_cell(batch):
    """The 60 MB message and the 100,000 brackets: that cell 0 with a message, the notebook graded to the end."""
    from autograde import messages

    for student, grade_id in (("message_geant", "test_loss"), ("crochets_imbriques", "test_gradient")):
        assert batch.row(student, LINEAR, grade_id).message, student
        errors = [
            o["ename"] for o in cell_of(batch, student, grade_id).get("outputs", []) if o.get("output_type") == "error"
        ]
        assert errors == [messages.MESSAGE_REFUSED], (student, errors)  # refused, not slow to decode
        assert batch.run.course.graded(student, ASSIGNMENT), student


def test_replays_count_against_the_notebooks_budget(batch):
    """rejeu_sans_fin's six crashes would each cost a replay whose loss cell hangs (20 s, 15 of them
    spinning, the interrupt swallowed): the notebook's CPU budget (BUDGET_S here), which restarts and
    replays count against, ran out before its last crashing cell."""
    printed = outputs_of(batch, "rejeu_sans_fin")
    assert "plantage n°1" in printed  # the attack did run
    assert f"plantage n°{spec.CRASHES}" not in printed


# -- the teacher's browser -------------------------------------------------------------------------
def test_the_feedback_runs_no_student_script(batch):
    page = (batch.course / "feedback" / "html_hostile" / ASSIGNMENT / f"{LINEAR}.html").read_text(encoding="utf-8")
    assert f"xss-{MARKER}" in page  # the answers are shown, as text
    assert executable_student_script(page) == []


def content_security_policy(page: str) -> dict[str, list[str]]:
    """The page's Content-Security-Policy (its <meta http-equiv>), by directive."""

    class Finder(html.parser.HTMLParser):
        policy = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
                self.policy = attrs.get("content") or ""

    finder = Finder()
    finder.feed(page)
    directives = [part.split() for part in (finder.policy or "").split(";") if part.strip()]
    return {words[0].lower(): words[1:] for words in directives}


def test_the_feedback_forbids_inline_script_by_policy(batch):
    """A second wall behind the sanitiser: the browser itself refuses inline script and handlers."""
    page = (batch.course / "feedback" / "html_hostile" / ASSIGNMENT / f"{LINEAR}.html").read_text(encoding="utf-8")
    policy = content_security_policy(page)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, policy
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts), scripts


def test_the_class_report_runs_no_student_script(batch):
    from autograde.report import write_report

    page = write_report(batch.run.course, ASSIGNMENT, batch.rows).read_text(encoding="utf-8")
    assert executable_student_script(page) == []


def test_the_script_finder_finds_what_a_browser_would_run():
    """The finder of the two tests above, on the raw payloads: each one is found."""
    found = executable_student_script(spec.XSS)
    for payload in (
        "<script>",
        "<img onerror",
        "<a href",
        "<svg onload",
        "<iframe srcdoc",
        "<details ontoggle",
        "<form action",
        "<object data",
        "<embed src",
        "<meta content",
        "<base href",
    ):
        assert any(item.startswith(payload) for item in found), (payload, found)


# -- nbgrader's metadata ---------------------------------------------------------------------------
def test_tampered_metadata_earns_nothing_and_costs_the_correct_cells_nothing(batch):
    def cells(student):
        return sorted(
            (row.grade_id, row.max_score) for row in batch.rows if row.student == student and row.notebook == LINEAR
        )

    assert cells("metadonnees_truquees") == cells("alice_honnete")
    assert "tout est juste" not in outputs_of(batch, "metadonnees_truquees")


# -- spreadsheet formulas ----------------------------------------------------------------------------
def assert_no_formula(path: Path) -> None:
    table = csv_cells(path)
    assert len({len(line) for line in table}) == 1, f"{path.name}: rows of different lengths"
    for line in table:
        for cell in line:
            assert not cell.startswith(FORMULA_START), f"{path.name}: {cell!r}"


def test_no_csv_cell_is_a_formula(batch):
    from autograde.lms import write_moodle_csv

    assert_no_formula(batch.course / "grades.csv")
    assert_no_formula(write_moodle_csv(batch.run.course))


# -- symlinks ---------------------------------------------------------------------------------------------
def test_the_link_reader_read_nothing_outside_its_folder(batch):
    printed = outputs_of(batch, "lecteur_de_liens")
    assert "fichiers lus :" in printed and "BEGIN SOLUTION" not in printed


# ------------------------------------------------------------------------- folders no student names
HONEST = ("alice_honnete", "bruno_signe_inverse")
ODD_NAMES = ("a,b", "x\ny", "-rf", ".cache", "=1+2")
LINKED = ("lien_vers_bruno", "boucle")  # a symlink to another student's folder; a symlink to itself
WITH_LINKS = ("lecteur_de_liens", "boucle_interne")  # folders holding symlinks (out, and to themselves)
ROSTER = {
    "alice_honnete": ('=HYPERLINK("http://x","y")', "+33 6 12", "@alice"),
    "bruno_signe_inverse": ("-bruno", "\t=1+1", "=cmd|' /C calc'!A0"),
}


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    """A submissions folder with the two honest students, a link reader given links to the solution, the
    gradebook and the other student's notebook, and folders named as no student would: graded once;
    then the roster gives the honest students formulas for names, and the grades are exported again."""
    from autograde import pipeline

    root = tmp_path_factory.mktemp("hostile2-names")
    copies, course = root / "copies", root / "course"
    for student in (*HONEST, "lecteur_de_liens"):
        shutil.copytree(SUBMISSIONS / "hostile2" / student, copies / student)
    for name in (*ODD_NAMES, "boucle_interne"):
        shutil.copytree(SUBMISSIONS / "hostile2" / "alice_honnete", copies / name)
    (copies / "lien_vers_bruno").symlink_to("bruno_signe_inverse")
    (copies / "boucle").symlink_to("boucle")
    (copies / "boucle_interne" / "ici").symlink_to(".")
    reader = copies / "lecteur_de_liens"
    (reader / "solution.txt").symlink_to(REPO / "source" / ASSIGNMENT / f"{LINEAR}.ipynb")
    (reader / "carnet.txt").symlink_to(course / "gradebook.db")
    (reader / "voisin.txt").symlink_to(Path("..") / "bruno_signe_inverse" / f"{LINEAR}.ipynb")
    (reader / "depot").symlink_to(REPO / "autograde")
    progress: list[str] = []
    run = pipeline.grade(ASSIGNMENT, copies, course, REPO, progress=progress.append, cell_timeout=CELL_TIMEOUT, jobs=2)
    graded = GradedClass(run.course.root, run.rows, progress, run)

    from nbgrader.api import Gradebook

    with Gradebook(run.course.db_url) as gradebook:
        for student, (first, last, email) in ROSTER.items():
            gradebook.update_or_create_student(student, first_name=first, last_name=last, email=email)
    graded.again = pipeline.grade(ASSIGNMENT, copies, course, REPO, cell_timeout=CELL_TIMEOUT, jobs=1)
    return graded


def refusal(graded: GradedClass, name: str) -> str:
    """What the run said about a folder it did not grade as given: its refusal, or the intake's notes."""
    said = graded.run.plan.refused.get(name, "")
    notes = graded.intake_notes(ASSIGNMENT).get(name, {})
    return said + " ".join(note for found in notes.values() for note in found)


def test_odd_names_cost_nobody_else(names):
    for student in HONEST:
        assert names.scores(student) == EXPECTED[student], student


@pytest.mark.parametrize("name", [*ODD_NAMES, *LINKED], ids=repr)
def test_a_folder_no_student_names_is_refused_with_a_message(names, name):
    assert name not in {row.student for row in names.rows}
    assert names.run.plan.refused.get(name), sorted(names.run.plan.refused)


@pytest.mark.parametrize("name", WITH_LINKS)
def test_a_folder_holding_symlinks_is_refused_or_graded_without_them(names, name):
    """Its links are never followed: either the folder is refused, or it is graded without them; either
    way a message says so."""
    assert refusal(names, name)
    if name in {row.student for row in names.rows}:
        assert names.scores(name) == linear()


def test_no_link_was_followed_into_the_kernel(names):
    if "lecteur_de_liens" not in {row.student for row in names.rows}:
        return  # refused: nothing of it ran
    printed = outputs_of(names, "lecteur_de_liens")
    for secret in ("BEGIN SOLUTION", "SQLite format 3", "np.mean((y - y_hat) * x)", "def read_results"):
        assert secret not in printed


def test_only_the_real_folders_are_graded(names):
    """A link to bruno's folder is not a second bruno, and no odd name is graded under another form."""
    graded = {row.student for row in names.rows}
    assert set(HONEST) <= graded <= {*HONEST, *WITH_LINKS}


def test_grades_csv_is_one_quoted_line_per_student_and_no_formula(names):
    from autograde.lms import write_moodle_csv

    lines = csv_cells(names.course / "grades.csv")
    students = [line[lines[0].index("student_id")] for line in lines[1:]]
    assert sorted(students) == sorted({row.student for row in names.rows})
    assert_no_formula(names.course / "grades.csv")
    assert_no_formula(write_moodle_csv(names.run.course))
