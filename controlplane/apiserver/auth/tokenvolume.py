"""ServiceAccount admission (Kubernetes' plugin/pkg/admission/serviceaccount): a pod naming no account
runs as `default`, and every container gets the kube-api-access volume (token, ca.crt, namespace).

Pure functions of the pod and its ServiceAccount; the admission chain looks the account up.
"""
from __future__ import annotations

from api import names
from proto import types_pb2

DEFAULT_ACCOUNT = "default"
MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
VOLUME_PREFIX = "kube-api-access-"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
# An hour and seven seconds: Kubernetes' marker for tokens the admission asked for (it warns, not refuses,
# when such a token is used past its first hour).
TOKEN_EXPIRATION_S = 3607
DEFAULT_MODE = 0o644


def should_automount(account: types_pb2.ServiceAccount, pod: types_pb2.Pod) -> bool:
    """The pod's automountServiceAccountToken wins over the account's; neither set: mount."""
    if pod.spec.HasField("automount_service_account_token"):
        return pod.spec.automount_service_account_token
    if account.HasField("automount_service_account_token"):
        return account.automount_service_account_token
    return True


def token_volume(name: str) -> types_pb2.Volume:
    """The projected volume the kubelet fills: a bound token, the cluster CA and the pod's namespace."""
    source = types_pb2.ProjectedVolumeSource(default_mode=DEFAULT_MODE, sources=[
        types_pb2.VolumeProjection(service_account_token=types_pb2.ServiceAccountTokenProjection(
            path="token", expiration_seconds=TOKEN_EXPIRATION_S)),
        types_pb2.VolumeProjection(config_map=types_pb2.ConfigMapProjection(
            name=ROOT_CA_CONFIGMAP, items=[types_pb2.KeyToPath(key="ca.crt", path="ca.crt")])),
        types_pb2.VolumeProjection(downward_api=types_pb2.DownwardAPIProjection(items=[
            types_pb2.DownwardAPIVolumeFile(path="namespace", field_ref=types_pb2.ObjectFieldSelector(
                api_version="v1", field_path="metadata.namespace"))])),
    ])
    return types_pb2.Volume(name=name, projected=source)


def mount_token(pod: types_pb2.Pod) -> None:
    """Mount the kube-api-access volume read-only in every container that mounts nothing at MOUNT_PATH,
    adding the volume (named kube-api-access-xxxxx) when one needs it and the pod has none yet."""
    existing = next((v.name for v in pod.spec.volumes if v.name.startswith(VOLUME_PREFIX)), "")
    name = existing or names.generated_name(VOLUME_PREFIX)
    needed = False
    for c in [*pod.spec.init_containers, *pod.spec.containers]:
        if any(m.mount_path == MOUNT_PATH for m in c.volume_mounts):
            continue  # the container brings its own: a user's mount there wins
        c.volume_mounts.append(types_pb2.VolumeMount(name=name, read_only=True, mount_path=MOUNT_PATH))
        needed = True
    if needed and not existing:
        pod.spec.volumes.append(token_volume(name))
