"""The node agent with the fake runtime against a real API server: registration, lease, pod status,
restarts, deletion confirmation, adoption after an agent restart, and hollow nodes."""
from __future__ import annotations

import asyncio
import time

from api import errors
from nodeagent.hollow import HollowNodes
from nodeagent.runtime import base
from nodeagent.runtime.fake import FakeRuntime
from proto import types_pb2
from tests.fixtures.apiserver import admin_client, start_apiserver
from tests.fixtures.fake_runtime_agent import agent_config as config
from tests.fixtures.fake_runtime_agent import running_agent
from tests.fixtures.objects import from_yaml
from tests.fixtures.wait import eventually


def pod_yaml(name: str, node: str = "node-a", image: str = "busybox:latest", restart: str = "Always",
             grace: int = 30) -> types_pb2.Pod:
    return from_yaml(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: {node}
  restartPolicy: {restart}
  terminationGracePeriodSeconds: {grace}
  containers:
  - name: app
    image: {image}
    imagePullPolicy: IfNotPresent
""")


async def pod_status(client, name):
    return (await client.get("Pod", name)).status


async def test_agent_registers_node_with_capacity_addresses_labels_and_taints(client, tmp_path):
    cfg = config(client.server, tmp_path)
    async with running_agent(client, cfg, FakeRuntime()) as agent:
        node = await client.get("Node", "node-a")
        assert node.status.capacity["pods"] == "110"
        assert int(node.status.capacity["cpu"]) >= 1
        assert node.status.capacity["memory"].endswith("Ki")
        assert {(a.type, a.address) for a in node.status.addresses} == {("InternalIP", "127.0.0.1"),
                                                                      ("Hostname", "node-a")}
        assert node.status.daemon_endpoints.kubelet_endpoint.port == agent.cfg.listen_port > 0
        assert node.status.node_info.kubelet_version
        assert node.metadata.labels["kubernetes.io/hostname"] == "node-a"
        assert node.metadata.labels["zone"] == "a"
        assert [(t.key, t.value, t.effect) for t in node.spec.taints] == [("dedicated", "test", "NoSchedule")]
        async def ready():
            node = await client.get("Node", "node-a")
            conditions = {c.type: (c.status, c.reason) for c in node.status.conditions}
            return conditions if conditions["Ready"] == ("True", "KubeletReady") else None
        conditions = await eventually(ready, 5, what="node Ready")
        assert conditions["MemoryPressure"][0] == conditions["DiskPressure"][0] == \
            conditions["PIDPressure"][0] == "False"


async def test_agent_renews_its_lease(client, tmp_path):
    async with running_agent(client, config(client.server, tmp_path), FakeRuntime()):
        first = await eventually(lambda: _lease(client), 5, what="lease created")
        await eventually(lambda: _renewed_after(client, first.spec.renew_time), 5, what="lease renewed")
        assert first.spec.holder_identity == "node-a"
        assert first.metadata.owner_references[0].kind == "Node"


async def _lease(client):
    try:
        return await client.get("Lease", "node-a", "kube-node-lease")
    except errors.NotFound:
        return None


async def _renewed_after(client, stamp: str):
    lease = await _lease(client)
    return lease is not None and lease.spec.renew_time > stamp


async def test_pod_runs_and_status_is_written(client, tmp_path):
    runtime = FakeRuntime()
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(pod_yaml("web"))

        async def running():
            s = await pod_status(client, "web")
            return s if s.phase == "Running" else None
        status = await eventually(running, 10, what="pod Running")
        assert status.host_ip == "127.0.0.1"
        assert status.start_time
        assert status.container_statuses[0].state.running.started_at
        assert status.container_statuses[0].ready
        assert {c.type: c.status for c in status.conditions} == {
            "PodScheduled": "True", "Initialized": "True", "ContainersReady": "True", "Ready": "True"}
        labels = (await runtime.list({base.LABEL_POD_NAME: "web"}))[0].labels
        assert labels[base.LABEL_NODE] == "node-a"


async def test_crashing_container_restarts_with_backoff_and_crashloop_reason(client, tmp_path):
    runtime = FakeRuntime()
    runtime.exit_with("crasher:1", 1)
    runtime.images.add("crasher:1")
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(pod_yaml("crash", image="crasher:1"))

        async def looping():
            s = await pod_status(client, "crash")
            c = s.container_statuses[0] if s.container_statuses else None
            return c if c and c.restart_count >= 2 and c.state.waiting.reason == "CrashLoopBackOff" else None
        c = await eventually(looping, 15, what="CrashLoopBackOff after 2 restarts")
        assert c.last_state.terminated.exit_code == 1
        assert c.last_state.terminated.reason == "Error"
        assert (await pod_status(client, "crash")).phase == "Running"


async def test_restart_policy_never_ends_in_failed_and_succeeded(client, tmp_path):
    runtime = FakeRuntime()
    runtime.images.update({"fails:1", "works:1"})
    runtime.exit_with("fails:1", 3)
    runtime.exit_with("works:1", 0)
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(pod_yaml("bad", image="fails:1", restart="Never"))
        await client.create(pod_yaml("good", image="works:1", restart="Never"))
        await eventually(lambda: _phase_is(client, "bad", "Failed"), 10, what="bad Failed")
        await eventually(lambda: _phase_is(client, "good", "Succeeded"), 10, what="good Succeeded")
        bad = await pod_status(client, "bad")
        assert bad.container_statuses[0].state.terminated.exit_code == 3
        assert bad.container_statuses[0].restart_count == 0


async def _phase_is(client, name, phase):
    return (await pod_status(client, name)).phase == phase


async def test_missing_image_reports_err_image_pull_then_backoff(client, tmp_path):
    runtime = FakeRuntime()
    runtime.fail_pull("nothere:1", "pull access denied for nothere")
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(pod_yaml("nopull", image="nothere:1"))

        async def backoff():
            s = await pod_status(client, "nopull")
            w = s.container_statuses[0].state.waiting if s.container_statuses else None
            return w if w and w.reason == "ImagePullBackOff" else None
        waiting = await eventually(backoff, 10, what="ImagePullBackOff")
        assert "pull access denied" in waiting.message
        assert (await pod_status(client, "nopull")).phase == "Pending"


async def test_deleted_pod_is_stopped_removed_and_confirmed(client, tmp_path):
    runtime = FakeRuntime()
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(pod_yaml("bye"))
        await eventually(lambda: _phase_is(client, "bye", "Running"), 10, what="Running")
        _, gone = await client.delete("Pod", "bye")
        assert not gone  # marked: the agent must confirm

        async def deleted():
            try:
                await client.get("Pod", "bye")
                return False
            except errors.NotFound:
                return True
        await eventually(deleted, 10, what="pod deletion confirmed")
        assert await runtime.list({base.LABEL_POD_NAME: "bye"}) == []


async def test_restarted_agent_adopts_containers_and_removes_orphans(client, tmp_path):
    runtime = FakeRuntime()
    cfg = config(client.server, tmp_path)
    async with running_agent(client, cfg, runtime):
        await client.create(pod_yaml("keep"))
        await eventually(lambda: _phase_is(client, "keep", "Running"), 10, what="Running")
        before = {c.id for c in await runtime.list({base.LABEL_POD_NAME: "keep"})}
    # While the agent is away its pod disappears from the API; a stray container is left behind.
    await client.create(pod_yaml("stray"))
    await client.delete("Pod", "stray", grace_period=0)
    stray_id = await runtime.create(base.ContainerSpec(
        name="stray", image="busybox:latest", labels={base.LABEL_POD_UID: "gone-uid", base.LABEL_NODE: "node-a",
                                                      base.LABEL_CONTAINER_NAME: "app"}))
    await runtime.start(stray_id)
    async with running_agent(client, cfg, runtime) as agent:
        async def stray_removed():
            return not await runtime.list({base.LABEL_POD_UID: "gone-uid"})
        await eventually(stray_removed, 10, what="orphan removed")
        await eventually(lambda: agent.workers.workers and all(w.syncs for w in agent.workers.workers.values()),
                         5, what="workers synced")
        after = {c.id for c in await runtime.list({base.LABEL_POD_NAME: "keep"})}
        assert after == before
        status = await pod_status(client, "keep")
        assert status.container_statuses[0].restart_count == 0
        assert status.phase == "Running"


async def test_hollow_nodes_register_and_run_pods_from_one_informer(client, tmp_path):
    cfg = config(client.server, tmp_path, name="hollow", runtime="fake", hollow=3)
    nodes = HollowNodes(cfg, client, 3)
    try:
        await nodes.start()
        names = {n.metadata.name for n in (await client.list("Node")).items}
        assert {"hollow-0", "hollow-1", "hollow-2"} <= names
        for i in range(3):
            await client.create(pod_yaml(f"h{i}", node=f"hollow-{i}"))
        for i in range(3):
            await eventually(lambda i=i: _phase_is(client, f"h{i}", "Running"), 10, what=f"h{i} Running")
        async def leases():
            names = {lease.metadata.name for lease in (await client.list("Lease", "kube-node-lease")).items}
            return {"hollow-0", "hollow-1", "hollow-2"} <= names
        await eventually(leases, 5, what="a lease per hollow node")
        assert len(nodes.agents["hollow-1"].workers.workers) == 1
    finally:
        await nodes.stop()


async def test_pods_keep_running_while_the_api_server_is_down_and_the_agent_resyncs(etcd_server, tmp_path):
    server = await start_apiserver([etcd_server.endpoint])
    address = server.address
    runtime = FakeRuntime()
    async with admin_client(address, timeout=2) as client:
        try:
            async with running_agent(client, config(address, tmp_path), runtime) as agent:
                await client.create(pod_yaml("steady"))
                await eventually(lambda: _phase_is(client, "steady", "Running"), 10, what="Running")
                await server.stop(grace=0)
                calls, relists = len(runtime.calls), agent.pleg.relists
                await eventually(lambda: agent.pleg.relists >= relists + 10, 10, what="agent carries on")
                assert not [c for c in runtime.calls[calls:] if c[0] in ("stop", "remove")]
                assert all(c.state == "running" for c in await runtime.list({base.LABEL_POD_NAME: "steady"}))

                server = await start_apiserver([etcd_server.endpoint], address)

                async def deleted():
                    try:
                        await client.delete("Pod", "steady")
                        await client.get("Pod", "steady")
                        return False
                    except errors.NotFound:
                        return True
                    except errors.Unavailable:
                        return False  # still reconnecting
                await eventually(deleted, 20, 0.2, what="deletion confirmed after the API server came back")
                assert await runtime.list({base.LABEL_POD_NAME: "steady"}) == []
        finally:
            await server.stop(grace=0)


async def test_logs_and_exec_are_proxied_to_the_agent(client, tmp_path):
    from proto import api_pb2
    runtime = FakeRuntime()
    runtime.exec_handler = lambda info, command: base.ExecResult(exit_code=4, output=" ".join(command).encode())
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(pod_yaml("talk"))
        await eventually(lambda: _phase_is(client, "talk", "Running"), 10, what="Running")
        app = [c for c in await runtime.list({base.LABEL_POD_NAME: "talk"})
               if c.labels[base.LABEL_CONTAINER_NAME] == "app"][0]
        runtime.write_log(app.id, b"one\n")
        runtime.write_log(app.id, b"two\n")
        chunks = [c.data async for c in client.logs_stream(api_pb2.LogsRequest(namespace="default", name="talk",
                                                                                 tail_lines=-1))]
        assert b"".join(chunks) == b"one\ntwo\n"

        async def one_request():
            yield api_pb2.ExecRequest(namespace="default", name="talk", command=["echo", "hi"])
        responses = [r async for r in client.exec_stream(one_request())]
        assert b"".join(r.stdout for r in responses) == b"echo hi"
        assert responses[-1].exited and responses[-1].exit_code == 4



async def test_create_and_run_container_errors_retry_with_the_crash_backoff(client, tmp_path):
    runtime = FakeRuntime(images=("busybox:latest", "skiff/pause:latest", "nocmd:1", "badstart:1"))
    runtime.fail_create("nocmd:1")
    runtime.fail_start("badstart:1")
    attempts: list[float] = []
    create = runtime.create

    async def timed_create(spec):
        if spec.image == "nocmd:1":
            attempts.append(time.monotonic())
        return await create(spec)
    runtime.create = timed_create
    cfg = config(client.server, tmp_path, restart_backoff_base=1.0, restart_backoff_max=8.0)
    async with running_agent(client, cfg, runtime):
        await client.create(pod_yaml("nocmd", image="nocmd:1"))
        await client.create(pod_yaml("badstart", image="badstart:1"))

        async def reasons():
            found = {}
            for name in ("nocmd", "badstart"):
                s = await pod_status(client, name)
                if s.container_statuses and s.container_statuses[0].state.waiting.reason:
                    found[name] = s.container_statuses[0].state.waiting.reason
            return found if len(found) == 2 else None
        assert await eventually(reasons, 10, what="both pods waiting") == {
            "nocmd": "CreateContainerError", "badstart": "RunContainerError"}
        await eventually(lambda: len(attempts) >= 3, 15, what="two retries of the create")
    # Waits of 1 s then 2 s (the crash backoff), where the old fixed retry came back within about a second each time.
    assert attempts[2] - attempts[0] >= 2.5


async def test_deleted_node_is_registered_again_within_a_status_period(client, tmp_path):
    async with running_agent(client, config(client.server, tmp_path), FakeRuntime()):
        first = await client.get("Node", "node-a")
        await eventually(lambda: _lease(client), 5, what="lease created")
        await client.delete("Node", "node-a")

        async def registered_again():
            try:
                node = await client.get("Node", "node-a")
            except errors.NotFound:
                return None
            return node if node.metadata.uid != first.metadata.uid else None
        again = await eventually(registered_again, 5, what="node registered again")
        assert again.metadata.labels["zone"] == "a"

        async def lease_follows():
            lease = await _lease(client)
            return lease is not None and [o.uid for o in lease.metadata.owner_references] == [again.metadata.uid]
        await eventually(lease_follows, 5, what="lease owned by the new Node")


async def test_active_deadline_fails_the_pod_with_deadline_exceeded(client, tmp_path):
    runtime = FakeRuntime()
    # a resync far beyond the wait: the pod must fail by the wake its deadline set, not by a periodic look
    async with running_agent(client, config(client.server, tmp_path, pod_resync_period=300), runtime):
        pod = pod_yaml("limited")
        pod.spec.active_deadline_seconds = 1
        await client.create(pod)

        async def failed():
            s = await pod_status(client, "limited")
            return s if s.phase == "Failed" else None
        s = await eventually(failed, 10, what="pod Failed by its deadline")
        assert (s.reason, s.message) == ("DeadlineExceeded",
                                         "Pod was active on the node longer than the specified deadline")
        assert all(c.state != "running" for c in await runtime.list({base.LABEL_POD_NAME: "limited"}))


async def test_the_app_starts_behind_a_started_sidecar_but_waits_for_one_that_cannot_start(client, tmp_path):
    runtime = FakeRuntime(images=("busybox:latest", "skiff/pause:latest", "badstart:1"))
    runtime.fail_start("badstart:1")
    manifest = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  nodeName: node-a
  initContainers: [{{name: shipper, image: {image}, imagePullPolicy: IfNotPresent, restartPolicy: Always}}]
  containers: [{{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent}}]
"""
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(from_yaml(manifest.format(name="good", image="busybox:latest")))
        await client.create(from_yaml(manifest.format(name="bad", image="badstart:1")))

        async def running():
            return (await pod_status(client, "good")).phase == "Running"
        await eventually(running, 10, what="good Running")

        async def refused():
            s = await pod_status(client, "bad")
            return s.init_container_statuses and s.init_container_statuses[0].state.waiting.reason == \
                "RunContainerError"
        await eventually(refused, 10, what="the sidecar's start refused")
        apps = [c for c in await runtime.list({base.LABEL_POD_NAME: "bad"})
                if c.labels[base.LABEL_CONTAINER_NAME] == "app"]
        assert apps == [] and (await pod_status(client, "bad")).phase == "Pending"


class _HeldSidecarStart(FakeRuntime):
    """Docker's start of the sidecar `shipper` held until the test lets it go; the containers that start
    (the sandbox aside) are recorded."""

    def __init__(self):
        super().__init__()
        self.release = asyncio.Event()
        self.started: list[str] = []  # container names, in the order their start returned

    async def start(self, container_id: str) -> None:
        name = self.spec_of(container_id).labels[base.LABEL_CONTAINER_NAME]
        if name == "shipper":
            await self.release.wait()
        await super().start(container_id)
        if name != base.SANDBOX_NAME:
            self.started.append(name)


async def test_the_app_is_created_while_its_sidecar_starts_and_started_only_once_the_sidecar_has(client, tmp_path):
    runtime = _HeldSidecarStart()
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: piped, namespace: default}
spec:
  nodeName: node-a
  initContainers: [{name: shipper, image: busybox:latest, imagePullPolicy: IfNotPresent, restartPolicy: Always}]
  containers: [{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent}]
"""
    async with running_agent(client, config(client.server, tmp_path), runtime):
        await client.create(from_yaml(manifest))

        def app_created():
            return any(verb == "create" and "_app_piped_" in name for verb, name in runtime.calls)
        await eventually(app_created, 10, what="the app created while the sidecar's start is held")
        assert runtime.started == []  # neither the sidecar, nor the app before it

        runtime.release.set()

        async def running():
            return (await pod_status(client, "piped")).phase == "Running"
        await eventually(running, 10, what="piped Running")
        assert runtime.started == ["shipper", "app"]
