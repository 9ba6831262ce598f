from google.protobuf import descriptor_pb2 as _descriptor_pb2
from proto import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
KIND_FIELD_NUMBER: _ClassVar[int]
kind: _descriptor.FieldDescriptor

class KindOptions(_message.Message):
    __slots__ = ("api_version", "plural", "short_names", "namespaced")
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    PLURAL_FIELD_NUMBER: _ClassVar[int]
    SHORT_NAMES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACED_FIELD_NUMBER: _ClassVar[int]
    api_version: str
    plural: str
    short_names: _containers.RepeatedScalarFieldContainer[str]
    namespaced: bool
    def __init__(self, api_version: _Optional[str] = ..., plural: _Optional[str] = ..., short_names: _Optional[_Iterable[str]] = ..., namespaced: _Optional[bool] = ...) -> None: ...

class Object(_message.Message):
    __slots__ = ("namespace", "node", "pod", "replica_set", "deployment", "service", "endpoints", "event", "lease", "config_map", "secret", "horizontal_pod_autoscaler", "role", "cluster_role", "role_binding", "cluster_role_binding", "service_account", "ingress", "ingress_class", "network_policy", "job", "daemon_set", "cron_job", "stateful_set", "controller_revision", "pod_disruption_budget", "persistent_volume", "persistent_volume_claim", "storage_class", "limit_range", "resource_quota", "priority_class", "replication_controller", "runtime_class", "certificate_signing_request", "validating_admission_policy", "validating_admission_policy_binding", "validating_webhook_configuration", "mutating_webhook_configuration")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    POD_FIELD_NUMBER: _ClassVar[int]
    REPLICA_SET_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    ENDPOINTS_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_MAP_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    HORIZONTAL_POD_AUTOSCALER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ROLE_FIELD_NUMBER: _ClassVar[int]
    ROLE_BINDING_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ROLE_BINDING_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    INGRESS_FIELD_NUMBER: _ClassVar[int]
    INGRESS_CLASS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_POLICY_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    DAEMON_SET_FIELD_NUMBER: _ClassVar[int]
    CRON_JOB_FIELD_NUMBER: _ClassVar[int]
    STATEFUL_SET_FIELD_NUMBER: _ClassVar[int]
    CONTROLLER_REVISION_FIELD_NUMBER: _ClassVar[int]
    POD_DISRUPTION_BUDGET_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_VOLUME_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_VOLUME_CLAIM_FIELD_NUMBER: _ClassVar[int]
    STORAGE_CLASS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_RANGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_QUOTA_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_CLASS_FIELD_NUMBER: _ClassVar[int]
    REPLICATION_CONTROLLER_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_CLASS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SIGNING_REQUEST_FIELD_NUMBER: _ClassVar[int]
    VALIDATING_ADMISSION_POLICY_FIELD_NUMBER: _ClassVar[int]
    VALIDATING_ADMISSION_POLICY_BINDING_FIELD_NUMBER: _ClassVar[int]
    VALIDATING_WEBHOOK_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    MUTATING_WEBHOOK_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    namespace: _types_pb2.Namespace
    node: _types_pb2.Node
    pod: _types_pb2.Pod
    replica_set: _types_pb2.ReplicaSet
    deployment: _types_pb2.Deployment
    service: _types_pb2.Service
    endpoints: _types_pb2.Endpoints
    event: _types_pb2.Event
    lease: _types_pb2.Lease
    config_map: _types_pb2.ConfigMap
    secret: _types_pb2.Secret
    horizontal_pod_autoscaler: _types_pb2.HorizontalPodAutoscaler
    role: _types_pb2.Role
    cluster_role: _types_pb2.ClusterRole
    role_binding: _types_pb2.RoleBinding
    cluster_role_binding: _types_pb2.ClusterRoleBinding
    service_account: _types_pb2.ServiceAccount
    ingress: _types_pb2.Ingress
    ingress_class: _types_pb2.IngressClass
    network_policy: _types_pb2.NetworkPolicy
    job: _types_pb2.Job
    daemon_set: _types_pb2.DaemonSet
    cron_job: _types_pb2.CronJob
    stateful_set: _types_pb2.StatefulSet
    controller_revision: _types_pb2.ControllerRevision
    pod_disruption_budget: _types_pb2.PodDisruptionBudget
    persistent_volume: _types_pb2.PersistentVolume
    persistent_volume_claim: _types_pb2.PersistentVolumeClaim
    storage_class: _types_pb2.StorageClass
    limit_range: _types_pb2.LimitRange
    resource_quota: _types_pb2.ResourceQuota
    priority_class: _types_pb2.PriorityClass
    replication_controller: _types_pb2.ReplicationController
    runtime_class: _types_pb2.RuntimeClass
    certificate_signing_request: _types_pb2.CertificateSigningRequest
    validating_admission_policy: _types_pb2.ValidatingAdmissionPolicy
    validating_admission_policy_binding: _types_pb2.ValidatingAdmissionPolicyBinding
    validating_webhook_configuration: _types_pb2.ValidatingWebhookConfiguration
    mutating_webhook_configuration: _types_pb2.MutatingWebhookConfiguration
    def __init__(self, namespace: _Optional[_Union[_types_pb2.Namespace, _Mapping]] = ..., node: _Optional[_Union[_types_pb2.Node, _Mapping]] = ..., pod: _Optional[_Union[_types_pb2.Pod, _Mapping]] = ..., replica_set: _Optional[_Union[_types_pb2.ReplicaSet, _Mapping]] = ..., deployment: _Optional[_Union[_types_pb2.Deployment, _Mapping]] = ..., service: _Optional[_Union[_types_pb2.Service, _Mapping]] = ..., endpoints: _Optional[_Union[_types_pb2.Endpoints, _Mapping]] = ..., event: _Optional[_Union[_types_pb2.Event, _Mapping]] = ..., lease: _Optional[_Union[_types_pb2.Lease, _Mapping]] = ..., config_map: _Optional[_Union[_types_pb2.ConfigMap, _Mapping]] = ..., secret: _Optional[_Union[_types_pb2.Secret, _Mapping]] = ..., horizontal_pod_autoscaler: _Optional[_Union[_types_pb2.HorizontalPodAutoscaler, _Mapping]] = ..., role: _Optional[_Union[_types_pb2.Role, _Mapping]] = ..., cluster_role: _Optional[_Union[_types_pb2.ClusterRole, _Mapping]] = ..., role_binding: _Optional[_Union[_types_pb2.RoleBinding, _Mapping]] = ..., cluster_role_binding: _Optional[_Union[_types_pb2.ClusterRoleBinding, _Mapping]] = ..., service_account: _Optional[_Union[_types_pb2.ServiceAccount, _Mapping]] = ..., ingress: _Optional[_Union[_types_pb2.Ingress, _Mapping]] = ..., ingress_class: _Optional[_Union[_types_pb2.IngressClass, _Mapping]] = ..., network_policy: _Optional[_Union[_types_pb2.NetworkPolicy, _Mapping]] = ..., job: _Optional[_Union[_types_pb2.Job, _Mapping]] = ..., daemon_set: _Optional[_Union[_types_pb2.DaemonSet, _Mapping]] = ..., cron_job: _Optional[_Union[_types_pb2.CronJob, _Mapping]] = ..., stateful_set: _Optional[_Union[_types_pb2.StatefulSet, _Mapping]] = ..., controller_revision: _Optional[_Union[_types_pb2.ControllerRevision, _Mapping]] = ..., pod_disruption_budget: _Optional[_Union[_types_pb2.PodDisruptionBudget, _Mapping]] = ..., persistent_volume: _Optional[_Union[_types_pb2.PersistentVolume, _Mapping]] = ..., persistent_volume_claim: _Optional[_Union[_types_pb2.PersistentVolumeClaim, _Mapping]] = ..., storage_class: _Optional[_Union[_types_pb2.StorageClass, _Mapping]] = ..., limit_range: _Optional[_Union[_types_pb2.LimitRange, _Mapping]] = ..., resource_quota: _Optional[_Union[_types_pb2.ResourceQuota, _Mapping]] = ..., priority_class: _Optional[_Union[_types_pb2.PriorityClass, _Mapping]] = ..., replication_controller: _Optional[_Union[_types_pb2.ReplicationController, _Mapping]] = ..., runtime_class: _Optional[_Union[_types_pb2.RuntimeClass, _Mapping]] = ..., certificate_signing_request: _Optional[_Union[_types_pb2.CertificateSigningRequest, _Mapping]] = ..., validating_admission_policy: _Optional[_Union[_types_pb2.ValidatingAdmissionPolicy, _Mapping]] = ..., validating_admission_policy_binding: _Optional[_Union[_types_pb2.ValidatingAdmissionPolicyBinding, _Mapping]] = ..., validating_webhook_configuration: _Optional[_Union[_types_pb2.ValidatingWebhookConfiguration, _Mapping]] = ..., mutating_webhook_configuration: _Optional[_Union[_types_pb2.MutatingWebhookConfiguration, _Mapping]] = ...) -> None: ...

