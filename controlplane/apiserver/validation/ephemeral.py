"""Validation of ephemeral containers (`kubectl debug`), as Kubernetes' validateEphemeralContainers, and of
the pods/ephemeralcontainers subresource: containers may be added to a pod there, never changed or removed."""
from __future__ import annotations

from controlplane.apiserver.validation import podruntime, pods
from controlplane.apiserver.validation.fielderrors import Path, forbidden, not_found
from proto import types_pb2

FORBIDDEN = "cannot be set for an Ephemeral Container"

# The Container fields Kubernetes refuses on an ephemeral container (allowedEphemeralContainerFields): a
# debugging container serves nothing and guarantees nothing, so it has no ports, probes, hooks or resources,
# and it is never restarted.
NOT_ALLOWED = (("ports", "ports"), ("resources", "resources"), ("resize_policy", "resizePolicy"),
               ("liveness_probe", "livenessProbe"),
               ("readiness_probe", "readinessProbe"), ("startup_probe", "startupProbe"),
               ("lifecycle", "lifecycle"), ("restart_policy", "restartPolicy"))


def validate_on_create(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """A pod is created without ephemeral containers: they are added to a running pod, through the subresource."""
    if not spec.ephemeral_containers:
        return []
    return [forbidden(path.child("ephemeralContainers"), "cannot be set on create")]


def validate_ephemeral_containers(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """Each ephemeral container as a container, less what it may not have; names unique across every list;
    a target that names one of the pod's (non-ephemeral) containers."""
    volumes = {v.name for v in spec.volumes if v.name}
    others = {c.name for c in (*spec.init_containers, *spec.containers)}
    seen = set(others)
    errors = []
    for i, ec in enumerate(spec.ephemeral_containers):
        p = path.child("ephemeralContainers").index(i)
        checked = types_pb2.EphemeralContainer()
        checked.CopyFrom(ec)
        for field, json_name in NOT_ALLOWED:
            if _is_set(ec, field):
                errors.append(forbidden(p.child(json_name), FORBIDDEN))
                checked.ClearField(field)
        # The container checks proper (image, env, mounts, ...) and the name, unique among every container.
        errors += pods.validate_container(checked, p, volumes, seen)
        if ec.volume_devices:
            errors.append(forbidden(p.child("volumeDevices"), podruntime.VOLUME_DEVICES))
        for j, mount in enumerate(ec.volume_mounts):
            # A subPath is a bind mount that would outlive the debugging session until the pod goes.
            if mount.sub_path:
                errors.append(forbidden(p.child("volumeMounts").index(j).child("subPath"), FORBIDDEN))
        if ec.target_container_name and ec.target_container_name not in others:
            errors.append(not_found(p.child("targetContainerName"), ec.target_container_name))
    return errors


def _is_set(ec: types_pb2.EphemeralContainer, field: str) -> bool:
    # Kubernetes compares with the zero value: kubectl debug sends `resources: {}`, which is not set; a probe
    # or hook (pointers in Go) is set once present, even empty.
    if field == "resources":
        return ec.resources.ByteSize() > 0
    if field in ("liveness_probe", "readiness_probe", "startup_probe", "lifecycle"):
        return ec.HasField(field)
    return bool(getattr(ec, field))


def with_ephemeral_containers(body: types_pb2.Pod, old: types_pb2.Pod) -> types_pb2.Pod:
    """What the subresource stores: the stored pod with the body's ephemeral containers, and nothing else of
    the body (Kubernetes' dropNonEphemeralContainerUpdates)."""
    new = types_pb2.Pod()
    new.CopyFrom(old)
    del new.spec.ephemeral_containers[:]
    new.spec.ephemeral_containers.extend(body.spec.ephemeral_containers)
    return new


def validate_ephemeral_update(new: types_pb2.Pod, old: types_pb2.Pod) -> list[str]:
    """Kubernetes' ValidatePodEphemeralContainersUpdate (the pod itself is validated as always): every existing
    ephemeral container is still there, unchanged (patches do not keep order, so each is found by name)."""
    path = Path("spec").child("ephemeralContainers")
    errors = []
    by_name = {ec.name: ec for ec in new.spec.ephemeral_containers}
    for existing in old.spec.ephemeral_containers:
        now = by_name.get(existing.name)
        if now is None:
            errors.append(forbidden(path, f'existing ephemeral containers "{existing.name}" may not be removed'))
        elif now != existing:
            errors.append(forbidden(Path(f"{path}[{existing.name}]"),
                                    f'existing ephemeral containers "{existing.name}" may not be changed'))
    return errors

