"""From Services and Endpoints to the proxied ports: ClusterIP and NodePort, ready endpoints matched by
port name and protocol, affinity timeouts, headless Services skipped."""
from __future__ import annotations

from nodeagent.proxy.model import Endpoint, ServicePort, service_ports
from tests.fixtures.objects import from_yaml


def svc(extra_spec="", ports="[{name: http, port: 80, targetPort: 8080, protocol: TCP}]", cluster_ip="10.96.0.10"):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: default}}
spec:
  clusterIP: {cluster_ip}
  ports: {ports}
{extra_spec}
""")


def endpoints(text):
    return {"default/web": from_yaml(f"apiVersion: v1\nkind: Endpoints\nmetadata: {{name: web, namespace: default}}\n{text}")}


def test_ready_endpoints_of_the_matching_port_sorted_by_address():
    eps = endpoints("""subsets:
- addresses: [{ip: 10.244.2.3}, {ip: 10.244.10.1}]
  notReadyAddresses: [{ip: 10.244.1.9}]
  ports: [{name: http, port: 8080, protocol: TCP}, {name: other, port: 9, protocol: TCP}]
- addresses: [{ip: 10.244.1.4}]
  ports: [{name: http, port: 8081, protocol: TCP}]
""")
    [port] = service_ports([svc()], eps)
    assert port == ServicePort("default", "web", "http", "tcp", "10.96.0.10", 80, 0, 0,
                               (Endpoint("10.244.1.4", 8081), Endpoint("10.244.2.3", 8080),
                                Endpoint("10.244.10.1", 8080)))
    assert port.id == "default/web/tcp/http"


def test_node_port_only_for_node_port_services_and_affinity_timeout():
    spec = "  type: NodePort\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}"
    ports = "[{name: http, port: 80, nodePort: 30080, protocol: TCP}, {name: dns, port: 53, protocol: UDP, nodePort: 30053}]"
    result = {p.port_name: p for p in service_ports([svc(spec, ports)], {})}
    assert (result["http"].node_port, result["http"].protocol, result["http"].affinity_seconds) == (30080, "tcp", 60)
    assert (result["dns"].node_port, result["dns"].protocol, result["dns"].endpoints) == (30053, "udp", ())
    cluster = service_ports([svc("  type: ClusterIP", "[{name: http, port: 80, nodePort: 30080}]")], {})
    assert cluster[0].node_port == 0


def test_endpoint_ports_must_match_the_protocol():
    ports = "[{name: dns, port: 53, protocol: UDP}]"
    eps = endpoints("subsets: [{addresses: [{ip: 10.244.1.2}], ports: [{name: dns, port: 53, protocol: TCP}]}]")
    assert service_ports([svc(ports=ports)], eps)[0].endpoints == ()


def test_headless_and_sctp_ports_are_not_proxied():
    assert service_ports([svc(cluster_ip="None")], {}) == []
    assert service_ports([svc(ports="[{name: s, port: 80, protocol: SCTP}]")], {}) == []