class CreateRequest(_message.Message):
    __slots__ = ("object", "dry_run", "manifest", "field_validation")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    FIELD_VALIDATION_FIELD_NUMBER: _ClassVar[int]
    object: Object
    dry_run: bool
    manifest: bytes
    field_validation: str
    def __init__(self, object: _Optional[_Union[Object, _Mapping]] = ..., dry_run: _Optional[bool] = ..., manifest: _Optional[bytes] = ..., field_validation: _Optional[str] = ...) -> None: ...

class GetRequest(_message.Message):
    __slots__ = ("kind", "namespace", "name", "resource_version")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    namespace: str
    name: str
    resource_version: str
    def __init__(self, kind: _Optional[str] = ..., namespace: _Optional[str] = ..., name: _Optional[str] = ..., resource_version: _Optional[str] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ("kind", "namespace", "label_selector", "field_selector", "limit", "continue_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    FIELD_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CONTINUE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: str
    namespace: str
    label_selector: str
    field_selector: str
    limit: int
    continue_token: str
    def __init__(self, kind: _Optional[str] = ..., namespace: _Optional[str] = ..., label_selector: _Optional[str] = ..., field_selector: _Optional[str] = ..., limit: _Optional[int] = ..., continue_token: _Optional[str] = ...) -> None: ...

class ListResponse(_message.Message):
    __slots__ = ("items", "resource_version", "continue_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONTINUE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Object]
    resource_version: str
    continue_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[Object, _Mapping]]] = ..., resource_version: _Optional[str] = ..., continue_token: _Optional[str] = ...) -> None: ...

