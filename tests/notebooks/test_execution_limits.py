"""The executor's limits (autograde/execution.py): time counted in the kernel's CPU seconds with a
wall-clock backstop, a time budget per notebook that restarts and replays count against, bounded
outputs, and every kernel message checked before it is decoded.

Small notebooks written here run through :class:`GuardedExecute` without the sandbox (fast); the last
test grades TD 1's sample class while every core is busy and expects the quiet machine's scores."""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil

import pytest
from jupyter_client.session import Session
from nbformat.v4 import new_code_cell, new_notebook

from autograde import messages, settings
from autograde.execution import TIME_LIMIT, BoundedWire, GuardedExecute, json_nesting
from autograde.kernel_side import MAX_DEPTH
from autograde.sandbox import bwrap


def graded(source: str, grade_id: str):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "grade_id": grade_id,
        "points": 1,
        "schema_version": 3,
    }
    return cell


def run(cells, tmp_path, monkeypatch, timeout: int = 1, sandbox: bool = False, **environment):
    """Execute ``cells`` (sources or cells) as the grader does, without the sandbox unless asked; the
    notebook."""
    monkeypatch.setenv(settings.SANDBOX.variable, "on" if sandbox else "off")
    monkeypatch.setenv(settings.WALL_FACTOR.variable, "20")  # a backstop no busy machine reaches here
    for variable, value in environment.items():
        monkeypatch.setenv(variable, str(value))
    nb = new_notebook(cells=[new_code_cell(c) if isinstance(c, str) else c for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = GuardedExecute(timeout=timeout)
    executor.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return nb


def errors(cell) -> list[tuple[str, str]]:
    return [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


# ------------------------------------------------------------------------------------------- time
@pytest.mark.slow  # runs kernels
@pytest.mark.parametrize(
    "sandbox",
    [False, pytest.param(True, marks=pytest.mark.skipif(bwrap() is None, reason="bubblewrap is not installed"))],
    ids=["limited", "sandboxed"],
)
def test_time_is_the_kernels_cpu_time_not_the_clock(tmp_path, monkeypatch, sandbox):
    nb = run(
        ["import time\ntime.sleep(3)\nprint('réveillé')", "while True:\n    pass", "print('suite')"],
        tmp_path,
        monkeypatch,
        timeout=1,
        sandbox=sandbox,
    )
    sleeping, looping, after = nb.cells
    assert errors(sleeping) == [] and "réveillé" in text(sleeping)  # 3 s asleep, no CPU: not interrupted
    assert (TIME_LIMIT, messages.time_limit(1)) in errors(looping)
    assert "suite" in text(after)


@pytest.mark.slow  # runs kernels
def test_a_busy_child_process_is_charged_to_the_cell(tmp_path, monkeypatch):
    nb = run(
        ["import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'while True: pass'])", "print('suite')"],
        tmp_path,
        monkeypatch,
        timeout=1,
    )
    # The kernel waits for its child and spends no CPU itself: only the child's count stops the cell
    # (the wall-clock backstop, 20 s, would leave nbclient's error without a message).
    assert (TIME_LIMIT, messages.time_limit(1)) in errors(nb.cells[0])
    assert "suite" in text(nb.cells[1])


REPLAYED_ENDLESS = """import os
if os.path.exists('deja_vu'):
    while True:
        pass
open('deja_vu', 'w').close()"""


@pytest.mark.slow  # runs kernels
def test_the_notebook_budget_stops_replays_and_fails_the_rest(tmp_path, monkeypatch):
    """Each crash replays the first cell, which loops only when replayed: without a budget every crash
    costs a full cell limit more. With 4 s of CPU for the notebook, the replays stop and the graded
    cell at the end gets 0 with the reason."""
    crashes = ["import os\nos._exit(1)"] * 8
    nb = run(
        [REPLAYED_ENDLESS, *crashes, graded("print('noté')", "test_final")],
        tmp_path,
        monkeypatch,
        timeout=1,
        **{settings.NOTEBOOK_CPU_BUDGET.variable: 4},
    )
    final = nb.cells[-1]
    [(ename, evalue)] = errors(final)
    assert ename == messages.TIME_BUDGET and evalue.startswith("Le temps de calcul de ce notebook (4 s en tout")
    assert final.metadata["autograde"]["passed"] is False
    ran = [cell for cell in nb.cells[1:-1] if errors(cell)]
    assert 1 <= len(ran) < len(crashes)  # the crashes after the budget ran out never ran
    assert not any(errors(cell) for cell in nb.cells[1 + len(ran) : -1])


# ---------------------------------------------------------------------------------------- outputs
@pytest.mark.slow  # runs kernels
def test_thousands_of_displays_or_lines_keep_the_cell_limit_and_one_note(tmp_path, monkeypatch):
    nb = run(
        [
            "from IPython.display import display\nfor i in range(2000):\n    display(i)",
            "print('\\n'.join(f'ligne {i}' for i in range(1_000_000)))",
            "print('suite')",
        ],
        tmp_path,
        monkeypatch,
        timeout=60,
    )
    shown, printed, after = nb.cells
    kept = [o for o in shown.outputs if o.output_type == "execute_result" or o.output_type == "display_data"]
    assert len(kept) == settings.MAX_CELL_OUTPUTS.default
    assert text(shown) == messages.outputs_dropped("cell")
    # One message of 13 MB of lines: its beginning is kept, up to the cell's text limit, whole lines.
    kept_text = text(printed).removesuffix(messages.outputs_dropped("cell"))
    lines = kept_text.splitlines()
    assert lines[0] == "ligne 0" and lines[-1] == f"ligne {len(lines) - 1}"
    assert len(kept_text.encode()) <= settings.MAX_CELL_TEXT_MB.default << 20 < len(kept_text.encode()) + 20
    assert errors(shown) == errors(printed) == [] and "suite" in text(after)


IMAGES = """import base64, os
from IPython.display import display
for _ in range({count}):
    display({{'image/png': base64.b64encode(os.urandom({size})).decode()}}, raw=True)"""


@pytest.mark.slow  # runs kernels
def test_images_are_bounded_per_cell_and_per_notebook(tmp_path, monkeypatch):
    big = IMAGES.format(count=40, size=1 << 20)  # 40 images of 1.3 MiB each (base64)
    small = IMAGES.format(count=6, size=1000)
    nb = run([big, small, small], tmp_path, monkeypatch, timeout=30, **{settings.MAX_NOTEBOOK_IMAGES.variable: 10})
    images = [sum(1 for o in cell.outputs if "image/png" in o.get("data", {})) for cell in nb.cells]
    # 5 MiB of images per cell: three of 1.3 MiB; then 10 in the notebook.
    assert images == [3, 6, 1]
    assert [text(cell) for cell in nb.cells] == [
        messages.outputs_dropped("cell"),
        "",
        messages.outputs_dropped("notebook"),
    ]


# --------------------------------------------------------------------------------------- messages
def test_json_nesting_reads_depth_and_containers_without_decoding():
    assert json_nesting(b"[" * 100_000 + b"]" * 100_000) == (100_000, 100_000)
    # Brackets in strings (escaped quotes and backslashes included) are not structure.
    assert json_nesting(b'{"a": "' + b"[{" * 50 + b'\\"{{{", "b": [1, [2, {}]], "c": "\\\\"}') == (4, 8)
    assert json_nesting(b"[]," * 1000)[1] == 2000  # lists and the items after the first


def test_the_wire_refuses_large_or_deep_messages_and_keeps_the_parent():
    session = Session(key=b"secret")
    wire = BoundedWire(session, max_bytes=1 << 20)
    parent = session.msg("execute_request", {"code": "1"})

    def through(msg_type, content):
        frames = session.serialize(session.msg(msg_type, content, parent=parent["header"]))
        return session.deserialize(frames[frames.index(b"<IDS|MSG>") + 1 :])

    fine = through("stream", {"name": "stdout", "text": "bonjour"})
    assert fine["content"]["text"] == "bonjour" and wire.refusals == 0
    for content in (
        {"name": "stdout", "text": "x" * (2 << 20)},
        {"data": [[[]]] * 60_000},
        {"data": {"application/json": eval("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))}},
    ):
        refused = through("display_data", content)
        assert refused["msg_type"] == "error" and refused["content"]["ename"] == messages.MESSAGE_REFUSED
        assert refused["parent_header"]["msg_id"] == parent["header"]["msg_id"]
    reply = through("execute_reply", {"status": "ok", "payload": ["x" * (2 << 20)]})
    assert reply["content"]["status"] == "error" and wire.refusals == 4


PUBLISH = """k = get_ipython().kernel
k.session.send(k.iopub_socket, 'display_data', content={content}, parent=k.get_parent())"""


@pytest.mark.slow  # runs kernels
def test_a_huge_or_deep_kernel_message_fails_its_cell_and_the_grader_stays_small(tmp_path, monkeypatch):
    huge = PUBLISH.format(
        content="b'{\"data\": {\"application/json\": [' + b'[],' * 20_000_000 + b'[]]}, \"metadata\": {}}'"
    )
    deep = PUBLISH.format(
        content="b'{\"data\": {\"application/json\": ' + b'[' * 100_000 + b']' * 100_000 + b'}, \"metadata\": {}}'"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    nb = run([huge, deep, "print('suite')"], tmp_path, monkeypatch, timeout=30)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    for cell, reason in zip(
        nb.cells[:2], (f"plus de {settings.MAX_MESSAGE_MB.default} Mio", f"plus de {MAX_DEPTH} niveaux")
    ):
        assert [ename for ename, _ in errors(cell)] == [messages.MESSAGE_REFUSED]
        assert reason in errors(cell)[0][1]
    assert "suite" in text(nb.cells[2])
    assert grown_mib < 300  # the 60 MB message as bytes, never decoded (it took 1.5 GB decoded)


# ----------------------------------------------------------------------------- a busy machine
def _spin(stop):
    while not stop.is_set():
        pass


BUSY_PER_CORE = 3  # busy processes per core while the class is graded: a cell gets at most a quarter of a core
BUSY_CELL_LIMIT = 4  # CPU seconds: well above the slowest cell of these students, below its busy wall-clock time


@pytest.mark.slow
def test_a_class_graded_on_a_busy_machine_gets_the_quiet_machines_scores(tmp_path, monkeypatch):
    """A correct student written with loops and a student with one mistake, graded with a tight CPU limit
    while every core is busy: exactly the quiet machine's scores (a wall-clock limit would cut their
    training cells, which take several times their CPU time here)."""
    from conftest import REPO, SUBMISSIONS
    from grading.test_grading_td1 import TestTD1

    from autograde import pipeline

    students = ("alice_boucles", "chloe_gradient_faux")
    for student in students:
        shutil.copytree(SUBMISSIONS / TestTD1.ASSIGNMENT / student, tmp_path / "class" / student)
    monkeypatch.setenv(settings.WALL_FACTOR.variable, "50")  # only the CPU time may stop a cell here
    stop = multiprocessing.Event()
    spinners = [
        multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
        for _ in range(BUSY_PER_CORE * (os.cpu_count() or 2))
    ]
    for spinner in spinners:
        spinner.start()
    try:
        run = pipeline.grade(
            TestTD1.ASSIGNMENT,
            tmp_path / "class",
            tmp_path / "course",
            REPO,
            progress=lambda line: None,
            cell_timeout=BUSY_CELL_LIMIT,
            jobs=1,
        )
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join(5)
    scores: dict = {}
    for row in run.rows:
        if not row.manual:
            scores.setdefault(row.student, {}).setdefault(row.notebook, {})[row.grade_id] = row.score
    assert scores == {student: TestTD1.EXPECTED[student] for student in students}
