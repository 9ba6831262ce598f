"""The kinds skiff serves: their names, API groups and protobuf types.

One table that the API server, the client and the CLI all read, so a kind is added in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from proto import api_pb2, types_pb2


@dataclass(frozen=True)
class Kind:
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


KINDS: tuple[Kind, ...] = (
    Kind("Namespace", "v1", "namespaces", ("ns",), False, types_pb2.Namespace, "namespace"),
    Kind("Node", "v1", "nodes", ("no",), False, types_pb2.Node, "node"),
    Kind("Pod", "v1", "pods", ("po",), True, types_pb2.Pod, "pod"),
    Kind("ReplicaSet", "apps/v1", "replicasets", ("rs",), True, types_pb2.ReplicaSet, "replica_set"),
    Kind("Deployment", "apps/v1", "deployments", ("deploy",), True, types_pb2.Deployment, "deployment"),
    Kind("Service", "v1", "services", ("svc",), True, types_pb2.Service, "service"),
    Kind("Endpoints", "v1", "endpoints", ("ep",), True, types_pb2.Endpoints, "endpoints", has_status=False),
    Kind("Event", "v1", "events", ("ev",), True, types_pb2.Event, "event", has_status=False),
    Kind("Lease", "coordination.k8s.io/v1", "leases", (), True, types_pb2.Lease, "lease", has_status=False),
)

BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
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
