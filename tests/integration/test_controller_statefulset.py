"""The StatefulSet controller against a real API server and etcd (pods made Ready by writing their status,
as an agent would): stable names in order, reverse-order scale-down, rolling updates, Parallel, claims."""
from __future__ import annotations

from api import manifest, meta, statefulsets
from tests.fixtures.api_calls import edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent, make_ready
from tests.fixtures.wait import eventually


def _sts(name="web", replicas=3, **spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": "default"},
        "spec": {"serviceName": "nginx", "replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}},
                 **spec}})
    return obj


async def _pods(client, name="web"):
    pods = (await client.list("Pod", "default", label_selector=f"app={name}")).items
    return {p.metadata.name: p for p in pods if not p.metadata.deletion_timestamp}


async def _names(client, expected, name="web"):
    pods = await _pods(client, name)
    return pods if sorted(pods) == sorted(expected) else None


async def _status(client, check, name="web"):
    sts = await client.get("StatefulSet", name)
    return sts if check(sts.status) else None


async def test_ordered_ready_creates_pods_in_order_each_ready_before_the_next(client):
    async with running_manager(client, ["statefulset"]):
        created = await client.create(_sts())
        for i in range(3):
            pods = await eventually(lambda: _names(client, [f"web-{j}" for j in range(i + 1)]))
            pod = pods[f"web-{i}"]
            assert pod.metadata.labels[statefulsets.POD_NAME_LABEL] == f"web-{i}"
            assert pod.metadata.labels[statefulsets.POD_INDEX_LABEL] == str(i)
            assert (pod.spec.hostname, pod.spec.subdomain) == (f"web-{i}", "nginx")
            ref = meta.controller_of(pod)
            assert (ref.kind, ref.uid) == ("StatefulSet", created.metadata.uid)
            # the next pod waits for this one to be Running and Ready
            assert f"web-{i + 1}" not in await _pods(client)
            await make_ready(client, pod)
        sts = await eventually(lambda: _status(client, lambda s: s.ready_replicas == 3))
        s = sts.status
        assert (s.replicas, s.current_replicas, s.updated_replicas, s.available_replicas) == (3, 3, 3, 3)
        assert s.current_revision == s.update_revision and s.update_revision.startswith("web-")
        assert s.observed_generation == sts.metadata.generation
        assert all(p.metadata.labels[statefulsets.HASH_LABEL] == s.update_revision
                   for p in (await _pods(client)).values())


async def test_scale_down_deletes_the_highest_ordinal_first_one_at_a_time(client):
    seen: list[list[str]] = []
    async with running_manager(client, ["statefulset"]), \
            fake_agent(client, observe=lambda pods: seen.append(sorted(p.metadata.name for p in pods))):
        await client.create(_sts(replicas=4))
        await eventually(lambda: _status(client, lambda s: s.ready_replicas == 4))
        seen.clear()
        await edit(client, "StatefulSet", "web", lambda s: setattr(s.spec, "replicas", 1))
        await eventually(lambda: _names(client, ["web-0"]))
    for names in seen:  # never a hole below a pod still there: web-3 goes before web-2, before web-1
        ordinals = sorted(int(n.rsplit("-", 1)[1]) for n in names if n.startswith("web-"))
        assert ordinals == list(range(len(ordinals))), names


async def test_rolling_update_replaces_pods_in_reverse_order_down_to_the_partition(client):
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        await client.create(_sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}))
        before = await eventually(lambda: _status(client, lambda s: s.ready_replicas == 3))

        def new_image(s):
            s.spec.template.spec.containers[0].image = "busybox:1.37"
        await edit(client, "StatefulSet", "web", new_image)

        async def updated():
            pods = await _pods(client)
            images = {n: p.spec.containers[0].image for n, p in pods.items()}
            return pods if images == {"web-0": "busybox:1.36", "web-1": "busybox:1.37", "web-2": "busybox:1.37"} \
                and all(p.status.phase == "Running" for p in pods.values()) else None
        await eventually(updated)
        sts = await eventually(lambda: _status(client, lambda s: s.updated_replicas == 2 and s.ready_replicas == 3))
        assert sts.status.current_revision == before.status.current_revision != sts.status.update_revision
        # partition 0 finishes the rollout and makes the new revision current
        await edit(client, "StatefulSet", "web",
                   lambda s: setattr(s.spec.update_strategy.rolling_update, "partition", 0))
        done = await eventually(lambda: _status(client, lambda s: s.updated_replicas == 3 and s.ready_replicas == 3
                                                and s.current_revision == s.update_revision))
        assert done.status.current_replicas == 3


async def test_on_delete_updates_a_pod_only_when_it_is_deleted(client):
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        await client.create(_sts(replicas=2, updateStrategy={"type": "OnDelete"}))
        await eventually(lambda: _status(client, lambda s: s.ready_replicas == 2))

        def new_image(s):
            s.spec.template.spec.containers[0].image = "busybox:1.37"
        await edit(client, "StatefulSet", "web", new_image)
        await eventually(lambda: _status(client, lambda s: s.updated_replicas == 0 and s.observed_generation == 2))
        await client.delete("Pod", "web-1", "default")

        async def replaced():
            pods = await _pods(client)
            return pods if "web-1" in pods and pods["web-1"].spec.containers[0].image == "busybox:1.37" else None
        pods = await eventually(replaced)
        assert pods["web-0"].spec.containers[0].image == "busybox:1.36"


async def test_parallel_creates_every_pod_without_waiting(client):
    async with running_manager(client, ["statefulset"]):
        await client.create(_sts(podManagementPolicy="Parallel"))
        pods = await eventually(lambda: _names(client, ["web-0", "web-1", "web-2"]))
        assert all(p.status.phase != "Running" for p in pods.values())


async def test_volume_claim_templates_give_each_pod_its_own_claim(client):
    claim = {"metadata": {"name": "www"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        await client.create(_sts(replicas=2, volumeClaimTemplates=[claim]))
        pods = await eventually(lambda: _names(client, ["web-0", "web-1"]))
        for name, pod in pods.items():
            [volume] = [v for v in pod.spec.volumes if v.name == "www"]
            assert volume.persistent_volume_claim.claim_name == f"www-{name}"
        claims = {c.metadata.name: c for c in (await client.list("PersistentVolumeClaim", "default")).items}
        assert set(claims) >= {"www-web-0", "www-web-1"}
        assert claims["www-web-0"].metadata.labels["app"] == "web"
        assert claims["www-web-0"].spec.resources.requests["storage"] == "1Gi"


async def test_when_scaled_delete_removes_the_claims_of_pods_scaled_away(client):
    claim = {"metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        await client.create(_sts(replicas=2, volumeClaimTemplates=[claim],
                                 persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete",
                                                                       "whenScaled": "Delete"}))
        await eventually(lambda: _status(client, lambda s: s.ready_replicas == 2))
        claims = {c.metadata.name: c for c in (await client.list("PersistentVolumeClaim", "default")).items}
        owner = claims["data-web-0"].metadata.owner_references[0]  # whenDeleted: Delete, by the garbage collector
        assert (owner.kind, owner.name, owner.controller) == ("StatefulSet", "web", False)
        await edit(client, "StatefulSet", "web", lambda s: setattr(s.spec, "replicas", 1))

        async def only_first():
            names = {c.metadata.name for c in (await client.list("PersistentVolumeClaim", "default")).items
                     if not c.metadata.deletion_timestamp}
            return names == {"data-web-0"}
        await eventually(only_first)
