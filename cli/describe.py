"""`skiff describe` text: an object's identity, its state in words, then its events, newest last.

Pure functions from the object, what it relates to, its events and "now" to lines; pods,
Deployments, ReplicaSets, Nodes and Services get kubectl's layout, other kinds an indented outline.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from api import kinds, manifest, meta
from api.age import age
from api.columns import event_time, node_roles
from cli.describe_apps import deployment_body, replica_set_body, stateful_set_body
from cli.describe_autoscaling import hpa_body
from cli.describe_batch import cron_job_body, daemon_set_body, job_body
from cli.describe_config import config_map_body, secret_body
from cli.describe_ingress import ingress_body
from cli.describe_layout import NONE, field, map_lines, table
from cli.describe_netpol import network_policy_lines
from cli.describe_nodes import node_body
from cli.describe_pods import pod_body
from cli.describe_policy import limit_range_lines, pdb_body, priority_class_lines, resource_quota_lines
from cli.describe_services import service_body
from cli.describe_storage import persistent_volume_body, persistent_volume_claim_body, storage_class_body

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass
class Related:
    """Objects a description needs besides the object itself: a Deployment's ReplicaSets, a
    ReplicaSet's or a Node's pods, a Service's Endpoints."""
    replica_sets: list = dataclass_field(default_factory=list)
    pods: list = dataclass_field(default_factory=list)
    endpoints: Message | None = None
    # An Ingress's namespace: its Services and Endpoints by name.
    services_by_name: dict = dataclass_field(default_factory=dict)
    endpoints_by_name: dict = dataclass_field(default_factory=dict)


def describe(obj: Message, events: list[Message], now: datetime, related: Related | None = None) -> list[str]:
    related = related or Related()
    kind = kinds.of(obj).name
    if kind == "LimitRange":  # kubectl's LimitRange description is a table of its own, without events
        return limit_range_lines(obj)
    if kind == "ResourceQuota":  # so is a ResourceQuota's
        return resource_quota_lines(obj)
    if kind == "NetworkPolicy":  # and a NetworkPolicy's
        return network_policy_lines(obj)
    if kind == "PriorityClass":  # and a PriorityClass's is its fields alone, then its events
        return priority_class_lines(obj, bool(events)) + (_events(events, now) if events else [])
    lines = _header(obj)
    if kind == "Pod":
        lines += pod_body(obj)
    elif kind == "Deployment":
        lines += deployment_body(obj, related.replica_sets)
    elif kind in ("ReplicaSet", "ReplicationController"):  # kubectl describes both alike
        lines += replica_set_body(obj, related.pods)
    elif kind == "Job":
        lines += job_body(obj)
    elif kind == "StatefulSet":
        lines += stateful_set_body(obj)
    elif kind == "CronJob":
        lines += cron_job_body(obj)
    elif kind == "DaemonSet":
        lines += daemon_set_body(obj)
    elif kind == "Node":
        lines.insert(1, field("Roles", node_roles(obj)))
        lines += node_body(obj, related.pods, now)
    elif kind == "Service":
        lines += service_body(obj, related.endpoints)
    elif kind == "ConfigMap":
        lines += config_map_body(obj)
    elif kind == "Secret":
        lines += secret_body(obj)
    elif kind == "Ingress":
        lines += ingress_body(obj, related.services_by_name, related.endpoints_by_name)
    elif kind == "HorizontalPodAutoscaler":
        lines += hpa_body(obj)
    elif kind == "PodDisruptionBudget":
        lines += pdb_body(obj)
    elif kind == "PersistentVolume":
        lines += persistent_volume_body(obj)
    elif kind == "PersistentVolumeClaim":
        lines += persistent_volume_claim_body(obj, related.pods)
    elif kind == "StorageClass":
        lines += storage_class_body(obj)
    elif kind == "RuntimeClass":  # kubectl's generic description: the flat kind's fields, nested as they are
        data = manifest.to_dict(obj)
        lines.append(field("Handler", obj.handler))
        for section in ("overhead", "scheduling"):
            if section in data:
                lines += [f"{section.capitalize()}:"] + _nested(data[section], 2)
    else:
        lines += _outline(obj)
    return lines + _events(events, now)


def _header(obj: Message) -> list[str]:
    m = obj.metadata
    lines = [field("Name", m.name)]
    if kinds.of(obj).namespaced:
        lines.append(field("Namespace", m.namespace))
    lines += map_lines("Labels", m.labels)
    lines += map_lines("Annotations", {k: v for k, v in m.annotations.items() if k != LAST_APPLIED})
    lines.append(field("CreationTimestamp", m.creation_timestamp or NONE))
    owner = meta.controller_of(obj)
    if owner is not None:
        lines.append(field("Controlled By", f"{owner.kind}/{owner.name}"))
    if m.deletion_timestamp:
        lines.append(field("DeletionTimestamp", m.deletion_timestamp))
    return lines


# ---------------------------------------------------------------- every other kind

def _outline(obj: Message) -> list[str]:
    data = manifest.to_dict(obj)
    lines: list[str] = []
    for section in ("spec", "subsets", "involvedObject", "status"):
        if section in data:
            lines.append(f"{section[0].upper()}{section[1:]}:")
            lines += _nested(data[section], 2)
    return lines


def _nested(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines += _nested(v, indent + 2)
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            sub = _nested(item, indent + 2)
            if sub:
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines += sub[1:]
    else:
        lines.append(f"{pad}{_scalar(value)}")
    return lines


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v in ({}, []):
        return NONE
    return str(v)


# ---------------------------------------------------------------- events

def _events(events: list[Message], now: datetime) -> list[str]:
    if not events:
        return [field("Events", NONE)]
    rows = []
    for ev in sorted(events, key=event_time):
        seen = age(event_time(ev), now)
        if ev.count > 1:
            seen += f" (x{ev.count} over {age(ev.first_timestamp, now)})" if ev.first_timestamp else ""
        source = ev.source.component or ev.reporting_component
        rows.append([ev.type or "Normal", ev.reason, seen, source, ev.message])
    return ["Events:"] + table(["Type", "Reason", "Age", "From", "Message"], rows)
