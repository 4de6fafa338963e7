"""The two ways to install (pip from pyproject.toml, conda from environment.yml) get the same packages,
and the README starts with the two set-up commands that CI and teachers run."""

import ast
import re
import tomllib

import yaml
from conftest import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_has_the_pyproject_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    conda = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    from_pip = [d for entry in conda if isinstance(entry, dict) for d in entry.get("pip", [])]
    conda_names = {name(d) for d in conda + from_pip if isinstance(d, str)} - {"python", "pip"}
    assert conda_names == {name(d) for d in project["dependencies"]}
    assert {d.replace(" ", "") for d in conda + from_pip if isinstance(d, str)} >= set(project["dependencies"])
    assert "python=3.11" in conda


def locked() -> dict[str, str]:
    """requirements.lock as {normalised name: version}."""
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)==([^ ;]+)", line)
        if found:
            pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def test_the_lock_pins_every_dependency_within_its_bounds():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = locked()
    for requirement in map(Requirement, project["dependencies"] + project["optional-dependencies"]["test"]):
        version = pins.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in requirements.lock (make lock)"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement.name}=={version} ∉ {requirement}"
        )


def test_every_package_the_code_imports_is_declared():
    """A third-party module imported by autograde/ is a declared dependency (not only a dependency's)."""
    import sys
    from importlib.metadata import packages_distributions

    owners = packages_distributions()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    imported = set()
    for path in (REPO / "autograde").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "autograde"}
    undeclared = {
        m: owners.get(m) for m in third_party if not {canonicalize_name(d) for d in owners.get(m, [m])} & declared
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make grade", "make test"]
    assert readme.index("make grade") < 600
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
