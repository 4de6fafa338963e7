"""How long autograding takes: one full TD 1 submission (3 notebooks), median of 3 runs.

    .venv/bin/python benchmarks/grading_time.py [--runs 3] [--student alice_boucles]

Prints one line per run and the median. Each run is a real `nbgrader autograde` of one student
in a scratch course directory (release generated once beforehand, as a teacher would).
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from autograde import pipeline

ASSIGNMENT = "td1_neurone_regression"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--student", default="alice_boucles")
    args = parser.parse_args()
    samples = pipeline.REPO_ROOT / "tests" / "submissions" / ASSIGNMENT
    with tempfile.TemporaryDirectory() as scratch:
        course = pipeline.prepare_course(Path(scratch) / "course", only=[ASSIGNMENT])
        pipeline.generate_release(course, ASSIGNMENT)
        one_student = Path(scratch) / "one"
        one_student.mkdir()
        (one_student / args.student).symlink_to(samples / args.student)
        pipeline.submit(course, ASSIGNMENT, one_student)
        durations = []
        for run in range(args.runs):
            start = time.perf_counter()
            pipeline.autograde(course, ASSIGNMENT)
            durations.append(time.perf_counter() - start)
            score = sum(r.score for r in pipeline.results(course, ASSIGNMENT))
            print(f"run {run + 1}: {durations[-1]:.2f} s (score {score:g})", flush=True)
    print(f"autograde one {ASSIGNMENT} submission ({args.student}): median {statistics.median(durations):.2f} s "
          f"over {args.runs} runs")


if __name__ == "__main__":
    main()
