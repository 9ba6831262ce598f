"""Kubernetes' validation rules for every kind: `validate(obj, old)` lists every problem at once,
one "field.path: message" line each, in the words Kubernetes uses. Objects are validated after defaulting.
"""
from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from google.protobuf.message import Message

from api import kinds, manifest, names, quantity, selectors
from proto import types_pb2

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCH_PATHS = 32
MAX_CLIENT_IP_AFFINITY_SECONDS = 86400
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
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
SERVICE_TYPES = ("ClusterIP", "NodePort")
SESSION_AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")
DEPLOYMENT_STRATEGIES = ("Recreate", "RollingUpdate")
EVENT_TYPES = ("Normal", "Warning")

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
_PERCENT = r"[0-9]+%"
_SUBSCRIPTED_FIELD = re.compile(r"(metadata\.(?:labels|annotations))\['(.*)'\]")


def validate(obj: Message, old: Message | None = None) -> list[str]:
    """Every problem of `obj` (created, or replacing the stored `old`), one line each; [] when valid."""
    kind = kinds.of(obj)
    errors = validate_object_meta(obj.metadata, kind, Path("metadata"))
    errors += _RULES[kind.name](obj)
    if old is not None:
        errors += validate_object_meta_update(obj.metadata, old.metadata, Path("metadata"))
        errors += _UPDATE_RULES.get(kind.name, _nothing_on_update)(obj, old)
    return errors


# ---------------------------------------------------------------- field paths and error lines

class Path:
    """A field path in manifest form: `spec.containers[0].resources.limits[cpu]`."""

    def __init__(self, text: str = ""):
        self.text = text

    def child(self, *fields: str) -> Path:
        return Path(".".join([self.text, *fields] if self.text else fields))

    def index(self, i: int) -> Path:
        return Path(f"{self.text}[{i}]")

    key = index  # map keys print as indexes do: limits[cpu]

    def __str__(self) -> str:
        return self.text


