"""How long autograding one full submission takes, and what trust costs: TD 1 (3 notebooks) and TD 6
(2 notebooks, an MLP trained on MNIST), each graded three ways, median of 3 runs, side by side.

    .venv/bin/python benchmarks/grading_time.py [--runs 3] [--copies 3] [--assignments td1_neurone_regression td6_mlp_mnist]

- ``in-kernel``: nbgrader's own Execute, the hidden tests running in the student's kernel (how the
  course graded before the sandbox: the student's code could forge its grade), the kernel started as in
  ``grader`` mode (same limits, figures drawn);
- ``grader``: the checks judged in the grader's process, the kernel unconfined (``--no-sandbox``);
- ``sandbox``: the checks judged in the grader, the kernel in bubblewrap (the default).

Each run is a real ``nbgrader autograde`` of ``--copies`` copies of the sample student alice_boucles
in a scratch course (release generated once beforehand, as a teacher would), one nbgrader process;
the time per submission is the run's time divided by the copies, so that what a process pays once
(importing scikit-learn for the checks, say) is shared as it is in a class. The score must be the
same in every mode.

The modes take turns, run after run (in-kernel, grader, sandbox, in-kernel, …), so that a machine
whose load changes meanwhile weighs on every mode alike; the sandbox's cost is also given as the median
of each run's ratio to the in-kernel run next to it. The per-phase table splits a submission's time
with :func:`autograde.execution.timings`, as the grading process measured it: the kernel's start (the
sandbox included), the student's cells, the checks judged in the grader (in-kernel: they are cells),
the kernel's shutdown, and the rest (the process's start, nbgrader's own work, the gradebook).
"""

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograde import pipeline
from autograde.course import Course
from autograde.execution import PHASES
from autograde.grading import autograde
from autograde.results import read_results, settings

SAMPLE = "alice_boucles"
# Appended to the scratch course's nbgrader_config.py: nbgrader's stock execution instead of ours, with
# the kernel the grader starts without the sandbox (the same limits, and the inline backend, so that the
# students' figures are drawn into the graded notebook in every mode: drawing them is not the price of
# trust). nbgrader's Execute passes its own kernel manager class as an argument, which a configuration
# does not override: the subclass passes ours. PhaseTimed only reads the clock around nbclient's steps.
IN_KERNEL = """
from nbgrader.preprocessors import Execute as _StockExecute
from autograde.execution import GuardedExecute, PhaseTimed
from autograde.sandbox import LimitedKernelManager
class LimitedStockExecute(PhaseTimed, _StockExecute):
    def __init__(self, **kwargs):
        super().__init__(**{"kernel_manager_class": LimitedKernelManager, **kwargs})
c.Autograde.autograde_preprocessors = [LimitedStockExecute if p is GuardedExecute else p
                                       for p in c.Autograde.autograde_preprocessors]
"""
# Appended in every mode: the grading process writes its phases' seconds where this benchmark reads them.
REPORT = """
from autograde.execution import report_timings
report_timings({folder!r})
"""
MODES = ("in-kernel", "grader", "sandbox")
COLUMNS = (*PHASES, "other")


def timings_folder(scratch: str | Path, mode: str) -> Path:
    return Path(scratch) / f"{mode}-timings"


def course_for(scratch: Path, assignment: str, mode: str, copies: int) -> Course:
    course = Course.init(scratch / mode)
    if mode == "in-kernel":
        with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(IN_KERNEL)
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(REPORT.format(folder=str(timings_folder(scratch, mode))))
    course.ensure_release(assignment)
    folder = scratch / f"{mode}-submissions"
    folder.mkdir()
    for copy in range(copies):
        # copies: Course.take refuses links
        shutil.copytree(pipeline.REPO_ROOT / "tests" / "submissions" / assignment / SAMPLE, folder / f"{SAMPLE}_{copy}")
    course.take(assignment, folder)
    return course


def run_once(course: Course, assignment: str, mode: str, copies: int, timings: Path) -> dict[str, float]:
    """One graded run: seconds per submission, in all and by phase, and the score of one submission."""
    shutil.rmtree(timings, ignore_errors=True)
    timings.mkdir()
    start = time.perf_counter()
    autograde(course, assignment, course.students(assignment), jobs=1, sandbox=mode == "sandbox")
    seconds = time.perf_counter() - start
    phases = dict.fromkeys(PHASES, 0.0)
    for report in timings.glob("*.json"):  # one per grading process
        for name, value in json.loads(report.read_text()).items():
            phases[name] = phases.get(name, 0.0) + value
    row = {name: value / copies for name, value in phases.items()}
    row["other"] = (seconds - sum(phases.values())) / copies
    row["seconds"] = seconds / copies
    row["score"] = sum(r.score for r in read_results(course, assignment)) / copies
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=3, help="submissions graded per run, in one process")
    parser.add_argument("--assignments", nargs="+", default=["td1_neurone_regression", "td6_mlp_mnist"])
    args = parser.parse_args()
    os.environ.setdefault(settings.MNIST_DIR.variable, settings.MNIST_DIR.get())
    print(
        f"one full submission ({SAMPLE}): seconds per submission in a run of {args.copies}, "
        f"median of {args.runs} runs, one nbgrader process; the modes take turns"
    )
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for assignment in args.assignments:
        with tempfile.TemporaryDirectory() as scratch:
            courses = {mode: course_for(Path(scratch), assignment, mode, args.copies) for mode in MODES}
            notebooks = len(list((courses["sandbox"].root / "release" / assignment).glob("*.ipynb")))
            rows: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
            for _ in range(args.runs):
                for mode in MODES:
                    rows[mode].append(
                        run_once(courses[mode], assignment, mode, args.copies, timings_folder(scratch, mode))
                    )
        median = {mode: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for mode, runs in rows.items()}
        base = median["in-kernel"]["seconds"]
        print(f"\n{assignment} ({notebooks} notebooks)")
        print(
            f"{'mode':10} {'seconds':>8} {'per notebook':>13} {'vs in-kernel':>13} {'score':>6}  |"
            + "".join(f" {name:>12}" for name in COLUMNS)
        )
        for mode in MODES:
            m = median[mode]
            print(
                f"{mode:10} {m['seconds']:8.2f} {m['seconds'] / notebooks:13.2f} "
                f"{100 * (m['seconds'] / base - 1):+12.1f}% {m['score']:6g}  |"
                + "".join(f" {m[name]:12.2f}" for name in COLUMNS),
                flush=True,
            )
        paired = [s["seconds"] / k["seconds"] - 1 for s, k in zip(rows["sandbox"], rows["in-kernel"], strict=True)]
        print(
            f"the sandbox's cost over in-kernel: {100 * (median['sandbox']['seconds'] / base - 1):+.1f} % "
            f"(medians), {100 * statistics.median(paired):+.1f} % (median of the runs' ratios: "
            + ", ".join(f"{100 * p:+.1f} %" for p in paired)
            + ")"
        )
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
