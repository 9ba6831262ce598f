"""Pure decisions of the DaemonSet controller, as Kubernetes' daemon_controller.go and update.go make them:
the pod for a node, which nodes need one and which pods must go, the rolling update's next step, and the
status the nodes and pods add up to."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

from api import manifest
from api.daemonsets import GENERATION_LABEL, HASH_LABEL, TEMPLATE_GENERATION
from controlplane.controllers.core import ownership, podstate
from controlplane.controllers.daemon.nodes import add_daemon_tolerations, pin_to_node, should_run, target_node
from controlplane.controllers.deployment.revisions import template_hash
from controlplane.controllers.deployment.rollout import value_from_int_or_percent
from proto import types_pb2

BURST = 250  # at most this many creates or deletes per sync


class Step(NamedTuple):
    create_on: list[str]  # node names needing a pod
    delete: list[types_pb2.Pod]


def revision_hash(ds: types_pb2.DaemonSet) -> str:
    return template_hash(ds.spec.template, ds.status.collision_count)


def new_pod(ds: types_pb2.DaemonSet, node_name: str, hash_: str) -> types_pb2.Pod:
    template = ds.spec.template
    pod = types_pb2.Pod(api_version="v1", kind="Pod")
    m = pod.metadata
    m.generate_name = f"{ds.metadata.name}-"
    m.namespace = ds.metadata.namespace
    m.labels.update(template.metadata.labels)
    m.labels[HASH_LABEL] = hash_
    generation = ds.metadata.annotations.get(TEMPLATE_GENERATION)
    if generation:
        m.labels[GENERATION_LABEL] = generation
    m.annotations.update(template.metadata.annotations)
    m.owner_references.append(ownership.owner_reference(ds))
    pod.spec.CopyFrom(template.spec)
    add_daemon_tolerations(pod.spec)
    pin_to_node(pod.spec, node_name)
    return pod


def by_node(pods: Iterable[types_pb2.Pod]) -> dict[str, list[types_pb2.Pod]]:
    out: dict[str, list[types_pb2.Pod]] = {}
    for pod in pods:
        out.setdefault(target_node(pod), []).append(pod)
    return out


def is_updated(ds: types_pb2.DaemonSet, pod: types_pb2.Pod, hash_: str) -> bool:
    generation = ds.metadata.annotations.get(TEMPLATE_GENERATION)
    return pod.metadata.labels.get(HASH_LABEL) == hash_ or (
        generation is not None and pod.metadata.labels.get(GENERATION_LABEL) == generation)


def _oldest_first(pods: list[types_pb2.Pod]) -> list[types_pb2.Pod]:
    return sorted(pods, key=lambda p: (p.metadata.creation_timestamp, p.metadata.name))


def allows_surge(ds: types_pb2.DaemonSet) -> bool:
    if ds.spec.update_strategy.type != "RollingUpdate":
        return False
    value = manifest.int_or_string_value(ds.spec.update_strategy.rolling_update.max_surge)
    return bool(value) and value not in ("0%", "0")


def manage(ds: types_pb2.DaemonSet, nodes: list[types_pb2.Node], pods: Mapping[str, list[types_pb2.Pod]],
           hash_: str) -> tuple[Step, list[types_pb2.Pod]]:
    """(nodes needing a pod and pods to delete, failed pods among those) for every node (podsShouldBeOnNode),
    plus pods for nodes that no longer exist and were never bound."""
    create, delete, failed = [], [], []
    for node in nodes:
        fit = should_run(ds.spec.template, node)
        here = pods.get(node.metadata.name, [])
        if fit.should_run and not here:
            create.append(node.metadata.name)
        elif fit.should_continue:
            running = []
            for pod in here:
                if pod.metadata.deletion_timestamp:
                    continue
                if pod.status.phase == "Failed":
                    failed.append(pod)
                elif pod.status.phase == "Succeeded":
                    delete.append(pod)
                else:
                    running.append(pod)
            delete += _excess(ds, _oldest_first(running), hash_)
        elif here:
            delete += [p for p in here if not p.metadata.deletion_timestamp]
    names = {n.metadata.name for n in nodes}
    delete += [p for name, here in pods.items() if name not in names for p in here
               if not p.spec.node_name and not p.metadata.deletion_timestamp]
    return Step(create, delete), failed


def _excess(ds, running: list[types_pb2.Pod], hash_: str) -> list[types_pb2.Pod]:
    """Without surge one pod per node (the oldest stays); with it a new and an old one while the new one
    is not ready yet and the old one is."""
    if len(running) <= 1:
        return []
    if not allows_surge(ds):
        return running[1:]
    extra, oldest_new, oldest_old = [], None, None
    for pod in running:
        if is_updated(ds, pod, hash_):
            if oldest_new is None:
                oldest_new = pod
                continue
        elif oldest_old is None:
            oldest_old = pod
            continue
        extra.append(pod)
    if oldest_new is not None and oldest_old is not None:
        if not podstate.is_ready(oldest_old) or podstate.is_ready(oldest_new):
            extra.append(oldest_old)
    return extra


def _updated_pods_on_node(ds, here: list[types_pb2.Pod], hash_: str):
    """(new pod, old pod, ok) on one node; not ok when it has two of either (manage cleans that up first)."""
    new = old = None
    for pod in here:
        if pod.metadata.deletion_timestamp:
            continue
        if is_updated(ds, pod, hash_):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


def surge_and_unavailable(ds: types_pb2.DaemonSet, desired: int) -> tuple[int, int]:
    rolling = ds.spec.update_strategy.rolling_update
    surge = value_from_int_or_percent(manifest.int_or_string_value(rolling.max_surge), desired, True)
    unavailable = value_from_int_or_percent(manifest.int_or_string_value(rolling.max_unavailable), desired, True)
    if desired > 0 and surge == 0 and unavailable == 0:
        unavailable = 1  # an impossible setting falls back to Kubernetes' default
    return surge, unavailable


def rolling_update(ds: types_pb2.DaemonSet, pods: Mapping[str, list[types_pb2.Pod]], hash_: str, desired: int,
                   now: datetime) -> Step:
    """The next step of a RollingUpdate (Kubernetes' rollingUpdate): without surge, delete old pods while at
    most maxUnavailable nodes lack an available pod (manage then makes the new ones); with surge, make a new
    pod beside an old one on up to maxSurge nodes, and delete the old one once the new is available."""
    surge, max_unavailable = surge_and_unavailable(ds, desired)
    min_ready = ds.spec.min_ready_seconds
    if surge == 0:
        unavailable = 0
        replace, candidates = [], []
        for node_name in sorted(pods):
            new, old, ok = _updated_pods_on_node(ds, pods[node_name], hash_)
            if not ok or (new is None) == (old is None):
                unavailable += 1
            elif new is not None:
                if not podstate.is_available(new, min_ready, now):
                    unavailable += 1
            elif not podstate.is_available(old, min_ready, now):
                replace.append(old)
            elif unavailable < max_unavailable:
                candidates.append(old)
        room = min(max(0, max_unavailable - unavailable), len(candidates))
        return Step([], replace + candidates[:room])
    surged = 0
    create, delete = [], []
    for node_name in sorted(pods):
        new, old, ok = _updated_pods_on_node(ds, pods[node_name], hash_)
        if not ok or old is None:
            continue
        if new is None:
            if not podstate.is_available(old, min_ready, now):
                create.append(node_name)
            elif surged < surge:
                surged += 1
                create.append(node_name)
        elif not podstate.is_available(new, min_ready, now):
            surged += 1
        else:
            delete.append(old)
    return Step(create, delete)


def status_of(ds: types_pb2.DaemonSet, nodes: list[types_pb2.Node], pods: Mapping[str, list[types_pb2.Pod]],
              hash_: str, now: datetime) -> types_pb2.DaemonSetStatus:
    status = types_pb2.DaemonSetStatus()
    status.CopyFrom(ds.status)
    desired = current = ready = available = updated = misscheduled = 0
    for node in nodes:
        here = [p for p in pods.get(node.metadata.name, []) if not (p.metadata.deletion_timestamp
                                                                     and p.status.phase in podstate.TERMINAL)]
        if should_run(ds.spec.template, node).should_run:
            desired += 1
            if not here:
                continue
            current += 1
            pod = sorted(here, key=lambda p: (p.metadata.creation_timestamp, p.status.phase != "Running"))[0]
            if podstate.is_ready(pod):
                ready += 1
                if podstate.is_available(pod, ds.spec.min_ready_seconds, now):
                    available += 1
            if is_updated(ds, pod, hash_):
                updated += 1
        elif here:
            misscheduled += 1
    status.desired_number_scheduled, status.current_number_scheduled = desired, current
    status.number_ready, status.number_available = ready, available
    status.updated_number_scheduled, status.number_misscheduled = updated, misscheduled
    status.number_unavailable = desired - available
    status.observed_generation = ds.metadata.generation
    return status


def next_availability_check(ds: types_pb2.DaemonSet, pods: Iterable[types_pb2.Pod], now: datetime) -> float | None:
    waits = [w for p in pods if (w := podstate.seconds_until_available(p, ds.spec.min_ready_seconds, now))]
    return min(waits) if waits else None
