"""enableServiceLinks: the kubelet's docker-links env vars for the Services of the pod's namespace."""
from __future__ import annotations

from nodeagent import servicelinks
from tests.fixtures.objects import from_yaml


def service(name: str, namespace: str = "shop", ip: str = "10.96.0.11", ports: str = "[{port: 6379}]"):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {namespace}}}
spec: {{clusterIP: "{ip}", ports: {ports}}}
""")


def pod(extra: str = ""):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: shop}}
spec:
  {extra}
  containers: [{{name: app, image: busybox}}]
""")


def test_a_service_gives_the_kubelets_variables():
    env = servicelinks.service_env(pod(), [service("redis-primary", ports="[{name: db, port: 6379}]")])
    assert env == {
        "REDIS_PRIMARY_SERVICE_HOST": "10.96.0.11",
        "REDIS_PRIMARY_SERVICE_PORT": "6379",
        "REDIS_PRIMARY_SERVICE_PORT_DB": "6379",
        "REDIS_PRIMARY_PORT": "tcp://10.96.0.11:6379",
        "REDIS_PRIMARY_PORT_6379_TCP": "tcp://10.96.0.11:6379",
        "REDIS_PRIMARY_PORT_6379_TCP_PROTO": "tcp",
        "REDIS_PRIMARY_PORT_6379_TCP_PORT": "6379",
        "REDIS_PRIMARY_PORT_6379_TCP_ADDR": "10.96.0.11",
    }


def test_other_namespaces_headless_services_and_disabled_links_give_nothing_but_the_master():
    services = [service("web", "other"), service("db", ip="None"), service("kubernetes", "default", "10.96.0.1",
                                                                             "[{name: https, port: 443}]")]
    env = servicelinks.service_env(pod(), services)
    assert set(env) == {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_SERVICE_PORT_HTTPS",
                        "KUBERNETES_PORT", "KUBERNETES_PORT_443_TCP", "KUBERNETES_PORT_443_TCP_PROTO",
                        "KUBERNETES_PORT_443_TCP_PORT", "KUBERNETES_PORT_443_TCP_ADDR"}
    assert "REDIS_SERVICE_HOST" not in servicelinks.service_env(pod("enableServiceLinks: false"), [service("redis")])
