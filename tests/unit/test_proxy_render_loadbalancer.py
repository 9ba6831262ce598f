"""The proxy's rules for LoadBalancer addresses, as pure rendering (golden): an address:port goes the
NodePort's way, other traffic to it is dropped, and externalTrafficPolicy: Local sends outside clients
only to this node's endpoints, unmasqueraded, NodePort included; no local endpoint means drop."""
from __future__ import annotations

import dataclasses

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


# ---------------------------------------------------------------- loadBalancerSourceRanges

FIREWALLED = ServicePort("default", "web", "http", "tcp", "10.96.0.10", 80, node_port=30080,
                         endpoints=(Endpoint("10.244.1.2", 8080),), load_balancer_ips=("10.250.0.200",),
                         source_ranges=("10.250.0.0/25", "192.168.0.0/16"))

GOLDEN_FIREWALL_LINES = """\
add chain ip skiff firewall-check
add chain ip skiff fw-default/web/tcp/http
add map ip skiff firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }
add rule ip skiff filter-prerouting ct state new jump firewall-check
add rule ip skiff filter-prerouting ct state new jump endpoints-check
add rule ip skiff filter-output ct state new jump firewall-check
add rule ip skiff filter-output ct state new jump endpoints-check
add rule ip skiff firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip skiff fw-default/web/tcp/http ip saddr != { 10.250.0.0/25, 192.168.0.0/16 } drop
add element ip skiff firewall-ips { 10.250.0.200 . tcp . 80 : goto fw-default/web/tcp/http }
"""


def _firewall_lines(script: str) -> str:
    keep = ("firewall", "fw-", "filter-prerouting ", "filter-output ")
    return "".join(line + "\n" for line in script.splitlines()
                   if any(k in line for k in keep) and "add chain ip skiff filter-" not in line)


def test_source_ranges_drop_other_clients_before_the_endpoints_check_golden():
    assert _firewall_lines(transaction.script(render.render([FIREWALLED], NODE))) == GOLDEN_FIREWALL_LINES


def test_source_ranges_holding_the_node_address_let_the_node_reach_its_own_addresses():
    node = render.NodeNetwork("10.244.1.0/24", "10.96.0.0/16", node_ip="10.250.0.11")
    assert render.render([FIREWALLED], node).rules["fw-default/web/tcp/http"] == [
        "ip saddr != { 10.250.0.0/25, 10.250.0.200/32, 192.168.0.0/16 } drop"]
    # an address the ranges already hold is not listed twice (nft refuses overlapping intervals)
    whole = dataclasses.replace(FIREWALLED, source_ranges=("10.250.0.0/24",))
    assert render.render([whole], node).rules["fw-default/web/tcp/http"] == ["ip saddr != { 10.250.0.0/24 } drop"]
    outside = render.NodeNetwork("10.244.1.0/24", "10.96.0.0/16", node_ip="10.250.0.130")
    assert render.render([FIREWALLED], outside).rules["fw-default/web/tcp/http"] == [
        "ip saddr != { 10.250.0.0/25, 192.168.0.0/16 } drop"]


def test_source_ranges_without_an_ipv4_range_drop_every_client():
    v6_only = ServicePort("default", "web", "", "tcp", "10.96.0.10", 80, load_balancer_ips=("10.250.0.200",),
                          source_ranges=())
    assert render.render([v6_only], NODE).rules["fw-default/web/tcp/80"] == ["drop"]


def test_source_ranges_apply_without_endpoints_and_not_without_an_address():
    no_endpoints = ServicePort("default", "web", "", "tcp", "10.96.0.10", 80, load_balancer_ips=("10.250.0.200",),
                               source_ranges=("10.0.0.0/8",))
    assert "fw-default/web/tcp/80" in render.render([no_endpoints], NODE).chains
    pending = ServicePort("default", "web", "", "tcp", "10.96.0.10", 80, source_ranges=("10.0.0.0/8",))
    assert "firewall" not in transaction.script(render.render([pending], NODE))


def test_dropping_the_last_source_ranges_deletes_the_map_before_the_chains_it_points_at():
    unrestricted = ServicePort("default", "web", "http", "tcp", "10.96.0.10", 80, node_port=30080,
                               endpoints=FIREWALLED.endpoints, load_balancer_ips=("10.250.0.200",))
    lines = transaction.script(render.render([unrestricted], NODE), render.render([FIREWALLED], NODE)).splitlines()
    assert lines.index("delete map ip skiff firewall-ips") < lines.index("delete chain ip skiff fw-default/web/tcp/http")
    assert lines.index("flush chain ip skiff filter-prerouting") < lines.index("delete chain ip skiff firewall-check")


def _lb_service(annotations: str = "", ranges: str = "") -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default, annotations: {{{annotations}}}}}
spec: {{type: LoadBalancer, clusterIP: 10.96.0.10, ports: [{{port: 80, nodePort: 30080}}]{ranges}}}
status: {{loadBalancer: {{ingress: [{{ip: 10.250.0.200}}]}}}}
"""


def test_model_reads_source_ranges_from_the_field_before_the_annotation_merged_and_ipv4_only():
    key = "service.beta.kubernetes.io/load-balancer-source-ranges"
    field = from_yaml(_lb_service(f'"{key}": "172.16.0.0/12"',
                                  ', loadBalancerSourceRanges: [" 10.1.2.3/8", 10.250.0.0/24, "2001:db8::/64"]'))
    (sp,) = service_ports([field], {})
    assert sp.source_ranges == ("10.0.0.0/8",)
    (sp,) = service_ports([from_yaml(_lb_service(f'"{key}": " 172.16.0.0/12 , 192.168.1.0/24"'))], {})
    assert sp.source_ranges == ("172.16.0.0/12", "192.168.1.0/24")
    (sp,) = service_ports([from_yaml(_lb_service())], {})
    assert sp.source_ranges is None
