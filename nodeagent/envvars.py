"""A container's environment: values, the downward API's fieldRef, and $(VAR) expansion, as the kubelet does.

Pure functions over the pod and what the agent knows of it (pod IP, host IP); no I/O.
"""
from __future__ import annotations

import re

from proto import types_pb2

_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


class EnvError(ValueError):
    """An env var cannot be resolved (e.g. an unsupported fieldRef path); the message names it."""


def field_value(pod: types_pb2.Pod, path: str, pod_ip: str, host_ip: str) -> str:
    """The value of a downward-API field path for this pod."""
    simple = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "metadata.uid": pod.metadata.uid,
        "spec.nodeName": pod.spec.node_name,
        "spec.serviceAccountName": pod.spec.service_account_name,
        "status.podIP": pod_ip,
        "status.podIPs": pod_ip,
        "status.hostIP": host_ip,
        "status.hostIPs": host_ip,
    }
    if path in simple:
        return simple[path]
    m = _SUBSCRIPT.match(path)
    if m:
        source = pod.metadata.labels if m.group(1) == "labels" else pod.metadata.annotations
        return source.get(m.group(2), "")
    raise EnvError(f"unsupported fieldRef path {path!r} (supported: {', '.join(sorted(simple))}, "
                   f"metadata.labels['KEY'], metadata.annotations['KEY'])")


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: known names are replaced, unknown ones kept, $$ escapes a $."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and (end := text.find(")", i + 2)) != -1:
            name = text[i + 2:end]
            out.append(env[name] if name in env else text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def resolve(container: types_pb2.Container, pod: types_pb2.Pod, pod_ip: str, host_ip: str) -> dict[str, str]:
    """The environment of one container, in declaration order; later values may refer to earlier ones."""
    env: dict[str, str] = {}
    for var in container.env:
        if var.HasField("value_from") and var.value_from.HasField("field_ref"):
            env[var.name] = field_value(pod, var.value_from.field_ref.field_path, pod_ip, host_ip)
        else:
            env[var.name] = expand(var.value, env)
    return env


def command_line(container: types_pb2.Container, env: dict[str, str]) -> tuple[list[str], list[str]]:
    """command and args with $(VAR) references expanded from the container's environment."""
    return [expand(c, env) for c in container.command], [expand(a, env) for a in container.args]
