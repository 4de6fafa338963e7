"""Mutation testing of the checks: every mutant of a reference solution must fail its check.

For each graded function or class of a notebook package (``td6.mlp_numpy``), :mod:`autograde.mutators`
makes every one-change variant of the reference; each variant is handed to the function's checks as a
student would be (:class:`~autograde.checking.LocalStudent`, same drivers, same helpers, same seed as at
grading time). A mutant is *killed* when one check fails it (or it runs out of CPU time or memory:
the grader would give that cell 0 too), *equivalent* when the package's ``mutants.py`` lists it in
``EQUIVALENT`` with the reason it computes the same function, and *survived* otherwise: a wrong
function the check would give full marks to.

    python -m autograde.mutation                       # every package: the report, survivors listed
    python -m autograde.mutation td6.mlp_numpy         # one package (or td6, or td6.mlp_numpy.train)

The exit status is 1 when a mutant survived, an ``EQUIVALENT`` entry names no surviving mutant (a
stale or wrong entry), or the reference itself fails its check.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import inspect
import multiprocessing
import os
import resource
import signal
import sys
import textwrap
import time
from dataclasses import dataclass, field

from .checking import LocalStudent
from .hidden_tests import run_check
from .mutators import Mutant, mutants
from .registry import graded, notebook, notebook_packages

__all__ = ["Target", "TargetReport", "targets", "run", "main"]

MEMORY_LIMIT = 6 * 2**30  # bytes of address space per mutant worker: a mutant that allocates wildly is killed
CPU_FLOOR = 20.0  # seconds of CPU a mutant's checks may take at least (then 10 × the reference's)


@dataclass(frozen=True)
class Target:
    """A graded function or class of a package, with the ids of the checks that judge it."""

    package: str  # "td5.autograd"
    name: str  # "Value"
    check_ids: tuple[str, ...]  # ("td5.autograd.Value/arithmetic", …)

    @property
    def key(self) -> str:
        return f"{self.package}.{self.name}"

    @property
    def reference(self):
        """The solution's function or class."""
        return graded(self.check_ids[0]).reference


@dataclass
class TargetReport:
    target: Target
    mutants: int = 0
    killed: int = 0
    equivalent: dict[str, str] = field(default_factory=dict)  # mutant id -> reason, for those generated
    survived: list[Mutant] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # EQUIVALENT ids killed or not generated
    reference_failed: str | None = None

    @property
    def ok(self) -> bool:
        return not self.survived and not self.stale and self.reference_failed is None


def _solution(package: str):
    return importlib.import_module(f"autograde.{package}.solution")


def targets(package: str) -> list[Target]:
    """The graded objects of a package, as it declares them (:mod:`autograde.registry`): a function, or
    a class with the ids of its aspects (``Value`` for ``Value/arithmetic``, ``Value/backward``…)."""
    found: dict[str, list[str]] = {}
    # In the report's order: by name, a class's aspects together (Value/arithmetic, Value/backward…).
    for function in sorted(notebook(package).graded, key=lambda function: function.key.replace("/", "_")):
        found.setdefault(function.name, []).append(function.check_id)
    return [Target(package, name, tuple(ids)) for name, ids in found.items()]


def equivalents(package: str) -> dict[str, dict[str, str]]:
    """``EQUIVALENT`` of the package's ``mutants.py``: {target name: {mutant id: why it is equivalent}}."""
    try:
        module = importlib.import_module(f"autograde.{package}.mutants")
    except ModuleNotFoundError as error:
        if error.name != f"autograde.{package}.mutants":
            raise
        return {}
    return module.EQUIVALENT


def _source(target: Target) -> str:
    return textwrap.dedent(inspect.getsource(target.reference))


# ------------------------------------------------------------------------------------ one mutant
class _OutOfTime(BaseException):
    """Not an Exception: the checks' own ``except Exception`` must not take a timeout for an answer."""


def _on_cpu_limit(*_):
    raise _OutOfTime


def _worker_init():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, resource.getrlimit(resource.RLIMIT_AS)[1]))
    signal.signal(signal.SIGPROF, _on_cpu_limit)


def _judge(target: Target, obj) -> str | None:
    """None when every check of the target passes ``obj``; else the first failing verdict's message."""
    for check_id in target.check_ids:
        verdict = run_check(check_id, LocalStudent.of(obj, target.name))
        if not verdict.passed:
            return verdict.message
    return None


def _run_mutant(target: Target, source: str, cpu_limit: float) -> str:
    """``killed``, ``timeout``, ``memory``, ``error`` (the check itself raised: also killed) or ``survived``."""
    namespace = dict(vars(_solution(target.package)))  # the reference's module, with the mutant in place
    exec(compile(source, f"<mutant of {target.key}>", "exec"), namespace)  # noqa: S102 - our own code, mutated
    signal.setitimer(signal.ITIMER_PROF, cpu_limit)
    try:
        return "killed" if _judge(target, namespace[target.name]) is not None else "survived"
    except _OutOfTime:
        return "timeout"
    except MemoryError:
        return "memory"
    except Exception:  # noqa: BLE001 - a check that cannot even use the answer rejects it
        return "error"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _reference_time(target: Target) -> tuple[float, str | None]:
    start = time.process_time()
    failed = _judge(target, target.reference)
    return time.process_time() - start, failed


