"""Request bodies to typed objects and objects to JSON, with Kubernetes' checks: the body's
apiVersion/kind must match the URL, and unknown fields follow `fieldValidation` (Strict by default).
"""
from __future__ import annotations

import functools
import json
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from api import manifest, schema
from api.kinds import Kind
from controlplane.apiserver.rest.paths import Target
from controlplane.apiserver.rest.status import RestError

FIELD_VALIDATION = ("Strict", "Warn", "Ignore")


def parse_json(body: bytes, what: str = "the request body") -> Any:
    try:
        return manifest.parse_json(body or b"null")  # duplicate keys remembered for field validation
    except ValueError as e:
        raise RestError("BadRequest", f"{what} is not valid JSON: {e}") from None


def require_json(content_type: str) -> None:
    """Object bodies are JSON. Kubernetes' protobuf encoding of whole objects (kubectl's typed
    `create <generator>` commands send it) is not spoken: a 415 that says so, not a decoding error."""
    base = content_type.split(";", 1)[0].strip().lower()
    if base and base not in ("application/json", "*/*"):
        raise RestError("UnsupportedMediaType", f"the body of the request was in an unknown format ({base}) - "
                                                f"accepted media types include: application/json")


def field_validation(value: str) -> str:
    if not value:
        return "Strict"
    if value not in FIELD_VALIDATION:
        raise RestError("BadRequest", f'fieldValidation: Unsupported value: "{value}": supported values: '
                                      f'"Ignore", "Strict", "Warn"')
    return value


def dry_run(query) -> bool:
    """`?dryRun=All`: decide and answer, store nothing."""
    values = query.getall("dryRun", [])
    if any(v != "All" for v in values):
        raise RestError("BadRequest", f'dryRun: Unsupported value: "{values[0]}": supported values: "All"')
    return bool(values)


def check_type(data: Any, kind: Kind, expect_kind: str | None = None, api_version: str | None = None) -> dict:
    """The body as a mapping whose apiVersion and kind (filled in when absent) are the URL's; `api_version`
    when the URL serves the kind in another version than the stored one (autoscaling/v1)."""
    expect_kind = expect_kind or kind.name
    api_version = api_version or kind.api_version
    if not isinstance(data, dict):
        raise RestError("BadRequest", f"the request body must be a JSON object, not {type(data).__name__}")
    data.setdefault("apiVersion", api_version)
    data.setdefault("kind", expect_kind)
    if data["kind"] != expect_kind or data["apiVersion"] != api_version:
        raise RestError("BadRequest", f'the API version in the data ({data["apiVersion"]}) and the kind '
                                      f'({data["kind"]}) do not match the URL, which serves '
                                      f'{api_version} {expect_kind}')
    return data


def decode(data: dict, kind: Kind, validation: str) -> tuple[Message, list[str]]:
    """A typed object from a checked body; returns the warnings to send back (unknown fields under Warn)."""
    data = with_managed_fields(data, (data.get("metadata") or {}).get("managedFields"))
    try:
        return manifest.decode(data, validation=validation)
    except manifest.ManifestError as e:
        detail = ("strict decoding error: " if e.strict else "") + ", ".join(e.errors)
        raise RestError("BadRequest", f'{kind.name} in version "{kind.api_version.split("/")[-1]}" cannot '
                                      f'be handled as a {kind.name}: {detail}') from None


def encode(obj: Message) -> dict:
    data = manifest.to_dict(obj)
    fill_required(data, obj.DESCRIPTOR)
    for entry in data.get("metadata", {}).get("managedFields", []):
        if isinstance(entry.get("fieldsV1"), str):
            entry["fieldsV1"] = json.loads(entry["fieldsV1"])  # the wire form is the FieldsV1 object
    return data


def set_managed_fields(obj: Message, entries: list[dict]) -> None:
    """Store `entries` (wire form) as the object's metadata.managedFields."""
    del obj.metadata.managed_fields[:]
    for e in entries:
        obj.metadata.managed_fields.add(
            manager=e.get("manager", ""), operation=e.get("operation", ""), api_version=e.get("apiVersion", ""),
            time=e.get("time", ""), fields_type=e.get("fieldsType", "FieldsV1"), subresource=e.get("subresource", ""),
            fields_v1=json.dumps(e.get("fieldsV1") or {}, separators=(",", ":"), sort_keys=True))


