"""What `skiff describe` and `skiff rollout` read about an object besides itself: the events that
name it, the ReplicaSets a Deployment controls, the pods of a ReplicaSet or Node, a Service's Endpoints.
"""
from __future__ import annotations

from google.protobuf.message import Message

from api import errors, kinds, meta, selectors
from api.client import Client
from cli.describe import Related


async def events_of(client: Client, obj: Message) -> list[Message]:
    """Events whose involvedObject is this object (cluster-scoped objects' events live in any namespace)."""
    m = obj.metadata
    field_selector = ",".join([
        f"involvedObject.name={selectors.escape_field_value(m.name)}",
        f"involvedObject.kind={obj.kind or type(obj).__name__}"])
    listed = await client.list("Event", m.namespace, field_selector=field_selector)
    return [e for e in listed.items if not e.involved_object.uid or e.involved_object.uid == m.uid]


async def controlled(client: Client, kind: str, owner: Message) -> list[Message]:
    """The objects of `kind` in the owner's namespace whose controller is the owner."""
    items = (await client.list(kind, owner.metadata.namespace)).items
    return [o for o in items if (ref := meta.controller_of(o)) is not None and ref.uid == owner.metadata.uid]


async def related_of(client: Client, obj: Message) -> Related:
    kind = kinds.of(obj).name
    if kind == "Deployment":
        return Related(replica_sets=await controlled(client, "ReplicaSet", obj))
    if kind in ("ReplicaSet", "ReplicationController"):
        return Related(pods=await controlled(client, "Pod", obj))
    if kind == "Node":
        on_node = f"spec.nodeName={selectors.escape_field_value(obj.metadata.name)}"
        return Related(pods=(await client.list("Pod", "", field_selector=on_node)).items)
    if kind == "Service":
        try:
            return Related(endpoints=await client.get("Endpoints", obj.metadata.name, obj.metadata.namespace))
        except errors.NotFound:
            return Related()
    if kind == "PersistentVolumeClaim":  # Used By: the namespace's pods mounting the claim
        return Related(pods=(await client.list("Pod", obj.metadata.namespace)).items)
    if kind == "Ingress":
        namespace = obj.metadata.namespace
        services = (await client.list("Service", namespace)).items
        endpoints = (await client.list("Endpoints", namespace)).items
        return Related(services_by_name={s.metadata.name: s for s in services},
                       endpoints_by_name={e.metadata.name: e for e in endpoints})
    return Related()
