"""The ruleset renderer as a pure function, checked as text (golden) without the kernel: the whole table
for a NodePort Service with two endpoints and one without any, a single endpoint, ClientIP affinity."""
from __future__ import annotations

from nodeagent.proxy import render, transaction
from nodeagent.proxy.model import Endpoint, ServicePort, host_ports
from tests.fixtures.objects import from_yaml

NODE = render.NodeNetwork(pod_cidr="10.244.1.0/24", service_cidr="10.96.0.0/16")
WEB = ServicePort("default", "web", "http", "tcp", "10.96.0.10", 80, node_port=30080,
                  endpoints=(Endpoint("10.244.1.2", 8080), Endpoint("10.244.2.3", 8080)))
DNS = ServicePort("default", "dns", "", "udp", "10.96.0.12", 53, node_port=30053)  # no endpoints

GOLDEN_FIRST_SYNC = """\
add table ip skiff
delete table ip skiff
add table ip skiff
add chain ip skiff filter-prerouting { type filter hook prerouting priority -110 ; policy accept ; }
add chain ip skiff filter-output { type filter hook output priority -110 ; policy accept ; }
add chain ip skiff filter-forward { type filter hook forward priority -110 ; policy accept ; }
add chain ip skiff filter-output-post-dnat { type filter hook output priority -90 ; policy accept ; }
add chain ip skiff nat-prerouting { type nat hook prerouting priority -100 ; policy accept ; }
add chain ip skiff nat-output { type nat hook output priority -100 ; policy accept ; }
add chain ip skiff nat-postrouting { type nat hook postrouting priority 100 ; policy accept ; }
add chain ip skiff services
add chain ip skiff endpoints-check
add chain ip skiff cluster-ips-check
add chain ip skiff reject-chain
add chain ip skiff mark-for-masquerade
add chain ip skiff masquerading
add chain ip skiff hostports
add chain ip skiff svc-default/web/tcp/http
add chain ip skiff ext-default/web/tcp/http
add chain ip skiff ep-default/web/tcp/http__10.244.1.2/8080
add chain ip skiff ep-default/web/tcp/http__10.244.2.3/8080
add set ip skiff cluster-ips { type ipv4_addr ; }
add map ip skiff service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }
add map ip skiff service-nodeports { type inet_proto . inet_service : verdict ; }
add map ip skiff no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; }
add map ip skiff no-endpoint-nodeports { type inet_proto . inet_service : verdict ; }
add rule ip skiff filter-prerouting ct state new jump endpoints-check
add rule ip skiff filter-output ct state new jump endpoints-check
add rule ip skiff filter-forward ct state new jump cluster-ips-check
add rule ip skiff filter-output-post-dnat ct state new jump cluster-ips-check
add rule ip skiff nat-prerouting jump hostports
add rule ip skiff nat-prerouting jump services
add rule ip skiff nat-output jump hostports
add rule ip skiff nat-output jump services
add rule ip skiff nat-postrouting jump masquerading
add rule ip skiff services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip skiff services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
add rule ip skiff endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add rule ip skiff endpoints-check fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip skiff cluster-ips-check ip daddr @cluster-ips reject
add rule ip skiff cluster-ips-check ip daddr 10.96.0.0/16 drop
add rule ip skiff reject-chain meta l4proto tcp reject with tcp reset
add rule ip skiff reject-chain reject
add rule ip skiff mark-for-masquerade meta mark set meta mark or 0x4000
add rule ip skiff masquerading meta mark & 0x4000 == 0 return
add rule ip skiff masquerading meta mark set meta mark xor 0x4000
add rule ip skiff masquerading masquerade fully-random
add rule ip skiff svc-default/web/tcp/http ip saddr != 10.244.1.0/24 jump mark-for-masquerade
add rule ip skiff svc-default/web/tcp/http numgen random mod 2 vmap { 0 : goto ep-default/web/tcp/http__10.244.1.2/8080 , 1 : goto ep-default/web/tcp/http__10.244.2.3/8080 }
add rule ip skiff ext-default/web/tcp/http jump mark-for-masquerade
add rule ip skiff ext-default/web/tcp/http goto svc-default/web/tcp/http
add rule ip skiff ep-default/web/tcp/http__10.244.1.2/8080 ip saddr 10.244.1.2 jump mark-for-masquerade
add rule ip skiff ep-default/web/tcp/http__10.244.1.2/8080 meta l4proto tcp dnat to 10.244.1.2:8080
add rule ip skiff ep-default/web/tcp/http__10.244.2.3/8080 ip saddr 10.244.2.3 jump mark-for-masquerade
add rule ip skiff ep-default/web/tcp/http__10.244.2.3/8080 meta l4proto tcp dnat to 10.244.2.3:8080
add element ip skiff service-ips { 10.96.0.10 . tcp . 80 : goto svc-default/web/tcp/http }
add element ip skiff service-nodeports { tcp . 30080 : goto ext-default/web/tcp/http }
add element ip skiff no-endpoint-services { 10.96.0.12 . udp . 53 : goto reject-chain }
add element ip skiff no-endpoint-nodeports { udp . 30053 : goto reject-chain }
add element ip skiff cluster-ips { 10.96.0.10 }
add element ip skiff cluster-ips { 10.96.0.12 }
"""


