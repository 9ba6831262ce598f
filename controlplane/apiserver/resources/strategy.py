"""What a kind does on the server, as Kubernetes' `pkg/registry/<resource>/strategy.go`: the base class
every resources/<kind>.py fills in; its defaults describe a plain object with nothing special."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from api import errors, fields, names, selectors
from controlplane.apiserver.allocator import ServiceRanges
from proto import types_pb2

# Every kind can be selected by these (`--field-selector`).
COMMON_FIELDS = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class Settings:
    """The API server's flags some kinds' rules read (as kube-apiserver's --service-cluster-ip-range)."""

    service_ranges: ServiceRanges = field(default_factory=ServiceRanges)


class Reservations:
    """Values a kind holds exclusively across objects (a Service's ClusterIP and NodePorts): each is a
    storage key written in the same transaction as the object, so two objects never get the same one."""

    def check(self, obj: Message) -> list[str]:
        """Field errors for requested values the server cannot give (outside the configured range)."""
        return []

    def allocate(self, obj: Message, live: Iterable[Message]) -> None:
        """Fill in what the object needs and did not ask for, avoiding what `live` objects hold."""

    def keys(self, obj: Message) -> set[bytes]:
        """The keys the object's values occupy."""
        return set()

    def refusal(self, obj: Message, taken: Mapping[bytes, int]) -> errors.ApiError | None:
        """The error when a value the user asked for by name is held by another object, else None (retry)."""
        return None


class Scale:
    """The scale subresource of a kind with `spec.replicas` and `spec.selector` (ReplicaSet, Deployment,
    ReplicationController)."""

    def of(self, obj: Message) -> types_pb2.Scale:
        selector = selectors.of_spec(obj.spec)
        scale = types_pb2.Scale(api_version="autoscaling/v1", kind="Scale")
        m = scale.metadata
        m.name, m.namespace, m.uid = obj.metadata.name, obj.metadata.namespace, obj.metadata.uid
        m.resource_version = obj.metadata.resource_version
        m.creation_timestamp = obj.metadata.creation_timestamp
        scale.spec.replicas = obj.spec.replicas
        scale.status.replicas = obj.status.replicas
        scale.status.selector = str(selector)
        return scale

    def set_replicas(self, obj: Message, replicas: int) -> bool:
        """Set the desired replicas; False when they already were."""
        if obj.spec.HasField("replicas") and obj.spec.replicas == replicas:
            return False
        obj.spec.replicas = replicas
        obj.metadata.generation += 1
        return True


@dataclass(frozen=True)
class Subresource:
    """A write to part of an object with its own request body (a Pod's binding)."""

    apply: Callable[[Message, Any], None]  # change the object as the body asks, or raise an ApiError
    validate: Callable[[Any], list[str]] = lambda body: []  # problems of the body itself


@dataclass(frozen=True)
class PartialUpdate:
    """An update through a subresource that keeps only one part of its body, the whole object (a Pod's
    ephemeralcontainers), as the status subresource keeps only the status."""

    take: Callable[[Message, Message], Message]  # (body, stored): the object to store
    validate_update: Callable[[Message, Message], list[str]]  # (new, stored): what the change may not do


class Strategy:
    """One kind's rules. The registry calls these hooks in a fixed order; a kind overrides what differs."""

    # Objects the server made for this kind at start-up, if missing (the system namespaces).
    bootstrap: tuple[Message, ...] = ()
    # A create starts with an empty status: controllers and agents own it (Kubernetes' PrepareForCreate).
    reset_status_on_create: bool = True
    # The fields `--field-selector` accepts besides metadata.name and metadata.namespace.
    selectable_fields: tuple[str, ...] = ()
    # Watchers selecting this field by equality are indexed by its value, so an event reaches only them
    # (Kubernetes' watch-cache triggers: a node's agent sees only its own pods).
    trigger_field: str | None = None
    # Subresources besides `status` (every kind with a status has it) and `scale` (below), by name.
    subresources: Mapping[str, Subresource] = {}
    # Updates of one part of the object through its own subresource, by name (a Pod's ephemeralcontainers).
    partial_updates: Mapping[str, PartialUpdate] = {}
    scale: Scale | None = None
    # The smallest valid manifest (without apiVersion and kind): the test walking every kind uses it.
    sample: Mapping[str, Any] = {"metadata": {"name": "sample"}}

    @staticmethod
    def name_rule(name: str) -> list[str]:
        """Problems of a metadata.name (most kinds: a DNS subdomain)."""
        return names.dns1123_subdomain(name)

    def reservations(self, settings: Settings) -> Reservations | None:
        """What this kind reserves next to its objects, under these server settings; None for nothing."""
        return None

    # ------------------------------------------------------------ create and update

    def prepare_for_create(self, obj: Message) -> None:
        """Set what the server decides on a create, before defaults and validation."""

    def prepare_for_update(self, new: Message, old: Message) -> None:
        """Carry the server-owned fields of `old` into `new` (status is carried already)."""

    def prepare_for_status_update(self, new: Message, old: Message) -> None:
        """Carry what a status write may leave out but not change (a Pod's qosClass) from `old` into `new`."""

    def complete_create(self, obj: Message) -> None:
        """Set what the server derives from the admitted object on a create (after defaults and mutating
        admission, as Kubernetes' PrepareForCreate runs after them)."""

    def default(self, obj: Message) -> None:
        """Fill the fields a user may leave out, in place (Kubernetes' SetDefaults_<Kind>)."""

    def validate(self, obj: Message) -> list[str]:
        """Every problem of the object (after defaulting), one "field.path: message" line each."""
        return []

    def validate_create(self, obj: Message) -> list[str]:
        """What only a create may not carry (a Pod's ephemeral containers)."""
        return []

    def validate_update(self, new: Message, old: Message) -> list[str]:
        """What an update may not change."""
        return []

    def validate_status_update(self, new: Message, old: Message) -> list[str]:
        """The problems of a status update: `new` is the stored `old` with another status. By default the
        whole object is judged again, as an update is; a kind whose checks never read the status skips them."""
        return self.validate(new) + self.validate_update(new, old)

    # ------------------------------------------------------------ deletion

    def refuse_deletion(self, name: str) -> str:
        """Why the object `name` may never be deleted ("": it may), as an admission plugin would refuse it."""
        return ""

    def deletion_grace(self, obj: Message, requested: int | None) -> int:
        """Seconds a deletion waits for someone to clean up (0: no one needs to)."""
        return 0

    def on_mark_deleting(self, obj: Message) -> None:
        """Change the object when it is marked for deletion (a Namespace becomes Terminating)."""

    def holds_removal(self, obj: Message, deleting: bool) -> bool:
        """Besides metadata.finalizers, what keeps a marked object stored; `deleting`: the delete call itself."""
        return False

    # ------------------------------------------------------------ reads

    def field_value(self, obj: Message, path: str) -> str:
        """The string a field selector compares with."""
        return fields.value(obj, path)

    def trigger(self, obj: Message) -> str:
        """The value watchers are indexed by (see trigger_field)."""
        return fields.value(obj, self.trigger_field) if self.trigger_field else ""
