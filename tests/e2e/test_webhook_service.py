"""A ValidatingWebhookConfiguration naming a Service: the API server, which cannot route to pod addresses,
reaches the webhook in a Docker pod on a netns host through that node's agent (the port-forward relay), and
the webhook's denial refuses the write in Kubernetes' words."""
from __future__ import annotations

import socket

from api import errors
from nodeagent.containers import instances
from nodeagent.network import netns
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually
from tests.fixtures.webhook_server import webhook_server

HOOK_POD = """
apiVersion: v1
kind: Pod
metadata: {name: hook, labels: {app: hook}}
spec:
  containers:
  - {name: main, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
"""


def running(pod) -> bool:
    return pod.status.phase == "Running" and all(c.ready for c in pod.status.container_statuses)


def _listening_in(ns_path: str) -> socket.socket:
    """A socket on 127.0.0.1:8443 inside the pod's network namespace (where the agent dials a port-forward)."""
    with netns.entered(ns_path):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 8443))
    sock.listen(16)
    return sock


async def test_a_service_webhook_in_a_pod_is_called_through_its_nodes_agent(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod(HOOK_POD, host)
    pod = await agent_cluster.wait_pod("hook", running, 60, "the webhook pod Running")
    sandbox = next(c for c in instances(await agent_cluster.containers("hook"), "POD") if c.state == "running")
    sock = _listening_in(netns.pid_ns(sandbox.pid))

    def decide(request):
        if request["name"] == "bad":
            return {"allowed": False, "status": {"message": "no bad configmaps"}}
        return {"allowed": True}
    client = agent_cluster.client
    async with webhook_server(decide, sock=sock) as server:
        await client.create(from_yaml("""apiVersion: v1
kind: Service
metadata: {name: webhook, namespace: default}
spec: {ports: [{name: https, port: 443, targetPort: 8443}]}
"""))
        await client.create(from_yaml(f"""apiVersion: v1
kind: Endpoints
metadata: {{name: webhook, namespace: default}}
subsets:
- addresses: [{{ip: "{pod.status.pod_ip}", targetRef: {{kind: Pod, namespace: default, name: hook}}}}]
  ports: [{{name: https, port: 8443}}]
"""))
        await client.create(from_yaml(f"""apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {{name: in-cluster}}
webhooks:
- name: in-cluster.example.com
  clientConfig:
    service: {{namespace: default, name: webhook, path: /validate}}
    caBundle: "{server.ca_bundle}"
  rules: [{{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}}]
  sideEffects: None
  admissionReviewVersions: [v1]
"""))

        async def denied():
            try:
                await client.create(from_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\n"))
            except errors.ApiError as e:
                return e
            await client.delete("ConfigMap", "bad", "default")
            return None
        refusal = await eventually(denied, timeout=30, what="the webhook in the pod to deny")
        assert refusal.message == 'admission webhook "in-cluster.example.com" denied the request: no bad configmaps'
        assert server.reviews and server.reviews[-1]["request"]["name"] == "bad"
