"""A class graded four ways, side by side, the per-task profile of the Dask mode, and how many graded
students per minute the client writes into a gradebook (issue 22).

    .venv/bin/python benchmarks/class_grading.py [--td1 24] [--td6 8]
        [--modes anchor processes dask1 dask2] [--rounds 1] [--skip-write-rate] [--writes 300]
        [--db-url URL]

The class: ``--td1`` copies of the full TD 1 sample (alice_boucles: three notebooks, 21 points) and
``--td6`` copies of the full TD 6 sample (alice_boucles: an MLP trained on MNIST, 13 automatic points),
each copy a folder of its own (Course.take refuses links). Each mode grades each TD in a fresh scratch
course whose release was generated and whose submissions were taken beforehand (untimed, as a teacher
would); what is timed is the grading alone: autograde, feedback and the writes into the course.

- ``anchor``: plain serial nbgrader, ``nbgrader autograde TD`` then ``nbgrader generate_feedback TD``,
  one process each in the course (its nbgrader_config.py: the same sandbox, checks and limits). The
  anchor includes the feedback because every other mode makes it.
- ``processes``: the former multi-process mode (the engine ``processes`` of autograde/pipeline.py:
  grading.autograde then grading.generate_feedback), 2 worker processes.
- ``dask1`` / ``dask2``: the Dask mode (autograde/dask_grading.py's grade_on_cluster, what the engine
  ``dask`` runs) on a LocalCluster of 1 / 2 workers; the time includes starting the cluster, each
  worker's grading server and its template course, which a teacher pays on every run.

The per-task profile gives each Dask mode's phases per student, and the anchor's kernel phases (its
one autograde process's totals divided among the students), side by side.

The pipeline's own steps around the grading (take, ``nbgrader export``, the tables) are the same for
every mode and are not timed. The total score must be the same in every mode: it is asserted.

The write rate: one TD 1 submission is graded in this process (submission_task.grade, as a worker
does), then its result is written ``--writes`` times under as many student ids with writeback.write,
the client's whole write (gradebook, submitted/, autograded/, feedback/, the stamp; one Gradebook open
for the run, as autograde/dask_grading.py keeps it), into a course on SQLite and one on PostgreSQL: the
throw-away server of tests/postgres.py, or ``--db-url`` (an empty database of yours). Last, on paper: a class of 2,000 TD 1 students on 32 and 128 workers, and the number
of workers beyond which the client's write rate, not the workers, sets the pace.

Figures measured while the machine does something else are noisy: the load average is printed.
This machine's speed also drifts by 10-30 % over an hour, so ``--rounds N`` grades each TD N times, the
modes in turn within each round: a ratio is given for each round (its modes ran minutes apart) and from
the medians of the rounds.

Before each round, the machine's own speed-up of 2 processes over 1 is measured on a NumPy gradient
descent (the kind of work a TD 1 notebook does, without a kernel, a sandbox, nbgrader or Dask) and
printed beside the 2-over-1 ratio of the grading: how this machine's two cores scale at that moment. It is
three pairs of half-second loops, so it swings as much as the grading's ratio (1.47x to 1.96x here).

Each timed grading also reads the machine's CPU counters before and after (all its processes: the
kernels, the grading servers, the workers, this client): how many cores the mode kept busy on average,
and the CPU seconds a student cost. The 2-over-1 ratio is exactly the product of two factors, printed
for each round: how many more cores 2 workers keep busy than 1 (1 worker already uses a part of the
second core: the next notebook's kernel is prepared there, the client writes there), and how much
more CPU a student costs when both cores are busy (the cores slow each other down). The CPU time the
hypervisor gave to other machines (steal) is printed too: a round with much of it ran beside a busy
neighbour.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import psutil
from nbgrader.api import Gradebook

from autograde import dask_grading, grading, settings, submission_task, writeback
from autograde.course import Course
from autograde.results import read_results

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "alice_boucles"  # the full-marks student of both TDs (tests/grading/test_grading_td*.py)
TDS = {"td1": "td1_neurone_regression", "td6": "td6_mlp_mnist"}
MODES = ("anchor", "processes", "dask1", "dask2")
DASK_WORKERS = {"dask1": 1, "dask2": 2}
PROCESS_JOBS = 2
PHASES = (
    "template",
    "scratch",
    "grading_process",
    "autograde",
    "feedback",
    "collect",
    "kernel_start",
    "execution",
    "checks",
    "shutdown",
    "write",  # the client's write of the student, if dask_grading reports it
)
PAPER_CLASS = 2000
PAPER_WORKERS = (32, 128)
# The targets, printed beside the figures.
GOAL_SPEEDUP = 1.8
GOAL_DASK1_OVER_ANCHOR = 1.10
GOAL_WRITES_PER_MINUTE = 300
BIN = Path(sys.executable).parent


@dataclass
class Graded:
    mode: str
    td: str
    students: int
    wall: float
    score: float
    max_score: float
    round: int = 1
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # Dask modes: per student, per phase
    cpu: float = 0.0  # CPU seconds the whole machine spent busy during the timed grading
    steal: float = 0.0  # CPU seconds the hypervisor gave to other machines meanwhile

    @property
    def cores(self) -> float:
        """Cores kept busy on average."""
        return self.cpu / self.wall

    @property
    def cpu_per_student(self) -> float:
        return self.cpu / self.students


# ------------------------------------------------------------------------------------------ helpers
@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def db_url_env(url: str | None) -> Iterator[None]:
    """AUTOGRADE_DB_URL set to ``url`` (or unset) while the block runs: the course's configuration and
    the nbgrader it starts follow it."""
    variable = settings.DB_URL.variable
    before = os.environ.get(variable)
    if url:
        os.environ[variable] = url
    else:
        os.environ.pop(variable, None)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = before


def class_course(scratch: Path, assignment: str, count: int) -> tuple[Course, list[str]]:
    """A fresh course with the release generated and ``count`` copies of the sample taken (untimed)."""
    course = Course.init(scratch / "course")
    course.ensure_release(assignment)
    folder = scratch / "class"
    folder.mkdir()
    sample = REPO / "tests" / "submissions" / assignment / SAMPLE
    for k in range(count):
        shutil.copytree(sample, folder / f"etudiant_{k:03d}")  # copies: Course.take refuses links
    plan = course.take(assignment, folder)
    if plan.refused or len(plan.to_grade) != count:
        raise SystemExit(f"the class of {assignment} was not taken whole: {plan.refused}")
    return course, plan.to_grade


def nbgrader_command(course: Course, *args: str) -> None:
    """``nbgrader ARGS`` in the course, with the same environment and sandbox as the other modes."""
    done = subprocess.run(
        [str(BIN / "nbgrader"), *args], cwd=course.root, env=course.env(sandbox=True), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")


# ------------------------------------------------------------------------------- the machine's own
CALIBRATION_STEPS = 40_000  # gradient steps per process: about half a second on one core here
CALIBRATION_PAIRS = 3  # one process, then two, this many times; the median is kept


def gradient_descent(ready, steps: int) -> None:
    """Steps of a linear regression's gradient descent on 64 points (a TD 1 notebook's kind of work),
    once every process and the timer have reached the barrier ``ready``."""
    import numpy as np

    rng = np.random.default_rng(0)
    x, y, w = rng.normal(size=(64, 10)), rng.normal(size=(64, 1)), np.zeros((10, 1))
    ready.wait()
    for _ in range(steps):
        w -= 0.01 * x.T @ (x @ w - y) / len(x)


def descents_seconds(processes: int) -> float:
    """Seconds for ``processes`` processes to run CALIBRATION_STEPS steps each, all at once (their start
    not counted)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes + 1)  # passed once each process has imported NumPy and made its data
    started = [context.Process(target=gradient_descent, args=(ready, CALIBRATION_STEPS)) for _ in range(processes)]
    for process in started:
        process.start()
    ready.wait()
    start = time.perf_counter()
    for process in started:
        process.join()
    return time.perf_counter() - start


