"""The pods of a Job: made from its template (with the tracking finalizer, and an index when the Job is
Indexed), which of them are ready, and which to delete first when fewer should run."""
from __future__ import annotations

from api import jobs
from controlplane.controllers.core import ownership, podstate
from proto import types_pb2


def from_template(job: types_pb2.Job, index: int | None = None, failures: tuple[int, int] = (0, 0)) -> types_pb2.Pod:
    """A new pod of `job`; `index`: its completion index (Indexed Jobs), as Kubernetes names and labels it;
    `failures`: the index's counted and ignored failures so far (kept with backoffLimitPerIndex)."""
    template = job.spec.template
    pod = types_pb2.Pod(api_version="v1", kind="Pod")
    m = pod.metadata
    m.generate_name = f"{job.metadata.name}-" if index is None else f"{job.metadata.name}-{index}-"
    m.namespace = job.metadata.namespace
    m.labels.update(template.metadata.labels)
    m.annotations.update(template.metadata.annotations)
    m.owner_references.append(ownership.owner_reference(job))
    m.finalizers.append(jobs.TRACKING_FINALIZER)
    pod.spec.CopyFrom(template.spec)
    if index is not None:
        m.annotations[jobs.COMPLETION_INDEX] = str(index)
        m.labels[jobs.COMPLETION_INDEX] = str(index)
        if job.spec.HasField("backoff_limit_per_index"):
            m.annotations[jobs.INDEX_FAILURE_COUNT] = str(failures[0])
            m.annotations[jobs.INDEX_IGNORED_FAILURE_COUNT] = str(failures[1])
        if not pod.spec.hostname:
            pod.spec.hostname = f"{job.metadata.name}-{index}"
        for container in (*pod.spec.init_containers, *pod.spec.containers):
            if any(e.name == jobs.COMPLETION_INDEX_ENV for e in container.env):
                continue
            env = container.env.add(name=jobs.COMPLETION_INDEX_ENV)
            env.value_from.field_ref.api_version = "v1"
            env.value_from.field_ref.field_path = f"metadata.annotations['{jobs.COMPLETION_INDEX}']"
    return pod


def is_ready(pod: types_pb2.Pod) -> bool:
    return podstate.is_ready(pod)


def to_delete(active: list[types_pb2.Pod], count: int) -> list[types_pb2.Pod]:
    return podstate.pods_to_delete(active, count)
