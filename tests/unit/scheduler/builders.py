"""Builders of nodes and pods for the scheduler's tests (unit, integration and the benchmark).

(A `node()` builder belongs in tests/fixtures/objects.py; it lives here until that file is ours to change.)"""
from __future__ import annotations

from api import manifest
from controlplane.scheduler.nodeinfo import NodeInfo
from controlplane.scheduler.podinfo import PodInfo


def node(name: str, cpu: str = "4", memory: str = "8Gi", pods: str = "110", labels: dict | None = None,
         taints: list[dict] | None = None, ready: bool | None = True, unschedulable: bool = False):
    """A Node object with allocatable resources and (unless ready is None) a Ready condition."""
    body = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"unschedulable": unschedulable, "taints": taints or []},
        "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods},
                   "capacity": {"cpu": cpu, "memory": memory, "pods": pods}},
    }
    if ready is not None:
        body["status"]["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                         "reason": "KubeletReady" if ready else "KubeletNotReady"}]
    obj, _ = manifest.from_dict(body)
    return obj


def pod(name: str, cpu: str | None = None, memory: str | None = None, namespace: str = "default",
        host_ports: tuple[int, ...] = (), owner_uid: str = "", labels: dict | None = None, **spec):
    """A pending Pod with one container requesting cpu/memory (when given)."""
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container = {"name": "app", "image": "busybox:1.36", "resources": {"requests": requests} if requests else {}}
    if host_ports:
        container["ports"] = [{"containerPort": p, "hostPort": p} for p in host_ports]
    metadata = {"name": name, "namespace": namespace, "labels": labels or {}}
    if owner_uid:
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                                        "uid": owner_uid, "controller": True}]
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                                 "spec": {"containers": [container], **spec}})
    return obj


def node_info(name: str = "node-1", *pods_on, **node_args) -> NodeInfo:
    info = NodeInfo(name, node(name, **node_args))
    for p in pods_on:
        info.add_pod(PodInfo.of(p))
    return info


def pod_info(name: str = "web", **pod_args) -> PodInfo:
    return PodInfo.of(pod(name, **pod_args))
