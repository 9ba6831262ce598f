"""`skiff describe` bodies of pods and of the pod templates that Deployments and ReplicaSets carry,
in kubectl's layout: node and status, then each container's image, ports, command and state.
"""
from __future__ import annotations

from cli.describe_layout import NONE, field, map_lines
from api.podstatus import pod_status


def pod_body(pod) -> list[str]:
    s = pod.status
    node = pod.spec.node_name + (f"/{s.host_ip}" if s.host_ip else "") if pod.spec.node_name else NONE
    lines = [field("Node", node), field("Start Time", s.start_time or NONE), field("Status", pod_status(pod))]
    if s.reason:
        lines.append(field("Reason", s.reason))
    if s.message:
        lines.append(field("Message", s.message))
    lines.append(field("IP", s.pod_ip or NONE))
    if pod.spec.init_containers:
        lines += ["Init Containers:"] + _containers(pod.spec.init_containers, s.init_container_statuses)
    lines += ["Containers:"] + _containers(pod.spec.containers, s.container_statuses)
    if s.conditions:
        lines += ["Conditions:", "  Type              Status"]
        lines += [f"  {c.type.ljust(18)}{c.status}" for c in s.conditions]
    lines += _volumes(pod.spec.volumes, 0)
    lines += map_lines("Node-Selectors", pod.spec.node_selector)
    return lines


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
        source = "EmptyDir" if v.HasField("empty_dir") else f"HostPath ({v.host_path.path})"
        lines += [f"{' ' * (indent + 2)}{v.name}:", field("Type", source, indent + 4)]
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
        if c.env:
            lines.append("    Environment:")
            lines += [field(e.name, e.value if not e.HasField("value_from") else
                            f"({e.value_from.field_ref.field_path})", 6) for e in c.env]
    return lines


def _state(label: str, state) -> list[str]:
    if state.HasField("running"):
        return [field(label, "Running", 4), field("Started", state.running.started_at, 6)]
    if state.HasField("waiting"):
        return [field(label, "Waiting", 4), field("Reason", state.waiting.reason, 6)]
    if state.HasField("terminated"):
        t = state.terminated
        return [field(label, "Terminated", 4), field("Reason", t.reason, 6),
                field("Exit Code", t.exit_code, 6), field("Finished", t.finished_at, 6)]
    return [field(label, NONE, 4)] if label == "State" else []
