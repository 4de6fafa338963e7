"""Submissions by a student who has read all of our code (tests/submissions/hostile.py), graded by the
real pipeline in one run with two honest students: not one earns a point it did not compute, each of
their correct functions keeps its points, the honest students keep exactly theirs, and nothing of the
grader (gradebook, course, repository, environment, network, other students) was reached."""

import json
import re
import socket
import threading
from pathlib import Path

import pytest
from conftest import REPO, SUBMISSIONS
from grading_suite import load_module

pytestmark = pytest.mark.slow

spec = load_module(SUBMISSIONS / "hostile.py", "hostile_samples")
LINEAR, MARKER, PORT = spec.LINEAR, spec.MARKER, spec.PORT
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


def linear(loss=2, gradient=3, train=3):
    return {LINEAR: {"test_loss": loss, "test_gradient": gradient, "test_train": train}, **NOT_HANDED_IN}


EXPECTED = {
    "alice_honnete": linear(),
    "bruno_signe_inverse": linear(gradient=0),
    "pile_d_appels": linear(gradient=0),
    "numpy_truque": linear(gradient=0),
    "module_reference": linear(gradient=0),
    # Its fake kernel side answers every request after its gradient cell, train's included: it broke
    # the channel its own answers come through, so train cannot be judged right.
    "faux_correcteur": linear(gradient=0, train=0),
    "assertions_truquees": linear(gradient=0),
    "processus_detache": linear(),
    "lecture_interdite": linear(),
    "ecriture_dehors": linear(),
    "reseau": linear(),
}


class Listener:
    """A TCP socket on 127.0.0.1:PORT and an abstract Unix socket, recording every connection."""

    def __init__(self):
        self.connections = []
        self.sockets = []
        for family, address in ((socket.AF_INET, ("127.0.0.1", PORT)), (socket.AF_UNIX, "\0" + MARKER)):
            server = socket.socket(family, socket.SOCK_STREAM)
            if family == socket.AF_INET:
                server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(address)
            server.listen()
            server.settimeout(0.2)
            self.sockets.append(server)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            for server in self.sockets:
                try:
                    connection, _ = server.accept()
                    self.connections.append(connection.recv(100))
                    connection.close()
                except OSError:
                    pass

    def close(self):
        self.running = False
        self.thread.join()
        for server in self.sockets:
            server.close()


def marked_processes() -> list[str]:
    """Command lines of the processes of this machine that carry the attacks' marker."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if MARKER in command:
            found.append(command)
    return found


@pytest.fixture(scope="module")
def batch(graded_class):
    listener = Listener()
    try:
        graded = graded_class("td1_neurone_regression", samples="hostile", cell_timeout=30, jobs=2)
    finally:
        listener.close()
    graded.connections = listener.connections
    return graded


def output_of(batch, student, grade_id):
    graded = json.loads(
        (batch.course / "autograded" / student / "td1_neurone_regression" / f"{LINEAR}.ipynb").read_text(
            encoding="utf-8"
        )
    )
    cell = next(c for c in graded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join("".join(o.get("text", "")) + o.get("evalue", "") for o in cell["outputs"])


def test_every_sample_has_an_expected_score():
    assert sorted(p.name for p in (SUBMISSIONS / "hostile").iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_exact_score_of_every_graded_cell(batch, student):
    assert batch.scores(student) == EXPECTED[student]


def test_the_attacks_use_no_word_the_intake_flags(batch):
    """The defence is the sandbox and the grader's own process, not a list of forbidden words."""
    notes = batch.intake_notes("td1_neurone_regression")
    flagged = [
        student
        for student, by_notebook in notes.items()
        for found in by_notebook.values()
        for note in found
        if note.startswith("⚠")
    ]
    assert flagged == []


def test_the_honest_sign_mistake_is_still_named(batch):
    row = batch.row("bruno_signe_inverse", LINEAR, "test_gradient")
    assert row.mistakes == ("regression_lineaire.gradient/sign",) and "le signe est inversé" in row.message


def test_the_reference_module_cannot_be_imported(batch):
    assert "ModuleNotFoundError" in batch.row("module_reference", LINEAR, "test_gradient").message


