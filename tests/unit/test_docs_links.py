"""The README and docs/ stay true to the tree: every relative link points to a file (and a heading) that
exists, and the layout table of docs/grading.md names every module of autograde/."""

import re
import unicodedata

import pytest
from conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(page) -> set[str]:
    found, seen = set(), {}
    for line in FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"#{1,6} (.+)", line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.relative_to(REPO)}")
    assert not broken, broken


def test_the_layout_table_names_every_module():
    grading = (REPO / "docs" / "grading.md").read_text(encoding="utf-8")
    table = re.search(r"^\| module \| holds \|\n(?:^\|.*\n)+", grading, re.M).group()
    named = set(re.findall(r"^\| `(\w+\.py)` \|", table, re.M))
    modules = {p.name for p in (REPO / "autograde").glob("*.py")}
    assert modules - named == set(), f"modules missing from docs/grading.md's layout: {sorted(modules - named)}"
    assert named - modules == set(), f"docs/grading.md names modules that do not exist: {sorted(named - modules)}"
