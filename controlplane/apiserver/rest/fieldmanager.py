"""Field ownership for server-side apply, a faithful-lite version of Kubernetes' managedFields: which
manager set which field, conflicts when an apply would change another manager's field, and removal of
fields an applier stops setting. Pure functions over the manifest form.

A field path is a tuple: ("spec", "replicas"), or through a keyed list
("spec", "template", "spec", "containers", 'k:{"name":"app"}', "image").
"""
from __future__ import annotations

import json
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from api import schema
from api.patch import field_of, is_map

Path = tuple[str, ...]
MISSING = object()
# Identity and server-owned parts of an object that no manager owns.
_IGNORED_TOP = {"apiVersion", "kind", "status"}
_IGNORED_META = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                 "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields"}


def _map_value_message(field: FieldDescriptor) -> Descriptor | None:
    value = field.message_type.fields_by_name["value"]
    return value.message_type if value.type == FieldDescriptor.TYPE_MESSAGE else None


def item_key(merge_key: str, item: dict) -> str:
    return "k:" + json.dumps({merge_key: item.get(merge_key)}, separators=(",", ":"), sort_keys=True)


def field_set(data: dict, descriptor: Descriptor | None) -> set[Path]:
    """Every leaf field an object (or an apply configuration) sets; `descriptor` None: untyped JSON, whose
    lists are atomic (a custom resource's)."""
    out: set[Path] = set()
    for key, value in data.items():
        if key in _IGNORED_TOP:
            continue
        if key == "metadata" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k not in _IGNORED_META}
            meta_field = field_of(descriptor, "metadata")  # None for a custom resource: plain JSON
            _walk(meta, meta_field.message_type if meta_field is not None else None, ("metadata",), out)
            continue
        _walk({key: value}, descriptor, (), out)
    return out


def _walk(data: Any, descriptor: Descriptor | None, path: Path, out: set[Path]) -> None:
    for key, value in data.items():
        field = field_of(descriptor, key)
        here = path + (key,)
        if value is None:
            continue
        if is_map(field):
            if not isinstance(value, dict) or not value:
                out.add(here)
                continue
            inner = _map_value_message(field)
            for k, v in value.items():
                if inner is not None and isinstance(v, dict) and v:
                    _walk(v, inner, here + (k,), out)
                else:
                    out.add(here + (k,))
        elif isinstance(value, list):
            merge_key = schema.MERGE_KEYS.get(field.full_name) if field is not None else None
            if merge_key is None or not value:
                out.add(here)  # an atomic list: owned whole
                continue
            for item in value:
                if not isinstance(item, dict):
                    out.add(here)
                    break
                at = here + (item_key(merge_key, item),)
                out.add(at)
                _walk({k: v for k, v in item.items() if k != merge_key}, field.message_type, at, out)
        elif isinstance(value, dict) and value and field is not None and field.type == FieldDescriptor.TYPE_MESSAGE:
            _walk(value, field.message_type, here, out)
        elif isinstance(value, dict) and value and descriptor is None:
            _walk(value, None, here, out)  # untyped JSON (a custom resource): every map is a struct
        else:
            out.add(here)


def get(data: Any, path: Path) -> Any:
    """The value at a path, or MISSING."""
    for part in path:
        if part.startswith("k:") and isinstance(data, list):
            wanted = json.loads(part[2:])
            data = next((i for i in data if isinstance(i, dict)
                         and all(i.get(k) == v for k, v in wanted.items())), MISSING)
        elif isinstance(data, dict):
            data = data.get(part, MISSING)
        else:
            return MISSING
        if data is MISSING:
            return MISSING
    return data


def remove(data: Any, path: Path) -> None:
    """Delete the value at a path (in place), if there."""
    parent = get(data, path[:-1]) if len(path) > 1 else data
    last = path[-1]
    if last.startswith("k:") and isinstance(parent, list):
        wanted = json.loads(last[2:])
        parent[:] = [i for i in parent if not (isinstance(i, dict) and all(i.get(k) == v for k, v in wanted.items()))]
        if not parent and len(path) > 1:
            remove(data, path[:-1])  # the last item gone: the list goes too, as Kubernetes leaves no []
    elif isinstance(parent, dict):
        parent.pop(last, None)


def changed(old: dict | None, new: dict, descriptor: Descriptor) -> set[Path]:
    """The fields an update set to a new value (every field, for a create)."""
    fields = field_set(new, descriptor)
    if old is None:
        return fields
    return {p for p in fields if get(old, p) != get(new, p)}


