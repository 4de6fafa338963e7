"""Command line of the teacher side: ``autograde release | grade | demo``."""
from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import pipeline


def release(repo_root: Path, check: bool, only: list[str] | None = None) -> int:
    """Regenerate release/ from source/ with nbgrader (in a scratch course directory, so that no
    gradebook is left in the repository). With ``check``, only report whether release/ is stale."""
    stale = []
    with tempfile.TemporaryDirectory() as scratch:
        names = only or pipeline.assignments(repo_root)
        course = pipeline.prepare_course(Path(scratch) / "course", repo_root, names)
        for assignment in names:
            fresh = pipeline.generate_release(course, assignment)
            committed = repo_root / "release" / assignment
            same = committed.is_dir() and not _differences(filecmp.dircmp(fresh, committed))
            if same:
                continue
            stale.append(assignment)
            if not check:
                if committed.exists():
                    shutil.rmtree(committed)
                shutil.copytree(fresh, committed)
    if check and stale:
        print("release/ is out of date for: " + ", ".join(stale) + " (run `make release`)")
        return 1
    print("release/ " + ("is up to date" if check or not stale else "regenerated for: " + ", ".join(stale)))
    return 0


def _differences(comparison: filecmp.dircmp) -> list[str]:
    found = comparison.left_only + comparison.right_only + comparison.diff_files + comparison.funny_files
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found


def grade(repo_root: Path, assignment: str, submissions: Path, course: Path, details: bool,
          cell_timeout: int | None = None, sandbox: bool = True) -> int:
    start = time.perf_counter()
    limit = cell_timeout or pipeline.cell_timeout_s()
    print(f"== {assignment}: grading {submissions} in {course} ({limit} s per cell"
          + (", WITHOUT the sandbox: every grade is marked non vérifié" if not sandbox else "") + ")", flush=True)
    try:
        rows = pipeline.grade(assignment, submissions, course, repo_root,
                              progress=lambda line: print(line, flush=True), cell_timeout=cell_timeout, sandbox=sandbox)
    except pipeline.PipelineError as error:
        print(f"autograde grade: {error}", file=sys.stderr)
        return 2
    print("\n" + pipeline.grade_table(rows) + "\n\n" + pipeline.summary(rows))
    notes = pipeline.intake_notes(course)
    if notes:
        print("\nÀ la réception des copies :\n" + "\n".join(
            f"{student} · {notebook} : {note}" for student, by_notebook in notes.items()
            for notebook, found in by_notebook.items() for note in found))
    if details:
        lost = pipeline.lost_points(rows)
        if lost:
            print("\nPoints perdus :\n" + lost)
    print(f"\nFeedback: {course / 'feedback'}   grades: {course / 'grades.csv'}   "
          f"({time.perf_counter() - start:.1f} s)\n", flush=True)
    return 0


# Submissions built to break the grader and to fool it, graded as TD 1 with a short time limit
# (their endless loops would otherwise take a minute each; every correct cell of TD 1 takes well
# under a second).
ATTACKS = (("robustness", "td1_neurone_regression", 15), ("hostile", "td1_neurone_regression", 30))


def demo(repo_root: Path) -> int:
    """The main job: every assignment that has sample submissions, through the whole pipeline,
    then the batches of submissions that try to break or to fool the grader."""
    samples = repo_root / "tests" / "submissions"
    codes = []
    for assignment in pipeline.assignments(repo_root):
        if (samples / assignment).is_dir():
            codes.append(grade(repo_root, assignment, samples / assignment, repo_root / ".grading" / assignment,
                               details=True))
    for folder, assignment, timeout in ATTACKS:
        codes.append(grade(repo_root, assignment, samples / folder, repo_root / ".grading" / folder, details=True,
                           cell_timeout=timeout))
    return max(codes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograde", description=__doc__)
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="course repository (default: .)")
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="regenerate release/ from source/")
    rel.add_argument("--check", action="store_true", help="only check that release/ is up to date")
    rel.add_argument("assignments", nargs="*", help="only these assignments (default: all of source/)")
    gr = commands.add_parser("grade", help="autograde a folder of submissions (<folder>/<student>/*.ipynb)")
    gr.add_argument("assignment")
    gr.add_argument("submissions", type=Path)
    gr.add_argument("--course", type=Path, help="course directory to grade in (default: .grading/<assignment>)")
    gr.add_argument("--details", action="store_true", help="also list every lost point with its message")
    gr.add_argument("--cell-timeout", type=int, help="seconds per cell (default: $AUTOGRADE_CELL_TIMEOUT or 60)")
    gr.add_argument("--no-sandbox", action="store_true",
                    help="grade without bubblewrap (a laptop trying the course): every grade is marked 'non vérifié'")
    commands.add_parser("demo", help="the whole pipeline on the bundled sample submissions")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    if not (repo / "nbgrader_config.py").exists():
        parser.error(f"{repo} is not the course repository (no nbgrader_config.py)")
    if args.command == "release":
        return release(repo, args.check, args.assignments)
    if args.command == "grade":
        course = (args.course or repo / ".grading" / args.assignment).resolve()
        return grade(repo, args.assignment, args.submissions.resolve(), course, args.details, args.cell_timeout,
                     sandbox=not args.no_sandbox)
    return demo(repo)


if __name__ == "__main__":
    sys.exit(main())
