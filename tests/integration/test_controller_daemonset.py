"""The DaemonSet controller against a real API server and etcd (and the real scheduler): one pod per
eligible node, bound by node-name affinity, following nodes, and rolling updates (OnDelete, surge)."""
from __future__ import annotations

from api import daemonsets, manifest, meta
from tests.fixtures.api_calls import active_pods, edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import node
from tests.fixtures.wait import eventually


def _ds(name="agent", strategy=None, **template_spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": name}}, "updateStrategy": strategy or {},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}], **template_spec}}}})
    return obj


async def _on_nodes(client, expected: set[str], image: str = "", bound: bool = False):
    pods = await active_pods(client, selector="app=agent")
    nodes = [p.spec.node_name if bound else _target(p) for p in pods]
    if sorted(nodes) != sorted(expected):
        return None
    if image and any(p.spec.containers[0].image != image for p in pods):
        return None
    return pods


def _target(pod) -> str:
    terms = pod.spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms
    return terms[0].match_fields[0].values[0]


async def test_one_pod_per_eligible_node_bound_by_the_scheduler(client, scheduler):
    await client.create(node("n1", labels={"disk": "ssd"}))
    await client.create(node("n2", labels={"disk": "ssd"}))
    await client.create(node("n3", labels={"disk": "hdd"}))
    await client.create(node("n4", labels={"disk": "ssd"}, taints=[{"key": "dedicated", "value": "db",
                                                                     "effect": "NoSchedule"}]))
    async with running_manager(client, ["daemonset"]):
        await client.create(_ds(nodeSelector={"disk": "ssd"}))
        pods = await eventually(lambda: _on_nodes(client, {"n1", "n2"}, bound=True))
        for pod in pods:
            assert meta.controller_of(pod).kind == "DaemonSet"
            assert pod.metadata.labels[daemonsets.HASH_LABEL]
            assert pod.metadata.labels[daemonsets.GENERATION_LABEL] == "1"
            term = pod.spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution
            field = term.node_selector_terms[0].match_fields[0]
            assert (field.key, field.operator, list(field.values)) == ("metadata.name", "In", [pod.spec.node_name])
            tolerated = {(t.key, t.effect, t.operator) for t in pod.spec.tolerations}
            assert ("node.kubernetes.io/unschedulable", "NoSchedule", "Exists") in tolerated
            assert ("node.kubernetes.io/not-ready", "NoExecute", "Exists") in tolerated

        async def status():
            s = (await client.get("DaemonSet", "agent")).status
            return (s.desired_number_scheduled, s.current_number_scheduled, s.updated_number_scheduled,
                    s.number_misscheduled) == (2, 2, 2, 0)
        await eventually(status)


async def test_pods_follow_nodes_and_their_labels(client):
    await client.create(node("n1", labels={"role": "edge"}))
    async with running_manager(client, ["daemonset"]):
        await client.create(_ds(nodeSelector={"role": "edge"}))
        await eventually(lambda: _on_nodes(client, {"n1"}))
        await client.create(node("n2", labels={"role": "edge"}))
        await eventually(lambda: _on_nodes(client, {"n1", "n2"}))
        await edit(client, "Node", "n1", lambda n: n.metadata.labels.pop("role"), namespace="")
        await eventually(lambda: _on_nodes(client, {"n2"}))


async def test_rolling_update_replaces_every_pod_with_the_new_template(client):
    for name in ("n1", "n2", "n3"):
        await client.create(node(name))
    async with running_manager(client, ["daemonset"]), fake_agent(client):
        await client.create(_ds())
        await eventually(lambda: _on_nodes(client, {"n1", "n2", "n3"}))
        await edit(client, "DaemonSet", "agent", lambda ds: setattr(ds.spec.template.spec.containers[0], "image",
                                                                    "busybox:latest"))
        await eventually(lambda: _on_nodes(client, {"n1", "n2", "n3"}, image="busybox:latest"), timeout=40)

        async def rolled_out():
            ds = await client.get("DaemonSet", "agent")
            s = ds.status
            return (ds.metadata.annotations[daemonsets.TEMPLATE_GENERATION] == "2" and
                    s.observed_generation == ds.metadata.generation and
                    (s.updated_number_scheduled, s.number_available, s.number_ready) == (3, 3, 3))
        await eventually(rolled_out)


async def test_on_delete_waits_for_the_user_to_delete_pods(client):
    await client.create(node("n1"))
    async with running_manager(client, ["daemonset"]), fake_agent(client):
        await client.create(_ds(strategy={"type": "OnDelete"}))
        (first,) = await eventually(lambda: _on_nodes(client, {"n1"}))
        await edit(client, "DaemonSet", "agent", lambda ds: setattr(ds.spec.template.spec.containers[0], "image",
                                                                    "busybox:latest"))

        async def observed():
            ds = await client.get("DaemonSet", "agent")
            return ds.status.observed_generation == ds.metadata.generation and ds.status.updated_number_scheduled == 0
        await eventually(observed)
        assert (await _on_nodes(client, {"n1"}))[0].metadata.name == first.metadata.name
        await client.delete("Pod", first.metadata.name)
        await eventually(lambda: _on_nodes(client, {"n1"}, image="busybox:latest"))


async def test_surge_starts_the_new_pod_before_the_old_one_goes(client):
    await client.create(node("n1"))
    seen_two = []

    def observe(pods):
        if len([p for p in pods if not p.metadata.deletion_timestamp]) == 2:
            seen_two.append(True)
    async with running_manager(client, ["daemonset"]), fake_agent(client, observe=observe):
        await client.create(_ds(strategy={"type": "RollingUpdate",
                                          "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))
        await eventually(lambda: _on_nodes(client, {"n1"}))

        async def available():  # an old pod not yet available would be replaced at once, without a surge
            return (await client.get("DaemonSet", "agent")).status.number_available == 1
        await eventually(available)
        await edit(client, "DaemonSet", "agent", lambda ds: setattr(ds.spec.template.spec.containers[0], "image",
                                                                    "busybox:latest"))
        await eventually(lambda: _on_nodes(client, {"n1"}, image="busybox:latest"))
    assert seen_two  # the new pod ran beside the old one for a while