# ---------------------------------------------------------------- FieldsV1 (the wire form)

def to_fields_v1(paths: set[Path]) -> dict:
    tree: dict = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(part if part.startswith("k:") else f"f:{part}", {})
        if path and path[-1].startswith("k:"):
            node.setdefault(".", {})
    return tree


def from_fields_v1(tree: dict, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for key, child in tree.items():
        if key == ".":
            out.add(prefix)
            continue
        here = prefix + ((key if key.startswith("k:") else key[2:]),)
        if child:
            out |= from_fields_v1(child, here)
        else:
            out.add(here)
    return out


def path_text(path: Path) -> str:
    """`.spec.replicas`, `.spec.template.spec.containers[name="app"].image`, as Kubernetes prints them."""
    out = ""
    for part in path:
        if part.startswith("k:"):
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(part[2:]).items()) + "]"
        else:
            out += f".{part}"
    return out


# ---------------------------------------------------------------- managers

Entry = dict  # {"manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"}


def entry(manager: str, operation: str, api_version: str, time: str, paths: set[Path]) -> Entry:
    return {"manager": manager, "operation": operation, "apiVersion": api_version, "time": time,
            "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths)}


def record_update(entries: list[Entry], manager: str, paths: set[Path], api_version: str, time: str,
                  operation: str = "Update") -> list[Entry]:
    """Give `paths` to `manager` (as Kubernetes does on a write): taken from every other manager."""
    if not paths:
        return entries
    out = []
    mine: set[Path] = set()
    for e in entries:
        owned = from_fields_v1(e.get("fieldsV1") or {})
        if e["manager"] == manager and e["operation"] == operation:
            mine = owned
            continue
        rest = owned - paths
        if rest:
            out.append({**e, "fieldsV1": to_fields_v1(rest)})
    out.append(entry(manager, operation, api_version, time, mine | paths))
    return out


class ApplyConflict(Exception):
    def __init__(self, conflicts: list[tuple[str, Path]]):
        self.conflicts = conflicts
        super().__init__(conflict_message(conflicts))


def conflict_message(conflicts: list[tuple[str, Path]]) -> str:
    """Kubernetes' text: one conflict on one line; several grouped under each manager, managers sorted.
    Each manager is as `manager_text` prints it."""
    if len(conflicts) == 1:
        manager, path = conflicts[0]
        return f"Apply failed with 1 conflict: conflict with {manager}: {path_text(path)}"
    lines: list[str] = []
    for manager in sorted({m for m, _ in conflicts}):
        lines.append(f"conflicts with {manager}:")
        lines += [f"- {path_text(p)}" for m, p in conflicts if m == manager]
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


def manager_text(e: Entry) -> str:
    """A manager as a conflict names it: `"kubectl" using apps/v1` for an Update (the API version it wrote
    with; Kubernetes leaves the time out of a manager's identity), `"kubectl"` for an Apply."""
    text = json.dumps(e["manager"])
    if e.get("subresource"):
        text += f" with subresource {json.dumps(e['subresource'])}"
    if e.get("operation") == "Update":
        text += f" using {e.get('apiVersion', '')}"
    return text


def apply(live: dict, config: dict, entries: list[Entry], manager: str, descriptor: Descriptor, force: bool,
          merge, api_version: str, time: str) -> tuple[dict, list[Entry]]:
    """(the object after `manager` applies `config` to `live`, the managers after it).

    Raises ApplyConflict when the config would change a field another manager owns, unless `force`.
    `merge(live, config)` is the structural merge (strategic merge with the kinds' merge keys).
    """
    wanted = field_set(config, descriptor)
    mine_before: set[Path] = set()
    others: list[tuple[Entry, set[Path]]] = []
    for e in entries:
        owned = from_fields_v1(e.get("fieldsV1") or {})
        if e["manager"] == manager and e["operation"] == "Apply":
            mine_before = owned
        else:
            others.append((e, owned))
    conflicts = sorted((manager_text(e), p) for e, owned in others for p in wanted & owned
                       if get(live, p) != get(config, p))
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    taken = {p for _, p in conflicts}
    merged = merge(live, config)
    still_owned: set[Path] = set()
    kept: list[Entry] = []
    for e, owned in others:
        rest = owned - taken
        still_owned |= rest
        if rest:
            kept.append({**e, "fieldsV1": to_fields_v1(rest)})
    for path in sorted(mine_before - wanted - still_owned, key=len, reverse=True):
        remove(merged, path)
    return merged, kept + [entry(manager, "Apply", api_version, time, wanted)]