def with_managed_fields(data: dict, entries: list[dict] | None) -> dict:
    """`data` carrying `entries` as metadata.managedFields, their FieldsV1 trees as the JSON text stored."""
    if entries is None or not isinstance(data.get("metadata", {}), dict):
        return data
    stored = [{**e, "fieldsV1": json.dumps(e["fieldsV1"], separators=(",", ":"), sort_keys=True)}
              if isinstance(e, dict) and isinstance(e.get("fieldsV1"), dict) else e for e in entries]
    return {**data, "metadata": {**data.get("metadata", {}), "managedFields": stored}}


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


# An object's JSON at one resourceVersion never changes, so it is made once and reused by every list
# (Kubernetes' watch cache keeps serializations the same way). Bounded: cleared when full.
_JSON_CACHE: dict[tuple[str, str], bytes] = {}
JSON_CACHE_LIMIT = 100_000


def encode_bytes(obj: Message) -> bytes:
    """`encode(obj)` as JSON bytes, from the cache when this object version was encoded before."""
    m = obj.metadata
    if not m.uid or not m.resource_version:
        return dumps(encode(obj))
    key = (m.uid, m.resource_version)
    data = _JSON_CACHE.get(key)
    if data is None:
        if len(_JSON_CACHE) >= JSON_CACHE_LIMIT:
            _JSON_CACHE.clear()
        data = _JSON_CACHE[key] = dumps(encode(obj))
    return data


def list_bytes(kind: Kind, items: list[Message], resource_version: str, continue_token: str = "") -> bytes:
    """A `<Kind>List` as JSON bytes, each item from the serialization cache."""
    meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    head = dumps({"kind": f"{kind.name}List", "apiVersion": kind.api_version, "metadata": meta})
    return head[:-1] + b',"items":[' + b",".join(encode_bytes(i) for i in items) + b"]}"


def place(obj: Message, target: Target) -> None:
    """Put the object in the URL's namespace and check its name against the URL's."""
    m = obj.metadata
    if target.kind.namespaced:
        if m.namespace and target.namespace and m.namespace != target.namespace:
            raise RestError("BadRequest", "the namespace of the provided object does not match the namespace "
                                          "sent on the request")
        m.namespace = target.namespace or m.namespace or "default"
    if target.name and m.name != target.name:
        if not m.name:
            m.name = target.name
        else:
            raise RestError("BadRequest", f"the name of the object ({m.name}) does not match the name on the "
                                          f"URL ({target.name})")


# ---------------------------------------------------------------- required fields

_ZERO = {FieldDescriptor.TYPE_STRING: "", FieldDescriptor.TYPE_BOOL: False}


@functools.cache
def _plan(descriptor: Descriptor) -> tuple[tuple, tuple]:
    """(required fields with their zero values, message fields worth descending into) of a message."""
    by_json = {f.json_name: f for f in descriptor.fields}
    required = []
    for name in schema.REQUIRED.get(descriptor.name, ()):
        f = by_json[name]
        if f.is_repeated:
            zero = None  # a required list (containers) is never filled in: its absence is the object's problem
        elif f.type == FieldDescriptor.TYPE_MESSAGE:
            zero = dict
        else:
            zero = _ZERO.get(f.type, 0)
        if zero is not None:
            required.append((name, zero))
    children = tuple((f.json_name, f.message_type) for f in descriptor.fields
                     if f.type == FieldDescriptor.TYPE_MESSAGE and not f.message_type.GetOptions().map_entry
                     and _reaches_required(f.message_type))
    return tuple(required), children


@functools.cache
def _reaches_required(descriptor: Descriptor, seen: frozenset = frozenset()) -> bool:
    if descriptor.name in schema.REQUIRED:
        return True
    if descriptor.full_name in seen:
        return False
    inner = seen | {descriptor.full_name}
    return any(_reaches_required(f.message_type, inner) for f in descriptor.fields
               if f.type == FieldDescriptor.TYPE_MESSAGE and not f.message_type.GetOptions().map_entry)


def fill_required(data: dict, descriptor: Descriptor) -> None:
    """Add the fields Kubernetes always sends (zero `restartCount`, empty `imageID`) where the object omits them."""
    required, children = _plan(descriptor)
    for name, zero in required:
        if name not in data:
            data[name] = zero() if zero is dict else zero
    for name, child in children:
        value = data.get(name)
        if isinstance(value, dict):
            fill_required(value, child)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    fill_required(item, child)
