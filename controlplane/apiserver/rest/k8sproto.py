"""The little of Kubernetes' protobuf encoding skiff reads: kubectl posts some review objects
(SelfSubjectAccessReview) as `application/vnd.kubernetes.protobuf`. Pure functions over bytes.
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
