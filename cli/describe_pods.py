"""`skiff describe` bodies of pods and of the pod templates that Deployments and ReplicaSets carry,
in kubectl's layout: node and status, then each container's image, ports, command and state.
"""
from __future__ import annotations

from cli.describe_layout import NONE, field, map_lines
from api.podstatus import pod_status


def pod_body(pod) -> list[str]:
    s = pod.status
    node = pod.spec.node_name + (f"/{s.host_ip}" if s.host_ip else "") if pod.spec.node_name else NONE
    lines = []
    if pod.spec.HasField("priority"):  # kubectl's order: priority and its class before the node
        lines.append(field("Priority", pod.spec.priority))
    if pod.spec.priority_class_name:
        lines.append(field("Priority Class Name", pod.spec.priority_class_name))
    if pod.spec.runtime_class_name:
        lines.append(field("Runtime Class Name", pod.spec.runtime_class_name))
    lines += [field("Node", node), field("Start Time", s.start_time or NONE), field("Status", pod_status(pod))]
    if s.reason:
        lines.append(field("Reason", s.reason))
    if s.message:
        lines.append(field("Message", s.message))
    lines.append(field("IP", s.pod_ip or NONE))
    if s.nominated_node_name:
        lines.append(field("NominatedNodeName", s.nominated_node_name))
    if pod.spec.init_containers:
        lines += ["Init Containers:"] + _containers(pod.spec.init_containers, s.init_container_statuses)
    lines += ["Containers:"] + _containers(pod.spec.containers, s.container_statuses)
    if pod.spec.ephemeral_containers:  # `skiff debug`'s, in kubectl's place: after the pod's own containers
        lines += ["Ephemeral Containers:"] + _containers(pod.spec.ephemeral_containers, s.ephemeral_container_statuses)
    lines += _readiness_gates(pod)
    if s.conditions:
        lines += ["Conditions:", "  Type              Status"]
        lines += [f"  {c.type.ljust(18)}{c.status}" for c in s.conditions]
    lines += _volumes(pod.spec.volumes, 0)
    lines += map_lines("Node-Selectors", pod.spec.node_selector)
    return lines


def _readiness_gates(pod) -> list[str]:
    """kubectl's `Readiness Gates:` table: each gate's condition type and that condition's status (<none>)."""
    if not pod.spec.readiness_gates:
        return []
    found = {c.type: c.status for c in pod.status.conditions}
    rows = [("  Type", "Status")] + [(f"  {g.condition_type} ", found.get(g.condition_type, NONE))
                                     for g in pod.spec.readiness_gates]
    width = max(len(name) for name, _ in rows) + 2  # kubectl's tabwriter pads each column by two
    return ["Readiness Gates:"] + [f"{name.ljust(width)}{value}" for name, value in rows]


def template_lines(template) -> list[str]:
    """`Pod Template:` and what pods made from it get: labels, annotations, containers, volumes."""
    lines = ["Pod Template:"] + map_lines("Labels", template.metadata.labels, 2)
    if template.metadata.annotations:
        lines += map_lines("Annotations", template.metadata.annotations, 2, sep=": ")
    spec = template.spec
    if spec.init_containers:
        lines += ["  Init Containers:"] + _containers(spec.init_containers, [], 3)
    lines += ["  Containers:"] + _containers(spec.containers, [], 3)
    lines += _volumes(spec.volumes, 2) or [field("Volumes", NONE, 2)]
    if spec.node_selector:
        lines += map_lines("Node-Selectors", spec.node_selector, 2)
    return lines


def _volumes(volumes, indent: int) -> list[str]:
    if not volumes:
        return []
    lines = [" " * indent + "Volumes:"]
    for v in volumes:
        lines.append(f"{' ' * (indent + 2)}{v.name}:")
        lines += [field(k, value, indent + 4) for k, value in _volume_source(v)]
    return lines


def _optional(flag: bool) -> str:
    return "true" if flag else "false"


