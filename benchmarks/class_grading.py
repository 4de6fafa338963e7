"""How long a whole class takes to autograde, one nbgrader process or several.

    .venv/bin/python benchmarks/class_grading.py [--students 12] [--jobs 1 2]

The class is ``--students`` copies of a full correct TD 1 submission (alice_boucles: three
notebooks, 21 points), the common case. For each value of ``--jobs`` it runs the real pipeline's
``autograde`` step in a fresh scratch course and prints the wall time, the time per student and
the total score (which must be 21 per student).
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from autograde import pipeline
from autograde.course import Course
from autograde.grading import autograde
from autograde.results import read_results

ASSIGNMENT = "td1_neurone_regression"


def grade_class(students: int, jobs: int) -> tuple[float, float]:
    sample = pipeline.REPO_ROOT / "tests" / "submissions" / ASSIGNMENT / "alice_boucles"
    with tempfile.TemporaryDirectory() as scratch:
        course = Course.init(Path(scratch) / "course")
        course.ensure_release(ASSIGNMENT)
        folder = Path(scratch) / "class"
        folder.mkdir()
        for k in range(students):
            shutil.copytree(sample, folder / f"etudiant_{k:03d}")  # copies: Course.take refuses links
        course.take(ASSIGNMENT, folder)
        start = time.perf_counter()
        autograde(course, ASSIGNMENT, course.students(ASSIGNMENT), jobs=jobs)
        elapsed = time.perf_counter() - start
        return elapsed, sum(r.score for r in read_results(course, ASSIGNMENT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"{args.students} full {ASSIGNMENT} submissions (3 notebooks each)")
    for jobs in args.jobs:
        elapsed, score = grade_class(args.students, jobs)
        print(
            f"jobs {jobs}: {elapsed:6.1f} s in all, {elapsed / args.students:5.2f} s per student, "
            f"total score {score:g}/{21 * args.students}",
            flush=True,
        )


if __name__ == "__main__":
    main()
