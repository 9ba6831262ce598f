"""The import direction between skiff's top-level packages, read from the source with `ast`: the
shared API library knows no component, and no component reaches into another's code."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "proto", "cli", "controlplane", "nodeagent", "deploy")

FORBIDDEN = {
    "api": {"controlplane", "nodeagent", "cli", "deploy"},
    "proto": {"controlplane", "nodeagent", "cli", "deploy"},
    "cli": {"controlplane", "nodeagent"},
    "controlplane": {"cli", "nodeagent", "deploy"},
    "nodeagent": {"controlplane", "cli", "deploy"},
}

# (importing module, imported package) pairs tolerated for now; each names why and who removes it.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_packages(source: str, module: str, is_package: bool = False) -> set[str]:
    """The top-level packages `module` imports, wherever the import stands (functions included)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source, module)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from its own package, or a parent of it
                base = package[:len(package) - node.level + 1]
                found.add(base[0] if base else (node.module or "").split(".")[0])
            elif node.module:
                found.add(node.module.split(".")[0])
    return found


def violations() -> list[str]:
    found = []
    for path in modules():
        name = module_name(path)
        layer = name.split(".")[0]
        imported = imported_packages(path.read_text(), name, path.name == "__init__.py")
        for package in sorted(imported & FORBIDDEN.get(layer, set())):
            if (name, package) not in KNOWN_EXCEPTIONS:
                found.append(f"{path.relative_to(ROOT)}: {layer} must not import {package}")
    return found


def test_every_package_is_read():
    read = {module_name(p).split(".")[0] for p in modules()}
    assert {"api", "proto", "cli", "controlplane", "nodeagent"} <= read


def test_imports_point_only_down_the_layers():
    assert violations() == []


@pytest.mark.parametrize("source, expected", [
    ("import controlplane.scheduler", {"controlplane"}),
    ("from cli.commands import get", {"cli"}),
    ("def f():\n    from nodeagent import main", {"nodeagent"}),
    ("from . import sibling", {"api"}),
    ("from ..deploy import lab", {"api"}),
])
def test_imports_are_found_in_every_form(source, expected):
    assert imported_packages(source, "api.sub.thing") == expected
