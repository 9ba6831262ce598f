"""The three patch types of Kubernetes over the manifest form: JSON patch (RFC 6902), JSON merge patch
(RFC 7386) and strategic merge patch (Kubernetes' patch strategies and merge keys, as options on the
fields of proto/types.proto). Pure functions, shared by the Patch RPC, the REST API's PATCH and the CLI.
"""
from __future__ import annotations

import copy
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from api import manifest, meta
from proto import types_pb2

# kubectl's --type names, and the content types Kubernetes' REST API names them by.
TYPES = ("json", "merge", "strategic")
CONTENT_TYPES = {"application/json-patch+json": "json", "application/merge-patch+json": "merge",
                 "application/strategic-merge-patch+json": "strategic"}

DIRECTIVE = "$patch"  # in a map: "replace", "delete" or "merge"; in a list item: "delete" or "replace"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/"
SET_ELEMENT_ORDER = "$setElementOrder/"


class PatchError(ValueError):
    """A patch that cannot be applied (malformed, or a JSON patch test/path that fails)."""


def patch_type(name: str) -> str:
    """"json", "merge" or "strategic" for a --type name or a content type ("" is strategic)."""
    name = CONTENT_TYPES.get(name, name or "strategic")
    if name not in TYPES:
        raise PatchError(f'unknown patch type "{name}": one of {", ".join(TYPES)}')
    return name


def apply(kind: str, original: dict, patch: Any, descriptor: Descriptor | None) -> dict:
    """`original` (a manifest) with `patch` (parsed from JSON or YAML) of type `kind` applied;
    `descriptor` is the object's message, whose field options say how lists merge."""
    kind = patch_type(kind)
    if kind == "json":
        return json_patch(original, patch)
    if not isinstance(patch, dict):
        raise PatchError("a merge patch must be a JSON object")
    if kind == "merge":
        return merge_patch(original, patch)
    return strategic_merge(original, patch, descriptor)


def json_patch(original: dict, operations: Any) -> dict:
    """RFC 6902, by the jsonpatch library."""
    import jsonpatch  # only patching pays for it
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    try:
        return jsonpatch.apply_patch(original, operations)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError) as e:
        raise PatchError(str(e)) from None


def patch_object(obj: Message, kind: str, patch: Any, validation: str = manifest.STRICT) -> tuple[Message, list[str]]:
    """A typed object patched, and the warnings field validation gave; ManifestError or PatchError.

    A merge or strategic patch is applied along its own shape: only the fields it names are read and
    written (patching a label converts neither the spec nor the rest of the metadata), and a message
    goes through the manifest form only where the patch needs it there (lists, directives, scalars,
    unknown or duplicate keys). A JSON patch, or one naming top-level scalars, patches the whole manifest.
    """
    kind = patch_type(kind)
    fields = _json_fields(obj.DESCRIPTOR)
    parts = isinstance(patch, dict) and not getattr(patch, "repeated", ()) and all(
        not k.startswith("$") and k in fields and fields[k].type == FieldDescriptor.TYPE_MESSAGE
        and not fields[k].is_repeated for k in patch)
    if kind == "json" or not parts:
        return manifest.decode(apply(kind, manifest.to_dict(obj), patch, obj.DESCRIPTOR), validation=validation)
    out = meta.copy(obj)
    warnings: list[str] = []
    _patch_message(out, patch, kind, "", validation, warnings)
    return out, warnings


def _patch_message(msg: Message, patch: dict, kind: str, path: str, validation: str, warnings: list[str]) -> None:
    """Apply a merge or strategic `patch` (a mapping) to `msg` in place, field by field where that is the
    same as patching its manifest form, else through the manifest form of `msg` as a whole."""
    fields = _json_fields(msg.DESCRIPTOR)
    if not all(_in_place(fields.get(k), k, v) for k, v in patch.items()) or getattr(patch, "repeated", ()):
        had = manifest.to_dict(msg)
        merged = merge_patch(had, patch) if kind == "merge" else strategic_merge(had, patch, msg.DESCRIPTOR)
        part, found = manifest.decode_part(type(msg), merged, path, validation)
        msg.CopyFrom(part)
        warnings += found
        return
    for key, value in patch.items():
        field = fields[key]
        if value is None:  # null removes the field, in both merge and strategic merge
            msg.ClearField(field.name)
        elif is_map(field):
            target = getattr(msg, field.name)
            for k, v in value.items():
                if v is None:
                    target.pop(k, None)
                else:
                    target[k] = v
        else:
            sub = getattr(msg, field.name)
            sub.SetInParent()  # `{}` makes the field present, as it does in the manifest form
            _patch_message(sub, value, kind, f"{path}.{key}" if path else key, validation, warnings)