def _volume_source(v) -> list[tuple[str, str]]:
    """kubectl's lines for a volume's source."""
    if v.HasField("empty_dir"):
        return [("Type", "EmptyDir (a temporary directory that shares a pod's lifetime)"),
                ("Medium", v.empty_dir.medium)]
    if v.HasField("config_map"):
        return [("Type", "ConfigMap (a volume populated by a ConfigMap)"), ("Name", v.config_map.name),
                ("Optional", _optional(v.config_map.optional))]
    if v.HasField("secret"):
        return [("Type", "Secret (a volume populated by a Secret)"), ("SecretName", v.secret.secret_name),
                ("Optional", _optional(v.secret.optional))]
    if v.HasField("projected"):
        lines = [("Type", "Projected (a volume that contains injected data from multiple sources)")]
        for source in v.projected.sources:
            if source.HasField("config_map"):
                lines += [("ConfigMapName", source.config_map.name),
                          ("ConfigMapOptional", _optional(source.config_map.optional))]
            elif source.HasField("secret"):
                lines += [("SecretName", source.secret.name), ("SecretOptional", _optional(source.secret.optional))]
            elif source.HasField("downward_api"):
                lines.append(("DownwardAPI", "true"))
        return lines
    if v.HasField("downward_api"):
        return [("Type", "DownwardAPI (a volume populated by information about the pod)"),
                ("Items", ", ".join(f"{item.field_ref.field_path or item.resource_field_ref.resource} -> {item.path}"
                                    for item in v.downward_api.items) or NONE)]
    if v.HasField("persistent_volume_claim"):
        return [("Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"),
                ("ClaimName", v.persistent_volume_claim.claim_name),
                ("ReadOnly", str(v.persistent_volume_claim.read_only).lower())]
    if v.HasField("ephemeral"):  # kubectl prints the template as a claim that is not a full one
        template = v.ephemeral.volume_claim_template
        spec = template.spec
        return [("Type", "EphemeralVolume (an inline specification for a volume that gets created and deleted "
                         "with the pod)"),
                ("StorageClass", spec.storage_class_name), ("Volume", spec.volume_name),
                ("Labels", _pairs(template.metadata.labels)), ("Annotations", _pairs(template.metadata.annotations)),
                ("Capacity", ""), ("Access Modes", ""),
                ("VolumeMode", spec.volume_mode if spec.HasField("volume_mode") else "Filesystem")]
    return [("Type", "HostPath (bare host directory volume)"), ("Path", v.host_path.path),
            ("HostPathType", v.host_path.type)]


def _pairs(labels) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or NONE


def _env_value(e) -> str:
    """kubectl's text for an env var: its value, or where it comes from (never a Secret's value)."""
    source = e.value_from
    if source.HasField("config_map_key_ref"):
        ref = source.config_map_key_ref
        return f"<set to the key '{ref.key}' of config map '{ref.name}'>  Optional: {_optional(ref.optional)}"
    if source.HasField("secret_key_ref"):
        ref = source.secret_key_ref
        return f"<set to the key '{ref.key}' in secret '{ref.name}'>  Optional: {_optional(ref.optional)}"
    if source.HasField("field_ref"):
        return f"({source.field_ref.api_version or 'v1'}:{source.field_ref.field_path})"
    if source.HasField("resource_field_ref"):
        ref = source.resource_field_ref
        return f"{ref.resource} -> {ref.container_name}" if ref.container_name else ref.resource
    return e.value


def _env_from(c) -> list[str]:
    if not c.env_from:
        return []
    lines = ["    Environment Variables from:"]
    for source in c.env_from:
        if source.HasField("config_map_ref"):
            name, kind, optional = source.config_map_ref.name, "ConfigMap", source.config_map_ref.optional
        else:
            name, kind, optional = source.secret_ref.name, "Secret", source.secret_ref.optional
        prefix = f" with prefix '{source.prefix}'" if source.prefix else ""
        lines.append(f"      {name}  {kind}{prefix}  Optional: {_optional(optional)}")
    return lines


def _containers(containers, statuses, indent: int = 2) -> list[str]:
    by_name = {st.name: st for st in statuses}
    lines = []
    for c in containers:
        lines.append(f"{' ' * indent}{c.name}:")
        lines.append(field("Image", c.image, 4))
        for p in c.ports:
            lines.append(field("Port", f"{p.container_port}/{p.protocol or 'TCP'}", 4))
        if c.command:
            lines.append(field("Command", " ".join(c.command), 4))
        if c.args:
            lines.append(field("Args", " ".join(c.args), 4))
        st = by_name.get(c.name)
        if st is not None:
            lines += _state("State", st.state) + _state("Last State", st.last_state)
            lines.append(field("Ready", "True" if st.ready else "False", 4))
            lines.append(field("Restart Count", st.restart_count, 4))
        for name, q in (("Limits", c.resources.limits), ("Requests", c.resources.requests)):
            if q:
                lines.append(f"    {name}:")
                lines += [field(k, v, 6) for k, v in sorted(q.items())]
        lines += _env_from(c)
        if c.env:
            lines.append("    Environment:")
            lines += [field(e.name, _env_value(e), 6) for e in c.env]
    return lines


def _state(label: str, state) -> list[str]:
    if state.HasField("running"):
        return [field(label, "Running", 4), field("Started", state.running.started_at, 6)]
    if state.HasField("waiting"):
        return [field(label, "Waiting", 4), field("Reason", state.waiting.reason, 6)]
    if state.HasField("terminated"):
        t = state.terminated
        message = [field("Message", t.message, 6)] if t.message else []
        return [field(label, "Terminated", 4), field("Reason", t.reason, 6), *message,
                field("Exit Code", t.exit_code, 6), field("Finished", t.finished_at, 6)]
    return [field(label, NONE, 4)] if label == "State" else []
