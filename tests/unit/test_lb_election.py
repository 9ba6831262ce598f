"""Which node announces each load-balancer address, as a pure function: one Ready node per Service,
the same answer from every node's inputs, moving only a lost node's addresses; Local policy restricted
to nodes with a ready endpoint; other classes ignored. Plus the gratuitous ARP frame's bytes."""
from __future__ import annotations

from nodeagent.loadbalancer.addresses import garp_frame
from nodeagent.loadbalancer.election import choose
from tests.fixtures.objects import from_yaml
from tests.fixtures.objects import node as node_object


def lb(name, ip, extra=""):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: default}}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.{10 + int(ip.rsplit('.', 1)[1]) % 200}
  ports: [{{port: 80}}]
{extra}
status: {{loadBalancer: {{ingress: [{{ip: {ip}}}]}}}}
""")


def endpoints_on(name, *nodes):
    addresses = ", ".join(f"{{ip: 10.244.{i}.2, nodeName: {n}}}" for i, n in enumerate(nodes))
    return from_yaml(f"""
apiVersion: v1
kind: Endpoints
metadata: {{name: {name}, namespace: default}}
subsets: [{{addresses: [{addresses}], ports: [{{port: 8080}}]}}]
""")


NODES = [node_object(f"host-{i}") for i in range(1, 4)]
SERVICES = [lb(f"svc-{i}", f"10.250.0.{200 + i}") for i in range(12)]


def test_each_address_gets_exactly_one_ready_node_and_every_node_agrees():
    first = choose(SERVICES, NODES, {})
    assert sorted(a.ip for a in first) == sorted(f"10.250.0.{200 + i}" for i in range(12))
    assert choose(list(reversed(SERVICES)), list(reversed(NODES)), {}) == first
    assert len({a.node for a in first}) > 1  # spread over the nodes, not all on one


def test_a_not_ready_node_loses_only_its_own_addresses():
    before = {a.ip: a.node for a in choose(SERVICES, NODES, {})}
    lost = before["10.250.0.200"]
    nodes = [node_object(n.metadata.name, ready=n.metadata.name != lost) for n in NODES]
    after = {a.ip: a.node for a in choose(SERVICES, nodes, {})}
    assert lost not in after.values()
    assert {ip: n for ip, n in before.items() if n != lost} == {ip: n for ip, n in after.items() if before[ip] != lost}


def test_no_ready_node_means_no_announcement():
    assert choose(SERVICES, [node_object("host-1", ready=False)], {}) == []


def test_local_policy_announces_only_from_a_node_with_a_ready_endpoint():
    svc = lb("web", "10.250.0.210", "  externalTrafficPolicy: Local")
    for holder in ("host-1", "host-2", "host-3"):
        (a,) = choose([svc], NODES, {"default/web": endpoints_on("web", holder)})
        assert a.node == holder
    assert choose([svc], NODES, {}) == []


def test_services_of_another_class_or_without_address_are_not_announced():
    other = lb("theirs", "10.250.0.220", "  loadBalancerClass: example.com/other")
    pending = from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: pending, namespace: default}
spec: {type: LoadBalancer, clusterIP: 10.96.0.9, ports: [{port: 80}]}
""")
    assert choose([other, pending], NODES, {}) == []


def test_gratuitous_arp_announces_the_address_as_its_own_sender_and_target():
    mac = bytes.fromhex("020000000001")
    frame = garp_frame(mac, "10.250.0.200")
    assert frame[:6] == b"\xff" * 6 and frame[6:12] == mac and frame[12:14] == b"\x08\x06"
    arp = frame[14:]
    assert arp[:8] == bytes.fromhex("0001080006040001")  # Ethernet, IPv4, request
    assert arp[8:14] == mac and arp[14:18] == bytes([10, 250, 0, 200]) and arp[24:28] == bytes([10, 250, 0, 200])
