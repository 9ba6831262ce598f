"""The API server to agent link: only the node sets where its agent is, the API server dials it over TLS
checking the certificate names that node, and an agent answers only the API server."""
from __future__ import annotations

import grpc
import pytest

from api import errors
from api.credentials import Credentials
from nodeagent.runtime.fake import FakeRuntime
from proto import agent_pb2_grpc, api_pb2
from tests.fixtures.apiserver import client_as
from tests.fixtures.fake_runtime_agent import agent_config, running_agent
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually


def _pod(name: str, node: str):
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: {node}
  containers: [{{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent}}]
""")


async def _running(client, name):
    return (await client.get("Pod", name)).status.phase == "Running"


async def _exec(client, name: str):
    first = api_pb2.ExecRequest(namespace="default", name=name, command=["hostname"])
    try:
        return [r async for r in client.exec_stream([first])]
    except grpc.aio.AioRpcError as e:
        raise errors.from_rpc_error(e) from None


async def test_only_the_node_may_set_where_its_agent_listens(apiserver_running, client, pki, tmp_path):
    async with running_agent(client, agent_config(client.server, tmp_path, "n1", status_update_interval=60),
                             FakeRuntime()):
        await eventually(lambda: _address_of(client, "n1"), 10, what="n1 registered with its address")
    # Someone with every right but not the node (cluster-admin by a binding, not system:masters).
    await client.create(from_yaml("""
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mallory-admin}
subjects: [{kind: User, name: mallory}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
"""))
    pki.user("mallory")
    async with client_as(apiserver_running.address, "users/mallory") as mallory:
        async def refused():
            n = await mallory.get("Node", "n1")
            n.status.addresses[0].address = "127.0.0.66"
            try:
                await mallory.update_status(n)
            except errors.Forbidden as e:
                return e
        refusal = await eventually(refused, 10, what="mallory's binding in effect, and her write refused")
        assert 'only node "n1" may set status.addresses and status.daemonEndpoints' in refusal.message
    assert await _address_of(client, "n1") == "127.0.0.1"


async def test_the_api_server_refuses_an_agent_whose_certificate_names_another_node(client, tmp_path):
    rt1, rt2 = FakeRuntime(), FakeRuntime()
    async with running_agent(client, agent_config(client.server, tmp_path, "n1", status_update_interval=60), rt1), \
            running_agent(client, agent_config(client.server, tmp_path, "n2", status_update_interval=60), rt2) as a2:
        await client.create(_pod("on-n1", "n1"))
        await eventually(lambda: _running(client, "on-n1"), 10)
        assert await _exec(client, "on-n1")  # through n1's agent
        # An administrator's mistake (or an attacker with masters) points n1 at n2's agent: no answer.
        n1 = await client.get("Node", "n1")
        n1.status.daemon_endpoints.kubelet_endpoint.port = a2.cfg.listen_port
        await client.update_status(n1)

        async def refused():
            try:
                await _exec(client, "on-n1")
            except errors.Unavailable as e:
                return e
        await eventually(refused, 10, what="exec refused once n1 points at n2's agent")


async def test_an_agent_answers_only_the_api_servers_certificate(client, pki, tmp_path):
    async with running_agent(client, agent_config(client.server, tmp_path, "n1"), FakeRuntime()) as agent:
        address = f"127.0.0.1:{agent.cfg.listen_port}"
        request = api_pb2.LogsRequest(namespace="default", name="any")
        # Another node's certificate is of the cluster CA, but it is not the API server's.
        n2 = pki.credentials(pki.node("n2"))
        async with grpc.aio.secure_channel(address, n2.channel_credentials(),
                                           options=[("grpc.ssl_target_name_override", "n1")]) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as e:
                async for _ in agent_pb2_grpc.AgentStub(channel).Logs(request):
                    pass
            assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
        # Without a certificate, TLS itself refuses.
        anonymous = Credentials(pki.ca.cert_pem)
        async with grpc.aio.secure_channel(address, anonymous.channel_credentials(),
                                           options=[("grpc.ssl_target_name_override", "n1")]) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as e:
                async for _ in agent_pb2_grpc.AgentStub(channel).Logs(request, timeout=3):
                    pass
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE


async def _address_of(client, name):
    try:
        node = await client.get("Node", name)
    except errors.NotFound:
        return None
    return next((a.address for a in node.status.addresses if a.type == "InternalIP"), None)