def _in_place(field: FieldDescriptor | None, key: str, value: Any) -> bool:
    """Whether this key of a patch can be applied to the typed field as it stands: null, a map of strings
    by strings (labels, annotations, selectors), or a mapping into a plain nested message."""
    if field is None or key.startswith("$"):
        return False
    if value is None:
        return True
    if not isinstance(value, dict):
        return False
    if is_map(field):
        entry = field.message_type.fields_by_name["value"]
        return (entry.type == FieldDescriptor.TYPE_STRING and field.full_name not in manifest.QUANTITY_MAPS
                and not getattr(value, "repeated", ())
                and all(isinstance(k, str) and not k.startswith("$") and (v is None or isinstance(v, str))
                        for k, v in value.items()))
    return (field.type == FieldDescriptor.TYPE_MESSAGE and not field.is_repeated
            and field.message_type.full_name not in (manifest.INT_OR_STRING, manifest.RAW_JSON))


# ---------------------------------------------------------------- RFC 7386

def merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null removes a key, anything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


# ---------------------------------------------------------------- strategic merge

def strategy(field: FieldDescriptor | None) -> tuple[set[str], str]:
    """(patch strategies, merge key) of a field from its options in proto/types.proto."""
    if field is None:
        return set(), ""
    options = field.GetOptions()
    strategies = options.Extensions[types_pb2.patch_strategy]
    return set(filter(None, strategies.split(","))), options.Extensions[types_pb2.patch_merge_key]


def field_of(descriptor: Descriptor | None, key: str) -> FieldDescriptor | None:
    if descriptor is None:
        return None
    return _json_fields(descriptor).get(key)


_FIELDS: dict[str, dict[str, FieldDescriptor]] = {}


def _json_fields(descriptor: Descriptor) -> dict[str, FieldDescriptor]:
    found = _FIELDS.get(descriptor.full_name)
    if found is None:
        found = _FIELDS[descriptor.full_name] = {f.json_name: f for f in descriptor.fields}
    return found


def is_map(field: FieldDescriptor | None) -> bool:
    return (field is not None and field.type == FieldDescriptor.TYPE_MESSAGE
            and field.message_type.GetOptions().map_entry)


def _message(field: FieldDescriptor | None) -> Descriptor | None:
    if field is None or field.type != FieldDescriptor.TYPE_MESSAGE or is_map(field):
        return None
    return field.message_type


def strategic_merge(original: Any, patch: Any, descriptor: Descriptor | None) -> Any:
    """Kubernetes' strategic merge of `patch` into `original` (a mapping of message `descriptor`).

    Maps merge key by key (null deletes); lists with a merge key merge item by item, lists of primitives
    with strategy "merge" as sets, other lists are replaced. Directives: `$patch: replace|delete` on a map
    or list item, `$retainKeys`, `$deleteFromPrimitiveList/<list>`, `$setElementOrder/<list>`.
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(original, dict):
        original = {}
    directive = patch.get(DIRECTIVE)
    if directive == "replace":
        return strip(patch)
    if directive not in (None, "merge", "delete"):
        raise PatchError(f'unknown patch directive "{directive}": use replace, delete or merge')
    out = dict(original)
    orders: dict[str, list] = {}
    for key, value in patch.items():
        if key == DIRECTIVE or key == RETAIN_KEYS:
            continue
        if key.startswith(SET_ELEMENT_ORDER):
            orders[key[len(SET_ELEMENT_ORDER):]] = value if isinstance(value, list) else []
            continue
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            name = key[len(DELETE_FROM_PRIMITIVE_LIST):]
            gone = value if isinstance(value, list) else []
            out[name] = [x for x in out.get(name) or [] if x not in gone]
            continue
        field = field_of(descriptor, key)
        if value is None:
            out.pop(key, None)
        elif is_map(field):
            merged = _merge_map(out.get(key), value)
            if merged is None:
                out.pop(key, None)
            else:
                out[key] = merged
        elif isinstance(value, list):
            out[key] = _merge_list(out.get(key), value, field)
        elif isinstance(value, dict):
            if value.get(DIRECTIVE) == "delete":
                out.pop(key, None)
            elif "replace" in strategy(field)[0]:  # a PodDisruptionBudget's selector: never merged
                out[key] = strip(value)
            else:
                out[key] = strategic_merge(out.get(key), value, _message(field))
        else:
            out[key] = copy.deepcopy(value)
    retain = patch.get(RETAIN_KEYS)
    if isinstance(retain, list):
        # The keys to keep of a union (a volume's source, a deployment's strategy): the others go.
        out = {k: v for k, v in out.items() if k in retain or k.startswith("$")}
    for name, order in orders.items():
        if isinstance(out.get(name), list):
            out[name] = _ordered(out[name], order, strategy(field_of(descriptor, name))[1])
    return out


def _merge_map(original: Any, patch: Any) -> dict | None:
    """A proto map (labels): merged key by key; `$patch: replace|delete` as on a message."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get(DIRECTIVE)
    if directive == "delete":
        return None
    if directive == "replace":
        return strip(patch)
    return merge_patch(original or {}, {k: v for k, v in patch.items() if k != DIRECTIVE})