def show(value: Any) -> str:
    """A value as Kubernetes prints it in an error: strings quoted, numbers bare, maps as JSON."""
    if isinstance(value, Message):
        value = manifest.to_dict(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping):
        value = dict(value)
    elif isinstance(value, Iterable) and not isinstance(value, str):
        value = list(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def required(path: Path, detail: str = "") -> str:
    return f"{path}: Required value" + (f": {detail}" if detail else "")


def invalid(path: Path, value: Any, detail: str) -> str:
    return f"{path}: Invalid value: {show(value)}: {detail}"


def duplicate(path: Path, value: Any, detail: str = "") -> str:
    return f"{path}: Duplicate value: {show(value)}" + (f": {detail}" if detail else "")


def not_supported(path: Path, value: Any, supported: Iterable[str]) -> str:
    listed = ", ".join(f'"{s}"' for s in supported)
    return f"{path}: Unsupported value: {show(value)}: supported values: {listed}"


def forbidden(path: Path, detail: str) -> str:
    return f"{path}: Forbidden: {detail}"


def not_found(path: Path, value: Any) -> str:
    return f"{path}: Not found: {show(value)}"


def too_long(path: Path, limit: int) -> str:
    return f"{path}: Too long: may not be more than {limit} bytes"


def _each(messages: list[str], path: Path, value: Any) -> list[str]:
    """One Invalid line per message of an api.names check."""
    return [invalid(path, value, m) for m in messages]


def _one_of(value: str, path: Path, supported: tuple[str, ...]) -> list[str]:
    if not value:
        return [required(path)]
    return [] if value in supported else [not_supported(path, value, supported)]


def _at_least(value: int, minimum: int, path: Path) -> list[str]:
    return [] if value >= minimum else [invalid(path, value, f"must be greater than or equal to {minimum}")]


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _ipv4(text: str, path: Path) -> list[str]:
    return [] if _is_ipv4(text) else [invalid(path, text, "must be a valid IPv4 address (e.g. 10.9.8.7)")]


# ---------------------------------------------------------------- metadata

def _any_name(name: str) -> list[str]:
    return []


_NAME_RULES: dict[str, Callable[[str], list[str]]] = {
    "Namespace": names.dns1123_label,
    "Service": names.dns1035_label,
    "Event": _any_name,
}


def validate_object_meta(meta: types_pb2.ObjectMeta, kind: kinds.Kind, path: Path) -> list[str]:
    name_rule = _NAME_RULES.get(kind.name, names.dns1123_subdomain)
    errors = []
    if not meta.name:
        errors.append(required(path.child("name"), "name or generateName is required"))
    else:
        errors += _each(name_rule(meta.name), path.child("name"), meta.name)
    if meta.generate_name:
        # A prefix may end in '-': the random suffix follows it.
        prefix = meta.generate_name[:-1] + "a" if meta.generate_name.endswith("-") else meta.generate_name
        errors += _each(name_rule(prefix), path.child("generateName"), meta.generate_name)
    if kind.namespaced:
        if not meta.namespace:
            errors.append(required(path.child("namespace")))
        else:
            errors += _each(names.dns1123_label(meta.namespace), path.child("namespace"), meta.namespace)
    elif meta.namespace:
        errors.append(forbidden(path.child("namespace"), "not allowed on this type"))
    errors += validate_labels(meta.labels, path.child("labels"))
    errors += validate_annotations(meta.annotations, path.child("annotations"))
    errors += validate_owner_references(meta.owner_references, path.child("ownerReferences"))
    errors += validate_finalizers(meta.finalizers, path.child("finalizers"))
    return errors


def validate_labels(labels: Mapping[str, str], path: Path) -> list[str]:
    errors = []
    for key, value in sorted(labels.items()):
        errors += _each(names.qualified_name(key), path, key)
        errors += _each(names.label_value(value), path, value)
    return errors


def validate_annotations(annotations: Mapping[str, str], path: Path) -> list[str]:
    errors = []
    total = 0
    for key, value in sorted(annotations.items()):
        errors += _each(names.qualified_name(key.lower()), path, key)
        total += len(key.encode()) + len(value.encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_owner_references(refs: Iterable[types_pb2.OwnerReference], path: Path) -> list[str]:
    errors = []
    controller = ""
    for i, ref in enumerate(refs):
        p = path.index(i)
        if not ref.api_version or not ref.api_version.rsplit("/", 1)[-1]:
            errors.append(invalid(p.child("apiVersion"), ref.api_version, "version must not be empty"))
        for field, value in (("kind", ref.kind), ("name", ref.name), ("uid", ref.uid)):
            if not value:
                errors.append(invalid(p.child(field), value, "must not be empty"))
        if ref.controller:
            current = f"{ref.kind}/{ref.name}"
            if controller:
                errors.append(invalid(p.child("controller"), True,
                                      "only one reference can have controller set to true; found \"true\" "
                                      f"in references for {controller} and {current}"))
            else:
                controller = current
    return errors


def validate_finalizers(finalizers: Iterable[str], path: Path) -> list[str]:
    finalizers = list(finalizers)
    errors = []
    for i, name in enumerate(finalizers):
        errors += validate_finalizer_name(name, path.index(i))
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errors.append(invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    return errors


def validate_finalizer_name(name: str, path: Path) -> list[str]:
    errors = _each(names.qualified_name(name), path, name)
    if not errors and "/" not in name and name not in STANDARD_FINALIZERS:
        errors.append(invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"))
    return errors


def validate_object_meta_update(new: types_pb2.ObjectMeta, old: types_pb2.ObjectMeta, path: Path) -> list[str]:
    errors = []
    for field, json_name in (("name", "name"), ("namespace", "namespace"), ("uid", "uid"),
                             ("creation_timestamp", "creationTimestamp")):
        if getattr(new, field) != getattr(old, field):
            errors.append(invalid(path.child(json_name), getattr(new, field), "field is immutable"))
    if old.deletion_timestamp:
        added = [f for f in new.finalizers if f not in old.finalizers]
        if added:
            errors.append(forbidden(path.child("finalizers"), "no new finalizers can be added if the object is "
                                                              f"being deleted, found new finalizers {show(added)}"))
    return errors


# ---------------------------------------------------------------- pods

def validate_pod(pod: types_pb2.Pod) -> list[str]:
    return validate_pod_spec(pod.spec, Path("spec"))


def validate_pod_spec(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    errors = validate_volumes(spec.volumes, path.child("volumes"))
    errors += validate_containers(spec, path)
    errors += validate_host_ports(spec, path)
    errors += _one_of(spec.restart_policy, path.child("restartPolicy"), RESTART_POLICIES)
    errors += validate_dns(spec, path)
    if spec.HasField("termination_grace_period_seconds"):
        errors += _at_least(spec.termination_grace_period_seconds, 0, path.child("terminationGracePeriodSeconds"))
    if spec.HasField("active_deadline_seconds") and not 1 <= spec.active_deadline_seconds <= 2**32 - 1:
        errors.append(invalid(path.child("activeDeadlineSeconds"), spec.active_deadline_seconds,
                              f"must be between 1 and {2**32 - 1}, inclusive"))
    errors += validate_labels(spec.node_selector, path.child("nodeSelector"))
    for field, json_name, rule in (
            ("node_name", "nodeName", names.dns1123_subdomain),
            ("service_account_name", "serviceAccountName", names.dns1123_subdomain),
            ("scheduler_name", "schedulerName", names.dns1123_subdomain),
            ("hostname", "hostname", names.dns1123_label),
            ("subdomain", "subdomain", names.dns1123_label)):
        value = getattr(spec, field)
        if value:
            errors += _each(rule(value), path.child(json_name), value)
    if spec.HasField("affinity"):
        errors += validate_affinity(spec.affinity, path.child("affinity"))
    errors += validate_tolerations(spec.tolerations, path.child("tolerations"))
    return errors


def validate_containers(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    """Both lists: names are unique across init and app containers, as they share one namespace."""
    volumes = {v.name for v in spec.volumes if v.name}
    seen: set[str] = set()
    errors = []
    for i, c in enumerate(spec.init_containers):
        errors += validate_container(c, path.child("initContainers").index(i), volumes, seen, init=True)
    if not spec.containers:
        errors.append(required(path.child("containers")))
    for i, c in enumerate(spec.containers):
        errors += validate_container(c, path.child("containers").index(i), volumes, seen)
    return errors


def validate_container(c: types_pb2.Container, path: Path, volumes: set[str], seen: set[str],
                       init: bool = False) -> list[str]:
    errors = []
    if not c.name:
        errors.append(required(path.child("name")))
    else:
        errors += _each(names.dns1123_label(c.name), path.child("name"), c.name)
        if c.name in seen:
            errors.append(duplicate(path.child("name"), c.name))
        seen.add(c.name)
    if not c.image:
        errors.append(required(path.child("image")))
    elif c.image != c.image.strip():
        errors.append(invalid(path.child("image"), c.image, "must not have leading or trailing whitespace"))
    errors += _one_of(c.image_pull_policy, path.child("imagePullPolicy"), PULL_POLICIES)
    errors += _one_of(c.termination_message_policy, path.child("terminationMessagePolicy"),
                      TERMINATION_MESSAGE_POLICIES)
    errors += validate_container_ports(c.ports, path.child("ports"))
    errors += validate_env(c.env, path.child("env"))
    errors += validate_resources(c.resources, path.child("resources"))
    errors += validate_volume_mounts(c.volume_mounts, path.child("volumeMounts"), volumes)
    for field, json_name in (("liveness_probe", "livenessProbe"), ("readiness_probe", "readinessProbe"),
                             ("startup_probe", "startupProbe")):
        if not c.HasField(field):
            continue
        if init:
            # An init container runs to completion before the pod starts: there is nothing to probe.
            errors.append(forbidden(path.child(json_name), "may not be set for init containers"))
        else:
            errors += validate_probe(getattr(c, field), path.child(json_name), json_name)
    if c.HasField("lifecycle"):
        if init:
            errors.append(forbidden(path.child("lifecycle"), "may not be set for init containers"))
        for field, json_name in (("post_start", "postStart"), ("pre_stop", "preStop")):
            if c.lifecycle.HasField(field):
                errors += validate_handler(getattr(c.lifecycle, field), path.child("lifecycle", json_name))
    return errors


def validate_container_ports(ports: Iterable[types_pb2.ContainerPort], path: Path) -> list[str]:
    errors = []
    port_names: set[str] = set()
    for i, port in enumerate(ports):
        p = path.index(i)
        if port.name:
            problems = names.port_name(port.name)
            errors += _each(problems, p.child("name"), port.name)
            if not problems and port.name in port_names:
                errors.append(duplicate(p.child("name"), port.name))
            port_names.add(port.name)
        if port.container_port == 0:
            errors.append(required(p.child("containerPort")))
        else:
            errors += _each(names.port_number(port.container_port), p.child("containerPort"), port.container_port)
        if port.host_port != 0:
            errors += _each(names.port_number(port.host_port), p.child("hostPort"), port.host_port)
        errors += _one_of(port.protocol, p.child("protocol"), PROTOCOLS)
        if port.host_ip and not _is_ip(port.host_ip):
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
            errors += _each(names.env_var_name(var.name), p.child("name"), var.name)
        if var.HasField("value_from"):
            if var.value:
                errors.append(invalid(p.child("valueFrom"), "", "may not be specified when `value` is not empty"))
            if not var.value_from.HasField("field_ref"):
                errors.append(invalid(p.child("valueFrom"), "", "must specify one of: `fieldRef`"))
            else:
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
        return _each(names.qualified_name(key), path.child("fieldPath"), ref.field_path)
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
    errors = _each(names.qualified_name(name), path, name)
    standard = name in STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-")
    if not errors and "/" not in name and not standard:
        errors.append(invalid(path, name, "must be a standard resource type or fully qualified"))
    return errors


def validate_volumes(volumes: Iterable[types_pb2.Volume], path: Path) -> list[str]:
    errors = []
    seen: set[str] = set()
    for i, volume in enumerate(volumes):
        p = path.index(i)
        if not volume.name:
            errors.append(required(p.child("name")))
        else:
            errors += _each(names.dns1123_label(volume.name), p.child("name"), volume.name)
            if volume.name in seen:
                errors.append(duplicate(p.child("name"), volume.name))
            seen.add(volume.name)
        sources = [f for f in ("empty_dir", "host_path") if volume.HasField(f)]
        if not sources:
            errors.append(required(p, "must specify a volume type"))
        for extra in sources[1:]:
            errors.append(forbidden(p.child(_json_name(volume, extra)), "may not specify more than 1 volume type"))
        if volume.HasField("empty_dir"):
            errors += validate_empty_dir(volume.empty_dir, p.child("emptyDir"))
        if volume.HasField("host_path"):
            errors += validate_host_path(volume.host_path, p.child("hostPath"))
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
    else:
        if not source.path.startswith("/"):
            errors.append(invalid(path.child("path"), source.path, "must be an absolute path"))
        if ".." in source.path.split("/"):
            errors.append(invalid(path.child("path"), source.path, "must not contain '..'"))
    if source.type not in HOST_PATH_TYPES:
        errors.append(not_supported(path.child("type"), source.type, HOST_PATH_TYPES))
    return errors


def validate_volume_mounts(mounts: Iterable[types_pb2.VolumeMount], path: Path, volumes: set[str]) -> list[str]:
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
        else:
            if not mount.mount_path.startswith("/"):
                errors.append(invalid(p.child("mountPath"), mount.mount_path, "must be an absolute path"))
            if mount.mount_path in mount_paths:
                errors.append(invalid(p.child("mountPath"), mount.mount_path, "must be unique"))
            mount_paths.add(mount.mount_path)
        if mount.sub_path:
            if mount.sub_path.startswith("/"):
                errors.append(invalid(p.child("subPath"), mount.sub_path, "must be a relative path"))
            if ".." in mount.sub_path.split("/"):
                errors.append(invalid(p.child("subPath"), mount.sub_path, "must not contain '..'"))
    return errors


def validate_probe(probe: types_pb2.Probe, path: Path, which: str) -> list[str]:
    """`which` is livenessProbe, readinessProbe or startupProbe: the rules differ a little."""
    errors = validate_handler(probe, path)
    errors += _at_least(probe.initial_delay_seconds, 0, path.child("initialDelaySeconds"))
    errors += _at_least(probe.timeout_seconds, 1, path.child("timeoutSeconds"))
    errors += _at_least(probe.period_seconds, 1, path.child("periodSeconds"))
    errors += _at_least(probe.failure_threshold, 1, path.child("failureThreshold"))
    if which in ("livenessProbe", "startupProbe"):
        # One success is all it takes to stop restarting: more would only delay it.
        if probe.success_threshold != 1:
            errors.append(invalid(path.child("successThreshold"), probe.success_threshold, "must be 1"))
    else:
        errors += _at_least(probe.success_threshold, 1, path.child("successThreshold"))
    if probe.HasField("termination_grace_period_seconds"):
        grace = probe.termination_grace_period_seconds
        if which == "readinessProbe":
            errors.append(invalid(path.child("terminationGracePeriodSeconds"), grace,
                                  "must not be set for readinessProbes"))
        elif grace <= 0:
            errors.append(invalid(path.child("terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    return errors


def validate_handler(handler: types_pb2.Probe | types_pb2.LifecycleHandler, path: Path) -> list[str]:
    """Exactly one of exec, httpGet and tcpSocket."""
    present = [f for f in ("exec", "http_get", "tcp_socket") if handler.HasField(f)]
    if not present:
        return [required(path, "must specify a handler type")]
    errors = [forbidden(path.child(_json_name(handler, f)), "may not specify more than 1 handler type")
              for f in present[1:]]
    first = present[0]
    if first == "exec":
        if not handler.exec.command:
            errors.append(required(path.child("exec", "command")))
    elif first == "http_get":
        errors += validate_http_get(handler.http_get, path.child("httpGet"))
    else:
        errors += validate_port_num_or_name(handler.tcp_socket.port, path.child("tcpSocket", "port"))
    return errors


def validate_http_get(action: types_pb2.HTTPGetAction, path: Path) -> list[str]:
    errors = []
    if not action.path:
        errors.append(required(path.child("path")))
    errors += validate_port_num_or_name(action.port, path.child("port"))
    errors += _one_of(action.scheme, path.child("scheme"), URI_SCHEMES)
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
        return _each(names.port_number(value), path, value)
    return _each(names.port_name(value), path, value)


def validate_dns(spec: types_pb2.PodSpec, path: Path) -> list[str]:
    errors = _one_of(spec.dns_policy, path.child("dnsPolicy"), DNS_POLICIES)
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
        if not _is_ip(server):
            errors.append(invalid(p.child("nameservers").index(i), server, "must be valid IP address"))
    if len(config.searches) > MAX_DNS_SEARCH_PATHS:
        errors.append(invalid(p.child("searches"), config.searches,
                              f"must not have more than {MAX_DNS_SEARCH_PATHS} search paths"))
    for i, search in enumerate(config.searches):
        domain = search[:-1] if search.endswith(".") else search  # a fully qualified name may end in '.'
        errors += _each(names.dns1123_subdomain(domain), p.child("searches").index(i), search)
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
    errors += _each(names.qualified_name(rq.key), path.child("key"), rq.key)
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
            errors += _each(names.dns1123_subdomain(value), path.child("values").index(i), value)
    return errors


def validate_tolerations(tolerations: Iterable[types_pb2.Toleration], path: Path) -> list[str]:
    errors = []
    for i, t in enumerate(tolerations):
        p = path.index(i)
        if t.key:
            errors += _each(names.qualified_name(t.key), p.child("key"), t.key)
        elif t.operator != "Exists":
            errors.append(invalid(p.child("operator"), t.operator,
                                  "operator must be Exists when `key` is empty, which means "
                                  "\"match all values and all keys\""))
        if t.HasField("toleration_seconds") and t.effect != "NoExecute":
            errors.append(invalid(p.child("effect"), t.effect,
                                  "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if t.operator in ("Equal", ""):
            errors += _each(names.label_value(t.value), p.child("value"), t.value)
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


# ---------------------------------------------------------------- ReplicaSets and Deployments

def validate_replica_set(rs: types_pb2.ReplicaSet) -> list[str]:
    spec, path = rs.spec, Path("spec")
    errors = []
    if spec.HasField("replicas"):
        errors += _at_least(spec.replicas, 0, path.child("replicas"))
    errors += _at_least(spec.min_ready_seconds, 0, path.child("minReadySeconds"))
    errors += validate_selector_and_template(spec, path, "replicaset")
    return errors


def validate_deployment(deploy: types_pb2.Deployment) -> list[str]:
    spec, path = deploy.spec, Path("spec")
    errors = []
    if spec.HasField("replicas"):
        errors += _at_least(spec.replicas, 0, path.child("replicas"))
    errors += validate_selector_and_template(spec, path, "deployment")
    errors += validate_strategy(spec.strategy, path.child("strategy"))
    errors += _at_least(spec.min_ready_seconds, 0, path.child("minReadySeconds"))
    if spec.HasField("revision_history_limit"):
        errors += _at_least(spec.revision_history_limit, 0, path.child("revisionHistoryLimit"))
    if spec.HasField("progress_deadline_seconds"):
        deadline, p = spec.progress_deadline_seconds, path.child("progressDeadlineSeconds")
        errors += _at_least(deadline, 0, p)
        if deadline <= spec.min_ready_seconds:
            errors.append(invalid(p, deadline, "must be greater than minReadySeconds"))
    return errors


def validate_selector_and_template(spec: types_pb2.ReplicaSetSpec | types_pb2.DeploymentSpec, path: Path,
                                   what: str) -> list[str]:
    """The selector is required, and the pods the template makes must be ones the selector selects."""
    errors = []
    p = path.child("selector")
    selector = None
    if not spec.HasField("selector"):
        errors.append(required(p))
    else:
        errors += validate_label_selector(spec.selector, p)
        if not spec.selector.match_labels and not spec.selector.match_expressions:
            errors.append(invalid(p, spec.selector, f"empty selector is invalid for {what}"))
        elif not errors:
            try:
                selector = selectors.from_match(spec.selector.match_labels, spec.selector.match_expressions)
            except selectors.SelectorError as e:
                errors.append(invalid(p, spec.selector, f"invalid label selector: {e}"))
    errors += validate_controller_template(spec.template, path.child("template"), selector)
    return errors


def validate_label_selector(selector: types_pb2.LabelSelector, path: Path) -> list[str]:
    errors = []
    for i, rq in enumerate(selector.match_expressions):
        p = path.child("matchExpressions").index(i)
        if rq.operator in ("In", "NotIn"):
            if not rq.values:
                errors.append(required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
        elif rq.operator in ("Exists", "DoesNotExist"):
            if rq.values:
                errors.append(forbidden(p.child("values"),
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errors.append(invalid(p.child("operator"), rq.operator, "not a valid selector operator"))
        errors += _each(names.qualified_name(rq.key), p.child("key"), rq.key)
        for j, value in enumerate(rq.values):
            errors += _each(names.label_value(value), p.child("values").index(j), value)
    errors += validate_labels(selector.match_labels, path.child("matchLabels"))
    return errors


def validate_controller_template(template: types_pb2.PodTemplateSpec, path: Path,
                                 selector: selectors.LabelSelector | None) -> list[str]:
    meta = path.child("metadata")
    errors = validate_labels(template.metadata.labels, meta.child("labels"))
    errors += validate_annotations(template.metadata.annotations, meta.child("annotations"))
    if selector is not None and not selector.matches(template.metadata.labels):
        errors.append(invalid(meta.child("labels"), template.metadata.labels,
                              "`selector` does not match template `labels`"))
    spec_path = path.child("spec")
    errors += validate_pod_spec(template.spec, spec_path)
    # A controller replaces pods that end, so its pods must never end on purpose.
    if template.spec.restart_policy in RESTART_POLICIES and template.spec.restart_policy != "Always":
        errors.append(not_supported(spec_path.child("restartPolicy"), template.spec.restart_policy, ("Always",)))
    if template.spec.HasField("active_deadline_seconds"):
        errors.append(invalid(spec_path.child("activeDeadlineSeconds"), template.spec.active_deadline_seconds,
                              "activeDeadlineSeconds in ReplicaSet is not Supported"))
    return errors


def validate_strategy(strategy: types_pb2.DeploymentStrategy, path: Path) -> list[str]:
    rolling = path.child("rollingUpdate")
    if strategy.type == "Recreate":
        if strategy.HasField("rolling_update"):
            return [forbidden(rolling, "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if strategy.type != "RollingUpdate":
        return _one_of(strategy.type, path.child("type"), DEPLOYMENT_STRATEGIES)
    if not strategy.HasField("rolling_update"):
        return [required(rolling, "this should be defaulted and never be nil")]
    update = strategy.rolling_update
    unavailable, surge = rolling.child("maxUnavailable"), rolling.child("maxSurge")
    errors = validate_int_or_percent(update.max_unavailable, unavailable)
    errors += validate_int_or_percent(update.max_surge, surge)
    if _int_or_percent(update.max_unavailable) == 0 and _int_or_percent(update.max_surge) == 0:
        # Neither a pod down nor a pod extra: the rollout could never take a step.
        errors.append(invalid(unavailable, manifest.int_or_string_value(update.max_unavailable),
                              "may not be 0 when `maxSurge` is 0"))
    value = manifest.int_or_string_value(update.max_unavailable)
    if isinstance(value, str) and (_int_or_percent(update.max_unavailable) or 0) > 100:
        errors.append(invalid(unavailable, value, "must not be greater than 100%"))
    return errors


def validate_int_or_percent(value: types_pb2.IntOrString, path: Path) -> list[str]:
    plain = manifest.int_or_string_value(value)
    if plain is None:
        return [invalid(path, "", "must be an integer or percentage (e.g '5%')")]
    if isinstance(plain, str):
        if re.fullmatch(_PERCENT, plain):
            return []
        return [invalid(path, plain, names.regex_error(
            "a valid percent string must be a numeric string followed by an ending '%'", _PERCENT, "1%", "93%"))]
    return _at_least(plain, 0, path)


def _int_or_percent(value: types_pb2.IntOrString) -> int | None:
    plain = manifest.int_or_string_value(value)
    if isinstance(plain, str):
        return int(plain[:-1]) if re.fullmatch(_PERCENT, plain) else None
    return plain


def validate_selector_update(new: types_pb2.ReplicaSet | types_pb2.Deployment,
                             old: types_pb2.ReplicaSet | types_pb2.Deployment) -> list[str]:
    # A controller that changed its selector would orphan its pods and adopt others.
    if new.spec.selector != old.spec.selector:
        return [invalid(Path("spec.selector"), new.spec.selector, "field is immutable")]
    return []


# ---------------------------------------------------------------- Services and Endpoints

def validate_service(svc: types_pb2.Service) -> list[str]:
    spec, path = svc.spec, Path("spec")
    headless = spec.cluster_ip == "None"
    errors = _one_of(spec.type, path.child("type"), SERVICE_TYPES)
    if not spec.ports and not headless:
        errors.append(required(path.child("ports")))
    port_names: set[str] = set()
    port_keys: set[str] = set()
    node_ports: set[str] = set()
    for i, port in enumerate(spec.ports):
        p = path.child("ports").index(i)
        errors += validate_service_port(port, p, len(spec.ports) > 1, port_names)
        key = f"{port.port}/{port.protocol}"
        if key in port_keys:
            errors.append(duplicate(p, key))
        port_keys.add(key)
        if port.node_port == 0:
            continue
        if spec.type == "ClusterIP":
            errors.append(forbidden(p.child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
        # Only the number here: whether it lies in the cluster's NodePort range is the allocator's call.
        errors += _each(names.port_number(port.node_port), p.child("nodePort"), port.node_port)
        node_key = f"{port.node_port}/{port.protocol}"
        if node_key in node_ports:
            errors.append(duplicate(p.child("nodePort"), port.node_port))
        node_ports.add(node_key)
    errors += validate_cluster_ip(spec, path)
    errors += _one_of(spec.session_affinity, path.child("sessionAffinity"), SESSION_AFFINITIES)
    errors += validate_session_affinity_config(spec, path.child("sessionAffinityConfig"))
    errors += validate_labels(spec.selector, path.child("selector"))
    errors += validate_traffic_policies(spec, path)
    for i, ip in enumerate(spec.external_ips):
        errors += _ipv4(ip, path.child("externalIPs").index(i))
    return errors


def validate_service_port(port: types_pb2.ServicePort, path: Path, name_required: bool,
                          seen: set[str]) -> list[str]:
    errors = []
    if not port.name:
        if name_required:
            errors.append(required(path.child("name")))
    else:
        # DNS labels, as Kubernetes: Service port names become SRV record names and may be longer
        # than a container's IANA_SVC_NAME port names.
        errors += _each(names.dns1123_label(port.name), path.child("name"), port.name)
        if port.name in seen:
            errors.append(duplicate(path.child("name"), port.name))
        seen.add(port.name)
    errors += _each(names.port_number(port.port), path.child("port"), port.port)
    errors += _one_of(port.protocol, path.child("protocol"), PROTOCOLS)
    errors += validate_port_num_or_name(port.target_port, path.child("targetPort"))
    return errors


def validate_cluster_ip(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    errors = []
    if spec.cluster_ip == "None":
        if spec.type == "NodePort":
            errors.append(invalid(path.child("clusterIP"), "None", "may not be set to 'None' for NodePort services"))
    elif spec.cluster_ip:
        errors += _ipv4(spec.cluster_ip, path.child("clusterIP"))
    for i, ip in enumerate(spec.cluster_ips):
        p = path.child("clusterIPs").index(i)
        if ip != "None":
            errors += _ipv4(ip, p)
        if i == 0 and spec.cluster_ip and ip != spec.cluster_ip:
            errors.append(invalid(p, ip, "must match `clusterIP` when both are specified"))
    return errors


def validate_session_affinity_config(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    if spec.session_affinity == "None":
        if spec.HasField("session_affinity_config"):
            return [forbidden(path, "must not be set when session affinity is None")]
        return []
    if spec.session_affinity != "ClientIP":
        return []
    client_ip = spec.session_affinity_config.client_ip
    timeout = path.child("clientIP", "timeoutSeconds")
    if not client_ip.HasField("timeout_seconds"):
        return [required(timeout, "when session affinity type is ClientIP")]
    if not 0 < client_ip.timeout_seconds <= MAX_CLIENT_IP_AFFINITY_SECONDS:
        return [invalid(timeout, client_ip.timeout_seconds,
                        f"must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}")]
    return []


def validate_traffic_policies(spec: types_pb2.ServiceSpec, path: Path) -> list[str]:
    errors = []
    external = path.child("externalTrafficPolicy")
    externally_accessible = (spec.type in ("NodePort", "LoadBalancer")
                             or (spec.type == "ClusterIP" and len(spec.external_ips) > 0))
    if externally_accessible:
        errors += _one_of(spec.external_traffic_policy, external, TRAFFIC_POLICIES)
    elif spec.external_traffic_policy:
        errors.append(invalid(external, spec.external_traffic_policy,
                              "may only be set for externally-accessible services"))
    if spec.internal_traffic_policy or spec.type in ("ClusterIP", "NodePort", "LoadBalancer"):
        errors += _one_of(spec.internal_traffic_policy, path.child("internalTrafficPolicy"), TRAFFIC_POLICIES)
    return errors


def validate_service_update(new: types_pb2.Service, old: types_pb2.Service) -> list[str]:
    # An empty clusterIP on update means "keep it": the server copies the old one in.
    if old.spec.cluster_ip and new.spec.cluster_ip and new.spec.cluster_ip != old.spec.cluster_ip:
        return [invalid(Path("spec.clusterIP"), new.spec.cluster_ip, "field is immutable")]
    return []


def validate_endpoints(ep: types_pb2.Endpoints) -> list[str]:
    errors = []
    for i, subset in enumerate(ep.subsets):
        p = Path("subsets").index(i)
        if not subset.addresses and not subset.not_ready_addresses:
            errors.append(required(p, "must specify `addresses` or `notReadyAddresses`"))
        for field, json_name in (("addresses", "addresses"), ("not_ready_addresses", "notReadyAddresses")):
            for j, address in enumerate(getattr(subset, field)):
                errors += validate_endpoint_address(address, p.child(json_name).index(j))
        for j, port in enumerate(subset.ports):
            pp = p.child("ports").index(j)
            if not port.name:
                if len(subset.ports) > 1:
                    errors.append(required(pp.child("name")))
            else:
                errors += _each(names.dns1123_label(port.name), pp.child("name"), port.name)
            errors += _each(names.port_number(port.port), pp.child("port"), port.port)
            errors += _one_of(port.protocol, pp.child("protocol"), PROTOCOLS)
    return errors


def validate_endpoint_address(address: types_pb2.EndpointAddress, path: Path) -> list[str]:
    errors = _ipv4(address.ip, path.child("ip"))
    if address.hostname:
        errors += _each(names.dns1123_label(address.hostname), path.child("hostname"), address.hostname)
    if address.node_name:
        errors += _each(names.dns1123_subdomain(address.node_name), path.child("nodeName"), address.node_name)
    return errors


# ---------------------------------------------------------------- Nodes, Namespaces, Events, Leases

def validate_node(node: types_pb2.Node) -> list[str]:
    spec, path = node.spec, Path("spec")
    errors = []
    if spec.pod_cidr:
        errors += _cidr(spec.pod_cidr, path.child("podCIDR"))
    for i, cidr in enumerate(spec.pod_cidrs):
        p = path.child("podCIDRs").index(i)
        errors += _cidr(cidr, p)
        if i == 0 and spec.pod_cidr and cidr != spec.pod_cidr:
            errors.append(invalid(p, cidr, "must match `podCIDR` when both are specified"))
    errors += validate_taints(spec.taints, path.child("taints"))
    return errors


def _cidr(text: str, path: Path) -> list[str]:
    # ip_network would also read a bare address as a /32; a CIDR says its prefix.
    try:
        valid = "/" in text and ipaddress.ip_network(text, strict=False) is not None
    except ValueError:
        valid = False
    return [] if valid else [invalid(path, text, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]


def validate_taints(taints: Iterable[types_pb2.Taint], path: Path) -> list[str]:
    errors = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(taints):
        p = path.index(i)
        errors += _each(names.qualified_name(taint.key), p.child("key"), taint.key)
        errors += _each(names.label_value(taint.value), p.child("value"), taint.value)
        errors += _one_of(taint.effect, p.child("effect"), TAINT_EFFECTS)
        if (taint.key, taint.effect) in seen:
            errors.append(duplicate(p, f"{taint.key}:{taint.effect}", "taints must be unique by key and effect pair"))
        seen.add((taint.key, taint.effect))
    return errors


def validate_node_update(new: types_pb2.Node, old: types_pb2.Node) -> list[str]:
    errors = []
    # The node's pod addresses are in use on the host: they can be assigned once, never moved.
    for field, json_name in (("pod_cidr", "podCIDR"), ("provider_id", "providerID")):
        if getattr(old.spec, field) and getattr(new.spec, field) != getattr(old.spec, field):
            errors.append(forbidden(Path("spec").child(json_name),
                                    f'node updates may not change {json_name} except from "" to valid'))
    return errors


def validate_namespace(ns: types_pb2.Namespace) -> list[str]:
    errors = []
    for i, name in enumerate(ns.spec.finalizers):
        errors += validate_finalizer_name(name, Path("spec.finalizers").index(i))
    return errors


def validate_event(event: types_pb2.Event) -> list[str]:
    involved, path = event.involved_object, Path("involvedObject")
    errors = [required(path.child(field)) for field in ("name", "kind") if not getattr(involved, field)]
    if involved.namespace and involved.namespace != event.metadata.namespace:
        errors.append(invalid(path.child("namespace"), involved.namespace, "does not match event.namespace"))
    if event.type and event.type not in EVENT_TYPES:
        errors.append(not_supported(Path("type"), event.type, EVENT_TYPES))
    errors += _at_least(event.count, 0, Path("count"))
    return errors


def validate_lease(lease: types_pb2.Lease) -> list[str]:
    spec, path = lease.spec, Path("spec")
    errors = []
    if spec.HasField("lease_duration_seconds") and spec.lease_duration_seconds <= 0:
        errors.append(invalid(path.child("leaseDurationSeconds"), spec.lease_duration_seconds,
                              "must be greater than 0"))
    errors += _at_least(spec.lease_transitions, 0, path.child("leaseTransitions"))
    return errors


# ---------------------------------------------------------------- dispatch

def _json_name(msg: Message, field: str) -> str:
    return msg.DESCRIPTOR.fields_by_name[field].json_name


def _nothing_on_update(new: Message, old: Message) -> list[str]:
    return []


_RULES: dict[str, Callable[[Any], list[str]]] = {
    "Namespace": validate_namespace,
    "Node": validate_node,
    "Pod": validate_pod,
    "ReplicaSet": validate_replica_set,
    "Deployment": validate_deployment,
    "Service": validate_service,
    "Endpoints": validate_endpoints,
    "Event": validate_event,
    "Lease": validate_lease,
}

_UPDATE_RULES: dict[str, Callable[[Any, Any], list[str]]] = {
    "Pod": validate_pod_update,
    "ReplicaSet": validate_selector_update,
    "Deployment": validate_selector_update,
    "Service": validate_service_update,
    "Node": validate_node_update,
}
