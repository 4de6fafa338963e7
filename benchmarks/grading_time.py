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
"""

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograde import pipeline
from autograde.course import Course
from autograde.grading import autograde
from autograde.results import read_results, settings

SAMPLE = "alice_boucles"
# Appended to the scratch course's nbgrader_config.py: nbgrader's stock execution instead of ours, with
# the kernel the grader starts without the sandbox (the same limits, and the inline backend, so that the
# students' figures are drawn into the graded notebook in every mode: drawing them is not the price of trust).
IN_KERNEL = """
from nbgrader.preprocessors import Execute as _StockExecute
from autograde.execution import GuardedExecute
from autograde.sandbox import LimitedKernelManager
c.Autograde.autograde_preprocessors = [_StockExecute if p is GuardedExecute else p
                                       for p in c.Autograde.autograde_preprocessors]
c.Execute.kernel_manager_class = LimitedKernelManager
"""
MODES = ("in-kernel", "grader", "sandbox")


def course_for(scratch: Path, assignment: str, mode: str, copies: int) -> Path:
    course = Course.init(scratch / mode)
    if mode == "in-kernel":
        with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(IN_KERNEL)
    course.ensure_release(assignment)
    folder = scratch / f"{mode}-submissions"
    folder.mkdir()
    for copy in range(copies):
        # copies: Course.take refuses links
        shutil.copytree(pipeline.REPO_ROOT / "tests" / "submissions" / assignment / SAMPLE, folder / f"{SAMPLE}_{copy}")
    course.take(assignment, folder)
    return course


def time_mode(assignment: str, mode: str, runs: int, copies: int) -> tuple[float, float, int]:
    """(median seconds per submission, score of one submission, notebooks) over ``runs`` runs."""
    with tempfile.TemporaryDirectory() as scratch:
        course = course_for(Path(scratch), assignment, mode, copies)
        durations, score = [], None
        for _ in range(runs):
            start = time.perf_counter()
            autograde(course, assignment, course.students(assignment), jobs=1, sandbox=mode == "sandbox")
            durations.append((time.perf_counter() - start) / copies)
            score = sum(r.score for r in read_results(course, assignment)) / copies
        notebooks = len(list((course.root / "release" / assignment).glob("*.ipynb")))
        return statistics.median(durations), score, notebooks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=3, help="submissions graded per run, in one process")
    parser.add_argument("--assignments", nargs="+", default=["td1_neurone_regression", "td6_mlp_mnist"])
    args = parser.parse_args()
    os.environ.setdefault(settings.MNIST_DIR.variable, settings.MNIST_DIR.get())
    print(
        f"one full submission ({SAMPLE}): seconds per submission in a run of {args.copies}, "
        f"median of {args.runs} runs, one nbgrader process"
    )
    print(f"{'assignment':24} {'mode':10} {'seconds':>8} {'per notebook':>13} {'vs in-kernel':>13} {'score':>6}")
    for assignment in args.assignments:
        base = None
        for mode in MODES:
            seconds, score, notebooks = time_mode(assignment, mode, args.runs, args.copies)
            base = base or seconds
            print(
                f"{assignment:24} {mode:10} {seconds:8.2f} {seconds / notebooks:13.2f} "
                f"{100 * (seconds / base - 1):+12.1f}% {score:6g}",
                flush=True,
            )


if __name__ == "__main__":
    main()
