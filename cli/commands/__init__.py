"""The verbs of `skiff`, one module each: `register(subparsers, parents)` adds its parser and handler.

Adding a verb is one new module here and its name in NAMES. A command line imports only its own
verb's module (the others cost startup time), so a verb module imports what it needs itself.
"""
from __future__ import annotations

import importlib
from types import ModuleType

NAMES = ("get", "describe", "apply", "create", "delete", "scale", "rollout", "label", "annotate",
         "api_resources", "version", "completion", "logs", "exec",
         "expose", "top", "autoscale", "set", "wait", "cordon", "taint", "drain", "port_forward", "cp", "run", "explain", "cluster_info", "diff", "edit", "config", "attach", "patch", "certs", "auth", "debug")


def verb_of(name: str) -> str:
    """`api-resources` for the module `api_resources`."""
    return name.replace("_", "-")


def load(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")


# verbs registered by another verb's module
_SHARED = {"uncordon": "cordon"}


def module_for_verb(verb: str) -> str | None:
    """The module name of a verb typed on the command line, or None for an unknown one."""
    name = verb.replace("-", "_")
    name = _SHARED.get(name, name)
    return name if name in NAMES else None
