"""The verbs of `skiff`, one module each: `register(subparsers, parents)` adds its parser and handler.

Adding a verb is one new module here and its name in NAMES.
"""
from __future__ import annotations

import importlib

NAMES = ("get", "describe", "apply", "create", "delete", "scale", "rollout", "label", "annotate",
         "api_resources", "version", "completion", "logs", "exec",
         "expose", "certs")

MODULES = tuple(importlib.import_module(f"{__name__}.{name}") for name in NAMES)
