"""Validation of Pods and pod specs (containers, ports, env, resources, volumes, probes, DNS,
affinity, tolerations), and of what a pod update may change: images, the deadline, added tolerations.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from api import manifest, names, quantity
from controlplane.apiserver.validation.fielderrors import (Path, at_least, duplicate, each, forbidden, invalid,
                                                           is_ip, manifest_name, not_found, not_supported, one_of,
                                                           required, unique_label)
from controlplane.apiserver.validation import podaffinity, podruntime, podsources, priority, security
from controlplane.apiserver.validation.meta import validate_labels
from proto import types_pb2

MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCH_PATHS = 32
STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")

PULL_POLICIES = ("Always", "IfNotPresent", "Never")
RESTART_POLICIES = ("Always", "Never", "OnFailure")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
TERMINATION_MESSAGE_POLICIES = ("FallbackToLogsOnError", "File")
PROTOCOLS = ("SCTP", "TCP", "UDP")
URI_SCHEMES = ("HTTP", "HTTPS")
TAINT_EFFECTS = ("NoExecute", "NoSchedule", "PreferNoSchedule")
TOLERATION_OPERATORS = ("Equal", "Exists")
HOST_PATH_TYPES = ("", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File",
                   "FileOrCreate", "Socket")
STORAGE_MEDIA = ("", "Memory")

# The pod fields a container's environment may read through `fieldRef` (besides labels['k'] and
# annotations['k']); the ones skiff's status carries.
ENV_FIELD_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                   "spec.serviceAccountName", "status.hostIP", "status.podIP", "status.podIPs")

POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than spec.containers[*].image, "
    "spec.initContainers[*].image, spec.activeDeadlineSeconds, "
    "spec.tolerations (only additions to existing tolerations)"
)

_HTTP_HEADER_NAME = r"[-A-Za-z0-9]+"
_SUBSCRIPTED_FIELD = re.compile(r"(metadata\.(?:labels|annotations))\['(.*)'\]")


def validate_pod(pod: types_pb2.Pod) -> list[str]:
    errors = validate_pod_spec(pod.spec, Path("spec"))
    if pod.spec.scheduling_gates and pod.spec.node_name:
        errors.append(forbidden(Path("spec").child("nodeName"),
                                "cannot be set until all schedulingGates have been cleared"))
    return errors


SYSTEM_CONDITIONS = ("PodScheduled", "Ready", "Initialized")


def validate_pod_conditions(conditions, path: Path) -> list[str]:
    """Kubernetes' validatePodConditions: a condition other than the system's has a qualified name as its type
    (the field path names `Type`, as Kubernetes' does)."""
    errors = []
    for i, condition in enumerate(conditions):
        if condition.type not in SYSTEM_CONDITIONS:
            errors += each(names.qualified_name(condition.type), path.index(i).child("Type"), condition.type)
    return errors


def validate_scheduling_gates(gates, path: Path) -> list[str]:
    """Kubernetes' validateSchedulingGates: qualified names, none twice."""
    errors, seen = [], set()
    for i, gate in enumerate(gates):
        errors += each(names.qualified_name(gate.name), path.index(i), gate.name)
        if gate.name in seen:
            errors.append(duplicate(path.index(i), gate.name))
        seen.add(gate.name)
    return errors


def validate_only_deleted_scheduling_gates(new, old, path: Path) -> list[str]:
    """A pod's gates may only be removed, never added (Kubernetes' validateOnlyDeletedSchedulingGates)."""
    before = {g.name for g in old}
    return [forbidden(path.index(i).child("name"),
                      f"only deletion is allowed, but found new scheduling gate '{g.name}'")
            for i, g in enumerate(new) if g.name not in before]


def validate_pod_spec(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    errors = validate_volumes(spec.volumes, path.child("volumes"))
    errors += validate_containers(spec, path)
    errors += validate_host_ports(spec, path)
    errors += one_of(spec.restart_policy, path.child("restartPolicy"), RESTART_POLICIES)
    errors += validate_dns(spec, path)
    if spec.HasField("termination_grace_period_seconds"):
        errors += at_least(spec.termination_grace_period_seconds, 0, path.child("terminationGracePeriodSeconds"))
    if spec.HasField("active_deadline_seconds") and not 1 <= spec.active_deadline_seconds <= 2**32 - 1:
        errors.append(invalid(path.child("activeDeadlineSeconds"), spec.active_deadline_seconds,
                              f"must be between 1 and {2**32 - 1}, inclusive"))
    errors += validate_labels(spec.node_selector, path.child("nodeSelector"))
    errors += validate_scheduling_gates(spec.scheduling_gates, path.child("schedulingGates"))
    for field, json_name, rule in (
            ("node_name", "nodeName", names.dns1123_subdomain),
            ("service_account_name", "serviceAccountName", names.dns1123_subdomain),
            ("scheduler_name", "schedulerName", names.dns1123_subdomain),
            ("hostname", "hostname", names.dns1123_label),
            ("subdomain", "subdomain", names.dns1123_label)):
        value = getattr(spec, field)
        if value:
            errors += each(rule(value), path.child(json_name), value)
    if spec.HasField("affinity"):
        errors += validate_affinity(spec.affinity, path.child("affinity"))
        errors += podaffinity.validate_pod_affinity(spec.affinity, path.child("affinity"))
    errors += podaffinity.validate_topology_spread(spec.topology_spread_constraints,
                                                   path.child("topologySpreadConstraints"))
    errors += validate_tolerations(spec.tolerations, path.child("tolerations"))
    errors += podsources.validate_image_pull_secrets(spec.image_pull_secrets, path.child("imagePullSecrets"))
    if spec.HasField("security_context"):
        errors += security.validate_pod_security(spec.security_context, path.child("securityContext"),
                                                 spec.host_network, spec.host_ipc)
    errors += validate_host_aliases(spec.host_aliases, path.child("hostAliases"))
    errors += priority.validate_pod_priority(spec, path)
    errors += podruntime.validate(spec, path)
    if spec.overhead:
        # Kubernetes reuses its container resources rule: the path reads spec.overhead.limits[cpu].
        errors += validate_resources(types_pb2.ResourceRequirements(limits=spec.overhead), path.child("overhead"))
    return errors


def validate_host_aliases(aliases: Iterable[types_pb2.HostAlias], path: Path) -> list[str]:
    errors = []
    for i, alias in enumerate(aliases):
        p = path.index(i)
        if not is_ip(alias.ip):
            errors.append(invalid(p.child("ip"), alias.ip, "must be a valid IP address"))
        if not alias.hostnames:
            errors.append(required(p.child("hostnames")))
        for j, hostname in enumerate(alias.hostnames):
            errors += each(names.dns1123_subdomain(hostname), p.child("hostnames").index(j), hostname)
    return errors


def validate_containers(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """Both lists: names are unique across init and app containers, as they share one namespace."""
    volumes = {v.name for v in spec.volumes if v.name}
    seen: set[str] = set()
    errors = []
    grace = spec.termination_grace_period_seconds if spec.HasField("termination_grace_period_seconds") else None
    for i, c in enumerate(spec.init_containers):
        errors += validate_container(c, path.child("initContainers").index(i), volumes, seen, init=True, grace=grace)
        errors += podruntime.validate_container(c, path.child("initContainers").index(i), spec.restart_policy, True)
    if not spec.containers:
        errors.append(required(path.child("containers")))
    for i, c in enumerate(spec.containers):
        errors += validate_container(c, path.child("containers").index(i), volumes, seen, grace=grace)
        errors += podruntime.validate_container(c, path.child("containers").index(i), spec.restart_policy, False)
    return errors


def validate_container(c: types_pb2.Container, path: Path, volumes: set[str], seen: set[str],
                       init: bool = False, grace: int | None = None) -> list[str]:
    """`grace`: the pod's terminationGracePeriodSeconds, which a lifecycle hook's sleep must stay below."""
    errors = []
    if not c.name:
        errors.append(required(path.child("name")))
    else:
        errors += unique_label(c.name, path.child("name"), seen)
    if not c.image:
        errors.append(required(path.child("image")))
    elif c.image != c.image.strip():
        errors.append(invalid(path.child("image"), c.image, "must not have leading or trailing whitespace"))
    errors += one_of(c.image_pull_policy, path.child("imagePullPolicy"), PULL_POLICIES)
    errors += one_of(c.termination_message_policy, path.child("terminationMessagePolicy"),
                      TERMINATION_MESSAGE_POLICIES)
    errors += validate_container_ports(c.ports, path.child("ports"))
    errors += validate_env(c.env, path.child("env"))
    errors += podsources.validate_env_from(c.env_from, path.child("envFrom"))
    errors += validate_resources(c.resources, path.child("resources"))
    errors += validate_volume_mounts(c.volume_mounts, path.child("volumeMounts"), volumes,
                                     c.security_context.HasField("privileged") and c.security_context.privileged)
    if c.restart_policy:
        if not init:
            errors.append(forbidden(path.child("restartPolicy"), "may not be set for non-init containers"))
        elif c.restart_policy != "Always":
            errors.append(not_supported(path.child("restartPolicy"), c.restart_policy, ("Always",)))
    # A sidecar (an init container with restartPolicy Always) runs beside the app containers: it may be probed.
    runs_to_completion = init and c.restart_policy != "Always"
    for field, json_name in (("liveness_probe", "livenessProbe"), ("readiness_probe", "readinessProbe"),
                             ("startup_probe", "startupProbe")):
        if not c.HasField(field):
            continue
        if runs_to_completion:
            # An init container runs to completion before the pod starts: there is nothing to probe.
            errors.append(forbidden(path.child(json_name), "may not be set for init containers without "
                                                           "restartPolicy=Always"))
        else:
            errors += validate_probe(getattr(c, field), path.child(json_name), json_name)
    if c.HasField("security_context"):
        errors += security.validate_container_security(c.security_context, path.child("securityContext"))
    if c.HasField("lifecycle"):
        if runs_to_completion:
            errors.append(forbidden(path.child("lifecycle"), "may not be set for init containers without "
                                                             "restartPolicy=Always"))
        for field, json_name in (("post_start", "postStart"), ("pre_stop", "preStop")):
            if c.lifecycle.HasField(field):
                errors += validate_handler(getattr(c.lifecycle, field), path.child("lifecycle", json_name), grace)
    return errors


def validate_container_ports(ports: Iterable[types_pb2.ContainerPort], path: Path) -> list[str]:
    errors = []
    port_names: set[str] = set()
    for i, port in enumerate(ports):
        p = path.index(i)
        if port.name:
            problems = names.port_name(port.name)
            errors += each(problems, p.child("name"), port.name)
            if not problems and port.name in port_names:
                errors.append(duplicate(p.child("name"), port.name))
            port_names.add(port.name)
        if port.container_port == 0:
            errors.append(required(p.child("containerPort")))
        else:
            errors += each(names.port_number(port.container_port), p.child("containerPort"), port.container_port)
        if port.host_port != 0:
            errors += each(names.port_number(port.host_port), p.child("hostPort"), port.host_port)
        errors += one_of(port.protocol, p.child("protocol"), PROTOCOLS)
        if port.host_ip and not is_ip(port.host_ip):
            errors.append(invalid(p.child("hostIP"), port.host_ip, "must be a valid IP address"))
    return errors


def validate_host_ports(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """A host port is the node's, so two containers of one pod cannot both claim it."""
    errors = []
    claimed: set[str] = set()
    for i, c in enumerate(spec.containers):
        for j, port in enumerate(c.ports):
            p = path.child("containers").index(i).child("ports").index(j).child("hostPort")
            if spec.host_network and port.host_port not in (0, port.container_port):
                errors.append(invalid(p, port.host_port, "must match `containerPort` when `hostNetwork` is true"))
            host_port = port.host_port or (port.container_port if spec.host_network else 0)
            if host_port == 0:
                continue
            key = f"{port.host_ip}/{port.protocol}/{host_port}"
            if key in claimed:
                errors.append(duplicate(p, key))
            claimed.add(key)
    return errors


def validate_env(env: Iterable[types_pb2.EnvVar], path: Path) -> list[str]:
    errors = []
    for i, var in enumerate(env):
        p = path.index(i)
        if not var.name:
            errors.append(required(p.child("name")))
        else:
            errors += each(names.env_var_name(var.name), p.child("name"), var.name)
        if var.HasField("value_from"):
            if var.value:
                errors.append(invalid(p.child("valueFrom"), "", "may not be specified when `value` is not empty"))
            errors += podsources.validate_env_source(var.value_from, p.child("valueFrom"))
            if var.value_from.HasField("field_ref"):
                errors += validate_field_ref(var.value_from.field_ref, p.child("valueFrom", "fieldRef"))
    return errors


def validate_field_ref(ref: types_pb2.ObjectFieldSelector, path: Path) -> list[str]:
    if not ref.field_path:
        return [required(path.child("fieldPath"))]
    if not ref.api_version:
        return [required(path.child("apiVersion"))]
    if ref.api_version != "v1":
        return [invalid(path.child("fieldPath"), ref.field_path,
                        f"error converting fieldPath: unsupported pod version: {ref.api_version}")]
    subscripted = _SUBSCRIPTED_FIELD.fullmatch(ref.field_path)
    if subscripted:
        field, key = subscripted.groups()
        key = key.lower() if field == "metadata.annotations" else key
        return each(names.qualified_name(key), path.child("fieldPath"), ref.field_path)
    if ref.field_path not in ENV_FIELD_PATHS:
        return [not_supported(path.child("fieldPath"), ref.field_path, ENV_FIELD_PATHS)]
    return []


def validate_resources(resources: types_pb2.ResourceRequirements, path: Path) -> list[str]:
    errors = []
    parsed: dict[str, dict[str, Any]] = {"limits": {}, "requests": {}}
    for group in ("limits", "requests"):
        for name, text in sorted(getattr(resources, group).items()):
            p = path.child(group).key(name)
            errors += validate_resource_name(name, p)
            try:
                value = quantity.parse_quantity(text)
            except quantity.QuantityError:
                errors.append(invalid(p, text, "must be a valid quantity"))
                continue
            if value < 0:
                errors.append(invalid(p, text, "must be greater than or equal to 0"))
            parsed[group][name] = value
    for name, request in sorted(parsed["requests"].items()):
        limit = parsed["limits"].get(name)
        if limit is not None and request > limit:
            errors.append(invalid(path.child("requests").key(name), resources.requests[name],
                                  f"must be less than or equal to {name} limit of {resources.limits[name]}"))
    return errors


def validate_resource_name(name: str, path: Path) -> list[str]:
    errors = each(names.qualified_name(name), path, name)
    standard = name in STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-")
    if not errors and "/" not in name and not standard:
        errors.append(invalid(path, name, "must be a standard resource type or fully qualified"))
    return errors


VOLUME_SOURCES = podsources.VOLUME_SOURCES


def validate_volumes(volumes: Iterable[types_pb2.Volume], path: Path) -> list[str]:
    errors = []
    seen: set[str] = set()
    for i, volume in enumerate(volumes):
        p = path.index(i)
        if not volume.name:
            errors.append(required(p.child("name")))
        else:
            errors += unique_label(volume.name, p.child("name"), seen)
        sources = [f for f in VOLUME_SOURCES if volume.HasField(f)]
        if not sources:
            errors.append(required(p, "must specify a volume type"))
        for extra in sources[1:]:
            errors.append(forbidden(p.child(manifest_name(volume, extra)), "may not specify more than 1 volume type"))
        if volume.HasField("empty_dir"):
            errors += validate_empty_dir(volume.empty_dir, p.child("emptyDir"))
        if volume.HasField("host_path"):
            errors += validate_host_path(volume.host_path, p.child("hostPath"))
        if any(volume.HasField(f) for f in podsources.CONFIG_SOURCES):
            errors += podsources.validate_config_volume(volume, p)
        if volume.HasField("persistent_volume_claim"):
            errors += podsources.validate_claim_volume(volume.persistent_volume_claim, p.child("persistentVolumeClaim"))
        if volume.HasField("ephemeral"):
            # imported here: claim validation lives with the storage kinds, whose module imports this one
            from controlplane.apiserver.validation import storage
            errors += storage.validate_ephemeral_volume(volume.ephemeral, p.child("ephemeral"))
    return errors


def validate_empty_dir(source: types_pb2.EmptyDirVolumeSource, path: Path) -> list[str]:
    errors = []
    if source.medium not in STORAGE_MEDIA and not source.medium.startswith("HugePages"):
        errors.append(not_supported(path.child("medium"), source.medium, ("", "HugePages", "Memory")))
    if source.size_limit:
        try:
            if quantity.parse_quantity(source.size_limit) < 0:
                errors.append(invalid(path.child("sizeLimit"), source.size_limit, "must be greater than or equal to 0"))
        except quantity.QuantityError:
            errors.append(invalid(path.child("sizeLimit"), source.size_limit, "must be a valid quantity"))
    return errors


def validate_host_path(source: types_pb2.HostPathVolumeSource, path: Path) -> list[str]:
    errors = []
    if not source.path:
        errors.append(required(path.child("path")))
    # Kubernetes checks no more than this: whether a path is absolute is the node's to judge (a Windows node
    # takes "C:\\x"); skiff's Linux nodes refuse a relative one when they make the container.
    elif ".." in source.path.split("/"):
        errors.append(invalid(path.child("path"), source.path, "must not contain '..'"))
    if source.type not in HOST_PATH_TYPES:
        errors.append(not_supported(path.child("type"), source.type, HOST_PATH_TYPES))
    return errors


MOUNT_PROPAGATIONS = ("Bidirectional", "HostToContainer", "None")
RECURSIVE_READ_ONLY = ("Disabled", "Enabled", "IfPossible")


def validate_volume_mounts(mounts: Iterable[types_pb2.VolumeMount], path: Path, volumes: set[str],
                           privileged: bool = False) -> list[str]:
    errors = []
    mount_paths: set[str] = set()
    for i, mount in enumerate(mounts):
        p = path.index(i)
        if not mount.name:
            errors.append(required(p.child("name")))
        elif mount.name not in volumes:
            errors.append(not_found(p.child("name"), mount.name))
        if not mount.mount_path:
            errors.append(required(p.child("mountPath")))
        else:  # not checked for being absolute, as in Kubernetes: the node makes it so ("/" + path on Linux)
            if mount.mount_path in mount_paths:
                errors.append(invalid(p.child("mountPath"), mount.mount_path, "must be unique"))
            mount_paths.add(mount.mount_path)
        if mount.sub_path:
            if mount.sub_path.startswith("/"):
                errors.append(invalid(p.child("subPath"), mount.sub_path, "must be a relative path"))
            if ".." in mount.sub_path.split("/"):
                errors.append(invalid(p.child("subPath"), mount.sub_path, "must not contain '..'"))
        if mount.sub_path_expr:
            if mount.sub_path:
                errors.append(invalid(p.child("subPathExpr"), mount.sub_path_expr,
                                      "subPathExpr and subPath are mutually exclusive"))
            if mount.sub_path_expr.startswith("/"):
                errors.append(invalid(p.child("subPathExpr"), mount.sub_path_expr, "must be a relative path"))
            if ".." in mount.sub_path_expr.split("/"):
                errors.append(invalid(p.child("subPathExpr"), mount.sub_path_expr, "must not contain '..'"))
        errors += _mount_modes(mount, p, privileged)
    return errors


def _mount_modes(mount: types_pb2.VolumeMount, path: Path, privileged: bool) -> list[str]:
    """mountPropagation and recursiveReadOnly, as Kubernetes' validateMountPropagation and ValidateVolumeMounts."""
    errors = []
    propagation = mount.mount_propagation if mount.HasField("mount_propagation") else None
    if propagation is not None:
        if propagation not in MOUNT_PROPAGATIONS:
            errors.append(not_supported(path.child("mountPropagation"), propagation, MOUNT_PROPAGATIONS))
        elif propagation == "Bidirectional" and not privileged:
            errors.append(forbidden(path.child("mountPropagation"),
                                    "Bidirectional mount propagation is available only to privileged containers"))
    if mount.HasField("recursive_read_only") and mount.recursive_read_only != "Disabled":
        p = path.child("recursiveReadOnly")
        if mount.recursive_read_only not in RECURSIVE_READ_ONLY:
            errors.append(not_supported(p, mount.recursive_read_only, RECURSIVE_READ_ONLY))
        else:
            if not mount.read_only:
                errors.append(forbidden(p, "may only be specified when readOnly is true"))
            if propagation not in (None, "None"):
                errors.append(forbidden(p, "may only be specified when mountPropagation is None or not specified"))
    return errors


def validate_probe(probe: types_pb2.Probe, path: Path, which: str) -> list[str]:
    """`which` is livenessProbe, readinessProbe or startupProbe: the rules differ a little."""
    errors = validate_handler(probe, path)
    errors += at_least(probe.initial_delay_seconds, 0, path.child("initialDelaySeconds"))
    errors += at_least(probe.timeout_seconds, 1, path.child("timeoutSeconds"))
    errors += at_least(probe.period_seconds, 1, path.child("periodSeconds"))
    errors += at_least(probe.failure_threshold, 1, path.child("failureThreshold"))
    if which in ("livenessProbe", "startupProbe"):
        # One success is all it takes to stop restarting: more would only delay it.
        if probe.success_threshold != 1:
            errors.append(invalid(path.child("successThreshold"), probe.success_threshold, "must be 1"))
    else:
        errors += at_least(probe.success_threshold, 1, path.child("successThreshold"))
    if probe.HasField("termination_grace_period_seconds"):
        grace = probe.termination_grace_period_seconds
        if which == "readinessProbe":
            errors.append(invalid(path.child("terminationGracePeriodSeconds"), grace,
                                  "must not be set for readinessProbes"))
        elif grace <= 0:
            errors.append(invalid(path.child("terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    return errors


def validate_handler(handler: types_pb2.Probe | types_pb2.LifecycleHandler, path: Path,
                     grace: int | None = None) -> list[str]:
    """Exactly one of exec, httpGet, tcpSocket (for a probe also grpc; for a hook also sleep, shorter than the
    pod's grace period `grace`)."""
    kinds = ("exec", "http_get", "tcp_socket", "grpc") if isinstance(handler, types_pb2.Probe) else \
        ("exec", "http_get", "tcp_socket", "sleep")
    present = [f for f in kinds if handler.HasField(f)]
    if not present:
        return [required(path, "must specify a handler type")]
    errors = [forbidden(path.child(manifest_name(handler, f)), "may not specify more than 1 handler type")
              for f in present[1:]]
    first = present[0]
    if first == "exec":
        if not handler.exec.command:
            errors.append(required(path.child("exec", "command")))
    elif first == "http_get":
        errors += validate_http_get(handler.http_get, path.child("httpGet"))
    elif first == "grpc":
        if not 0 < handler.grpc.port < 65536:
            errors.append(invalid(path.child("grpc", "port"), handler.grpc.port,
                                  "must be between 1 and 65535, inclusive"))
    elif first == "sleep":
        seconds = handler.sleep.seconds
        if grace is not None and not 0 < seconds <= grace:
            # Kubernetes 1.32's words (its AllowPodLifecycleSleepActionZeroValue gate is off by default).
            errors.append(invalid(path.child("sleep"), seconds,
                                  f"must be greater than 0 and less than terminationGracePeriodSeconds ({grace}). "
                                  f"Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep."))
    else:
        errors += validate_port_num_or_name(handler.tcp_socket.port, path.child("tcpSocket", "port"))
    return errors


def validate_http_get(action: types_pb2.HTTPGetAction, path: Path) -> list[str]:
    errors = []
    if not action.path:
        errors.append(required(path.child("path")))
    errors += validate_port_num_or_name(action.port, path.child("port"))
    errors += one_of(action.scheme, path.child("scheme"), URI_SCHEMES)
    for i, header in enumerate(action.http_headers):
        if not re.fullmatch(_HTTP_HEADER_NAME, header.name):
            errors.append(invalid(path.child("httpHeaders").index(i).child("name"), header.name, names.regex_error(
                "a valid HTTP header must consist of alphanumeric characters or '-'",
                _HTTP_HEADER_NAME, "X-Header-Name")))
    return errors


def validate_port_num_or_name(port: types_pb2.IntOrString, path: Path) -> list[str]:
    value = manifest.int_or_string_value(port)
    if value is None or value == "":
        return [required(path)]
    if isinstance(value, int):
        return each(names.port_number(value), path, value)
    return each(names.port_name(value), path, value)


def validate_dns(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    errors = one_of(spec.dns_policy, path.child("dnsPolicy"), DNS_POLICIES)
    if spec.dns_policy == "None" and not spec.HasField("dns_config"):
        errors.append(required(path.child("dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"))
    if not spec.HasField("dns_config"):
        return errors
    config, p = spec.dns_config, path.child("dnsConfig")
    if spec.dns_policy == "None" and not config.nameservers:
        errors.append(required(p.child("nameservers"),
                               "must provide at least one DNS nameserver when `dnsPolicy` is None"))
    if len(config.nameservers) > MAX_DNS_NAMESERVERS:
        errors.append(invalid(p.child("nameservers"), config.nameservers,
                              f"must not have more than {MAX_DNS_NAMESERVERS} nameservers"))
    for i, server in enumerate(config.nameservers):
        if not is_ip(server):
            errors.append(invalid(p.child("nameservers").index(i), server, "must be valid IP address"))
    if len(config.searches) > MAX_DNS_SEARCH_PATHS:
        errors.append(invalid(p.child("searches"), config.searches,
                              f"must not have more than {MAX_DNS_SEARCH_PATHS} search paths"))
    for i, search in enumerate(config.searches):
        domain = search[:-1] if search.endswith(".") else search  # a fully qualified name may end in '.'
        errors += each(names.dns1123_subdomain(domain), p.child("searches").index(i), search)
    for i, option in enumerate(config.options):
        if not option.name:
            errors.append(required(p.child("options").index(i).child("name")))
    return errors


def validate_affinity(affinity: types_pb2.Affinity, path: Path) -> list[str]:
    if not affinity.HasField("node_affinity"):
        return []
    node_affinity, p = affinity.node_affinity, path.child("nodeAffinity")
    errors = []
    if node_affinity.HasField("required_during_scheduling_ignored_during_execution"):
        errors += validate_node_selector(node_affinity.required_during_scheduling_ignored_during_execution,
                                         p.child("requiredDuringSchedulingIgnoredDuringExecution"))
    for i, preferred in enumerate(node_affinity.preferred_during_scheduling_ignored_during_execution):
        pp = p.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
        if not 1 <= preferred.weight <= 100:
            errors.append(invalid(pp.child("weight"), preferred.weight, "must be in the range 1-100"))
        errors += validate_node_selector_term(preferred.preference, pp.child("preference"))
    return errors


def validate_node_selector(selector: types_pb2.NodeSelector, path: Path) -> list[str]:
    terms = path.child("nodeSelectorTerms")
    if not selector.node_selector_terms:
        return [required(terms, "must have at least one node selector term")]
    errors = []
    for i, term in enumerate(selector.node_selector_terms):
        errors += validate_node_selector_term(term, terms.index(i))
    return errors


def validate_node_selector_term(term: types_pb2.NodeSelectorTerm, path: Path) -> list[str]:
    errors = []
    for i, requirement in enumerate(term.match_expressions):
        errors += validate_node_selector_requirement(requirement, path.child("matchExpressions").index(i))
    for i, requirement in enumerate(term.match_fields):
        errors += validate_node_field_requirement(requirement, path.child("matchFields").index(i))
    return errors


def validate_node_selector_requirement(rq: types_pb2.NodeSelectorRequirement, path: Path) -> list[str]:
    errors = []
    values = path.child("values")
    if rq.operator in ("In", "NotIn"):
        if not rq.values:
            errors.append(required(values, "must be specified when `operator` is 'In' or 'NotIn'"))
    elif rq.operator in ("Exists", "DoesNotExist"):
        if rq.values:
            errors.append(forbidden(values, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif rq.operator in ("Gt", "Lt"):
        if len(rq.values) != 1:
            errors.append(required(values, "must be specified single value when `operator` is 'Lt' or 'Gt'"))
        elif not re.fullmatch(r"[+-]?[0-9]+", rq.values[0]):
            errors.append(invalid(values.index(0), rq.values[0], "must be an integer"))
    else:
        errors.append(invalid(path.child("operator"), rq.operator, "not a valid selector operator"))
    errors += each(names.qualified_name(rq.key), path.child("key"), rq.key)
    return errors


def validate_node_field_requirement(rq: types_pb2.NodeSelectorRequirement, path: Path) -> list[str]:
    """matchFields: only metadata.name, with In or NotIn and one node name."""
    errors = []
    if rq.operator in ("In", "NotIn"):
        if len(rq.values) != 1:
            errors.append(required(path.child("values"), "must be only one value when `operator` is 'In' or "
                                                         "'NotIn' for node field selector"))
    else:
        errors.append(invalid(path.child("operator"), rq.operator, "not a valid selector operator"))
    if rq.key != "metadata.name":
        errors.append(invalid(path.child("key"), rq.key, "not a valid field selector key"))
    else:
        for i, value in enumerate(rq.values):
            errors += each(names.dns1123_subdomain(value), path.child("values").index(i), value)
    return errors


def validate_tolerations(tolerations: Iterable[types_pb2.Toleration], path: Path) -> list[str]:
    errors = []
    for i, t in enumerate(tolerations):
        p = path.index(i)
        if t.key:
            errors += each(names.qualified_name(t.key), p.child("key"), t.key)
        elif t.operator != "Exists":
            errors.append(invalid(p.child("operator"), t.operator,
                                  "operator must be Exists when `key` is empty, which means "
                                  "\"match all values and all keys\""))
        if t.HasField("toleration_seconds") and t.effect != "NoExecute":
            errors.append(invalid(p.child("effect"), t.effect,
                                  "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if t.operator in ("Equal", ""):
            errors += each(names.label_value(t.value), p.child("value"), t.value)
        elif t.operator == "Exists":
            if t.value:
                errors.append(invalid(p.child("operator"), t.operator,
                                      "value must be empty when `operator` is 'Exists'"))
        else:
            errors.append(not_supported(p.child("operator"), t.operator, TOLERATION_OPERATORS))
        if t.effect and t.effect not in TAINT_EFFECTS:
            errors.append(not_supported(p.child("effect"), t.effect, TAINT_EFFECTS))
    return errors


def validate_pod_update(new: types_pb2.Pod, old: types_pb2.Pod) -> list[str]:
    path = Path("spec")
    if len(new.spec.containers) != len(old.spec.containers):
        return [forbidden(path.child("containers"), "pod updates may not add or remove containers")]
    errors = validate_active_deadline_update(new.spec, old.spec, path.child("activeDeadlineSeconds"))
    errors += validate_only_added_tolerations(new.spec.tolerations, old.spec.tolerations, path.child("tolerations"))
    errors += validate_only_deleted_scheduling_gates(new.spec.scheduling_gates, old.spec.scheduling_gates,
                                                     path.child("schedulingGates"))
    if new.spec.node_name != old.spec.node_name:
        # Binding sets nodeName once, through its own subresource; an update never moves a pod.
        errors.append(invalid(path.child("nodeName"), new.spec.node_name, "field is immutable"))
    # Put back what may change; anything still different changed where it may not.
    unchanged = types_pb2.PodSpec()
    unchanged.CopyFrom(new.spec)
    for mutable, original in ((unchanged.containers, old.spec.containers),
                              (unchanged.init_containers, old.spec.init_containers)):
        for c, o in zip(mutable, original):
            c.image = o.image
    unchanged.ClearField("active_deadline_seconds")
    if old.spec.HasField("active_deadline_seconds"):
        unchanged.active_deadline_seconds = old.spec.active_deadline_seconds
    del unchanged.tolerations[:]
    unchanged.tolerations.extend(old.spec.tolerations)
    unchanged.node_name = old.spec.node_name
    del unchanged.scheduling_gates[:]
    unchanged.scheduling_gates.extend(old.spec.scheduling_gates)
    if unchanged != old.spec:
        errors.append(forbidden(path, POD_UPDATE_FORBIDDEN))
    return errors


def validate_active_deadline_update(new: types_pb2.PodSpec, old: types_pb2.PodSpec, path: Path) -> list[str]:
    """activeDeadlineSeconds may be set or shortened, never lengthened or removed."""
    if new.HasField("active_deadline_seconds"):
        if old.HasField("active_deadline_seconds") and new.active_deadline_seconds > old.active_deadline_seconds:
            return [invalid(path, new.active_deadline_seconds, "must be less than or equal to previous value")]
    elif old.HasField("active_deadline_seconds"):
        return [invalid(path, None, "must not update from a positive integer to nil value")]
    return []


def validate_only_added_tolerations(new: Iterable[types_pb2.Toleration], old: Iterable[types_pb2.Toleration],
                                    path: Path) -> list[str]:
    new = list(new)
    for existing in old:
        if not any(_same_toleration_but_seconds(existing, candidate) for candidate in new):
            return [forbidden(path, "existing toleration can not be modified except its tolerationSeconds")]
    return []


def _same_toleration_but_seconds(a: types_pb2.Toleration, b: types_pb2.Toleration) -> bool:
    return (a.key, a.operator, a.value, a.effect) == (b.key, b.operator, b.value, b.effect)
