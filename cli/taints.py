"""`skiff taint` specs (`key=value:Effect`, `key:Effect-`, `key-`) and their effect on a node's taints,
as pure functions that kubectl's messages come out of."""
from __future__ import annotations

from dataclasses import dataclass

from cli.errors import CliError

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


@dataclass(frozen=True)
class TaintSpec:
    key: str
    value: str = ""
    effect: str = ""  # "" on a removal: every effect of the key
    remove: bool = False

    def text(self) -> str:
        return self.key + (f"={self.value}" if self.value else "") + (f":{self.effect}" if self.effect else "")


def parse(word: str) -> TaintSpec:
    remove = word.endswith("-")
    body = word[:-1] if remove else word
    key_value, colon, effect = body.partition(":")
    key, _, value = key_value.partition("=")
    if not key or (not remove and not colon):
        raise CliError(f"invalid taint spec: {word}, a taint is KEY[=VALUE]:EFFECT (or KEY[:EFFECT]- to remove)")
    if effect and effect not in EFFECTS:
        raise CliError(f'invalid taint effect: {effect}, unsupported taint effect (one of {", ".join(EFFECTS)})')
    return TaintSpec(key, value, effect, remove)


def apply(node_name: str, taints: list, specs: list[TaintSpec], overwrite: bool) -> tuple[list[dict], str]:
    """(the node's new taints as dicts, kubectl's verb: tainted/untainted/modified); CliError as kubectl."""
    current = [{"key": t.key, "value": t.value, "effect": t.effect} for t in taints]
    added = removed = False
    for spec in specs:
        if spec.remove:
            kept = [t for t in current if not (t["key"] == spec.key and (not spec.effect or t["effect"] == spec.effect))]
            if len(kept) == len(current):
                raise CliError(f'taint "{spec.text()}" not found')
            current, removed = kept, True
            continue
        same = [t for t in current if t["key"] == spec.key and t["effect"] == spec.effect]
        if same and not overwrite:
            raise CliError(f"node {node_name} already has {spec.key} taint(s) with same effect(s) and "
                           f"--overwrite is false")
        current = [t for t in current if t not in same] + [{"key": spec.key, "value": spec.value,
                                                              "effect": spec.effect}]
        added = True
    verb = "modified" if added and removed else "tainted" if added else "untainted"
    return current, verb
