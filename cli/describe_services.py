"""`skiff describe` body of a Service, in kubectl's layout: selector, type, IP families, cluster IPs, then
for each port its target, node port and the endpoints serving it, session affinity, traffic policies.
"""
from __future__ import annotations

from cli.describe_layout import NONE, field

MAX_ENDPOINTS = 3


def service_body(svc, endpoints) -> list[str]:
    spec = svc.spec
    lines = [field("Selector", ",".join(f"{k}={v}" for k, v in sorted(spec.selector.items())) or NONE),
             field("Type", spec.type or "ClusterIP")]
    if spec.HasField("ip_family_policy"):
        lines.append(field("IP Family Policy", spec.ip_family_policy))
    lines += [field("IP Families", ",".join(spec.ip_families) or NONE),
              field("IP", spec.cluster_ip or NONE),
              field("IPs", ",".join(spec.cluster_ips) or spec.cluster_ip or NONE)]
    if spec.external_ips:
        lines.append(field("External IPs", ",".join(spec.external_ips)))
    for p in spec.ports:
        protocol = p.protocol or "TCP"
        name = p.name or "<unset>"
        lines.append(field("Port", f"{name}  {p.port}/{protocol}"))
        target = p.target_port
        target_text = target.str_value if target.WhichOneof("value") == "str_value" else \
            str(target.int_value or p.port)
        lines.append(field("TargetPort", f"{target_text}/{protocol}"))
        if p.node_port:
            lines.append(field("NodePort", f"{name}  {p.node_port}/{protocol}"))
        lines.append(field("Endpoints", port_endpoints(endpoints, p.name)))
    lines.append(field("Session Affinity", spec.session_affinity or "None"))
    if spec.type in ("NodePort", "LoadBalancer"):
        lines.append(field("External Traffic Policy", spec.external_traffic_policy or "Cluster"))
    if spec.internal_traffic_policy:
        lines.append(field("Internal Traffic Policy", spec.internal_traffic_policy))
    return lines


def port_endpoints(endpoints, port_name: str) -> str:
    """The ready `ip:port`s behind the service port named `port_name`, shortened after three as kubectl does."""
    found = []
    for subset in endpoints.subsets if endpoints is not None else []:
        for port in subset.ports:
            if port.name == port_name:
                found += [f"{a.ip}:{port.port}" for a in subset.addresses]
    if not found:
        return NONE
    extra = len(found) - MAX_ENDPOINTS
    return ",".join(found[:MAX_ENDPOINTS]) + (f" + {extra} more..." if extra > 0 else "")
