"""The agent with real docker and network namespaces: pods made real, restarted, limited and stopped."""
from __future__ import annotations

import asyncio

from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.agent_pods import exec_in, running


async def test_two_containers_share_localhost_and_an_empty_dir(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: duo}
spec:
  volumes: [{name: shared, emptyDir: {}}]
  containers:
  - name: server
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "echo from-server > /data/note; echo hello-over-localhost > /tmp/i; exec nc -ll -p 8080 -e cat /tmp/i"]
    volumeMounts: [{name: shared, mountPath: /data}]
  - name: client
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "3600"]
    volumeMounts: [{name: shared, mountPath: /shared}]
""", host)
    pod = await agent_cluster.wait_pod("duo", running, 60, "duo Running")
    assert pod.status.pod_ip.startswith("10.244.1.")
    assert pod.status.host_ip == host.node_ip

    async def served():
        result = await exec_in(agent_cluster, "duo", "client", ["nc", "127.0.0.1", "8080"])
        return b"hello-over-localhost" in result.output
    from tests.fixtures.wait import eventually
    await eventually(served, 10, 0.2, "server reachable over localhost")
    note = await exec_in(agent_cluster, "duo", "client", ["cat", "/shared/note"])
    assert note.output.strip() == b"from-server"
    addr = await exec_in(agent_cluster, "duo", "client", ["ip", "-4", "addr", "show", "eth0"])
    assert pod.status.pod_ip.encode() in addr.output

    volume_dir = agent_cluster.tmp_path / host.name / "pods" / pod.metadata.uid
    assert volume_dir.exists()
    await agent_cluster.client.delete("Pod", "duo", grace_period=1)
    await agent_cluster.wait_gone("duo", 30)
    assert not volume_dir.exists()
    assert await agent_cluster.containers("duo") == []


async def test_init_containers_run_in_order_before_the_app(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: inits}
spec:
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - {name: first, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sh, -c, "echo one >> /w/log"],
     volumeMounts: [{name: work, mountPath: /w}]}
  - {name: second, image: busybox:latest, imagePullPolicy: IfNotPresent,
     command: [sh, -c, "grep -q one /w/log && echo two >> /w/log"], volumeMounts: [{name: work, mountPath: /w}]}
  containers:
  - {name: app, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sh, -c, "echo app >> /w/log; sleep 3600"],
     volumeMounts: [{name: work, mountPath: /w}]}
""", host)
    pod = await agent_cluster.wait_pod("inits", running, 60, "inits Running")
    log = await exec_in(agent_cluster, "inits", "app", ["cat", "/w/log"])
    assert log.output.split() == [b"one", b"two", b"app"]
    assert [s.state.terminated.reason for s in pod.status.init_container_statuses] == ["Completed", "Completed"]
    assert {c.type: c.status for c in pod.status.conditions}["Initialized"] == "True"


async def test_env_values_and_field_refs_reach_the_container(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: envy, labels: {tier: web}}
spec:
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "3600"]
    env:
    - {name: GREETING, value: hello}
    - {name: COMPOSED, value: "$(GREETING)-world"}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
""", host)
    pod = await agent_cluster.wait_pod("envy", running, 60, "envy Running")
    env = dict(line.split("=", 1) for line in
               (await exec_in(agent_cluster, "envy", "app", ["env"])).output.decode().splitlines() if "=" in line)
    assert env["GREETING"] == "hello"
    assert env["COMPOSED"] == "hello-world"
    assert env["POD_NAME"] == "envy"
    assert env["POD_NAMESPACE"] == "default"
    assert env["POD_IP"] == pod.status.pod_ip
    assert env["NODE"] == host.name
    assert env["TIER"] == "web"


async def test_exiting_container_restarts_with_growing_backoff(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host, restart_backoff_base=0.5, restart_backoff_max=4.0)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  containers: [{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sh, -c, "exit 2"]}]
""", host)
    loop = asyncio.get_running_loop()
    seen: dict[int, float] = {}
    reasons: set[str] = set()

    def progressed(pod):
        if pod.status.container_statuses:
            c = pod.status.container_statuses[0]
            seen.setdefault(c.restart_count, loop.time())
            reasons.add(c.state.waiting.reason)
            return c.restart_count >= 4
        return False
    pod = await agent_cluster.wait_pod("crashy", progressed, 60, "4 restarts")
    gaps = [seen[i + 1] - seen[i] for i in range(1, 4) if i in seen and i + 1 in seen]
    assert gaps and gaps[-1] > 1.5 and gaps[-1] > gaps[0], f"restart gaps should grow: {gaps}"
    assert "CrashLoopBackOff" in reasons
    c = pod.status.container_statuses[0]
    assert c.last_state.terminated.exit_code == 2
    assert pod.status.phase == "Running"


