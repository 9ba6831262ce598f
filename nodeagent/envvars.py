"""A container's environment as the kubelet builds it: envFrom, values, the downward API, ConfigMap and
Secret keys, and $(VAR) expansion. Pure functions over the pod, its facts and a lookup of its objects."""
from __future__ import annotations

import re

from nodeagent import downward
from nodeagent.projection import Lookup
from proto import types_pb2

_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


class EnvError(ValueError):
    """An env var cannot be resolved (a missing ConfigMap or key, an unsupported fieldRef); the message is
    the kubelet's, shown as the container's CreateContainerConfigError."""


def no_objects(kind: str, name: str) -> None:
    """The lookup of a pod that names no ConfigMap or Secret."""
    return None


def expand(text: str, env: dict[str, str], missing: set[str] | None = None) -> str:
    """Kubernetes' $(VAR) expansion: known names are replaced, unknown ones kept, $$ escapes a $. `missing`
    collects the names that are unknown or empty (a subPathExpr must not have any)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and (end := text.find(")", i + 2)) != -1:
            name = text[i + 2:end]
            if missing is not None and not env.get(name):
                missing.add(name)
            out.append(env[name] if name in env else text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _source_values(kind: str, name: str, optional: bool, lookup: Lookup) -> dict[str, str] | None:
    obj = lookup(kind, name)
    if obj is None:
        if optional:
            return None
        raise EnvError(f'{kind.lower()} "{name}" not found')
    if kind == "ConfigMap":
        return dict(obj.data)
    return {k: v.decode("utf-8", errors="replace") for k, v in obj.data.items()}


def _key(kind: str, ref, lookup: Lookup, namespace: str) -> str | None:
    values = _source_values(kind, ref.name, ref.optional, lookup)
    if values is None:
        return None
    if ref.key not in values:
        if ref.optional:
            return None
        raise EnvError(f"couldn't find key {ref.key} in {kind} {namespace}/{ref.name}")
    return values[ref.key]


def _from_sources(container: types_pb2.Container, lookup: Lookup) -> dict[str, str]:
    """envFrom: every key of each ConfigMap or Secret, prefixed; keys that are not env names are skipped."""
    env: dict[str, str] = {}
    for source in container.env_from:
        if source.HasField("config_map_ref"):
            values = _source_values("ConfigMap", source.config_map_ref.name, source.config_map_ref.optional, lookup)
        elif source.HasField("secret_ref"):
            values = _source_values("Secret", source.secret_ref.name, source.secret_ref.optional, lookup)
        else:
            continue
        for key, value in (values or {}).items():
            if _ENV_NAME.match(source.prefix + key):
                env[source.prefix + key] = value
    return env


def resolve(container: types_pb2.Container, pod: types_pb2.Pod, facts: downward.PodFacts,
            lookup: Lookup = no_objects, services: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of one container: the Services' variables (`servicelinks`), envFrom, then env in
    declaration order (later values may refer to earlier ones, and override what came before).
    `lookup` gives the pod's ConfigMaps and Secrets."""
    env = {**(services or {}), **_from_sources(container, lookup)}
    namespace = pod.metadata.namespace
    for var in container.env:
        source = var.value_from
        try:
            if source.HasField("field_ref"):
                value = downward.field_value(pod, source.field_ref.field_path, facts)
            elif source.HasField("resource_field_ref"):
                ref = source.resource_field_ref
                value = downward.resource_value(pod, ref.container_name or container.name, ref.resource,
                                                ref.divisor, facts)
            elif source.HasField("config_map_key_ref"):
                value = _key("ConfigMap", source.config_map_key_ref, lookup, namespace)
            elif source.HasField("secret_key_ref"):
                value = _key("Secret", source.secret_key_ref, lookup, namespace)
            else:
                value = expand(var.value, env)
        except downward.DownwardError as e:
            raise EnvError(str(e)) from None
        if value is not None:  # an optional key that is missing leaves the variable out
            env[var.name] = value
    return env


def sub_path(mount: types_pb2.VolumeMount, env: dict[str, str]) -> str:
    """The mount's subPath, or its subPathExpr expanded from the container's environment, in the kubelet's words
    when it cannot be (ExpandContainerVolumeMounts, then the path checks of makeMounts)."""
    if not mount.sub_path_expr:
        return mount.sub_path
    missing: set[str] = set()
    path = expand(mount.sub_path_expr, env, missing)
    if missing:
        raise EnvError(f"missing value for {', '.join(sorted(missing))}")
    if path.startswith("/"):
        raise EnvError(f"error SubPath `{path}` must not be an absolute path")
    if ".." in path.split("/"):
        raise EnvError(f"unable to provision SubPath `{path}`: must not contain '..'")
    return path


def command_line(container: types_pb2.Container, env: dict[str, str]) -> tuple[list[str], list[str]]:
    """command and args with $(VAR) references expanded from the container's environment."""
    return [expand(c, env) for c in container.command], [expand(a, env) for a in container.args]
