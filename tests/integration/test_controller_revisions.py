"""ControllerRevisions of DaemonSets and StatefulSets with a real API server and the controllers: one per
template, re-numbered on rollback, pruned; a StatefulSet pod below the partition back at the current revision."""
from __future__ import annotations

from api import manifest, meta, statefulsets
from tests.fixtures.api_calls import edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import node
from tests.fixtures.wait import eventually


def _template(name):
    return {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}


def _ds(name="agent", **spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": _template(name), **spec}})
    return obj


def _sts(name="web", **spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": "default"},
        "spec": {"serviceName": "nginx", "replicas": 2, "selector": {"matchLabels": {"app": name}},
                 "template": _template(name), **spec}})
    return obj


async def _revisions(client, app, count=None):
    items = (await client.list("ControllerRevision", "default", label_selector=f"app={app}")).items
    if count is not None and len(items) != count:
        return None
    return {r.revision: r for r in items}


def _image(image):
    return lambda o: setattr(o.spec.template.spec.containers[0], "image", image)


async def test_a_daemonset_keeps_one_revision_per_template_renumbers_a_rollback_and_prunes(client):
    await client.create(node("n1"))
    async with running_manager(client, ["daemonset"]), fake_agent(client):
        ds = await client.create(_ds(revisionHistoryLimit=1))
        first = (await eventually(lambda: _revisions(client, "agent", 1)))[1]
        ref = meta.controller_of(first)
        assert (ref.kind, ref.uid, ref.controller) == ("DaemonSet", ds.metadata.uid, True)
        assert first.metadata.name == f"agent-{first.metadata.labels['controller-revision-hash']}"
        assert manifest.to_dict(first)["data"]["spec"]["template"]["$patch"] == "replace"
        await edit(client, "DaemonSet", "agent", _image("busybox:1.37"))
        await eventually(lambda: _revisions(client, "agent", 2))
        # back to the first template: its revision is re-numbered 3, not copied
        await edit(client, "DaemonSet", "agent", _image("busybox:1.36"))
        revs = await eventually(lambda: _renumbered(client, first.metadata.name))
        assert revs[3].metadata.name == first.metadata.name
        # a third template: with a limit of 1 the oldest revision no pod runs goes
        await edit(client, "DaemonSet", "agent", _image("busybox:1.38"))
        revs = await eventually(lambda: _numbers(client, "agent", [3, 4]), timeout=60)
        assert revs[3].metadata.name == first.metadata.name


async def _numbers(client, app, numbers):
    revs = await _revisions(client, app)
    return revs if sorted(revs) == numbers else None


async def _renumbered(client, name):
    revs = await _revisions(client, "agent")
    return revs if revs.get(3) is not None and revs[3].metadata.name == name else None


async def test_a_statefulset_pod_below_the_partition_comes_back_at_the_current_revision(client):
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        await client.create(_sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}))
        before = await eventually(lambda: _set(client, lambda s: s.ready_replicas == 2))
        await edit(client, "StatefulSet", "web", _image("busybox:1.37"))
        after = await eventually(lambda: _set(client, lambda s: s.updated_replicas == 1 and s.ready_replicas == 2
                                              and s.update_revision != before.status.update_revision))
        assert after.status.current_revision == before.status.current_revision
        revs = await eventually(lambda: _revisions(client, "web", 2))
        assert {r.metadata.name for r in revs.values()} == {after.status.current_revision,
                                                           after.status.update_revision}
        old = await client.get("Pod", "web-0")
        await client.delete("Pod", "web-0", grace_period=0)
        again = await eventually(lambda: _recreated(client, old.metadata.uid))
        assert again.spec.containers[0].image == "busybox:1.36"
        assert again.metadata.labels[statefulsets.HASH_LABEL] == after.status.current_revision
        assert (await client.get("Pod", "web-1")).spec.containers[0].image == "busybox:1.37"


async def _set(client, check):
    sts = await client.get("StatefulSet", "web")
    return sts if check(sts.status) else None


async def _recreated(client, old_uid):
    pods = (await client.list("Pod", "default", label_selector="app=web")).items
    pod = next((p for p in pods if p.metadata.name == "web-0" and p.metadata.uid != old_uid), None)
    return pod


async def test_skiff_rollout_history_and_undo_of_a_daemonset(client, skiff):
    await client.create(node("n1"))
    async with running_manager(client, ["daemonset"]), fake_agent(client):
        await client.create(_ds())
        await eventually(lambda: _revisions(client, "agent", 1))
        await edit(client, "DaemonSet", "agent", _image("busybox:1.37"))
        await eventually(lambda: _revisions(client, "agent", 2))
        listed = await skiff("rollout", "history", "ds/agent")
        assert listed.code == 0, listed.err
        assert listed.out.splitlines() == ["daemonset.apps/agent", "REVISION  CHANGE-CAUSE", "1         <none>",
                                           "2         <none>"]
        one = await skiff("rollout", "history", "ds/agent", "--revision=1")
        assert one.code == 0 and one.out.startswith("daemonset.apps/agent with revision #1\nPod Template:")
        assert "busybox:1.36" in one.out
        got = await skiff("get", "controllerrevisions")
        assert got.out.splitlines()[0].split() == ["NAME", "CONTROLLER", "REVISION", "AGE"], got.err
        assert sorted(line.split()[1:3] for line in got.out.splitlines()[1:]) == [
            ["daemonset.apps/agent", "1"], ["daemonset.apps/agent", "2"]]
        as_yaml = await skiff("get", "controllerrevisions", "-o", "yaml")
        assert "$patch: replace" in as_yaml.out, as_yaml.err
        missing = await skiff("rollout", "history", "ds/agent", "--revision=9")
        assert missing.code != 0 and "unable to find the specified revision" in missing.err
        undone = await skiff("rollout", "undo", "ds/agent")
        assert (undone.code, undone.out.strip()) == (0, "daemonset.apps/agent rolled back"), undone.err
        ds = await client.get("DaemonSet", "agent")
        assert ds.spec.template.spec.containers[0].image == "busybox:1.36"
        await eventually(lambda: _numbers(client, "agent", [2, 3]))
        again = await skiff("rollout", "undo", "ds/agent", "--to-revision=3")
        assert again.out.strip() == ("daemonset.apps/agent skipped rollback "
                                     "(current template already matches revision 3)")


async def test_skiff_rollout_undo_of_a_statefulset_restores_the_template(client, skiff):
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        await client.create(_sts())
        await eventually(lambda: _set(client, lambda s: s.ready_replicas == 2))
        await edit(client, "StatefulSet", "web", _image("busybox:1.37"))
        await eventually(lambda: _revisions(client, "web", 2))
        undone = await skiff("rollout", "undo", "sts/web", "--to-revision=1")
        assert undone.code == 0, undone.err
        assert undone.out.strip() == "statefulset.apps/web rolled back"
        sts = await client.get("StatefulSet", "web")
        assert sts.spec.template.spec.containers[0].image == "busybox:1.36"
        listed = await skiff("rollout", "history", "sts/web")
        assert listed.out.splitlines()[0] == "statefulset.apps/web"