async def test_restart_policy_never_ends_in_succeeded_or_failed(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    for name, code in (("ok", 0), ("ko", 3)):
        await agent_cluster.create_pod(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: Never
  containers: [{{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sh, -c, "exit {code}"]}}]
""", host)
    ok = await agent_cluster.wait_pod("ok", lambda p: p.status.phase == "Succeeded", 60, "ok Succeeded")
    ko = await agent_cluster.wait_pod("ko", lambda p: p.status.phase == "Failed", 60, "ko Failed")
    assert ok.status.container_statuses[0].state.terminated.reason == "Completed"
    assert ko.status.container_statuses[0].state.terminated.exit_code == 3
    assert ko.status.container_statuses[0].restart_count == 0

    async def sandboxes_stopped():  # finished pods give their sandbox and address back
        found = await agent_cluster.containers("ok") + await agent_cluster.containers("ko")
        return found and all(c.state != "running" for c in found)
    from tests.fixtures.wait import eventually
    await eventually(sandboxes_stopped, 10, 0.1, "sandboxes of finished pods stopped")


async def test_memory_limit_is_enforced_with_oomkilled(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [dd, if=/dev/zero, of=/dev/null, bs=128M, count=1]
    resources: {limits: {memory: 16Mi, cpu: 500m}, requests: {cpu: 100m}}
""", host)
    pod = await agent_cluster.wait_pod("hog", lambda p: p.status.phase == "Failed", 60, "hog Failed")
    assert pod.status.container_statuses[0].state.terminated.reason == "OOMKilled"


async def test_graceful_termination_runs_prestop_and_respects_the_grace_period(agent_cluster, tmp_path):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    marks = tmp_path / "marks"
    marks.mkdir()
    await agent_cluster.create_pod(f"""
apiVersion: v1
kind: Pod
metadata: {{name: slow}}
spec:
  terminationGracePeriodSeconds: 3
  volumes: [{{name: marks, hostPath: {{path: {marks}}}}}]
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "trap '' TERM; while true; do sleep 0.2; done"]
    volumeMounts: [{{name: marks, mountPath: /marks}}]
    lifecycle: {{preStop: {{exec: {{command: [touch, /marks/prestop]}}}}}}
""", host)
    await agent_cluster.wait_pod("slow", running, 60, "slow Running")
    loop = asyncio.get_running_loop()
    began = loop.time()
    await agent_cluster.client.delete("Pod", "slow")
    await agent_cluster.wait_gone("slow", 30)
    took = loop.time() - began
    assert 2.5 <= took < 12, f"a TERM-ignoring container should be killed after the 3 s grace period, took {took:.1f}s"
    assert (marks / "prestop").exists()
    assert await agent_cluster.containers("slow") == []


async def test_missing_image_reports_image_pull_backoff(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: ghost}
spec:
  containers: [{name: app, image: "skiff-e2e/does-not-exist:1", imagePullPolicy: IfNotPresent}]
""", host)

    def backing_off(pod):
        return pod.status.container_statuses and \
            pod.status.container_statuses[0].state.waiting.reason == "ImagePullBackOff"
    pod = await agent_cluster.wait_pod("ghost", backing_off, 30, "ImagePullBackOff")
    message = pod.status.container_statuses[0].state.waiting.message
    assert "skiff-e2e/does-not-exist" in message
    assert pod.status.phase == "Pending"
