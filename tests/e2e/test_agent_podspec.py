"""The pod spec people write, made real by the agent with docker: subPath safety, sidecars, security context,
/etc/hosts and termination messages, memory-backed and size-limited emptyDirs, hostPorts."""
from __future__ import annotations

import asyncio
import os
import subprocess

from nodeagent import subpath, volumes
from nodeagent.runtime.base import LABEL_CONTAINER_NAME
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.objects import from_yaml
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


def test_a_subpath_swapped_for_a_symlink_after_its_check_still_mounts_what_was_checked(tmp_path, monkeypatch):
    volume, outside, target = tmp_path / "vol", tmp_path / "host", tmp_path / "pinned" / "0"
    (volume / "a" / "b").mkdir(parents=True)
    (volume / "a" / "b" / "inside").write_text("pod data")
    outside.mkdir()
    (outside / "secret").write_text("host only")
    real_bind = volumes.bind_mount

    def swap_then_bind(source, where):  # the container wins the race: after the checks, before the mount
        (volume / "a").rename(volume / "a-old")
        (volume / "a").symlink_to(outside)
        real_bind(source, where)
    monkeypatch.setattr(volumes, "bind_mount", swap_then_bind)
    try:
        assert subpath.bind(str(volume), "a/b", 0o755, str(target)) == str(target)
        assert sorted(os.listdir(target)) == ["inside"]
    finally:
        volumes.unmount_under(str(tmp_path))
    assert not os.path.ismount(target)


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


async def test_fs_group_owns_config_volumes_so_a_non_root_user_reads_an_owner_only_key(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.client.create(from_yaml("""
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: strict}
"""))
    await agent_cluster.client.create(from_yaml("""
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {key: s3cret}
"""))
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: grouped}
spec:
  securityContext: {runAsUser: 1000, fsGroup: 2000}
  volumes:
  - {name: cfg, configMap: {name: settings, defaultMode: 0400}}
  - {name: sec, secret: {secretName: creds, defaultMode: 0400}}
  - name: info
    downwardAPI: {defaultMode: 0400, items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
  - name: all
    projected:
      defaultMode: 0400
      sources: [{configMap: {name: settings}}, {secret: {name: creds}}]
  containers:
  - name: app
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sleep, "300"]
    volumeMounts:
    - {name: cfg, mountPath: /cfg}
    - {name: sec, mountPath: /sec}
    - {name: info, mountPath: /info}
    - {name: all, mountPath: /all}
""", host)
    await agent_cluster.wait_pod("grouped", lambda p: p.status.phase == "Running", 60, "grouped Running")
    ident = (await exec_in(agent_cluster, "grouped", "app", ["id"])).output.decode()
    assert ident.startswith("uid=1000 ") and "2000" in ident.split("groups=")[1]
    read = await exec_in(agent_cluster, "grouped", "app",
                         ["cat", "/cfg/mode", "/sec/key", "/info/name", "/all/mode", "/all/key"])
    assert (read.exit_code, read.output.decode()) == (0, "stricts3cretgroupedstricts3cret")
    for volume in ("/cfg", "/sec", "/info", "/all"):
        listing = await exec_in(agent_cluster, "grouped", "app", ["ls", "-lnL", volume])
        files = [line.split() for line in listing.output.decode().splitlines() if not line.startswith("total")]
        assert files and all(f[0] == "-r--r-----" and f[3] == "2000" for f in files), (volume, files)
        top = (await exec_in(agent_cluster, "grouped", "app", ["stat", "-c", "%A %g", volume])).output.decode()
        assert top.strip() == "drwxr-sr-x 2000", (volume, top)


async def test_seccomp_is_unconfined_unless_asked_and_a_localhost_profile_is_loaded(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    root = agent_cluster.tmp_path / host.name / "seccomp"
    root.mkdir(parents=True, exist_ok=True)
    # Allows everything but mkdir, which fails with EPERM (1): visible from a shell.
    (root / "no-mkdir.json").write_text(
        '{"defaultAction": "SCMP_ACT_ALLOW",\n "syscalls": [{"names": ["mkdir", "mkdirat"], '
        '"action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}')
    for name, profile in (("plain", ""), ("default", "{type: RuntimeDefault}"),
                          ("local", "{type: Localhost, localhostProfile: no-mkdir.json}"),
                          ("missing", "{type: Localhost, localhostProfile: nope.json}")):
        context = f"securityContext: {{seccompProfile: {profile}}}" if profile else ""
        await agent_cluster.create_pod(f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  {context}
  containers:
  - {{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "300"]}}
""", host)
    modes = {}
    for name in ("plain", "default", "local"):
        await agent_cluster.wait_pod(name, lambda p: p.status.phase == "Running", 60, f"{name} Running")
        status = (await exec_in(agent_cluster, name, "app", ["cat", "/proc/self/status"])).output.decode()
        modes[name] = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)["Seccomp"]
    assert modes == {"plain": "0", "default": "2", "local": "2"}  # 0: no filter; 2: a filter
    assert (await exec_in(agent_cluster, "default", "app", ["mkdir", "/tmp/d"])).exit_code == 0
    refused = await exec_in(agent_cluster, "local", "app", ["mkdir", "/tmp/d"])
    assert refused.exit_code != 0 and b"Operation not permitted" in refused.output
    missing = await agent_cluster.wait_pod(
        "missing", lambda p: p.status.container_statuses and
        p.status.container_statuses[0].state.waiting.reason == "CreateContainerError", 60, "missing profile refused")
    assert status_of(missing, "app").state.waiting.message.startswith(
        f'cannot load seccomp profile "{root / "nope.json"}": No such file or directory')


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
