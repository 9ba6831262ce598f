"""`skiff describe` body of a Node, in kubectl's layout: taints and conditions, addresses, capacity,
system info, then the pods it runs with their requests and limits as shares of what it can allocate.
"""
from __future__ import annotations

from api import podstatus, quantity
from api.age import age
from cli.describe_layout import NONE, field, table

SYSTEM_INFO = (("Machine ID", "machine_id"), ("System UUID", "system_uuid"), ("Boot ID", "boot_id"),
               ("Kernel Version", "kernel_version"), ("OS Image", "os_image"),
               ("Operating System", "operating_system"), ("Architecture", "architecture"),
               ("Container Runtime Version", "container_runtime_version"),
               ("Kubelet Version", "kubelet_version"), ("Kube-Proxy Version", "kube_proxy_version"))
INFO_WIDTH = 30  # past "Container Runtime Version:"


def node_body(node, pods, now) -> list[str]:
    spec, s = node.spec, node.status
    taints = [f"{t.key}={t.value}:{t.effect}" if t.value else f"{t.key}:{t.effect}" for t in spec.taints]
    lines = [field("Taints", taints[0] if taints else NONE)] + [" " * 20 + t for t in taints[1:]]
    lines.append(field("Unschedulable", "true" if spec.unschedulable else "false"))
    lines += ["Conditions:"] + table(
        ["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"],
        [[c.type, c.status, c.last_heartbeat_time, c.last_transition_time, c.reason, c.message]
         for c in s.conditions])
    lines += ["Addresses:"] + [field(a.type, a.address, 2, 16) for a in s.addresses]
    for label, values in (("Capacity", s.capacity), ("Allocatable", s.allocatable)):
        lines += [f"{label}:"] + [field(k, v, 2) for k, v in sorted(values.items())]
    lines += ["System Info:"] + [field(label, getattr(s.node_info, attr), 2, INFO_WIDTH)
                                 for label, attr in SYSTEM_INFO]
    lines.append(field("PodCIDR", spec.pod_cidr or NONE))
    lines.append(field("PodCIDRs", ",".join(spec.pod_cidrs) or NONE))
    running = [p for p in pods if not podstatus.is_terminal(p)]
    lines += _pods(running, s.allocatable, now) + _allocated(running, s.allocatable)
    return lines


def _sums(pod) -> dict[str, int]:
    """cpu in millicores and memory in bytes, requested and limited, over the pod's containers."""
    out = {"cpu_req": 0, "cpu_lim": 0, "mem_req": 0, "mem_lim": 0}
    for c in pod.spec.containers:
        r, lim = c.resources.requests, c.resources.limits
        out["cpu_req"] += quantity.cpu_millis(r["cpu"]) if "cpu" in r else 0
        out["cpu_lim"] += quantity.cpu_millis(lim["cpu"]) if "cpu" in lim else 0
        out["mem_req"] += quantity.to_bytes(r["memory"]) if "memory" in r else 0
        out["mem_lim"] += quantity.to_bytes(lim["memory"]) if "memory" in lim else 0
    return out


def _share(amount: int, total: int, text: str) -> str:
    return f"{text} ({amount * 100 // total if total else 0}%)"


def _cpu(millis: int, allocatable) -> str:
    total = quantity.cpu_millis(allocatable["cpu"]) if "cpu" in allocatable else 0
    return _share(millis, total, quantity.format_millis(millis))


def _memory(n: int, allocatable) -> str:
    total = quantity.to_bytes(allocatable["memory"]) if "memory" in allocatable else 0
    return _share(n, total, quantity.format_bytes(n))


def _pods(pods, allocatable, now) -> list[str]:
    lines = [field("Non-terminated Pods", f"({len(pods)} in total)")]
    rows = []
    for p in sorted(pods, key=lambda p: (p.metadata.namespace, p.metadata.name)):
        t = _sums(p)
        rows.append([p.metadata.namespace, p.metadata.name, _cpu(t["cpu_req"], allocatable),
                     _cpu(t["cpu_lim"], allocatable), _memory(t["mem_req"], allocatable),
                     _memory(t["mem_lim"], allocatable), age(p.metadata.creation_timestamp, now)])
    return lines + table(["Namespace", "Name", "CPU Requests", "CPU Limits", "Memory Requests",
                          "Memory Limits", "Age"], rows)


def _allocated(pods, allocatable) -> list[str]:
    total = {"cpu_req": 0, "cpu_lim": 0, "mem_req": 0, "mem_lim": 0}
    for p in pods:
        for k, v in _sums(p).items():
            total[k] += v
    return ["Allocated resources:", "  (Total limits may be over 100 percent, i.e., overcommitted.)"] + table(
        ["Resource", "Requests", "Limits"],
        [["cpu", _cpu(total["cpu_req"], allocatable), _cpu(total["cpu_lim"], allocatable)],
         ["memory", _memory(total["mem_req"], allocatable), _memory(total["mem_lim"], allocatable)]])