def test_no_process_outlives_the_grading():
    """processus_detache started a detached process and a double-forked daemon, each meant to rewrite
    the gradebook for ten minutes: both died with the kernel (and the honest scores above are exact)."""
    assert marked_processes() == []


def test_the_detached_processes_did_start(batch):
    assert "processus détachés lancés" in output_of(batch, "processus_detache", "gradient")


def test_nothing_was_written_outside_the_students_folder(batch):
    import site
    import sys

    assert "écritures hors de mon dossier : 0" in output_of(batch, "ecriture_dehors", "gradient")
    for packages in site.getsitepackages():
        customize = Path(packages) / "sitecustomize.py"
        assert not customize.exists() or "piraté" not in customize.read_text(), customize
    for folder in (sys.prefix, "/tmp", "/work", "/root", REPO, batch.course, batch.course.parent):
        assert not (Path(folder) / f"{MARKER}.txt").exists(), folder
    assert not Path(f"/tmp/{MARKER}-evade").exists()


def test_nothing_of_the_course_or_of_other_students_could_be_read(batch):
    printed = output_of(batch, "lecture_interdite", "gradient")
    assert "fichiers trouvés hors de mon dossier : 0" in printed
    for secret in ("BEGIN SOLUTION", "hidden_test", "alice_honnete", "bruno_signe_inverse", "MISTAKES"):
        assert secret not in printed


def test_no_network_connection_reached_the_listening_sockets(batch):
    assert "connexions ouvertes : 0" in output_of(batch, "reseau", "gradient")
    assert batch.connections == []


# The grader's own code; these students' code and exceptions may well name `autograde` themselves.
GRADER_CODE = re.compile(r"BEGIN HIDDEN TESTS|hidden_test\(|from autograde import|check_against_reference|MISTAKES")


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_feedback_shows_no_hidden_test(batch, student):
    for page in sorted((batch.course / "feedback" / student).rglob("*.html")):
        found = GRADER_CODE.search(page.read_text(encoding="utf-8"))
        assert not found, f"{page.name}: {found.group(0)}"


def test_every_grade_of_a_sandboxed_run_is_verified(batch):
    assert all(row.verified for row in batch.rows)
    graded = json.loads(
        (batch.course / "autograded" / "alice_honnete" / "td1_neurone_regression" / f"{LINEAR}.ipynb").read_text(
            encoding="utf-8"
        )
    )
    assert graded["metadata"]["autograde"]["sandboxed"] is True


def test_the_grader_writes_the_verdicts_as_data(batch):
    """Each graded cell carries the grader's verdicts: check, passed, mistake id, French message."""
    graded = json.loads(
        (batch.course / "autograded" / "bruno_signe_inverse" / "td1_neurone_regression" / f"{LINEAR}.ipynb").read_text(
            encoding="utf-8"
        )
    )
    records = {
        c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["autograde"]
        for c in graded["cells"]
        if "autograde" in c["metadata"]
    }
    assert records["test_gradient"]["passed"] is False
    assert records["test_gradient"]["checks"] == [
        {
            "check": "td1.regression_lineaire.gradient",
            "passed": False,
            "mistake": "regression_lineaire.gradient/sign",
            "message": batch.row("bruno_signe_inverse", LINEAR, "test_gradient").message,
        }
    ]
    assert records["test_loss"]["passed"] is True and records["test_loss"]["self_check"] == "passed"


def test_a_forged_verdict_in_the_submitted_file_is_ignored(tmp_path):
    """Records written into a submitted notebook's metadata are dropped before grading."""
    import nbformat

    from autograde.execution import RECORD, GuardedExecute

    nb = nbformat.read(SUBMISSIONS / "hostile" / "numpy_truque" / f"{LINEAR}.ipynb", as_version=4)
    for cell in nb.cells:
        cell.metadata[RECORD] = {"checks": [], "self_check": "passed", "passed": True}
    nb.metadata[RECORD] = {"sandboxed": True}
    executed, _ = GuardedExecute(timeout=30).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    gradient = next(c for c in executed.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_gradient")
    assert gradient.metadata[RECORD]["passed"] is False
    assert any(o.get("output_type") == "error" for o in gradient.outputs)
