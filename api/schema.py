"""The OpenAPI schema of every kind, generated from the proto descriptors: one source for the REST API's
`/openapi/v2` and `/openapi/v3` documents (`kubectl explain`, validation) and for `skiff explain`.
"""
from __future__ import annotations

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from api import kinds, manifest, patch
from api.kinds import Kind
from proto import types_pb2

_META_TYPES = {"ObjectMeta", "OwnerReference", "LabelSelector", "LabelSelectorRequirement", "Condition"}
_INTS64 = {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64}
_INTS32 = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_SINT32}


def _patch_tags() -> tuple[dict[str, str], set[str]]:
    """Kubernetes' strategic-merge keys (`patchMergeKey`) and merged primitive lists, by field full name,
    read from the patch options on the fields of proto/types.proto (api.patch applies them)."""
    keys: dict[str, str] = {}
    sets: set[str] = set()
    for message in types_pb2.DESCRIPTOR.message_types_by_name.values():
        for field in message.fields:
            strategies, key = patch.strategy(field)
            if key:
                keys[field.full_name] = key
            elif "merge" in strategies:
                sets.add(field.full_name)
    return keys, sets


MERGE_KEYS, MERGE_SETS = _patch_tags()

# Fields Kubernetes always serializes, even empty or zero (no `omitempty` in k8s.io/api): clients such as
# the Python client refuse an object without them. By message name, JSON names.
REQUIRED: dict[str, tuple[str, ...]] = {
    "Condition": ('type', 'status',),
    "OwnerReference": ('apiVersion', 'kind', 'name', 'uid',),
    "LabelSelectorRequirement": ('key', 'operator',),
    "Taint": ('effect', 'key',),
    "NodeAddress": ('address', 'type',),
    "NodeSystemInfo": ('architecture', 'bootID', 'containerRuntimeVersion', 'kernelVersion', 'kubeProxyVersion', 'kubeletVersion', 'machineID', 'operatingSystem', 'osImage', 'systemUUID',),
    "DaemonEndpoint": ('Port',),
    "ObjectFieldSelector": ('fieldPath',),
    "ResourceFieldSelector": ('resource',),
    "ConfigMapKeySelector": ('key',),
    "SecretKeySelector": ('key',),
    "EnvVar": ('name',),
    "ContainerPort": ('containerPort',),
    "VolumeMount": ('mountPath', 'name',),
    "HTTPHeader": ('name', 'value',),
    "HTTPGetAction": ('port',),
    "TCPSocketAction": ('port',),
    "Container": ('name',),
    "SeccompProfile": ('type',),
    "Sysctl": ('name', 'value',),
    "HostAlias": ('ip',),
    "GRPCAction": ('port',),
    "PodAffinityTerm": ('topologyKey',),
    "WeightedPodAffinityTerm": ('podAffinityTerm', 'weight',),
    "TopologySpreadConstraint": ('maxSkew', 'topologyKey', 'whenUnsatisfiable',),
    "HostPathVolumeSource": ('path',),
    "PersistentVolumeClaimVolumeSource": ('claimName',),
    "LocalVolumeSource": ('path',),
    "StorageClass": ('provisioner',),
    "PriorityClass": ('value',),
    "TopologySelectorLabelRequirement": ('key', 'values',),
    "KeyToPath": ('key', 'path',),
    "DownwardAPIVolumeFile": ('path',),
    "Volume": ('name',),
    "NodeSelectorRequirement": ('key', 'operator',),
    "NodeSelector": ('nodeSelectorTerms',),
    "PreferredSchedulingTerm": ('preference', 'weight',),
    "PodSpec": ('containers',),
    "ContainerStateTerminated": ('exitCode',),
    "ContainerStatus": ('image', 'imageID', 'name', 'ready', 'restartCount',),
    "PodIP": ('ip',),
    "Binding": ('target',),
    "ReplicaSetSpec": ('selector',),
    "ReplicaSetStatus": ('replicas',),
    "ReplicaSet": ('spec',),
    "ReplicationControllerStatus": ('replicas',),
    "PersistentVolumeClaimTemplate": ('spec',),
    "DeploymentSpec": ('selector', 'template',),
    "Deployment": ('spec',),
    "ScaleStatus": ('replicas',),
    "JobSpec": ('template',),
    "PodFailurePolicyRule": ('action',),
    "PodFailurePolicyOnExitCodesRequirement": ('operator', 'values',),
    "PodFailurePolicyOnPodConditionsPattern": ('type', 'status',),
    "CronJobSpec": ('schedule', 'jobTemplate',),
    "StatefulSetSpec": ('selector', 'template',),
    "StatefulSetStatus": ('replicas',),
    "PodDisruptionBudgetStatus": ('disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods',),
    "DaemonSetSpec": ('selector', 'template',),
    "DaemonSetStatus": ('currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady',),
    "ServicePort": ('port',),
    "EndpointAddress": ('ip',),
}

# Lists of scalars Kubernetes merges as sets (`patchStrategy:"merge"` without a key).


def group_version(kind: Kind) -> tuple[str, str]:
    """("apps", "v1") for apps/v1, ("", "v1") for the core group."""
    group, _, version = kind.api_version.rpartition("/")
    return group, version