# ------------------------------------------------------------------------------------- a whole run
def run(selected: list[Target], jobs: int, progress=None) -> list[TargetReport]:
    """Every mutant of every selected target through its checks, ``jobs`` processes at a time."""
    reports = []
    # A fork server, not fork: this process may run threads (BLAS, pytest-xdist), which fork does not carry.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograde.mutation", "autograde.registry"])
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init) as pool:
        pending = []
        for target in selected:
            report = TargetReport(target)
            reports.append(report)
            seconds, report.reference_failed = _reference_time(target)
            listed = dict(equivalents(target.package).get(target.name, {}))
            generated = mutants(_source(target))
            report.mutants = len(generated)
            limit = max(CPU_FLOOR, 10 * seconds)
            for mutant in generated:
                pending.append((report, mutant, listed, pool.submit(_run_mutant, target, mutant.source, limit)))
            generated_ids = {m.id for m in generated}
            report.stale += [i for i in listed if i not in generated_ids]
        for report, mutant, listed, future in pending:
            try:
                outcome = future.result()
            except concurrent.futures.process.BrokenProcessPool:
                raise SystemExit("a mutant killed its worker process; rerun that target alone to see which") from None
            if outcome == "survived" and mutant.id in listed:
                report.equivalent[mutant.id] = listed[mutant.id]
            elif outcome == "survived":
                report.survived.append(mutant)
            else:
                report.killed += 1
                if mutant.id in listed:
                    report.stale.append(mutant.id)  # listed as equivalent, yet a check tells it apart
            if progress:
                progress(report, mutant, outcome)
    return reports


def select(selectors: list[str]) -> list[Target]:
    """Targets named by ``td6``, ``td6.mlp_numpy`` or ``td6.mlp_numpy.train`` (every one when empty)."""
    packages = notebook_packages()
    chosen = []
    for package in packages:
        for target in targets(package):
            if not selectors or any(target.key == s or target.key.startswith(s + ".") for s in selectors):
                chosen.append(target)
    unknown = [s for s in selectors if not any(t.key == s or t.key.startswith(s + ".") for t in chosen)]
    if unknown:
        raise SystemExit(f"no graded function matches {', '.join(unknown)}")
    return chosen


def _rate(killed: int, mutants: int, equivalent: int) -> str:
    counted = mutants - equivalent
    return f"{100 * killed / counted:.1f} %" if counted else "—"


def format_report(reports: list[TargetReport]) -> str:
    lines = [f"{'function':<44} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'survived':>8} {'kill rate':>9}"]
    for report in reports:
        lines.append(
            f"{report.target.key:<44} {report.mutants:>7} {report.killed:>7} {len(report.equivalent):>7} "
            f"{len(report.survived):>8} {_rate(report.killed, report.mutants, len(report.equivalent)):>9}"
        )
    by_td: dict[str, list[int]] = {}
    for report in reports:
        sums = by_td.setdefault(report.target.package.split(".")[0], [0, 0, 0, 0])
        for i, value in enumerate((report.mutants, report.killed, len(report.equivalent), len(report.survived))):
            sums[i] += value
    lines.append("")
    lines.append(f"{'TD':<44} {'mutants':>7} {'killed':>7} {'equiv.':>7} {'survived':>8} {'kill rate':>9}")
    for td, (total, killed, equivalent, survived) in sorted(by_td.items()):
        lines.append(
            f"{td:<44} {total:>7} {killed:>7} {equivalent:>7} {survived:>8} {_rate(killed, total, equivalent):>9}"
        )
    for report in reports:
        if report.reference_failed:
            lines += ["", f"{report.target.key}: THE REFERENCE FAILS ITS CHECK: {report.reference_failed}"]
        for mutant in report.survived:
            lines += ["", f"SURVIVED {report.target.key}  [{mutant.operator}]  {mutant.id}"]
        for stale in report.stale:
            lines += ["", f"STALE EQUIVALENT {report.target.key}: {stale!r} is killed or no longer generated"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograde.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("selectors", nargs="*", help="td6, td6.mlp_numpy or td6.mlp_numpy.train (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    selected = select(args.selectors)
    start = time.monotonic()
    reports = run(selected, args.jobs)
    print(format_report(reports))
    total = sum(r.mutants for r in reports)
    print(
        f"\n{total} mutants of {len(reports)} graded functions in {time.monotonic() - start:.0f} s ({args.jobs} jobs)"
    )
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