def machine_speedup() -> float:
    """This machine's speed-up of 2 processes over 1 on the same work each: 2 × one's time / two's time."""
    ratios = []
    for _ in range(CALIBRATION_PAIRS):
        one = descents_seconds(1)
        ratios.append(2 * one / descents_seconds(2))
    return statistics.median(ratios)


def cpu_between(before, after) -> tuple[float, float]:
    """CPU seconds the machine spent busy between two ``psutil.cpu_times()`` readings (every process and
    the kernel's own work; guest time is inside user time on Linux), and the seconds stolen by the hypervisor."""
    busy = sum(getattr(after, f) - getattr(before, f) for f in ("user", "nice", "system", "irq", "softirq"))
    return busy, getattr(after, "steal", 0.0) - getattr(before, "steal", 0.0)


# ------------------------------------------------------------------------------------------ modes
def grade_class(mode: str, td: str, count: int) -> Graded:
    assignment = TDS[td]
    with scratch_dir("autograde-class-") as scratch:
        course, students = class_course(scratch, assignment, count)
        timings: dict[str, dict[str, float]] = {}
        if mode == "anchor":  # its one autograde process writes the phases of all its notebooks there
            phases_folder = scratch / "anchor-timings"
            phases_folder.mkdir()
            with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
                config.write(
                    f"\nfrom autograde.execution import report_timings\nreport_timings({str(phases_folder)!r})\n"
                )
        counters = psutil.cpu_times()
        start = time.perf_counter()
        if mode == "anchor":
            nbgrader_command(course, "autograde", assignment)
            nbgrader_command(course, "generate_feedback", assignment)
            timings = anchor_timings(phases_folder, students)
        elif mode == "processes":
            grading.autograde(course, assignment, students, jobs=PROCESS_JOBS, sandbox=True)
            grading.generate_feedback(course, assignment, students, PROCESS_JOBS)
        else:
            run = dask_grading.grade_on_cluster(course, assignment, students, jobs=DASK_WORKERS[mode], sandbox=True)
            timings = run.timings
        wall = time.perf_counter() - start
        cpu, steal = cpu_between(counters, psutil.cpu_times())
        not_done = [s for s in students if not course.graded(s, assignment)]
        if not_done:
            log = course.root / "autograde.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise SystemExit(f"{mode} {assignment}: not graded to the end: {not_done}\n{tail}")
        rows = read_results(course, assignment)
        return Graded(
            mode,
            td,
            count,
            wall,
            sum(r.score for r in rows),
            sum(r.max_score for r in rows if not r.manual),
            timings=timings,
            cpu=cpu,
            steal=steal,
        )


