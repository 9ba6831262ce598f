"""The little of Kubernetes' protobuf encoding skiff reads: kubectl's typed clients post some small
objects (SelfSubjectAccessReview, Eviction, DeleteOptions) as `application/vnd.kubernetes.protobuf`.
Pure functions over bytes, giving each object's JSON form.
"""
from __future__ import annotations

from controlplane.apiserver.rest.status import RestError

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"


def _fields(data: bytes) -> dict[int, list]:
    """Field number -> values (ints for varints, bytes for length-delimited) of one protobuf message."""
    out: dict[int, list] = {}
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i:i + size], i + size
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise RestError("BadRequest", f"unsupported protobuf wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(data):
            raise RestError("BadRequest", "truncated protobuf body")
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _text(fields: dict[int, list], number: int) -> str:
    return fields.get(number, [b""])[0].decode()


def unwrap(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw object) of a `k8s\\0` runtime.Unknown envelope."""
    if not body.startswith(MAGIC):
        raise RestError("BadRequest", "a protobuf body must start with the k8s\\0 envelope")
    unknown = _fields(body[len(MAGIC):])
    type_meta = _fields(unknown.get(1, [b""])[0])
    return _text(type_meta, 1), _text(type_meta, 2), unknown.get(2, [b""])[0]


_RESOURCE_ATTRIBUTES = ("namespace", "verb", "group", "version", "resource", "subresource", "name")


def access_review_spec(raw: bytes) -> dict:
    """The spec of a SelfSubjectAccessReview in its JSON form."""
    spec = _fields(_fields(raw).get(2, [b""])[0])
    out: dict = {}
    if 1 in spec:
        attrs = _fields(spec[1][0])
        out["resourceAttributes"] = {name: _text(attrs, i + 1) for i, name in enumerate(_RESOURCE_ATTRIBUTES)
                                     if _text(attrs, i + 1)}
    if 2 in spec:
        attrs = _fields(spec[2][0])
        out["nonResourceAttributes"] = {"path": _text(attrs, 1), "verb": _text(attrs, 2)}
    return out


def _int(fields: dict[int, list], number: int) -> int | None:
    value = fields.get(number, [None])[0]
    if value is None:
        return None
    return value - (1 << 64) if value >= 1 << 63 else value  # int64 as a varint


def delete_options(raw: bytes) -> dict:
    """meta/v1 DeleteOptions: gracePeriodSeconds 1, preconditions 2 (uid 1, resourceVersion 2),
    orphanDependents 3, propagationPolicy 4, dryRun 5."""
    fields = _fields(raw)
    out: dict = {}
    if 1 in fields:
        out["gracePeriodSeconds"] = _int(fields, 1)
    if 2 in fields:
        pre = _fields(fields[2][0])
        out["preconditions"] = {k: _text(pre, i) for i, k in ((1, "uid"), (2, "resourceVersion")) if _text(pre, i)}
    if 3 in fields:
        out["orphanDependents"] = bool(_int(fields, 3))
    if 4 in fields:
        out["propagationPolicy"] = _text(fields, 4)
    if 5 in fields:
        out["dryRun"] = [v.decode() for v in fields[5]]
    return out


def eviction(raw: bytes) -> dict:
    """policy/v1 Eviction: metadata 1 (name 1, namespace 3), deleteOptions 2."""
    fields = _fields(raw)
    meta = _fields(fields.get(1, [b""])[0])
    out: dict = {"kind": "Eviction", "metadata": {"name": _text(meta, 1), "namespace": _text(meta, 3)}}
    if 2 in fields:
        out["deleteOptions"] = delete_options(fields[2][0])
    return out


def body(content_type: str, data: bytes, read) -> dict | None:
    """The JSON form of a protobuf body through `read` (one of the functions above), or None when the body
    is not protobuf."""
    if content_type.split(";", 1)[0].strip().lower() != MEDIA_TYPE:
        return None
    return read(unwrap(data)[2])
