"""The pod spec people write, made real by the agent with docker: subPath safety, sidecars, security context,
/etc/hosts and termination messages, memory-backed and size-limited emptyDirs, hostPorts."""
from __future__ import annotations

import asyncio
import os
import subprocess

from nodeagent.runtime.base import LABEL_CONTAINER_NAME
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.wait import eventually


def status_of(pod, name):
    for c in list(pod.status.container_statuses) + list(pod.status.init_container_statuses):
        if c.name == name:
            return c
    raise AssertionError(f"no status for container {name}")


async def exec_in(cluster, pod_name: str, container: str, command: list[str]):
    found = [c for c in await cluster.containers(pod_name)
             if c.labels[LABEL_CONTAINER_NAME] == container and c.state == "running"]
    return await cluster.runtime.exec(found[0].id, command, timeout_s=10)


async def test_symlink_planted_in_an_empty_dir_does_not_escape_through_a_subpath(agent_cluster, tmp_path):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    secret = tmp_path / "host-secret"
    secret.mkdir(mode=0o700)
    (secret / "key").write_text("host only")
    await agent_cluster.create_pod(f"""
apiVersion: v1
kind: Pod
metadata: {{name: planter}}
spec:
  volumes: [{{name: scratch, emptyDir: {{}}}}]
  initContainers:
  - name: plant
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "ln -s {secret} /scratch/escape"]
    volumeMounts: [{{name: scratch, mountPath: /scratch}}]
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "cat /stolen/key; sleep 300"]
    volumeMounts: [{{name: scratch, mountPath: /stolen, subPath: escape}}]
""", host)
    pod = await agent_cluster.wait_pod(
        "planter", lambda p: p.status.container_statuses and
        p.status.container_statuses[0].state.waiting.reason == "CreateContainerConfigError", 60,
        "app refused with CreateContainerConfigError")
    assert "leads out of its volume" in status_of(pod, "app").state.waiting.message
    assert os.stat(secret).st_mode & 0o777 == 0o700  # not chmodded through the link
    assert not [c for c in await agent_cluster.containers("planter") if c.labels[LABEL_CONTAINER_NAME] == "app"]


async def _logs(cluster, pod_name: str, container: str) -> str:
    found = [c for c in await cluster.containers(pod_name) if c.labels[LABEL_CONTAINER_NAME] == container]
    chunks = [chunk async for chunk in cluster.runtime.logs(found[0].id)] if found else []
    return b"".join(chunks).decode(errors="replace")


async def test_sidecar_tails_the_log_the_app_writes_and_stops_after_the_app(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: tailed}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes: [{name: logs, emptyDir: {}}]
  initContainers:
  - name: shipper
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    restartPolicy: Always
    command: [sh, -c, "touch /var/log/app.log; exec tail -F /var/log/app.log"]
    volumeMounts: [{name: logs, mountPath: /var/log}]
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "for i in 1 2 3; do echo line-$i >> /var/log/app.log; sleep 1; done"]
    volumeMounts: [{name: logs, mountPath: /var/log}]