def anchor_timings(folder: Path, students: list[str]) -> dict[str, dict[str, float]]:
    """The anchor's phases, as the per-student table of the Dask modes holds them: the one autograde
    process's totals, shared evenly among the students (nbgrader reports no student's own)."""
    totals: dict[str, float] = {}
    for report in folder.glob("*.json"):
        for name, value in json.loads(report.read_text()).items():
            totals[name] = totals.get(name, 0.0) + value
    return {student: {name: value / len(students) for name, value in totals.items()} for student in students}


# ------------------------------------------------------------------------------------- write rate
def load_postgres_helper():
    """tests/postgres.py (the tests' throw-away server), imported by path: benchmarks are no package."""
    path = REPO / "tests" / "postgres.py"
    if not path.exists():
        raise RuntimeError(f"{path} is not there")
    spec = importlib.util.spec_from_file_location("autograde_benchmark_postgres", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@contextmanager
def postgres_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    helper = load_postgres_helper()
    server = helper.Server.start()
    try:
        yield server.create_database()
    finally:
        server.stop()


def one_graded(scratch: Path) -> tuple[submission_task.Graded, float]:
    """One full TD 1 submission graded in this process as a Dask worker grades it; the seconds it took."""
    assignment = TDS["td1"]
    course, (student,) = class_course(scratch / "source-course", assignment, 1)
    package = dask_grading.assignment_package(course, assignment)
    submission = dask_grading.submission_of(course, assignment, student, dask_grading.run_settings(None, True))
    # Outside Dask the task's template and scratch courses go to the temporary folder: this one, removed after.
    before, tempfile.tempdir = tempfile.tempdir, str(scratch)
    try:
        for attempt in (1, 2):  # what is measured is the writes: a grading that failed is tried once more
            start = time.perf_counter()
            graded = submission_task.grade(package, submission)
            seconds = time.perf_counter() - start
            if graded.done and graded.gradebook is not None:
                return graded, seconds
            print(f"the write-rate submission was not graded to the end (attempt {attempt}):\n{graded.log[-1500:]}")
    finally:
        tempfile.tempdir = before
    raise SystemExit("the write-rate submission could not be graded")


def write_rate(graded: submission_task.Graded, writes: int, db_url: str | None, scratch: Path) -> float:
    """Graded students written per minute into a fresh course whose gradebook is ``db_url`` (None: SQLite)."""
    assignment = TDS["td1"]
    with db_url_env(db_url):
        course = Course.init(scratch)
        course.ensure_release(assignment)  # the assignment in the gradebook, as in any graded course
        start = time.perf_counter()
        # As dask_grading's client writes: one Gradebook open for the run (its opening timed, once).
        with Gradebook(course.db_url) as gradebook:
            for k in range(writes):
                writeback.write(course, assignment, dataclasses.replace(graded, student=f"ecrit_{k:04d}"), gradebook)
        seconds = time.perf_counter() - start
        rows = read_results(course, assignment)
    students = {r.student for r in rows}
    if len(students) != writes or sum(r.score for r in rows) != writes * sum(r.score for r in graded.rows):
        raise SystemExit(f"the written gradebook does not hold {writes} graded students: {len(students)}")
    return writes / seconds * 60


# ------------------------------------------------------------------------------------------ printing
def mean_phases(timings: dict[str, dict[str, float]]) -> dict[str, float]:
    found = {}
    for phase in PHASES:
        values = [t[phase] for t in timings.values() if phase in t]
        if values:
            found[phase] = statistics.fmean(values)
    return found


def print_modes(results: list[Graded], machine: dict[int, float]) -> None:
    if not results:
        return
    print("\n== The class, graded four ways (timed: autograde + feedback + writes into the course) ==")
    print(
        f"{'mode':<10} {'TD':<24} {'round':>5} {'students':>8} {'wall s':>8} {'s/student':>10} {'total score':>14}"
        f" {'cores busy':>10} {'CPU s/student':>13} {'steal s':>8}"
    )
    for r in results:
        print(
            f"{r.mode:<10} {TDS[r.td]:<24} {r.round:>5} {r.students:>8} {r.wall:>8.1f} "
            f"{r.wall / r.students:>10.2f} {r.score:>8g}/{r.max_score:g} {r.cores:>10.2f} {r.cpu_per_student:>13.2f}"
            f" {r.steal:>8.1f}"
        )
    print("cores busy, CPU s/student, steal: the whole machine's CPU counters over the timed grading.")
    print("anchor = `nbgrader autograde` then `nbgrader generate_feedback`, serial: it includes the feedback")
    print("because every other mode makes it.")
    for td in TDS:
        ran = [r for r in results if r.td == td]
        if not ran:
            continue
        scores = {r.score for r in ran}
        assert len(scores) == 1, f"{TDS[td]}: the modes disagree on the total score: {ran}"
        modes = list(dict.fromkeys(r.mode for r in ran))
        print(f"{TDS[td]}: total score {scores.pop():g} in every mode and round ({', '.join(modes)})")
        walls = {mode: {r.round: r.wall for r in ran if r.mode == mode} for mode in modes}
        rounds = sorted({r.round for r in ran})
        if len(rounds) > 1:
            medians = ", ".join(f"{mode} {statistics.median(w.values()):.1f} s" for mode, w in walls.items())
            print(f"  median wall over {len(rounds)} rounds: {medians}")
        for name, top, bottom, goal in (
            ("speed-up of 2 Dask workers over 1", "dask1", "dask2", f"at least {GOAL_SPEEDUP}x"),
            ("Dask with 1 worker / serial nbgrader", "dask1", "anchor", f"at most {GOAL_DASK1_OVER_ANCHOR}"),
        ):
            if top not in walls or bottom not in walls:
                continue
            each = [walls[top][i] / walls[bottom][i] for i in rounds if i in walls[top] and i in walls[bottom]]
            median = statistics.median(walls[top].values()) / statistics.median(walls[bottom].values())
            per_round = f"; each round: {', '.join(f'{x:.3f}' for x in each)}" if len(rounds) > 1 else ""
            print(f"  {name}: {median:.3f} (goal: {goal}){per_round}")
            if top == "dask1" and bottom == "dask2":
                print_factors(ran, rounds)
                if machine:
                    print(
                        f"  the machine's own speed-up of 2 processes over 1 (NumPy gradient descent, before each "
                        f"round): median {statistics.median(machine.values()):.3f}; each round: "
                        f"{', '.join(f'{machine[i]:.3f}' for i in rounds if i in machine)}"
                    )


def print_factors(ran: list[Graded], rounds: list[int]) -> None:
    """The 2-over-1 ratio of each round as the product of its two factors: wall1 / wall2 =
    (cores busy with 2 / with 1) × (CPU per student with 1 / with 2), since wall = students × CPU per
    student / cores busy."""
    for i in rounds:
        one = next((r for r in ran if r.mode == "dask1" and r.round == i), None)
        two = next((r for r in ran if r.mode == "dask2" and r.round == i), None)
        if one is None or two is None or not one.cpu or not two.cpu:
            continue
        cores = two.cores / one.cores
        work = one.cpu_per_student / two.cpu_per_student
        print(
            f"  round {i}: {one.wall / two.wall:.3f} = cores busy {two.cores:.2f} / {one.cores:.2f} ({cores:.3f})"
            f" × CPU per student {one.cpu_per_student:.2f} s / {two.cpu_per_student:.2f} s ({work:.3f})"
        )


def print_profile(results: list[Graded], write_seconds: float | None) -> None:
    dask = [r for r in results if r.timings]
    if not dask:
        return
    print("\n== Per-task profile: mean seconds per student of each phase (anchor: kernel phases only) ==")
    print("(template: the worker's template course, paid by its first task; grading_process: the forked process")
    print(" that runs autograde + feedback; kernel_start..shutdown: inside autograde, when execution.py reports them)")
    profiles = [(r, mean_phases(r.timings)) for r in dask]
    phases = [p for p in PHASES if any(p in found for _, found in profiles)]
    print(f"{'mode':<6} {'TD':<24} " + " ".join(f"{p:>15}" for p in phases))
    for r, found in profiles:
        print(f"{r.mode:<6} {TDS[r.td]:<24} " + " ".join(f"{found.get(p, float('nan')):>15.3f}" for p in phases))
    missing = [p for p in PHASES if p not in phases]
    if missing:
        print(f"not reported by this tree: {', '.join(missing)}")
    if write_seconds is not None:
        print(f"client's write of one graded student (SQLite, measured below): {write_seconds:.3f} s")
    else:
        print("client's write of one graded student: not measured (--skip-write-rate)")


def print_paper(s_per_student: float | None, rates: dict[str, float]) -> None:
    print(f"\n== On paper: a class of {PAPER_CLASS:,} TD 1 students ==")
    if s_per_student is None:
        print("not computed: needs the dask1 row of TD 1")
        return
    print(f"s/student on 1 Dask worker (TD 1, measured above): {s_per_student:.2f} s")
    for workers in PAPER_WORKERS:
        grading = PAPER_CLASS * s_per_student / workers
        line = f"{workers:>4} workers: {grading:7.0f} s ({grading / 60:.1f} min) of grading"
        for name, rate in rates.items():
            writing = PAPER_CLASS / rate * 60
            line += f"; {name} client {writing:.0f} s of writes" + (" (the ceiling)" if writing > grading else "")
        print(line)
    for name, rate in rates.items():
        ceiling = rate / 60 * s_per_student
        print(
            f"{name}: the client ({rate:.0f} students/min) becomes the ceiling beyond {ceiling:.0f} workers "
            f"(workers / s_per_student > write rate)"
        )
    if not rates:
        print("the client's ceiling: not computed (--skip-write-rate)")


# ------------------------------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--td1", type=int, default=24, help="copies of the full TD 1 submission")
    parser.add_argument("--td6", type=int, default=8, help="copies of the full TD 6 submission")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--rounds", type=int, default=1, help="grade each TD this many times, the modes in turn")
    parser.add_argument("--skip-write-rate", action="store_true")
    parser.add_argument("--writes", type=int, default=300, help="graded students written per gradebook")
    parser.add_argument(
        "--db-url", help="an empty PostgreSQL database for the write rate (default: a throw-away server)"
    )
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    counts = {"td1": args.td1, "td6": args.td6}
    results = []
    machine: dict[int, float] = {}
    for round_ in range(1, args.rounds + 1):
        if {"dask1", "dask2"} <= set(args.modes):
            machine[round_] = machine_speedup()
            print(f"round {round_} the machine's own speed-up of 2 processes over 1: {machine[round_]:.3f}", flush=True)
        for td, count in counts.items():
            for mode in args.modes if count else ():
                r = dataclasses.replace(grade_class(mode, td, count), round=round_)
                print(
                    f"round {round_} {mode:<10} {TDS[td]:<24} {count:>3} students: {r.wall:7.1f} s, score {r.score:g}",
                    flush=True,
                )
                results.append(r)
    rates: dict[str, float] = {}
    write_seconds = None
    if not args.skip_write_rate:
        print("\n== The client's write rate (writeback.write of one graded TD 1 student, again and again) ==")
        with scratch_dir("autograde-writes-") as scratch:
            graded, seconds = one_graded(scratch)
            print(f"the submission, graded in this process by submission_task.grade: {seconds:.1f} s")
            rates["SQLite"] = write_rate(graded, args.writes, None, scratch / "sqlite")
            write_seconds = 60 / rates["SQLite"]
            print(f"SQLite:     {rates['SQLite']:7.0f} graded students written per minute", flush=True)
            try:
                with postgres_url(args.db_url) as url:
                    rates["PostgreSQL"] = write_rate(graded, args.writes, url, scratch / "postgres")
            except Exception as error:  # noqa: BLE001 - no server here: the row is skipped, and why is said
                print(f"PostgreSQL: skipped: {type(error).__name__}: {str(error)[:500]}")
            else:
                print(
                    f"PostgreSQL: {rates['PostgreSQL']:7.0f} graded students written per minute "
                    f"(goal: at least {GOAL_WRITES_PER_MINUTE})"
                )
    print_modes(results, machine)
    print_profile(results, write_seconds)
    dask1 = [r.wall / r.students for r in results if r.mode == "dask1" and r.td == "td1"]
    print_paper(statistics.median(dask1) if dask1 else None, rates)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":  # required: the LocalCluster's worker processes import this module again
    main()
