"""The pod spec people write, made real by the agent with docker: subPath safety, sidecars, security context,
the downward API."""
from __future__ import annotations

import os

from nodeagent.runtime.base import LABEL_CONTAINER_NAME
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)


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
