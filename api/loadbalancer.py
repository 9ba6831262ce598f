"""What skiff's own load balancer serves, shared by the address allocator (controller manager) and the
announcing agents: LoadBalancer Services without a loadBalancerClass or naming ours.
"""
from __future__ import annotations

CLASS = "skiff.io/lb"


def served(svc) -> bool:
    """A LoadBalancer Service left to the default implementation, or naming ours."""
    if svc.spec.type != "LoadBalancer":
        return False
    return not svc.spec.HasField("load_balancer_class") or svc.spec.load_balancer_class == CLASS


def status_ips(svc) -> list[str]:
    return [i.ip for i in svc.status.load_balancer.ingress if i.ip]
