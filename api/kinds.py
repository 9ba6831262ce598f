"""The kinds skiff serves: their names, API groups and protobuf types, shared by server, client and CLI.

Read from the one place a kind is registered: its line (and `kind` option) in proto/api.proto's Object.
"""
from __future__ import annotations

from typing import NamedTuple

from google.protobuf import message_factory
from google.protobuf.message import Message

from proto import api_pb2


class Kind(NamedTuple):
    name: str  # "ReplicaSet"
    api_version: str  # "apps/v1"
    plural: str  # "replicasets"
    short_names: tuple[str, ...]
    namespaced: bool
    message: type[Message]
    object_field: str  # the field of api_pb2.Object that carries it
    has_status: bool = True

    @property
    def singular(self) -> str:
        return self.name.lower()

    @property
    def resource(self) -> str:
        """`deployments.apps`, `pods`: the plural with its API group, as Kubernetes' messages name it."""
        group = self.api_version.rpartition("/")[0]
        return f"{self.plural}.{group}" if group else self.plural

    def new(self, **fields) -> Message:
        """An empty object of this kind with apiVersion and kind filled in."""
        return self.message(api_version=self.api_version, kind=self.name, **fields)


def _registered() -> tuple[Kind, ...]:
    """One Kind per field of the Object envelope that carries a `kind` option (its registration)."""
    found = []
    for field in api_pb2.Object.DESCRIPTOR.oneofs_by_name["object"].fields:
        if not field.GetOptions().HasExtension(api_pb2.kind):
            continue
        options = field.GetOptions().Extensions[api_pb2.kind]
        message = field.message_type
        found.append(Kind(message.name, options.api_version, options.plural, tuple(options.short_names),
                          options.namespaced, message_factory.GetMessageClass(message), field.name,
                          has_status="status" in message.fields_by_name))
    return tuple(found)


KINDS: tuple[Kind, ...] = _registered()

BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
# The kind namespaced objects live in.
NAMESPACE = BY_NAME["Namespace"]
_BY_MESSAGE: dict[str, Kind] = {k.message.DESCRIPTOR.full_name: k for k in KINDS}
_BY_FIELD: dict[str, Kind] = {k.object_field: k for k in KINDS}
_ALIASES: dict[str, Kind] = {}
for _k in KINDS:
    for _alias in (_k.name.lower(), _k.plural, _k.singular, *_k.short_names):
        _ALIASES[_alias] = _k


class UnknownKindError(LookupError):
    def __init__(self, name: str):
        known = ", ".join(k.name for k in KINDS)
        super().__init__(f'unknown kind "{name}" (known kinds: {known})')
        self.name = name


def lookup(name: str) -> Kind:
    """Find a kind by its name, plural, singular or short name, any case ("po", "Pods", "deploy")."""
    kind = BY_NAME.get(name) or _ALIASES.get(name.lower())
    if kind is None:
        # "deployments.apps" and "deployment.apps/v1" as kubectl accepts them
        kind = _ALIASES.get(name.lower().split(".", 1)[0])
    if kind is None:
        raise UnknownKindError(name)
    return kind


def of(obj: Message) -> Kind:
    """The kind of a typed object."""
    try:
        return _BY_MESSAGE[obj.DESCRIPTOR.full_name]
    except KeyError:
        raise UnknownKindError(obj.DESCRIPTOR.name) from None


def wrap(obj: Message) -> api_pb2.Object:
    """Put a typed object in the API's generic envelope."""
    envelope = api_pb2.Object()
    getattr(envelope, of(obj).object_field).CopyFrom(obj)
    return envelope


def unwrap(envelope: api_pb2.Object) -> Message:
    """Take the typed object out of the API's generic envelope."""
    field = envelope.WhichOneof("object")
    if field is None:
        raise ValueError("empty object: no kind set")
    return getattr(envelope, field)


def kind_of_envelope(envelope: api_pb2.Object) -> Kind:
    field = envelope.WhichOneof("object")
    if field is None:
        raise ValueError("empty object: no kind set")
    return _BY_FIELD[field]
