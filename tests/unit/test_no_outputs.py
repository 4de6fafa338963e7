"""Committed notebooks hold no outputs and no execution counts (nbstripout in .pre-commit-config.yaml
strips them at commit time; this test catches a commit made without the hook)."""

import json
import re

from conftest import RELEASE, REPO, SOURCE, SUBMISSIONS

COMMITTED = sorted(
    p for root in (SOURCE, RELEASE, SUBMISSIONS) for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


def leftovers(path) -> list[str]:
    """What a run left in the notebook at ``path``: one line per code cell with outputs or a count."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        cells = json.loads(text).get("cells", [])
    except ValueError:
        # Sample submissions built unreadable on purpose (an empty file, truncated JSON): they are no
        # notebook, but what they hold must not come from a run either.
        return [
            f"raw text: {m.group(0)}"
            for m in re.finditer(r'"(output_type|execution_count)": *"?\w+', text)
            if m.group(0).split(":")[-1].strip() != "null"
        ]
    found = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {index}: {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"cell {index}: execution count {cell['execution_count']}")
    return found


def test_every_kind_of_committed_notebook_is_checked():
    kinds = {p.relative_to(REPO).parts[0] for p in COMMITTED}
    assert kinds == {"source", "release", "tests"}, kinds
    assert len(COMMITTED) > 100


def test_committed_notebooks_hold_no_outputs_and_no_execution_counts():
    found = {str(p.relative_to(REPO)): leftovers(p) for p in COMMITTED}
    assert {path: what for path, what in found.items() if what} == {}, (
        "strip them: `pre-commit run nbstripout --all-files` (or `nbstripout --keep-id <notebook>`)"
    )


def test_the_check_sees_outputs_and_counts(tmp_path):
    """The check above would see a notebook that was run, and a broken file that holds a run's traces."""
    run = tmp_path / "run.ipynb"
    run.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": 3,
                        "metadata": {},
                        "source": "1",
                        "outputs": [
                            {
                                "output_type": "execute_result",
                                "data": {"text/plain": "1"},
                                "execution_count": 3,
                                "metadata": {},
                            }
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    assert leftovers(run) == ["cell 0: 1 output(s)", "cell 0: execution count 3"]
    truncated = tmp_path / "truncated.ipynb"
    truncated.write_text(
        '{"cells": [{"cell_type": "code", "execution_count": null, "outputs": [{"output_type": "str', encoding="utf-8"
    )
    assert leftovers(truncated) == ['raw text: "output_type": "str']
