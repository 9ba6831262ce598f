"""healthCheckNodePort answers as kube-proxy's: which Services get one, how local endpoints are counted,
and the status, headers and body of the answer."""
from __future__ import annotations

import json

from nodeagent.proxy.healthcheck import HealthCheck, answer, health_checks
from tests.fixtures.objects import from_yaml


def _service(name: str, policy: str = "Local", port: int = 32000, type_: str = "LoadBalancer"):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec: {{type: {type_}, clusterIP: 10.96.0.10, externalTrafficPolicy: {policy}, healthCheckNodePort: {port},
       ports: [{{name: http, port: 80}}, {{name: https, port: 443}}]}}
""")


ENDPOINTS = from_yaml("""
apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: shop}
subsets:
- addresses: [{ip: 10.244.1.2, nodeName: host-1}, {ip: 10.244.1.3, nodeName: host-1}, {ip: 10.244.2.2, nodeName: host-2}]
  notReadyAddresses: [{ip: 10.244.1.9, nodeName: host-1}]
  ports: [{name: http, port: 8080}]
""")


def test_local_ready_endpoints_are_counted_per_node_not_ready_ones_left_out():
    services = [_service("web")]
    assert health_checks(services, {"shop/web": ENDPOINTS}, "host-1") == {32000: HealthCheck("shop", "web", 2)}
    assert health_checks(services, {"shop/web": ENDPOINTS}, "host-3") == {32000: HealthCheck("shop", "web", 0)}
    assert health_checks(services, {}, "host-1") == {32000: HealthCheck("shop", "web", 0)}


def test_only_local_policy_load_balancers_with_a_port_are_served():
    services = [_service("cluster", policy="Cluster"), _service("none", port=0),
                _service("np", type_="NodePort", port=0)]
    assert health_checks(services, {}, "host-1") == {}


def test_answer_is_200_with_local_endpoints_and_503_without():
    status, headers, body = answer(HealthCheck("shop", "web", 2), proxy_healthy=True)
    assert status == 200
    assert headers == {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff",
                       "X-Load-Balancing-Endpoint-Weight": "2"}
    assert json.loads(body) == {"service": {"namespace": "shop", "name": "web"}, "localEndpoints": 2,
                                "serviceProxyHealthy": True}
    assert answer(HealthCheck("shop", "web", 0), proxy_healthy=True)[0] == 503


def test_answer_is_503_while_the_proxy_rules_are_unknown():
    status, _, body = answer(HealthCheck("shop", "web", 2), proxy_healthy=False)
    assert status == 503 and json.loads(body)["serviceProxyHealthy"] is False
