"""The proxy's rules for LoadBalancer addresses, as pure rendering (golden): an address:port goes the
NodePort's way, other traffic to it is dropped, and externalTrafficPolicy: Local sends outside clients
only to this node's endpoints, unmasqueraded, NodePort included; no local endpoint means drop."""
from __future__ import annotations

from nodeagent.proxy import render, transaction
from nodeagent.proxy.model import Endpoint, ServicePort, service_ports
from tests.fixtures.objects import from_yaml

NODE = render.NodeNetwork(pod_cidr="10.244.1.0/24", service_cidr="10.96.0.0/16")
WEB = ServicePort("default", "web", "http", "tcp", "10.96.0.10", 80, node_port=30080,
                  endpoints=(Endpoint("10.244.1.2", 8080, local=True), Endpoint("10.244.2.3", 8080)),
                  load_balancer_ips=("10.250.0.200",))
KEEP = ServicePort("default", "keep", "", "tcp", "10.96.0.11", 443, node_port=30443,
                   endpoints=(Endpoint("10.244.1.4", 8443, local=True), Endpoint("10.244.2.5", 8443)),
                   load_balancer_ips=("10.250.0.201",), external_local=True)

GOLDEN_LB_LINES = """\
add set ip skiff load-balancer-ips { type ipv4_addr ; }
add set ip skiff load-balancer-ports { type ipv4_addr . inet_proto . inet_service ; }
add rule ip skiff endpoints-check ip daddr @load-balancer-ips ip daddr . meta l4proto . th dport != @load-balancer-ports drop
add rule ip skiff ext-default/web/tcp/http jump mark-for-masquerade
add rule ip skiff ext-default/web/tcp/http goto svc-default/web/tcp/http
add rule ip skiff ext-default/keep/tcp/443 ip saddr 10.244.1.0/24 goto svc-default/keep/tcp/443
add rule ip skiff ext-default/keep/tcp/443 fib saddr type local jump mark-for-masquerade
add rule ip skiff ext-default/keep/tcp/443 fib saddr type local goto svc-default/keep/tcp/443
add rule ip skiff ext-default/keep/tcp/443 goto ep-default/keep/tcp/443__10.244.1.4/8443
add element ip skiff service-ips { 10.96.0.10 . tcp . 80 : goto svc-default/web/tcp/http }
add element ip skiff service-ips { 10.250.0.200 . tcp . 80 : goto ext-default/web/tcp/http }
add element ip skiff service-ips { 10.96.0.11 . tcp . 443 : goto svc-default/keep/tcp/443 }
add element ip skiff service-ips { 10.250.0.201 . tcp . 443 : goto ext-default/keep/tcp/443 }
add element ip skiff service-nodeports { tcp . 30080 : goto ext-default/web/tcp/http }
add element ip skiff service-nodeports { tcp . 30443 : goto ext-default/keep/tcp/443 }
add element ip skiff load-balancer-ips { 10.250.0.200 }
add element ip skiff load-balancer-ips { 10.250.0.201 }
add element ip skiff load-balancer-ports { 10.250.0.200 . tcp . 80 }
add element ip skiff load-balancer-ports { 10.250.0.201 . tcp . 443 }
"""


def _lb_lines(script: str) -> str:
    keep = ("load-balancer", "ext-", "service-ips {", "service-nodeports {")
    return "".join(line + "\n" for line in script.splitlines()
                   if any(k in line for k in keep) and not line.startswith(("add chain", "add map")))


def test_load_balancer_and_local_policy_rules_golden():
    assert _lb_lines(transaction.script(render.render([WEB, KEEP], NODE))) == GOLDEN_LB_LINES


def test_local_policy_without_a_local_endpoint_drops_outside_traffic():
    remote_only = ServicePort("default", "keep", "", "tcp", "10.96.0.11", 443, node_port=30443,
                              endpoints=(Endpoint("10.244.2.5", 8443),), load_balancer_ips=("10.250.0.201",),
                              external_local=True)
    assert render.render([remote_only], NODE).rules["ext-default/keep/tcp/443"][-1] == "drop"


def test_load_balancer_address_without_endpoints_is_rejected():
    empty = ServicePort("default", "none", "", "tcp", "10.96.0.12", 443, load_balancer_ips=("10.250.0.202",))
    assert "10.250.0.202 . tcp . 443 : goto reject-chain" in render.render([empty], NODE).elements[
        "no-endpoint-services"]


def test_services_without_load_balancer_addresses_render_no_guard():
    plain = ServicePort("default", "web", "", "tcp", "10.96.0.10", 80, endpoints=(Endpoint("10.244.1.2", 80),))
    assert "load-balancer" not in transaction.script(render.render([plain], NODE))


def test_model_reads_addresses_policy_and_local_endpoints_from_the_objects():
    svc = from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: keep, namespace: default}
spec: {type: LoadBalancer, clusterIP: 10.96.0.11, externalTrafficPolicy: Local,
       ports: [{port: 443, targetPort: 8443, nodePort: 30443}]}
status: {loadBalancer: {ingress: [{ip: 10.250.0.201}]}}
""")
    eps = from_yaml("""
apiVersion: v1
kind: Endpoints
metadata: {name: keep, namespace: default}
subsets: [{addresses: [{ip: 10.244.1.4, nodeName: host-1}, {ip: 10.244.2.5, nodeName: host-2}],
           ports: [{port: 8443}]}]
""")
    (sp,) = service_ports([svc], {"default/keep": eps}, node_name="host-1")
    assert sp.load_balancer_ips == ("10.250.0.201",) and sp.external_local and sp.node_port == 30443
    assert [(e.ip, e.local) for e in sp.endpoints] == [("10.244.1.4", True), ("10.244.2.5", False)]
