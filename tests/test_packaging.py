"""The two ways to install (pip from pyproject.toml, conda from environment.yml) get the same packages,
and the README starts with the two set-up commands that CI and teachers run."""
import re
import tomllib

import yaml

from conftest import REPO


def name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_has_the_pyproject_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    conda = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    from_pip = [d for entry in conda if isinstance(entry, dict) for d in entry.get("pip", [])]
    conda_names = {name(d) for d in conda + from_pip if isinstance(d, str)} - {"python", "pip"}
    assert conda_names == {name(d) for d in project["dependencies"]}
    assert "python=3.11" in conda


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make grade", "make test"]
    assert readme.index("make grade") < 600
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
