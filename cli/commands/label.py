"""`skiff label`: set (`key=value`) or remove (`key-`) labels; changing a value needs --overwrite."""
from __future__ import annotations

from cli import mapedit

EXAMPLES = """examples:
  skiff label pod web tier=frontend          add a label
  skiff label po/web tier=backend --overwrite change an existing one
  skiff label pods -l app=web tier-          remove it from every pod labelled app=web
"""


def register(subparsers, parents) -> None:
    mapedit.register_verb(subparsers, parents, "label", "labels", "label", EXAMPLES)
