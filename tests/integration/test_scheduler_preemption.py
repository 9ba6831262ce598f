"""Preemption with the real scheduler and API server: a pod of a higher PriorityClass evicts the least important
pod in its way (DisruptionTarget, a Preempted event, nominatedNodeName) and runs there; Never waits instead."""
from __future__ import annotations

from api import meta
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import deployment, node, pod
from tests.fixtures.wait import eventually


def _class(name: str, value: int, **fields) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, **fields}


async def _pods(client) -> dict:
    return {p.metadata.name: p for p in (await client.list("Pod", "default")).items}


async def _one_full_node(client, scheduler):
    """node-1 with room for two pods of 1 cpu, both taken by pods of the class `low`."""
    await client.create(_class("low", 10))
    await client.create(_class("high", 1000))
    await client.create(node("node-1", cpu="2"))
    await eventually(lambda: len(scheduler.cache.nodes()) == 1)
    for name in ("low-0", "low-1"):
        await client.create(pod(name, cpu="1", priorityClassName="low"))

    async def bound():
        pods = await _pods(client)
        return all(p.spec.node_name for p in pods.values()) and len(pods) == 2
    await eventually(bound, what="the low pods bound")


async def test_a_higher_priority_pod_preempts_one_lower_pod_and_runs_in_its_place(client, scheduler):
    await _one_full_node(client, scheduler)
    async with fake_agent(client):  # confirms the victim's graceful deletion, as its agent would
        made = await client.create(pod("urgent", cpu="1", priorityClassName="high"))
        assert made.spec.priority == 1000

        async def running_with_one_low_pod_left():
            pods = await _pods(client)
            urgent = pods.get("urgent")
            low = [p for n, p in pods.items() if n.startswith("low-")]
            return urgent is not None and urgent.spec.node_name == "node-1" and len(low) == 1 and urgent
        urgent = await eventually(running_with_one_low_pod_left, what="urgent bound where a low pod was")
    assert urgent.status.nominated_node_name == "node-1"
    events = (await client.list("Event", "default")).items
    preempted = [e for e in events if e.reason == "Preempted"]
    assert len(preempted) == 1 and preempted[0].involved_object.name.startswith("low-")
    assert preempted[0].message == f"Preempted by pod {urgent.metadata.uid} on node node-1"


async def test_the_victim_is_marked_as_kubernetes_marks_it_before_it_goes(client, scheduler):
    await _one_full_node(client, scheduler)
    await client.create(pod("urgent", cpu="1", priorityClassName="high"))

    async def victim():  # no agent here: the victim stays terminating, so its marks can be read
        pods = await _pods(client)
        going = [p for p in pods.values() if p.metadata.deletion_timestamp]
        return going[0] if going else None
    going = await eventually(victim, what="a low pod marked for deletion")
    condition = meta.get_condition(going.status.conditions, "DisruptionTarget")
    assert (condition.status, condition.reason, condition.message) == \
        ("True", "PreemptionByScheduler", "default-scheduler: preempting to accommodate a higher priority pod")

    async def nominated():
        urgent = (await _pods(client))["urgent"]
        return urgent.status.nominated_node_name == "node-1" and not urgent.spec.node_name
    await eventually(nominated, what="urgent nominated to node-1, waiting for its victim")
    assert sum(1 for p in (await _pods(client)).values() if p.metadata.deletion_timestamp) == 1


async def test_preemption_policy_never_waits_and_says_why(client, scheduler):
    await client.create(_class("patient", 1000, preemptionPolicy="Never"))
    await _one_full_node(client, scheduler)
    await client.create(pod("polite", cpu="1", priorityClassName="patient"))
    message = ("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to "
               "preemptionPolicy=Never.")

    async def told():
        polite = (await _pods(client))["polite"]
        condition = meta.get_condition(polite.status.conditions, "PodScheduled")
        return condition is not None and condition.message == message and polite
    polite = await eventually(told, what="polite told why it waits")
    assert polite.spec.preemption_policy == "Never" and not polite.status.nominated_node_name
    assert not [p for p in (await _pods(client)).values() if p.metadata.deletion_timestamp]


async def test_a_deployments_pods_get_the_class_its_template_names_and_preempt(client, scheduler):
    await _one_full_node(client, scheduler)
    urgent = deployment("urgent", 1)
    urgent.spec.template.spec.priority_class_name = "high"
    urgent.spec.template.spec.containers[0].resources.requests["cpu"] = "1"
    async with running_manager(client, ["replicaset", "deployment"]), fake_agent(client):
        await client.create(urgent)

        async def placed():
            pods = [p for p in (await _pods(client)).values() if p.metadata.labels.get("app") == "urgent"]
            return pods and pods[0].spec.node_name == "node-1" and pods[0]
        made = await eventually(placed, what="the Deployment's pod bound after preempting")
    assert (made.spec.priority_class_name, made.spec.priority) == ("high", 1000)
