"""What files a configMap, secret, downwardAPI or projected volume holds: its payload, as the kubelet computes it.

Pure functions of the volume source, the objects it names (None: not found) and the pod; no I/O.
"""
from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import Message

from api.podrefs import references  # noqa: F401 (where the agent looks for it)
from nodeagent import downward
from nodeagent.atomicwriter import FileProjection, PayloadError, validate_path
from proto import types_pb2

DEFAULT_MODE = 0o644
# (kind, name) -> the object in the pod's namespace, or None when it does not exist
Lookup = Callable[[str, str], Message | None]
CONFIG_VOLUMES = ("config_map", "secret", "projected", "downward_api")


class ProjectionError(ValueError):
    """A volume that cannot be set up (a missing object or key); the message is the kubelet's."""


def is_config_volume(volume: types_pb2.Volume) -> bool:
    return any(volume.HasField(f) for f in CONFIG_VOLUMES)


def is_tmpfs(volume: types_pb2.Volume) -> bool:
    """Secrets never touch the host's disk: secret and projected volumes live on a tmpfs, as in Kubernetes."""
    return volume.HasField("secret") or volume.HasField("projected")


def config_map_contents(cm: types_pb2.ConfigMap) -> dict[str, bytes]:
    return {**{k: v.encode() for k, v in cm.data.items()}, **dict(cm.binary_data)}


def _keys_to_files(contents: dict[str, bytes], items, default_mode: int, optional: bool,
                   missing_key: str) -> dict[str, FileProjection]:
    """Every key as a file of its name, or only the listed items at their paths (and modes)."""
    if not items:
        return {key: FileProjection(value, default_mode) for key, value in contents.items()}
    payload: dict[str, FileProjection] = {}
    for item in items:
        if item.key not in contents:
            if optional:
                continue
            raise ProjectionError(f"{missing_key}: {item.key}")
        mode = item.mode if item.HasField("mode") else default_mode
        payload[item.path] = FileProjection(contents[item.key], mode)
    return payload


def _config_map(name: str, items, default_mode: int, optional: bool, lookup: Lookup) -> dict[str, FileProjection]:
    cm = lookup("ConfigMap", name)
    if cm is None:
        if optional:
            return {}
        raise ProjectionError(f'configmap "{name}" not found')
    return _keys_to_files(config_map_contents(cm), items, default_mode, optional,
                          "configmap references non-existent config key")


def _secret(name: str, items, default_mode: int, optional: bool, lookup: Lookup) -> dict[str, FileProjection]:
    secret = lookup("Secret", name)
    if secret is None:
        if optional:
            return {}
        raise ProjectionError(f'secret "{name}" not found')
    return _keys_to_files(dict(secret.data), items, default_mode, optional,
                          "references non-existent secret key")


def _downward(pod: types_pb2.Pod, items, default_mode: int, facts: downward.PodFacts) -> dict[str, FileProjection]:
    payload: dict[str, FileProjection] = {}
    for item in items:
        try:
            if item.HasField("field_ref"):
                value = downward.field_value(pod, item.field_ref.field_path, facts)
            else:
                ref = item.resource_field_ref
                value = downward.resource_value(pod, ref.container_name, ref.resource, ref.divisor, facts)
        except downward.DownwardError as e:
            raise ProjectionError(f"downwardAPI {item.path}: {e}") from None
        payload[item.path] = FileProjection(value.encode(), item.mode if item.HasField("mode") else default_mode)
    return payload


def _mode(source: Message) -> int:
    return source.default_mode if source.HasField("default_mode") else DEFAULT_MODE


def no_tokens(projection: types_pb2.ServiceAccountTokenProjection) -> bytes:
    raise ProjectionError("failed to fetch token: this node requests no ServiceAccount tokens")


def payload(volume: types_pb2.Volume, pod: types_pb2.Pod, lookup: Lookup,
            facts: downward.PodFacts, tokens: Callable[[Message], bytes] = no_tokens) -> dict[str, FileProjection]:
    """The files of one configMap, secret, downwardAPI or projected volume: path -> contents and mode.
    `tokens`: a serviceAccountToken projection's token (raising ProjectionError when there is none)."""
    if volume.HasField("config_map"):
        s = volume.config_map
        files = _config_map(s.name, s.items, _mode(s), s.optional, lookup)
    elif volume.HasField("secret"):
        s = volume.secret
        files = _secret(s.secret_name, s.items, _mode(s), s.optional, lookup)
    elif volume.HasField("downward_api"):
        files = _downward(pod, volume.downward_api.items, _mode(volume.downward_api), facts)
    elif volume.HasField("projected"):
        mode = _mode(volume.projected)
        files = {}
        for source in volume.projected.sources:  # later sources win a path, as in Kubernetes
            if source.HasField("config_map"):
                s = source.config_map
                files.update(_config_map(s.name, s.items, mode, s.optional, lookup))
            elif source.HasField("secret"):
                s = source.secret
                files.update(_secret(s.name, s.items, mode, s.optional, lookup))
            elif source.HasField("downward_api"):
                files.update(_downward(pod, source.downward_api.items, mode, facts))
            elif source.HasField("service_account_token"):
                token = source.service_account_token
                files[token.path] = FileProjection(tokens(token), mode)
    else:
        raise ProjectionError(f"volume {volume.name!r} is not a configMap, secret, downwardAPI or projected volume")
    try:
        for path in files:
            validate_path(path)
    except PayloadError as e:
        raise ProjectionError(str(e)) from None
    return files
