"""Validation of what a pod takes from ConfigMaps, Secrets and the downward API: configMap, secret,
downwardAPI and projected volumes, env valueFrom and envFrom, imagePullSecrets, as Kubernetes words it."""
from __future__ import annotations

from collections.abc import Iterable

from api import names, quantity
from controlplane.apiserver.validation.config import config_key_problems
from controlplane.apiserver.validation.fielderrors import (Path, each, forbidden, invalid, not_supported,
                                                           required)
from proto import types_pb2

CONFIG_SOURCES = ("config_map", "secret", "projected", "downward_api")
# Every volume source a pod may name (a volume naming none is an emptyDir).
VOLUME_SOURCES = ("empty_dir", "host_path", *CONFIG_SOURCES, "persistent_volume_claim", "ephemeral")
MAX_MODE = 0o777
# The pod fields a downwardAPI volume may hold (besides labels['k'] and annotations['k']).
VOLUME_FIELD_PATHS = ("metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
                      "metadata.uid")
RESOURCE_FIELDS = ("limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu",
                   "requests.ephemeral-storage", "requests.memory")
DEFAULT_MODE = 0o644
TOKEN_EXPIRATION_S = 3600  # a serviceAccountToken projection's default expirationSeconds
MIN_TOKEN_EXPIRATION_S = 10 * 60


def default_volume(volume: types_pb2.Volume) -> None:
    """Kubernetes' defaults: mode 0644 for the files of config volumes, fieldRef apiVersion v1."""
    for name in CONFIG_SOURCES:
        if volume.HasField(name):
            source = getattr(volume, name)
            if not source.HasField("default_mode"):
                source.default_mode = DEFAULT_MODE
    items = list(volume.downward_api.items)
    for source in volume.projected.sources:
        items += source.downward_api.items
    for item in items:
        if item.HasField("field_ref") and not item.field_ref.api_version:
            item.field_ref.api_version = "v1"
    for source in volume.projected.sources:
        token = source.service_account_token
        if source.HasField("service_account_token") and not token.HasField("expiration_seconds"):
            token.expiration_seconds = TOKEN_EXPIRATION_S


def _mode(value: int, path: Path) -> list[str]:
    if not 0 <= value <= MAX_MODE:
        return [invalid(path, value, "must be a number between 0 and 0777 (octal), both inclusive")]
    return []


def _file_path(value: str, path: Path) -> list[str]:
    if not value:
        return [required(path)]
    if value.startswith("/"):
        return [invalid(path, value, "must be a relative path")]
    if ".." in value.split("/"):
        return [invalid(path, value, "must not contain '..'")]
    if value.startswith(".."):
        return [invalid(path, value, "must not start with '..'")]
    return []


def _object_name(name: str, path: Path) -> list[str]:
    return [required(path)] if not name else each(names.dns1123_subdomain(name), path, name)


def _items(items: Iterable[types_pb2.KeyToPath], path: Path) -> list[str]:
    errors = []
    for i, item in enumerate(items):
        p = path.index(i)
        errors += [required(p.child("key"))] if not item.key else \
            [invalid(p.child("key"), item.key, m) for m in config_key_problems(item.key)]
        errors += _file_path(item.path, p.child("path"))
        if item.HasField("mode"):
            errors += _mode(item.mode, p.child("mode"))
    return errors