def _merge_list(original: Any, patch: list, field: FieldDescriptor | None) -> list:
    original = original if isinstance(original, list) else []
    strategies, merge_key = strategy(field)
    if any(isinstance(p, dict) and p.get(DIRECTIVE) == "replace" for p in patch):
        return [strip(p) for p in patch if not (isinstance(p, dict) and p.get(DIRECTIVE) == "replace")]
    if "merge" not in strategies:
        return [strip(p) for p in patch]
    if not merge_key:  # a set of primitives (finalizers): deduplicated, then merged
        merged: list = []
        for item in [*original, *patch]:
            if item not in merged:
                merged.append(item)
        return merged
    out = [item for item in original]
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise PatchError(f'{field.json_name if field else "list"}: every item of a strategic merge patch '
                             f'needs its merge key "{merge_key}"')
        at = next((i for i, o in enumerate(out) if isinstance(o, dict) and o.get(merge_key) == item[merge_key]),
                  None)
        if item.get(DIRECTIVE) == "delete":  # every item with that key goes
            out = [o for o in out if not (isinstance(o, dict) and o.get(merge_key) == item[merge_key])]
        elif at is None:
            out.append(strip(item))
        else:
            out[at] = strategic_merge(out[at], item, _message(field))
    return out


def _ordered(items: list, order: list, merge_key: str) -> list:
    """`items` in the order `$setElementOrder` gives; items it does not name keep their place after them."""
    def identity(item):
        found = item.get(merge_key) if merge_key and isinstance(item, dict) else item
        return None if isinstance(found, (dict, list)) else found  # an order skiff has no key for: kept as is
    wanted = [identity(o) for o in order]
    rank = {w: i for i, w in enumerate(wanted) if not isinstance(w, (dict, list))}
    named = sorted((i for i in items if identity(i) in rank), key=lambda i: rank[identity(i)])
    return named + [i for i in items if identity(i) not in rank]


