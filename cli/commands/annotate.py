"""`skiff annotate`: set (`key=value`) or remove (`key-`) annotations; changing one needs --overwrite."""
from __future__ import annotations

from cli import mapedit

EXAMPLES = """examples:
  skiff annotate pod web owner=alice
  skiff annotate deploy/api owner=bob --overwrite
  skiff annotate pod web owner-
"""


def register(subparsers, parents) -> None:
    mapedit.register_verb(subparsers, parents, "annotate", "annotations", "annotation", EXAMPLES)