def gvk(kind: Kind) -> dict[str, str]:
    group, version = group_version(kind)
    return {"group": group, "version": version, "kind": kind.name}


def _package(group: str) -> str:
    return "core" if not group else group.split(".", 1)[0]


_KIND_BY_MESSAGE = {k.message.DESCRIPTOR.full_name: k for k in kinds.KINDS}


def definition_name(descriptor: Descriptor) -> str:
    """Kubernetes' definition names: `io.k8s.api.apps.v1.Deployment`, `io.k8s.apimachinery...ObjectMeta`."""
    if descriptor.name in _META_TYPES:
        return f"io.k8s.apimachinery.pkg.apis.meta.v1.{descriptor.name}"
    kind = _KIND_BY_MESSAGE.get(descriptor.full_name)
    group = group_version(kind)[0] if kind else ""
    return f"io.k8s.api.{_package(group)}.v1.{descriptor.name}"


def field_schema(field: FieldDescriptor, ref) -> dict:
    """The schema of one field; `ref(descriptor)` renders a reference to a message's definition."""
    if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
        value = field.message_type.fields_by_name["value"]
        return {"type": "object", "additionalProperties": _single(value, ref)}
    if field.is_repeated:
        out = {"type": "array", "items": _single(field, ref)}
        key = MERGE_KEYS.get(field.full_name)
        if key:
            out["x-kubernetes-patch-merge-key"] = key
            out["x-kubernetes-patch-strategy"] = "merge"
        elif field.full_name in MERGE_SETS:
            out["x-kubernetes-patch-strategy"] = "merge"
        return out
    return _single(field, ref)


def _single(field: FieldDescriptor, ref) -> dict:
    t = field.type
    if t == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == manifest.INT_OR_STRING:
            return {"type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": True}
        if field.message_type.full_name == manifest.RAW_JSON:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        return ref(field.message_type)
    if t == FieldDescriptor.TYPE_STRING:
        return {"type": "string"}
    if t == FieldDescriptor.TYPE_BOOL:
        return {"type": "boolean"}
    if t in _INTS64:
        return {"type": "integer", "format": "int64"}
    if t in _INTS32:
        return {"type": "integer", "format": "int32"}
    if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return {"type": "number", "format": "double"}
    if t == FieldDescriptor.TYPE_BYTES:
        return {"type": "string", "format": "byte"}
    return {"type": "string"}


def message_schema(descriptor: Descriptor, ref) -> dict:
    """An object schema with every field of the message under its JSON (camelCase) name."""
    out: dict = {"type": "object", "description": _description(descriptor),
                 "properties": {f.json_name: field_schema(f, ref) for f in descriptor.fields}}
    if descriptor.name in REQUIRED:
        out["required"] = list(REQUIRED[descriptor.name])
    kind = _KIND_BY_MESSAGE.get(descriptor.full_name)
    if kind is not None:
        out["x-kubernetes-group-version-kind"] = [gvk(kind)]
    return out


def _description(descriptor: Descriptor) -> str:
    kind = _KIND_BY_MESSAGE.get(descriptor.full_name)
    if kind is not None:
        scope = "namespaced" if kind.namespaced else "cluster-scoped"
        return f"{kind.name} ({kind.api_version}, {scope}), as Kubernetes' {kind.name}."
    return f"{descriptor.name}, as Kubernetes' {descriptor.name}."


def definitions(roots: list[Descriptor], ref) -> dict[str, dict]:
    """Every message reachable from `roots`, by definition name."""
    out: dict[str, dict] = {}
    pending = list(roots)
    while pending:
        d = pending.pop()
        name = definition_name(d)
        if name in out or d.full_name in (manifest.INT_OR_STRING, manifest.RAW_JSON):
            continue
        out[name] = message_schema(d, ref)
        for f in d.fields:
            if f.type == FieldDescriptor.TYPE_MESSAGE:
                m = f.message_type
                if m.GetOptions().map_entry:
                    value = m.fields_by_name["value"]
                    if value.type == FieldDescriptor.TYPE_MESSAGE:
                        pending.append(value.message_type)
                else:
                    pending.append(m)
    return out


def lookup_field(kind: Kind, path: list[str]) -> tuple[Descriptor | None, FieldDescriptor | None]:
    """The field at a JSON path ("spec", "containers") of a kind, for `explain`; (None, None) if none."""
    descriptor, field = kind.message.DESCRIPTOR, None
    for part in path:
        if descriptor is None:
            return None, None
        field = next((f for f in descriptor.fields if f.json_name == part), None)
        if field is None:
            return None, None
        descriptor = _element_message(field)
    return descriptor, field


def _element_message(field: FieldDescriptor) -> Descriptor | None:
    if field.type != FieldDescriptor.TYPE_MESSAGE:
        return None
    m = field.message_type
    if m.GetOptions().map_entry:
        value = m.fields_by_name["value"]
        return value.message_type if value.type == FieldDescriptor.TYPE_MESSAGE else None
    return None if m.full_name in (manifest.INT_OR_STRING, manifest.RAW_JSON) else m