def _downward_items(items, path: Path) -> list[str]:
    errors = []
    for i, item in enumerate(items):
        p = path.index(i)
        errors += _file_path(item.path, p.child("path"))
        if item.HasField("mode"):
            errors += _mode(item.mode, p.child("mode"))
        has_field, has_resource = item.HasField("field_ref"), item.HasField("resource_field_ref")
        if has_field and has_resource:
            errors.append(invalid(p, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
        elif has_field:
            field_path = item.field_ref.field_path
            subscripted = field_path.startswith(("metadata.labels['", "metadata.annotations['"))
            if not field_path:
                errors.append(required(p.child("fieldRef", "fieldPath")))
            elif field_path not in VOLUME_FIELD_PATHS and not subscripted:
                errors.append(not_supported(p.child("fieldRef", "fieldPath"), field_path, VOLUME_FIELD_PATHS))
        elif has_resource:
            errors += validate_resource_field_ref(item.resource_field_ref, p.child("resourceFieldRef"),
                                                  container_required=True)
        else:
            errors.append(required(p, "one of fieldRef and resourceFieldRef is required"))
    return errors


def validate_resource_field_ref(ref: types_pb2.ResourceFieldSelector, path: Path,
                                container_required: bool = False) -> list[str]:
    errors = []
    if container_required and not ref.container_name:
        errors.append(required(path.child("containerName")))
    if not ref.resource:
        errors.append(required(path.child("resource")))
    elif ref.resource not in RESOURCE_FIELDS:
        errors.append(not_supported(path.child("resource"), ref.resource, RESOURCE_FIELDS))
    if ref.divisor:
        try:
            if quantity.parse_quantity(ref.divisor) <= 0:
                errors.append(invalid(path.child("divisor"), ref.divisor, "must be greater than 0"))
        except quantity.QuantityError:
            errors.append(invalid(path.child("divisor"), ref.divisor, "must be a valid quantity"))
    return errors


def validate_config_volume(volume: types_pb2.Volume, path: Path) -> list[str]:
    """The configMap, secret, downwardAPI or projected source of one volume (path: the volume's)."""
    errors = []
    if volume.HasField("config_map"):
        s, p = volume.config_map, path.child("configMap")
        errors += _object_name(s.name, p.child("name")) + _items(s.items, p.child("items"))
    elif volume.HasField("secret"):
        s, p = volume.secret, path.child("secret")
        errors += _object_name(s.secret_name, p.child("secretName")) + _items(s.items, p.child("items"))
    elif volume.HasField("downward_api"):
        s, p = volume.downward_api, path.child("downwardAPI")
        errors += _downward_items(s.items, p.child("items"))
    else:
        s, p = volume.projected, path.child("projected")
        errors += _projections(s.sources, p.child("sources"))
    if s.HasField("default_mode"):
        errors += _mode(s.default_mode, p.child("defaultMode"))
    return errors


def _projections(sources, path: Path) -> list[str]:
    errors = []
    seen: set[str] = set()
    for i, source in enumerate(sources):
        p = path.index(i)
        kinds = [f for f in ("secret", "config_map", "downward_api", "service_account_token") if source.HasField(f)]
        if not kinds:
            errors.append(required(p, "must specify exactly one volume projection"))
        if len(kinds) > 1:
            errors.append(forbidden(p, "may not specify more than 1 volume type per source"))
        if source.HasField("config_map"):
            errors += _object_name(source.config_map.name, p.child("configMap", "name"))
            errors += _items(source.config_map.items, p.child("configMap", "items"))
            paths = [item.path for item in source.config_map.items]
        elif source.HasField("secret"):
            errors += _object_name(source.secret.name, p.child("secret", "name"))
            errors += _items(source.secret.items, p.child("secret", "items"))
            paths = [item.path for item in source.secret.items]
        elif source.HasField("service_account_token"):
            errors += _token_projection(source.service_account_token, p.child("serviceAccountToken"))
            paths = [source.service_account_token.path]
        else:
            errors += _downward_items(source.downward_api.items, p.child("downwardAPI", "items"))
            paths = [item.path for item in source.downward_api.items]
        for file_path in paths:
            if file_path in seen:
                errors.append(invalid(p, file_path, "conflicting duplicate paths"))
            seen.add(file_path)
    return errors


def _token_projection(token: types_pb2.ServiceAccountTokenProjection, path: Path) -> list[str]:
    errors = []
    seconds = token.expiration_seconds
    if seconds < MIN_TOKEN_EXPIRATION_S:
        errors.append(invalid(path.child("expirationSeconds"), seconds,
                              "may not specify a duration less than 10 minutes"))
    if seconds > 1 << 32:
        errors.append(invalid(path.child("expirationSeconds"), seconds,
                              "may not specify a duration larger than 2^32 seconds"))
    return errors + _file_path(token.path, path.child("path"))


def validate_env_source(source: types_pb2.EnvVarSource, path: Path) -> list[str]:
    """One env var's valueFrom: exactly one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef
    (fieldRef itself is checked by the pod validation, which knows its paths)."""
    set_ = [f for f in ("field_ref", "resource_field_ref", "config_map_key_ref", "secret_key_ref")
            if source.HasField(f)]
    if not set_:
        return [invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                                  "`secretKeyRef`")]
    if len(set_) > 1:
        return [invalid(path, "", "may not have more than one field specified at a time")]
    errors = []
    for name, json_name in (("config_map_key_ref", "configMapKeyRef"), ("secret_key_ref", "secretKeyRef")):
        if source.HasField(name):
            ref, p = getattr(source, name), path.child(json_name)
            errors += _object_name(ref.name, p.child("name"))
            errors += [required(p.child("key"))] if not ref.key else \
                [invalid(p.child("key"), ref.key, m) for m in config_key_problems(ref.key)]
    if source.HasField("resource_field_ref"):
        errors += validate_resource_field_ref(source.resource_field_ref, path.child("resourceFieldRef"))
    return errors


def validate_env_from(sources: Iterable[types_pb2.EnvFromSource], path: Path) -> list[str]:
    errors = []
    for i, source in enumerate(sources):
        p = path.index(i)
        if source.prefix:
            errors += each(names.env_var_name(source.prefix), p.child("prefix"), source.prefix)
        set_ = [f for f in ("config_map_ref", "secret_ref") if source.HasField(f)]
        if not set_:
            errors.append(invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(set_) > 1:
            errors.append(invalid(p, "", "may not have more than one field specified at a time"))
        if source.HasField("config_map_ref"):
            errors += _object_name(source.config_map_ref.name, p.child("configMapRef", "name"))
        if source.HasField("secret_ref"):
            errors += _object_name(source.secret_ref.name, p.child("secretRef", "name"))
    return errors


def validate_image_pull_secrets(refs: Iterable[types_pb2.LocalObjectReference], path: Path) -> list[str]:
    return [e for i, ref in enumerate(refs) for e in _object_name(ref.name, path.index(i).child("name"))]


def validate_claim_volume(source: types_pb2.PersistentVolumeClaimVolumeSource, path: Path) -> list[str]:
    """A pod's `persistentVolumeClaim` volume: the claim it names, in the pod's namespace."""
    if not source.claim_name:
        return [required(path.child("claimName"))]
    return each(names.dns1123_subdomain(source.claim_name), path.child("claimName"), source.claim_name)
