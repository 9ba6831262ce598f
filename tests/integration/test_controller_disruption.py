"""PodDisruptionBudgets against a real API server and etcd (a Deployment's pods made Ready by writing their
status, as an agent would): the disruption controller's status, and evictions over REST and gRPC that
the budget lets through or refuses with 429 in Kubernetes' words."""
from __future__ import annotations

import asyncio

import pytest

from api import errors, manifest, meta
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import deployment
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
CONTROLLERS = ["replicaset", "deployment", "disruption"]


def _pdb(name="web-pdb", app="web", **spec):
    obj, _ = manifest.from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                 "metadata": {"name": name, "namespace": "default"},
                                 "spec": {"selector": {"matchLabels": {"app": app}}, **spec}})
    return obj


async def _budget(client, check, name="web-pdb"):
    pdb = await client.get("PodDisruptionBudget", name)
    return pdb if check(pdb.status) else None


async def _live_pods(client):
    pods = (await client.list("Pod", "default", label_selector="app=web")).items
    return [p for p in pods if not p.metadata.deletion_timestamp]


async def _evict_rest(rest, name):
    async with rest.post(f"/api/v1/namespaces/default/pods/{name}/eviction",
                         json={"apiVersion": "policy/v1", "kind": "Eviction",
                               "metadata": {"name": name, "namespace": "default"}}) as response:
        return response.status, await response.json()


async def test_status_counts_a_deployments_ready_pods_against_the_budget(client):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 3))
        await client.create(_pdb(minAvailable=2))
        pdb = await eventually(lambda: _budget(client, lambda s: s.current_healthy == 3))
        s = pdb.status
        assert (s.expected_pods, s.current_healthy, s.desired_healthy, s.disruptions_allowed) == (3, 3, 2, 1)
        assert s.observed_generation == pdb.metadata.generation
        condition = meta.get_condition(s.conditions, "DisruptionAllowed")
        assert (condition.status, condition.reason) == ("True", "SufficientPods")
        await client.create(_pdb("pct-pdb", maxUnavailable="50%"))  # of the Deployment's 3: 2 may go
        pct = await eventually(lambda: _budget(client, lambda s: s.expected_pods == 3, "pct-pdb"))
        assert (pct.status.desired_healthy, pct.status.disruptions_allowed) == (1, 2)


async def test_eviction_takes_the_budget_down_then_is_refused_over_rest_and_grpc(client, rest):
    replacements_start = asyncio.Event()
    replacements_start.set()
    async with running_manager(client, CONTROLLERS), fake_agent(client, ready=replacements_start.is_set):
        await client.create(deployment("web", 2))
        await client.create(_pdb(minAvailable=1))
        await eventually(lambda: _budget(client, lambda s: s.disruptions_allowed == 1))
        first, second = sorted(p.metadata.name for p in await _live_pods(client))
        replacements_start.clear()  # the evicted pod's replacement stays Pending until both refusals are seen
        code, body = await _evict_rest(rest, first)
        assert code == 201, body
        pdb = await client.get("PodDisruptionBudget", "web-pdb")
        # the same step took the disruption: no second eviction can race in before the controller's sync
        assert pdb.status.disruptions_allowed == 0 or first not in pdb.status.disrupted_pods
        code, body = await _evict_rest(rest, second)
        assert code == 429, body
        assert (body["reason"], body["message"]) == ("TooManyRequests", REFUSED)
        (cause,) = body["details"]["causes"]
        assert cause["reason"] == "DisruptionBudget"
        assert cause["message"].startswith("The disruption budget web-pdb needs 1 healthy pods and has ")
        with pytest.raises(errors.TooManyRequests) as refused:
            await client.evict(second, "default")
        assert refused.value.message == REFUSED
        assert (await client.get("Pod", second)).metadata.name == second
        replacements_start.set()
        # the replacement comes up Ready: the budget allows one again, and the eviction goes through
        await eventually(lambda: _budget(client, lambda s: s.disruptions_allowed == 1 and s.current_healthy == 2))
        await client.evict(second, "default")


async def test_a_pod_with_two_budgets_cannot_be_evicted(client, rest):
    async with running_manager(client, CONTROLLERS), fake_agent(client):
        await client.create(deployment("web", 2))
        await client.create(_pdb(minAvailable=0))
        await client.create(_pdb("other-pdb", maxUnavailable=2))
        await eventually(lambda: _budget(client, lambda s: s.current_healthy == 2))  # Running: a pending pod
        pod = (await _live_pods(client))[0]  # would go without a look at the budgets
        code, body = await _evict_rest(rest, pod.metadata.name)
        assert (code, body["reason"]) == (500, "InternalError")
        assert body["message"] == ("Internal error occurred: This pod has more than one PodDisruptionBudget, "
                                   "which the eviction subresource does not support.")


async def test_a_pod_not_ready_goes_when_the_budget_says_always_allow(client):
    async with running_manager(client, CONTROLLERS), fake_agent(client, ready=False):
        await client.create(deployment("web", 2))
        await client.create(_pdb(minAvailable=2, unhealthyPodEvictionPolicy="AlwaysAllow"))
        pods = await eventually(lambda: _ready_count(client, 2))
        await eventually(lambda: _budget(client, lambda s: s.expected_pods == 2))
        running = pods[0]
        running.status.phase = "Running"  # Running but not Ready: a budget of 2 healthy has none to spare
        await client.update_status(running)
        _, deleted = await client.evict(running.metadata.name, "default")
        assert deleted


async def _ready_count(client, count):
    pods = await _live_pods(client)
    return pods if len(pods) == count else None


async def test_rest_output_carries_the_status_counts_even_when_zero(client, rest):
    async with running_manager(client, CONTROLLERS):
        await client.create(_pdb(minAvailable=2))
        await eventually(lambda: _budget(client, lambda s: s.observed_generation == 1))
    async with rest.get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/web-pdb") as response:
        status = (await response.json())["status"]
    assert {k: status[k] for k in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods")} == \
        {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 2, "expectedPods": 0}
    assert status["conditions"][0]["reason"] == "InsufficientPods"
