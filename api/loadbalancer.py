"""What skiff's own load balancer serves, shared by the address allocator (controller manager) and the
announcing agents: LoadBalancer Services without a loadBalancerClass or naming ours, and who may reach them.
"""
from __future__ import annotations

CLASS = "skiff.io/lb"
# The older way to say spec.loadBalancerSourceRanges, still honoured when the field is empty (as cloud
# providers do): a comma-separated list of CIDRs.
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def served(svc) -> bool:
    """A LoadBalancer Service left to the default implementation, or naming ours."""
    if svc.spec.type != "LoadBalancer":
        return False
    return not svc.spec.HasField("load_balancer_class") or svc.spec.load_balancer_class == CLASS


def status_ips(svc) -> list[str]:
    return [i.ip for i in svc.status.load_balancer.ingress if i.ip]


def source_ranges(svc) -> list[str] | None:
    """The client CIDRs allowed to reach the Service's load-balancer addresses, as written (trimmed):
    spec.loadBalancerSourceRanges, else the annotation; None when neither restricts anything."""
    if svc.spec.load_balancer_source_ranges:
        return [r.strip() for r in svc.spec.load_balancer_source_ranges]
    value = svc.metadata.annotations.get(SOURCE_RANGES_ANNOTATION, "").strip()
    return [r.strip() for r in value.split(",")] if value else None