def test_first_sync_rebuilds_the_whole_table_golden():
    assert transaction.script(render.render([WEB, DNS], NODE)) == GOLDEN_FIRST_SYNC


def test_single_endpoint_needs_no_random_choice():
    one = ServicePort("default", "one", "", "tcp", "10.96.0.20", 80, endpoints=(Endpoint("10.244.1.5", 80),))
    rules = render.render([one], NODE).rules
    assert rules["svc-default/one/tcp/80"][-1] == "goto ep-default/one/tcp/80__10.244.1.5/80"
    assert not any("numgen" in r for chain in rules.values() for r in chain)


def test_client_ip_affinity_pins_through_one_timed_set_per_endpoint():
    sticky = ServicePort("default", "web", "http", "tcp", "10.96.0.10", 80, affinity_seconds=600,
                         endpoints=(Endpoint("10.244.1.2", 8080), Endpoint("10.244.2.3", 8080)))
    rs = render.render([sticky], NODE)
    aff = "aff-default/web/tcp/http__10.244.1.2/8080"
    assert rs.sets[aff] == "{ type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }"
    svc_rules = rs.rules["svc-default/web/tcp/http"]
    # pinned clients go straight to their endpoint, before the random choice
    assert svc_rules[1] == f"ip saddr @{aff} goto ep-default/web/tcp/http__10.244.1.2/8080"
    assert svc_rules[-1].startswith("numgen random mod 2 vmap")
    assert rs.rules["ep-default/web/tcp/http__10.244.1.2/8080"] == [
        "ip saddr 10.244.1.2 jump mark-for-masquerade", f"update @{aff} {{ ip saddr }}",
        "meta l4proto tcp dnat to 10.244.1.2:8080"]


def test_host_ports_are_dnated_from_the_node_ip_to_the_pod():
    pod = from_yaml("""
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers:
  - name: app
    image: busybox
    ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 53, hostPort: 5353, protocol: UDP},
            {containerPort: 9000}]
status: {phase: Running, podIP: 10.244.1.7}
""")
    published = host_ports([pod], "10.250.0.11")
    assert [(h.host_ip, h.protocol, h.port, h.pod_ip, h.container_port) for h in published] == [
        ("10.250.0.11", "tcp", 8080, "10.244.1.7", 80), ("10.250.0.11", "udp", 5353, "10.244.1.7", 53)]
    rs = render.render([], NODE, published)
    assert rs.rules["hostports"][0] == "ip daddr 10.250.0.11 meta l4proto tcp th dport 8080 goto hp-tcp/10.250.0.11/8080"
    assert rs.rules["hp-tcp/10.250.0.11/8080"] == ["ip saddr 10.244.1.7 jump mark-for-masquerade",
                                                   "meta l4proto tcp dnat to 10.244.1.7:80"]


def test_pods_traffic_leaving_the_cluster_network_is_masqueraded_so_replies_come_back():
    # a pod calling the API server (kubernetes.default, DNATed to a node address) or another node
    node = render.NodeNetwork("10.244.1.0/24", "10.96.0.0/16", cluster_cidr="10.244.0.0/16")
    rules = render.render([WEB], node).rules["masquerading"]
    assert rules[0] == "ip saddr 10.244.1.0/24 ip daddr != 10.244.0.0/16 masquerade fully-random"
    assert rules[1:] == render.render([WEB], NODE).rules["masquerading"]  # the Services' own rules unchanged
