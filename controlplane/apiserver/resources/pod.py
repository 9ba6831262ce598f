"""Pods: created Pending, bound to a node once (the binding subresource), deleted gracefully (the
node's agent stops the containers, then confirms), and watched by node (`spec.nodeName`)."""
from __future__ import annotations

from api import errors, meta, podstatus, qos
from controlplane.apiserver import apparmor, defaults
from controlplane.apiserver.resources.strategy import COMMON_FIELDS, PartialUpdate, Strategy, Subresource
from controlplane.apiserver.validation import ephemeral, pods
from controlplane.apiserver.validation.fielderrors import Path
from proto import types_pb2

SCHEDULING_GATED = "SchedulingGated"


def bind(pod: types_pb2.Pod, binding: types_pb2.Binding) -> None:
    """Assign the pod to the binding's node, once: a pod already bound (or replaced, or going) refuses."""
    name = binding.metadata.name
    if binding.metadata.uid and binding.metadata.uid != pod.metadata.uid:
        raise errors.Conflict(f'pod "{name}" was replaced (uid {pod.metadata.uid}, binding for '
                              f'{binding.metadata.uid})')
    if pod.spec.node_name:
        raise errors.Conflict(f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} '
                              f'is already assigned to node "{pod.spec.node_name}"')
    if pod.metadata.deletion_timestamp:
        raise errors.Conflict(f'pod "{name}" is being deleted, cannot be assigned to a node')
    if pod.spec.scheduling_gates:
        raise errors.Conflict(f"pod {name} has non-empty .spec.schedulingGates")
    pod.spec.node_name = binding.target.name
    for k, v in binding.metadata.annotations.items():
        pod.metadata.annotations[k] = v
    meta.set_condition(pod.status.conditions, "PodScheduled", "True")


def validate_binding(binding: types_pb2.Binding) -> list[str]:
    return [f"{path}: Required value"
            for path, value in (("metadata.name", binding.metadata.name), ("target.name", binding.target.name))
            if not value]


class PodStrategy(Strategy):
    selectable_fields = COMMON_FIELDS + ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                                         "status.phase", "status.podIP")
    trigger_field = "spec.nodeName"
    subresources = {"binding": Subresource(bind, validate_binding)}
    # `kubectl debug`: containers added to a running pod, only here (never by a create or a pod update).
    partial_updates = {"ephemeralcontainers": PartialUpdate(ephemeral.with_ephemeral_containers,
                                                            ephemeral.validate_ephemeral_update)}
    sample = {"metadata": {"name": "sample"},
              "spec": {"containers": [{"name": "app", "image": "busybox:latest"}]}}

    def prepare_for_create(self, pod: types_pb2.Pod) -> None:
        pod.status.phase = "Pending"
        apparmor.fields_from_annotations(pod)
        if pod.spec.scheduling_gates:  # Kubernetes' applySchedulingGatedCondition: why it waits, from the start
            meta.set_condition(pod.status.conditions, "PodScheduled", "False", SCHEDULING_GATED,
                               "Scheduling is blocked due to non-empty scheduling gates")

    def complete_create(self, pod: types_pb2.Pod) -> None:
        pod.status.qos_class = qos.pod_qos(pod)  # from the requests and limits admission left (LimitRanger's)

    def prepare_for_status_update(self, new: types_pb2.Pod, old: types_pb2.Pod) -> None:
        # The class is fixed at creation; an agent's status write that leaves it out keeps it (as Kubernetes).
        if not new.status.qos_class:
            new.status.qos_class = old.status.qos_class

    def prepare_for_update(self, new: types_pb2.Pod, old: types_pb2.Pod) -> None:
        # Kubernetes' Priority admission on update: what it resolved on create stays when a write leaves it out
        # (any other change of them is refused as a change of the spec).
        for field in ("priority", "preemption_policy"):
            if not new.spec.HasField(field) and old.spec.HasField(field):
                setattr(new.spec, field, getattr(old.spec, field))

    def default(self, pod: types_pb2.Pod) -> None:
        defaults.pod(pod)

    def validate(self, pod: types_pb2.Pod) -> list[str]:
        return pods.validate_pod(pod) + ephemeral.validate_ephemeral_containers(pod.spec, Path("spec"))

    def validate_create(self, pod: types_pb2.Pod) -> list[str]:
        return ephemeral.validate_on_create(pod.spec, Path("spec"))

    def validate_update(self, new: types_pb2.Pod, old: types_pb2.Pod) -> list[str]:
        return pods.validate_pod_update(new, old)

    def validate_status_update(self, new: types_pb2.Pod, old: types_pb2.Pod) -> list[str]:
        # The spec is the stored one and no check reads the status: judging the whole spec again on every
        # status write (an agent's, once or more per pod) was a fifth of what a pod's validation costs the
        # API server. Kubernetes' ValidatePodStatusUpdate does not judge the spec either; it judges the
        # conditions others write (a readiness gate's), as here.
        return pods.validate_pod_conditions(new.status.conditions, Path("status").child("conditions"))

    def deletion_grace(self, pod: types_pb2.Pod, requested: int | None) -> int:
        if not pod.spec.node_name or podstatus.is_terminal(pod):
            return 0  # nothing runs it, nothing to stop
        if requested is not None:
            return requested
        if pod.spec.HasField("termination_grace_period_seconds"):
            return pod.spec.termination_grace_period_seconds
        return defaults.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS

    def holds_removal(self, pod: types_pb2.Pod, deleting: bool) -> bool:
        # A pod on a node goes when its agent confirms (a delete with grace 0).
        return not deleting and pod.metadata.deletion_grace_period_seconds != 0

    def trigger(self, pod: types_pb2.Pod) -> str:
        return pod.spec.node_name


STRATEGY = PodStrategy()
