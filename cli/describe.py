"""`skiff describe` text: an object's identity, its state in words, then its events, newest last.

Pure functions from the object, its events and "now" to lines; pods get kubectl's layout, other
kinds their spec and status as an indented outline.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from api import kinds, manifest, meta
from cli.age import age
from cli.columns import NONE, event_time
from cli.podstatus import pod_status

WIDTH = 20  # where values start: past the longest label, CreationTimestamp


def describe(obj: Message, events: list[Message], now: datetime) -> list[str]:
    lines = _header(obj)
    body = _pod_body(obj) if kinds.of(obj).name == "Pod" else _outline(obj)
    return lines + body + _events(events, now)


def _field(label: str, value: Any, indent: int = 0) -> str:
    text = f"{' ' * indent}{label}:"
    width = max(WIDTH - indent, len(label) + 2)
    return (text.ljust(width + indent) + str(value)).rstrip()


def _map_lines(label: str, values, indent: int = 0) -> list[str]:
    items = sorted(values.items())
    if not items:
        return [_field(label, NONE, indent)]
    first, *rest = [f"{k}={v}" for k, v in items]
    pad = " " * max(WIDTH, len(label) + 2 + indent)
    return [_field(label, first, indent)] + [pad + r for r in rest]


def _header(obj: Message) -> list[str]:
    m = obj.metadata
    lines = [_field("Name", m.name)]
    if kinds.of(obj).namespaced:
        lines.append(_field("Namespace", m.namespace))
    lines += _map_lines("Labels", m.labels)
    shown = {k: v for k, v in m.annotations.items() if k != "kubectl.kubernetes.io/last-applied-configuration"}
    lines += _map_lines("Annotations", shown)
    lines.append(_field("CreationTimestamp", m.creation_timestamp or NONE))
    owner = meta.controller_of(obj)
    if owner is not None:
        lines.append(_field("Controlled By", f"{owner.kind}/{owner.name}"))
    if m.deletion_timestamp:
        lines.append(_field("DeletionTimestamp", m.deletion_timestamp))
    return lines


# ---------------------------------------------------------------- pods

def _pod_body(pod) -> list[str]:
    s = pod.status
    node = pod.spec.node_name + (f"/{s.host_ip}" if s.host_ip else "") if pod.spec.node_name else NONE
    lines = [_field("Node", node), _field("Start Time", s.start_time or NONE),
             _field("Status", pod_status(pod))]
    if s.reason:
        lines.append(_field("Reason", s.reason))
    if s.message:
        lines.append(_field("Message", s.message))
    lines.append(_field("IP", s.pod_ip or NONE))
    if pod.spec.init_containers:
        lines += ["Init Containers:"] + _containers(pod.spec.init_containers, s.init_container_statuses)
    lines += ["Containers:"] + _containers(pod.spec.containers, s.container_statuses)
    if s.conditions:
        lines += ["Conditions:", "  Type              Status"]
        lines += [f"  {c.type.ljust(18)}{c.status}" for c in s.conditions]
    if pod.spec.volumes:
        lines.append("Volumes:")
        for v in pod.spec.volumes:
            source = "EmptyDir" if v.HasField("empty_dir") else f"HostPath ({v.host_path.path})"
            lines += [f"  {v.name}:", _field("Type", source, 4)]
    lines += _map_lines("Node-Selectors", pod.spec.node_selector)
    return lines


def _containers(containers, statuses) -> list[str]:
    by_name = {st.name: st for st in statuses}
    lines = []
    for c in containers:
        lines.append(f"  {c.name}:")
        lines.append(_field("Image", c.image, 4))
        for p in c.ports:
            lines.append(_field("Port", f"{p.container_port}/{p.protocol or 'TCP'}", 4))
        if c.command:
            lines.append(_field("Command", " ".join(c.command), 4))
        if c.args:
            lines.append(_field("Args", " ".join(c.args), 4))
        st = by_name.get(c.name)
        if st is not None:
            lines += _state("State", st.state) + _state("Last State", st.last_state)
            lines.append(_field("Ready", "True" if st.ready else "False", 4))
            lines.append(_field("Restart Count", st.restart_count, 4))
        for name, q in (("Limits", c.resources.limits), ("Requests", c.resources.requests)):
            if q:
                lines.append(f"    {name}:")
                lines += [_field(k, v, 6) for k, v in sorted(q.items())]
    return lines


def _state(label: str, state) -> list[str]:
    if state.HasField("running"):
        return [_field(label, "Running", 4), _field("Started", state.running.started_at, 6)]
    if state.HasField("waiting"):
        return [_field(label, "Waiting", 4), _field("Reason", state.waiting.reason, 6)]
    if state.HasField("terminated"):
        t = state.terminated
        return [_field(label, "Terminated", 4), _field("Reason", t.reason, 6),
                _field("Exit Code", t.exit_code, 6), _field("Finished", t.finished_at, 6)]
    return [_field(label, NONE, 4)] if label == "State" else []


# ---------------------------------------------------------------- every other kind

def _outline(obj: Message) -> list[str]:
    data = manifest.to_dict(obj)
    lines: list[str] = []
    for section in ("spec", "subsets", "involvedObject", "status"):
        if section in data:
            lines.append(f"{section[0].upper()}{section[1:]}:")
            lines += _nested(data[section], 2)
    return lines


def _nested(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines += _nested(v, indent + 2)
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            sub = _nested(item, indent + 2)
            if sub:
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines += sub[1:]
    else:
        lines.append(f"{pad}{_scalar(value)}")
    return lines


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v in ({}, []):
        return NONE
    return str(v)


# ---------------------------------------------------------------- events

def _events(events: list[Message], now: datetime) -> list[str]:
    if not events:
        return [_field("Events", NONE)]
    rows = [["Type", "Reason", "Age", "From", "Message"], ["----", "------", "----", "----", "-------"]]
    for ev in sorted(events, key=event_time):
        seen = age(event_time(ev), now)
        if ev.count > 1:
            seen += f" (x{ev.count} over {age(ev.first_timestamp, now)})" if ev.first_timestamp else ""
        source = ev.source.component or ev.reporting_component
        rows.append([ev.type or "Normal", ev.reason, seen, source, ev.message])
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return ["Events:"] + ["  " + "".join(c.ljust(w + 2) for c, w in zip(r[:4], widths)) + r[4] for r in rows]
