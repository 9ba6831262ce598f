"""The agent with real docker as the kubelet: a pod update that changes a container's image kills the
running container and starts the new image in the same pod (same IP), one restart more."""
from __future__ import annotations

from nodeagent.runtime.base import LABEL_CONTAINER_NAME
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.wait import eventually


async def test_changed_image_replaces_the_running_container(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod("""
apiVersion: v1
kind: Pod
metadata: {name: upgrade}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: app, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}]
""", host)
    before = await agent_cluster.wait_pod("upgrade", lambda p: p.status.phase == "Running"
                                          and p.status.container_statuses[0].ready, 60, "upgrade running")
    # Another name for the same local image: no registry is reachable, and the kubelet restarts on any change.
    before.spec.containers[0].image = "busybox"
    await agent_cluster.client.update(before)

    def replaced(pod):
        c = pod.status.container_statuses[0] if pod.status.container_statuses else None
        return c is not None and c.image == "busybox" and c.restart_count == 1 and c.state.HasField("running")
    pod = await agent_cluster.wait_pod("upgrade", replaced, 30, "container replaced with the new image")
    c = pod.status.container_statuses[0]
    assert c.container_id != before.status.container_statuses[0].container_id
    assert c.last_state.HasField("terminated")
    assert pod.status.pod_ip == before.status.pod_ip
    running = [i for i in await agent_cluster.containers("upgrade")
               if i.labels[LABEL_CONTAINER_NAME] == "app" and i.state == "running"]
    assert [i.image for i in running] == ["busybox"]

    async def killing():
        events = await agent_cluster.client.list("Event", "default")
        return "Container app definition changed, will be restarted" in [
            e.message for e in events.items if e.involved_object.name == "upgrade" and e.reason == "Killing"]
    assert await eventually(killing, 10, what="Killing event")