class UpdateRequest(_message.Message):
    __slots__ = ("object", "subresource", "dry_run", "manifest", "field_validation")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    SUBRESOURCE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    FIELD_VALIDATION_FIELD_NUMBER: _ClassVar[int]
    object: Object
    subresource: str
    dry_run: bool
    manifest: bytes
    field_validation: str
    def __init__(self, object: _Optional[_Union[Object, _Mapping]] = ..., subresource: _Optional[str] = ..., dry_run: _Optional[bool] = ..., manifest: _Optional[bytes] = ..., field_validation: _Optional[str] = ...) -> None: ...

class PatchRequest(_message.Message):
    __slots__ = ("kind", "namespace", "name", "patch_type", "patch", "subresource", "dry_run", "field_validation")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    PATCH_FIELD_NUMBER: _ClassVar[int]
    SUBRESOURCE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    FIELD_VALIDATION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    namespace: str
    name: str
    patch_type: str
    patch: bytes
    subresource: str
    dry_run: bool
    field_validation: str
    def __init__(self, kind: _Optional[str] = ..., namespace: _Optional[str] = ..., name: _Optional[str] = ..., patch_type: _Optional[str] = ..., patch: _Optional[bytes] = ..., subresource: _Optional[str] = ..., dry_run: _Optional[bool] = ..., field_validation: _Optional[str] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ("kind", "namespace", "name", "grace_period_seconds", "propagation_policy", "precondition_uid", "precondition_resource_version", "dry_run")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PROPAGATION_POLICY_FIELD_NUMBER: _ClassVar[int]
    PRECONDITION_UID_FIELD_NUMBER: _ClassVar[int]
    PRECONDITION_RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    kind: str
    namespace: str
    name: str
    grace_period_seconds: int
    propagation_policy: str
    precondition_uid: str
    precondition_resource_version: str
    dry_run: bool
    def __init__(self, kind: _Optional[str] = ..., namespace: _Optional[str] = ..., name: _Optional[str] = ..., grace_period_seconds: _Optional[int] = ..., propagation_policy: _Optional[str] = ..., precondition_uid: _Optional[str] = ..., precondition_resource_version: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class DeleteResponse(_message.Message):
    __slots__ = ("object", "deleted")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    object: Object
    deleted: bool
    def __init__(self, object: _Optional[_Union[Object, _Mapping]] = ..., deleted: _Optional[bool] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("kind", "namespace", "label_selector", "field_selector", "resource_version", "allow_bookmarks")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    FIELD_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ALLOW_BOOKMARKS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    namespace: str
    label_selector: str
    field_selector: str
    resource_version: str
    allow_bookmarks: bool
    def __init__(self, kind: _Optional[str] = ..., namespace: _Optional[str] = ..., label_selector: _Optional[str] = ..., field_selector: _Optional[str] = ..., resource_version: _Optional[str] = ..., allow_bookmarks: _Optional[bool] = ...) -> None: ...

class WatchEvent(_message.Message):
    __slots__ = ("type", "object", "resource_version", "events")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    type: str
    object: Object
    resource_version: str
    events: _containers.RepeatedCompositeFieldContainer[WatchEvent]
    def __init__(self, type: _Optional[str] = ..., object: _Optional[_Union[Object, _Mapping]] = ..., resource_version: _Optional[str] = ..., events: _Optional[_Iterable[_Union[WatchEvent, _Mapping]]] = ...) -> None: ...

class BindRequest(_message.Message):
    __slots__ = ("binding",)
    BINDING_FIELD_NUMBER: _ClassVar[int]
    binding: _types_pb2.Binding
    def __init__(self, binding: _Optional[_Union[_types_pb2.Binding, _Mapping]] = ...) -> None: ...

class ScaleRequest(_message.Message):
    __slots__ = ("kind", "namespace", "name")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    kind: str
    namespace: str
    name: str
    def __init__(self, kind: _Optional[str] = ..., namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class UpdateScaleRequest(_message.Message):
    __slots__ = ("kind", "scale")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    scale: _types_pb2.Scale
    def __init__(self, kind: _Optional[str] = ..., scale: _Optional[_Union[_types_pb2.Scale, _Mapping]] = ...) -> None: ...

class VersionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VersionInfo(_message.Message):
    __slots__ = ("version", "git_commit", "platform", "etcd_endpoints")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    GIT_COMMIT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    ETCD_ENDPOINTS_FIELD_NUMBER: _ClassVar[int]
    version: str
    git_commit: str
    platform: str
    etcd_endpoints: str
    def __init__(self, version: _Optional[str] = ..., git_commit: _Optional[str] = ..., platform: _Optional[str] = ..., etcd_endpoints: _Optional[str] = ...) -> None: ...

class LogsRequest(_message.Message):
    __slots__ = ("namespace", "name", "container", "follow", "tail_lines", "previous", "timestamps", "since_seconds", "since_time")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    TAIL_LINES_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    SINCE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SINCE_TIME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    container: str
    follow: bool
    tail_lines: int
    previous: bool
    timestamps: bool
    since_seconds: int
    since_time: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., container: _Optional[str] = ..., follow: _Optional[bool] = ..., tail_lines: _Optional[int] = ..., previous: _Optional[bool] = ..., timestamps: _Optional[bool] = ..., since_seconds: _Optional[int] = ..., since_time: _Optional[str] = ...) -> None: ...

class LogChunk(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class ExecRequest(_message.Message):
    __slots__ = ("namespace", "name", "container", "command", "tty", "stdin", "stdin_data", "stdin_close")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    TTY_FIELD_NUMBER: _ClassVar[int]
    STDIN_FIELD_NUMBER: _ClassVar[int]
    STDIN_DATA_FIELD_NUMBER: _ClassVar[int]
    STDIN_CLOSE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    container: str
    command: _containers.RepeatedScalarFieldContainer[str]
    tty: bool
    stdin: bool
    stdin_data: bytes
    stdin_close: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., container: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., tty: _Optional[bool] = ..., stdin: _Optional[bool] = ..., stdin_data: _Optional[bytes] = ..., stdin_close: _Optional[bool] = ...) -> None: ...

class ExecResponse(_message.Message):
    __slots__ = ("stdout", "stderr", "exited", "exit_code")
    STDOUT_FIELD_NUMBER: _ClassVar[int]
    STDERR_FIELD_NUMBER: _ClassVar[int]
    EXITED_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    stdout: bytes
    stderr: bytes
    exited: bool
    exit_code: int
    def __init__(self, stdout: _Optional[bytes] = ..., stderr: _Optional[bytes] = ..., exited: _Optional[bool] = ..., exit_code: _Optional[int] = ...) -> None: ...

class EvictRequest(_message.Message):
    __slots__ = ("namespace", "name", "grace_period_seconds", "dry_run")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    grace_period_seconds: int
    dry_run: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., grace_period_seconds: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class PortForwardRequest(_message.Message):
    __slots__ = ("namespace", "name", "port", "data", "close")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    port: int
    data: bytes
    close: bool
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., port: _Optional[int] = ..., data: _Optional[bytes] = ..., close: _Optional[bool] = ...) -> None: ...

class PortForwardResponse(_message.Message):
    __slots__ = ("connected", "data")
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    connected: bool
    data: bytes
    def __init__(self, connected: _Optional[bool] = ..., data: _Optional[bytes] = ...) -> None: ...

class ContainerMetrics(_message.Message):
    __slots__ = ("name", "cpu_nanocores", "memory_bytes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CPU_NANOCORES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    cpu_nanocores: int
    memory_bytes: int
    def __init__(self, name: _Optional[str] = ..., cpu_nanocores: _Optional[int] = ..., memory_bytes: _Optional[int] = ...) -> None: ...

class PodMetrics(_message.Message):
    __slots__ = ("metadata", "timestamp", "window_seconds", "containers", "custom")
    class CustomEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CONTAINERS_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    metadata: _types_pb2.ObjectMeta
    timestamp: str
    window_seconds: float
    containers: _containers.RepeatedCompositeFieldContainer[ContainerMetrics]
    custom: _containers.ScalarMap[str, float]
    def __init__(self, metadata: _Optional[_Union[_types_pb2.ObjectMeta, _Mapping]] = ..., timestamp: _Optional[str] = ..., window_seconds: _Optional[float] = ..., containers: _Optional[_Iterable[_Union[ContainerMetrics, _Mapping]]] = ..., custom: _Optional[_Mapping[str, float]] = ...) -> None: ...

class NodeMetrics(_message.Message):
    __slots__ = ("metadata", "timestamp", "window_seconds", "cpu_nanocores", "memory_bytes")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CPU_NANOCORES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    metadata: _types_pb2.ObjectMeta
    timestamp: str
    window_seconds: float
    cpu_nanocores: int
    memory_bytes: int
    def __init__(self, metadata: _Optional[_Union[_types_pb2.ObjectMeta, _Mapping]] = ..., timestamp: _Optional[str] = ..., window_seconds: _Optional[float] = ..., cpu_nanocores: _Optional[int] = ..., memory_bytes: _Optional[int] = ...) -> None: ...

class PushMetricsRequest(_message.Message):
    __slots__ = ("node_name", "node", "pods")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    PODS_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    node: NodeMetrics
    pods: _containers.RepeatedCompositeFieldContainer[PodMetrics]
    def __init__(self, node_name: _Optional[str] = ..., node: _Optional[_Union[NodeMetrics, _Mapping]] = ..., pods: _Optional[_Iterable[_Union[PodMetrics, _Mapping]]] = ...) -> None: ...

class PushMetricsResponse(_message.Message):
    __slots__ = ("stale",)
    STALE_FIELD_NUMBER: _ClassVar[int]
    stale: int
    def __init__(self, stale: _Optional[int] = ...) -> None: ...

class MetricsRequest(_message.Message):
    __slots__ = ("namespace", "name", "label_selector")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    label_selector: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., label_selector: _Optional[str] = ...) -> None: ...

class NodeMetricsList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[NodeMetrics]
    def __init__(self, items: _Optional[_Iterable[_Union[NodeMetrics, _Mapping]]] = ...) -> None: ...

class PodMetricsList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[PodMetrics]
    def __init__(self, items: _Optional[_Iterable[_Union[PodMetrics, _Mapping]]] = ...) -> None: ...

class AccessReview(_message.Message):
    __slots__ = ("user", "groups", "verb", "api_group", "resource", "subresource", "namespace", "name", "path")
    USER_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    VERB_FIELD_NUMBER: _ClassVar[int]
    API_GROUP_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    SUBRESOURCE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    user: str
    groups: _containers.RepeatedScalarFieldContainer[str]
    verb: str
    api_group: str
    resource: str
    subresource: str
    namespace: str
    name: str
    path: str
    def __init__(self, user: _Optional[str] = ..., groups: _Optional[_Iterable[str]] = ..., verb: _Optional[str] = ..., api_group: _Optional[str] = ..., resource: _Optional[str] = ..., subresource: _Optional[str] = ..., namespace: _Optional[str] = ..., name: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class AccessReviewStatus(_message.Message):
    __slots__ = ("allowed", "reason")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    reason: str
    def __init__(self, allowed: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class TokenRequest(_message.Message):
    __slots__ = ("namespace", "name", "audiences", "expiration_seconds", "bound_object_ref")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AUDIENCES_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BOUND_OBJECT_REF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    audiences: _containers.RepeatedScalarFieldContainer[str]
    expiration_seconds: int
    bound_object_ref: BoundObjectReference
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., audiences: _Optional[_Iterable[str]] = ..., expiration_seconds: _Optional[int] = ..., bound_object_ref: _Optional[_Union[BoundObjectReference, _Mapping]] = ...) -> None: ...

class BoundObjectReference(_message.Message):
    __slots__ = ("kind", "api_version", "name", "uid")
    KIND_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    api_version: str
    name: str
    uid: str
    def __init__(self, kind: _Optional[str] = ..., api_version: _Optional[str] = ..., name: _Optional[str] = ..., uid: _Optional[str] = ...) -> None: ...

class TokenResponse(_message.Message):
    __slots__ = ("token", "expiration_timestamp")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    token: str
    expiration_timestamp: str
    def __init__(self, token: _Optional[str] = ..., expiration_timestamp: _Optional[str] = ...) -> None: ...
