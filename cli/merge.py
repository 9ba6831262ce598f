"""What `apply` sends for an object that exists: the manifest over the live object's server-owned state.

Pure functions: the manifest wins for every field it sets; identity, status and what the server
allocated (clusterIP, nodePorts, a pod's node) stay; labels and annotations merge three-way as kubectl's.
"""
from __future__ import annotations

import json

from google.protobuf.message import Message

from api import kinds, manifest

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_SCALABLE = ("Deployment", "ReplicaSet")
_NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


def last_applied(obj: Message) -> str:
    """The annotation value recording what was applied: the manifest as compact, sorted JSON."""
    data = manifest.to_dict(obj)
    annotations = data.get("metadata", {}).get("annotations", {})
    annotations.pop(LAST_APPLIED, None)
    if not annotations and "annotations" in data.get("metadata", {}):
        del data["metadata"]["annotations"]
    data.pop("status", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def for_create(desired: Message) -> Message:
    """The object to create, carrying its last-applied annotation."""
    out = _copy(desired)
    out.metadata.annotations[LAST_APPLIED] = last_applied(desired)
    return out


def manifest_for_create(data: dict, desired: Message) -> dict:
    """The manifest to create (as written, so the server judges its fields), with its last-applied annotation."""
    out = dict(data)
    metadata = dict(out.get("metadata") or {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}), LAST_APPLIED: last_applied(desired)}
    out["metadata"] = metadata
    return out


def for_update(desired: Message, live: Message) -> Message:
    """The object to update `live` with so it matches `desired` (a parsed manifest)."""
    out = _copy(desired)
    record = last_applied(desired)
    previous = _previous_applied(live)
    m, lm = out.metadata, live.metadata
    m.namespace = lm.namespace
    m.uid = lm.uid
    m.resource_version = lm.resource_version
    m.creation_timestamp = lm.creation_timestamp
    m.generation = lm.generation
    if not m.owner_references:
        m.owner_references.extend(lm.owner_references)
    if not m.finalizers:
        m.finalizers.extend(lm.finalizers)
    _merge_map(m.labels, lm.labels, previous.get("labels", {}))
    _merge_map(m.annotations, lm.annotations, previous.get("annotations", {}))
    m.annotations[LAST_APPLIED] = record
    kind = kinds.of(out).name
    if kinds.of(out).has_status:
        out.ClearField("status")
        if live.HasField("status"):
            out.status.CopyFrom(live.status)
    if kind in _SCALABLE and not desired.spec.HasField("replicas") and live.spec.HasField("replicas"):
        out.spec.replicas = live.spec.replicas
    elif kind == "Service":
        _keep_allocations(out.spec, live.spec)
    elif kind == "Pod" and not out.spec.node_name:
        out.spec.node_name = live.spec.node_name
    return out


def _merge_map(target, live, previously_applied: dict) -> None:
    """Keys others set survive; keys the last apply set but this manifest dropped go; the manifest wins."""
    wanted = dict(target)
    target.clear()
    for k, v in live.items():
        if k not in previously_applied:
            target[k] = v
    target.update(wanted)


def _keep_allocations(spec, live_spec) -> None:
    if not spec.cluster_ip and live_spec.cluster_ip:
        spec.cluster_ip = live_spec.cluster_ip
    if not spec.cluster_ips and live_spec.cluster_ips:
        spec.cluster_ips.extend(live_spec.cluster_ips)
    if (spec.type or "ClusterIP") not in _NODE_PORT_TYPES:
        return
    allocated = {(p.port, p.protocol or "TCP"): p.node_port for p in live_spec.ports if p.node_port}
    for p in spec.ports:
        if not p.node_port:
            p.node_port = allocated.get((p.port, p.protocol or "TCP"), 0)


def _previous_applied(live: Message) -> dict:
    text = live.metadata.annotations.get(LAST_APPLIED, "")
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    metadata = data.get("metadata", {}) if isinstance(data, dict) else {}
    return metadata if isinstance(metadata, dict) else {}


def _copy(obj: Message) -> Message:
    out = type(obj)()
    out.CopyFrom(obj)
    return out