def strip(value: Any) -> Any:
    """A patch value without directives, as stored."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


# ---------------------------------------------------------------- three-way patches (kubectl apply)

def three_way(original: dict | None, modified: dict, current: dict, descriptor: Descriptor | None) -> dict:
    """The strategic merge patch that takes `current` (the live object) to `modified` (the new manifest),
    removing what `original` (the last applied manifest) had and `modified` dropped, as kubectl apply
    computes it. Fields neither manifest set (a scale, a pause, what the server allocated) stay."""
    changes = _changes(current, modified, descriptor)
    deletions = _deletions(original or {}, modified, descriptor)
    return _combine(deletions, changes, descriptor)


def _changes(current: Any, modified: dict, descriptor: Descriptor | None) -> dict:
    """What `modified` sets differently from `current` (fields only `current` has are left alone)."""
    current = current if isinstance(current, dict) else {}
    out: dict = {}
    for key, want in modified.items():
        have = current.get(key)
        field = field_of(descriptor, key)
        if key not in current or have is None:
            if want is not None:
                out[key] = copy.deepcopy(want)
        elif isinstance(want, dict) and isinstance(have, dict):
            sub = _map_changes(have, want) if is_map(field) else _changes(have, want, _message(field))
            if sub:
                out[key] = sub
        elif isinstance(want, list) and isinstance(have, list):
            out.update(_list_changes(key, have, want, field))
        elif want != have:
            out[key] = copy.deepcopy(want)
    return out


def _map_changes(have: dict, want: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in want.items() if have.get(k) != v}


def _list_changes(key: str, have: list, want: list, field: FieldDescriptor | None) -> dict:
    strategies, merge_key = strategy(field)
    if "merge" not in strategies:
        return {} if want == have else {key: copy.deepcopy(want)}
    if not merge_key:  # a set: add what is missing
        missing = [v for v in want if v not in have]
        return {key: missing} if missing else {}
    items = []
    for item in want:
        if not isinstance(item, dict) or merge_key not in item:
            return {key: copy.deepcopy(want)}  # not mergeable as written: send it whole
        live = next((h for h in have if isinstance(h, dict) and h.get(merge_key) == item[merge_key]), None)
        sub = copy.deepcopy(item) if live is None else _changes(live, item, _message(field))
        if sub:
            items.append({merge_key: item[merge_key], **sub})
    order = [i[merge_key] for i in want]
    live_order = [h.get(merge_key) for h in have if isinstance(h, dict) and h.get(merge_key) in order]
    if not items and live_order == order:
        return {}
    out: dict = {f"{SET_ELEMENT_ORDER}{key}": [{merge_key: k} for k in order]}
    if items:
        out[key] = items
    return out


def _deletions(original: Any, modified: Any, descriptor: Descriptor | None) -> dict:
    """What `original` set and `modified` no longer does, as removals (null, `$patch: delete`, ...)."""
    if not isinstance(original, dict) or not isinstance(modified, dict):
        return {}
    out: dict = {}
    for key, had in original.items():
        field = field_of(descriptor, key)
        if key not in modified or modified[key] is None:
            if had is not None:
                out[key] = None
            continue
        want = modified[key]
        if isinstance(had, dict) and isinstance(want, dict):
            sub = ({k: None for k in had if k not in want} if is_map(field)
                   else _deletions(had, want, _message(field)))
            if sub:
                out[key] = sub
        elif isinstance(had, list) and isinstance(want, list):
            out.update(_list_deletions(key, had, want, field))
    return out


def _list_deletions(key: str, had: list, want: list, field: FieldDescriptor | None) -> dict:
    strategies, merge_key = strategy(field)
    if "merge" not in strategies:
        return {}  # replaced whole by the changes when it differs
    if not merge_key:
        gone = [v for v in had if v not in want]
        return {f"{DELETE_FROM_PRIMITIVE_LIST}{key}": gone} if gone else {}
    wanted = {i.get(merge_key): i for i in want if isinstance(i, dict)}
    items = []
    for item in had:
        if not isinstance(item, dict) or merge_key not in item:
            continue
        if item[merge_key] not in wanted:
            items.append({merge_key: item[merge_key], DIRECTIVE: "delete"})
        else:
            sub = _deletions(item, wanted[item[merge_key]], _message(field))
            if sub:
                items.append({merge_key: item[merge_key], **sub})
    return {key: items} if items else {}


def _combine(deletions: dict, changes: dict, descriptor: Descriptor | None) -> dict:
    """One patch from the removals and the changes (a list's items joined by their merge key)."""
    out = dict(deletions)
    for key, value in changes.items():
        if key not in out:
            out[key] = value
            continue
        old = out[key]
        field = field_of(descriptor, key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = {**old, **value} if is_map(field) else _combine(old, value, _message(field))
        elif isinstance(old, list) and isinstance(value, list):
            merge_key = strategy(field)[1]
            merged = {i.get(merge_key): dict(i) for i in old}
            for item in value:
                k = item.get(merge_key)
                merged[k] = _combine(merged[k], item, _message(field)) if k in merged else item
            out[key] = list(merged.values())
        else:
            out[key] = value
    return out


def merge_diff(before: Any, after: Any) -> dict:
    """The JSON merge patch that turns `before` into `after` (what `skiff edit` sends): changed keys,
    null for removed ones; lists and scalars whole."""
    patch: dict = {}
    for key in list(before) + [k for k in after if k not in before]:
        if key not in after:
            patch[key] = None
        elif key not in before:
            patch[key] = copy.deepcopy(after[key])
        elif isinstance(before[key], dict) and isinstance(after[key], dict):
            inner = merge_diff(before[key], after[key])
            if inner:
                patch[key] = inner
        elif before[key] != after[key]:
            patch[key] = copy.deepcopy(after[key])
    return patch
