"""Small helpers over object metadata: names, keys, owner references, conditions and timestamps."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # protobuf only for the type: `skiff get`'s REST path reads the clock without it
    from google.protobuf.message import Message

M = TypeVar("M", bound="Message")


def copy(obj: M) -> M:
    """A deep copy of a message (callers change copies, never what a cache or caller holds)."""
    out = type(obj)()
    out.CopyFrom(obj)
    return out


def now() -> datetime:
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with seconds, as Kubernetes writes timestamps."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(moment: datetime) -> str:
    """RFC 3339 with microseconds, as Kubernetes' MicroTime (leases, event times)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_text() -> str:
    return format_time(now())


def parse_time(text: str) -> datetime | None:
    """A timestamp in RFC 3339 form; None for an empty string."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def key(obj: Message) -> str:
    """The cache key of an object, as client-go's MetaNamespaceKeyFunc: "namespace/name" or "name"."""
    m = obj.metadata
    return f"{m.namespace}/{m.name}" if m.namespace else m.name


def split_key(k: str) -> tuple[str, str]:
    namespace, _, name = k.rpartition("/")
    return namespace, name


def controller_of(obj: Message):
    """The ownerReference with controller=true, or None."""
    for ref in obj.metadata.owner_references:
        if ref.controller:
            return ref
    return None


def get_condition(conditions, type_: str):
    for c in conditions:
        if c.type == type_:
            return c
    return None


def set_condition(conditions, type_: str, status: str, reason: str = "", message: str = "",
                  moment: datetime | None = None) -> bool:
    """Set a condition in a repeated Condition field; returns True when anything changed.

    lastTransitionTime moves only when the status flips, as Kubernetes does.
    """
    stamp = format_time(moment or now())
    current = get_condition(conditions, type_)
    if current is None:
        current = conditions.add(type=type_)
        current.last_transition_time = stamp
    elif current.status != status:
        current.last_transition_time = stamp
    elif current.reason == reason and current.message == message:
        return False
    current.status = status
    current.reason = reason
    current.message = message
    return True


def is_being_deleted(obj: Message) -> bool:
    return bool(obj.metadata.deletion_timestamp)
