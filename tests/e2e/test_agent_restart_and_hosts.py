"""The agent across its own restarts, and pods on two hosts (network namespaces) reaching each other."""
from __future__ import annotations

import asyncio

from nodeagent.network import pod as podnet
from nodeagent.runtime.base import LABEL_CONTAINER_NAME
from tests.e2e.agent_fixtures import agent_cluster  # noqa: F401 (fixture)
from tests.fixtures.agent_pods import exec_in, running
from tests.fixtures.wait import eventually

SLEEPER = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers: [{{name: app, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}}]
"""


async def test_restarted_agent_keeps_containers_and_cleans_up_deleted_pods(agent_cluster):
    host = agent_cluster.add_host()
    await agent_cluster.start_agent(host)
    await agent_cluster.create_pod(SLEEPER.format(name="stay"), host)
    await agent_cluster.create_pod(SLEEPER.format(name="leave"), host)
    stay = await agent_cluster.wait_pod("stay", running, 60, "stay Running")
    leave = await agent_cluster.wait_pod("leave", running, 60, "leave Running")
    before = sorted(c.id for c in await agent_cluster.containers("stay"))

    await agent_cluster.stop_agent(host)
    # While the agent is away: its pods keep running; one is force-deleted from the API.
    await agent_cluster.client.delete("Pod", "leave", grace_period=0)
    assert all(c.state == "running" for c in await agent_cluster.containers("stay"))

    agent = await agent_cluster.start_agent(host)

    async def leave_cleaned_up():
        return not await agent_cluster.containers("leave")
    await eventually(leave_cleaned_up, 30, 0.2, "containers of the deleted pod removed")
    veths = await asyncio.to_thread(podnet.list_pod_veths, host.netns)
    assert podnet.host_veth_name(leave.metadata.uid) not in veths
    assert podnet.host_veth_name(stay.metadata.uid) in veths
    assert leave.metadata.uid not in agent.env.network.ipam.allocations()

    await eventually(lambda: stay.metadata.uid in agent.workers.workers and
                     agent.workers.workers[stay.metadata.uid].syncs > 0, 20, 0.1, "stay adopted")
    after = sorted(c.id for c in await agent_cluster.containers("stay"))
    assert after == before
    pod = await agent_cluster.pod("stay")
    assert pod.status.container_statuses[0].restart_count == 0
    assert pod.status.pod_ip == stay.status.pod_ip
    assert running(pod)


async def test_pods_on_two_hosts_reach_each_other_by_pod_ip(agent_cluster):
    a, b = agent_cluster.add_host(), agent_cluster.add_host()
    await agent_cluster.start_agent(a)
    await agent_cluster.start_agent(b)
    await agent_cluster.create_pod(SLEEPER.format(name="pa"), a)
    await agent_cluster.create_pod(SLEEPER.format(name="pb"), b)
    pa = await agent_cluster.wait_pod("pa", running, 60, "pa Running")
    pb = await agent_cluster.wait_pod("pb", running, 60, "pb Running")
    assert pa.status.pod_ip.startswith("10.244.1.") and pb.status.pod_ip.startswith("10.244.2.")

    async def reaches(src, dst_ip):
        result = await exec_in(agent_cluster, src, "app", ["ping", "-c", "1", "-W", "1", dst_ip])
        return result.exit_code == 0
    await eventually(lambda: reaches("pa", pb.status.pod_ip), 20, 0.2, "pa reaches pb")
    await eventually(lambda: reaches("pb", pa.status.pod_ip), 20, 0.2, "pb reaches pa")
    assert [c for c in await agent_cluster.containers("pa") if c.labels[LABEL_CONTAINER_NAME] == "app"]