""", host)
    await eventually(lambda: _has(agent_cluster, "tailed", "shipper", "line-3"), 60, 0.2, "sidecar shipped line-3")
    pod = await agent_cluster.wait_pod("tailed", lambda p: p.status.phase == "Succeeded", 60, "tailed Succeeded")
    assert status_of(pod, "app").state.terminated.reason == "Completed"

    async def sidecar_stopped():
        found = [c for c in await agent_cluster.containers("tailed")
                 if c.labels[LABEL_CONTAINER_NAME] == "shipper"]
        return found and all(c.state != "running" for c in found)
    await eventually(sidecar_stopped, 30, 0.2, "sidecar stopped once the app finished")


async def _has(cluster, pod_name: str, container: str, text: str) -> bool:
    return text in await _logs(cluster, pod_name, container)



async def test_security_context_is_enforced_inside_the_container(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: locked}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [4000]
    sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "80"}]
  volumes: [{name: scratch, emptyDir: {}}]
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "300"]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
""", host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: rooted}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "300"]
""", host)
    await agent_cluster.wait_pod("locked", lambda p: p.status.phase == "Running", 60, "locked Running")
    rooted = await agent_cluster.wait_pod(
        "rooted", lambda p: p.status.container_statuses and
        p.status.container_statuses[0].state.waiting.reason == "CreateContainerConfigError", 60, "rooted refused")
    assert status_of(rooted, "app").state.waiting.message == (
        f'container has runAsNonRoot and image will run as root (pod: "rooted_default({rooted.metadata.uid})", '
        f'container: app)')
    ident = await exec_in(agent_cluster, "locked", "app", ["id"])
    uid, gid, groups = ident.output.decode().split()
    assert (uid, gid) == ("uid=1000", "gid=3000") and {"2000", "4000"} <= set(groups[len("groups="):].split(","))
    touch = await exec_in(agent_cluster, "locked", "app", ["touch", "/etc/x"])
    assert touch.exit_code != 0 and b"Read-only file system" in touch.output
    assert (await exec_in(agent_cluster, "locked", "app", ["touch", "/scratch/ok"])).exit_code == 0
    group = await exec_in(agent_cluster, "locked", "app", ["stat", "-c", "%g", "/scratch/ok"])
    assert group.output.decode().strip() == "2000"  # the fsGroup, inherited through the setgid directory
    caps = (await exec_in(agent_cluster, "locked", "app", ["cat", "/proc/self/status"])).output.decode()
    fields = dict(line.split(":\t", 1) for line in caps.splitlines() if ":\t" in line)
    assert (fields["CapEff"], fields["NoNewPrivs"]) == ("0000000000000000", "1")
    sysctl = await exec_in(agent_cluster, "locked", "app", ["cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"])
    assert sysctl.output.decode().strip() == "80"


async def test_etc_hosts_and_termination_messages_as_the_kubelet_writes_them(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: hosted}
spec:
  restartPolicy: Never
  hostAliases: [{ip: 127.0.0.1, hostnames: [foo.local, bar.local]}]
  containers:
  - name: hosts
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "cat /etc/hosts; echo done > /dev/termination-log"]
  - name: custom
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    terminationMessagePath: /tmp/why
    command: [sh, -c, "echo disk full > /tmp/why; exit 3"]
  - name: fallback
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    terminationMessagePolicy: FallbackToLogsOnError
    command: [sh, -c, "echo last words; exit 1"]
""", host)
    pod = await agent_cluster.wait_pod("hosted", lambda p: p.status.phase == "Failed", 60, "hosted Failed")
    assert status_of(pod, "hosts").state.terminated.message == "done\n"
    assert status_of(pod, "custom").state.terminated.message == "disk full\n"
    assert status_of(pod, "fallback").state.terminated.message == "last words\n"
    hosts = await _logs(agent_cluster, "hosted", "hosts")
    assert hosts.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    assert f"{pod.status.pod_ip}\thosted\n" in hosts
    assert hosts.endswith("# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n")


async def test_memory_empty_dir_is_a_sized_tmpfs_and_a_disk_one_over_its_limit_is_evicted(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: scratchy}
spec:
  terminationGracePeriodSeconds: 0
  volumes:
  - {name: fast, emptyDir: {medium: Memory, sizeLimit: 1Mi}}
  - {name: slow, emptyDir: {sizeLimit: 1Mi}}
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "300"]
    volumeMounts: [{name: fast, mountPath: /fast}, {name: slow, mountPath: /slow}]
""", host)
    await agent_cluster.wait_pod("scratchy", lambda p: p.status.phase == "Running", 60, "scratchy Running")
    mounts = (await exec_in(agent_cluster, "scratchy", "app", ["cat", "/proc/mounts"])).output.decode()
    assert any(line.split()[1:3] == ["/fast", "tmpfs"] and "size=1024k" in line for line in mounts.splitlines())
    full = await exec_in(agent_cluster, "scratchy", "app", ["dd", "if=/dev/zero", "of=/fast/x", "bs=1M", "count=2"])
    assert full.exit_code != 0 and b"No space left on device" in full.output
    grown = await exec_in(agent_cluster, "scratchy", "app", ["dd", "if=/dev/zero", "of=/slow/x", "bs=1M", "count=2"])
    assert grown.exit_code == 0
    pod = await agent_cluster.wait_pod("scratchy", lambda p: p.status.phase == "Failed", 60, "scratchy Evicted")
    assert (pod.status.reason, pod.status.message) == (
        "Evicted", 'Usage of EmptyDir volume "slow" exceeds the limit "1Mi". ')
    await agent_cluster.client.delete("Pod", "scratchy", "default")
    await agent_cluster.wait_gone("scratchy", 60)

    def unmounted():  # the agent unmounts the tmpfs as it removes the pod
        with open("/proc/self/mountinfo") as f:
            return pod.metadata.uid not in f.read()
    await eventually(unmounted, 30, 0.2, "the pod's tmpfs unmounted")


async def test_host_port_answers_on_the_node_ip_from_another_host(agent_cluster):
    hosts = [agent_cluster.add_host(), agent_cluster.add_host()]
    for host in hosts:
        await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: published}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, "mkdir -p /www && echo via-host-port > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: [{containerPort: 80, hostPort: 8080}]
""", hosts[0])
    await agent_cluster.wait_pod("published", lambda p: p.status.phase == "Running", 60, "published Running")

    def fetch():  # from the other host's namespace, never from the root one
        done = subprocess.run(["ip", "netns", "exec", hosts[1].netns, "busybox", "wget", "-qO-",
                               f"http://{hosts[0].node_ip}:8080/"], capture_output=True, text=True, timeout=10)
        return done.stdout.strip() == "via-host-port"
    await eventually(lambda: asyncio.to_thread(fetch), 30, 0.5, "hostPort answers on the node IP")
