"""Stock kubectl over skiff's REST API with ControllerRevisions: `get controllerrevisions`, and `rollout
history|undo` of a DaemonSet and a StatefulSet (revisions listed by the owner's selector, data patched back)."""
from __future__ import annotations

import pytest

from api import manifest
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import node
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


def _ds():
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
                 "template": {"metadata": {"labels": {"app": "agent"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}})
    return obj


async def _count(client, n):
    items = (await client.list("ControllerRevision", "default", label_selector="app=agent")).items
    return items if len(items) == n else None


async def test_kubectl_rollout_history_and_undo_of_a_daemonset(kubectl, client):
    await client.create(node("n1"))
    async with running_manager(client, ["daemonset"]), fake_agent(client):
        await client.create(_ds())
        await eventually(lambda: _count(client, 1))
        updated = await kubectl("set", "image", "ds/agent", "c=busybox:1.37")
        assert updated.code == 0, updated.err
        await eventually(lambda: _count(client, 2))
        listed = await kubectl("get", "controllerrevisions")
        lines = listed.out.splitlines()
        assert lines[0].split() == ["NAME", "CONTROLLER", "REVISION", "AGE"], listed.err
        assert sorted(line.split()[1:3] for line in lines[1:]) == [["daemonset.apps/agent", "1"],
                                                                   ["daemonset.apps/agent", "2"]]
        history = await kubectl("rollout", "history", "ds/agent")
        assert history.code == 0, history.err
        assert [line.split() for line in history.out.strip().splitlines()] == [
            ["daemonset.apps/agent"], ["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["2", "<none>"]]
        one = await kubectl("rollout", "history", "ds/agent", "--revision=1")
        assert one.code == 0 and "busybox:1.36" in one.out, one.err
        undone = await kubectl("rollout", "undo", "ds/agent")
        assert (undone.code, undone.out.strip()) == (0, "daemonset.apps/agent rolled back"), undone.err
        ds = await client.get("DaemonSet", "agent")
        assert ds.spec.template.spec.containers[0].image == "busybox:1.36"


async def test_kubectl_rollout_history_and_undo_of_a_statefulset(kubectl, client):
    sts, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"serviceName": "nginx", "replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}})
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        await client.create(sts)
        updated = await kubectl("set", "image", "sts/web", "c=busybox:1.37")
        assert updated.code == 0, updated.err

        async def two():
            items = (await client.list("ControllerRevision", "default", label_selector="app=web")).items
            return len(items) == 2
        await eventually(two)
        history = await kubectl("rollout", "history", "sts/web")
        assert [line.split() for line in history.out.strip().splitlines()][1:] == [
            ["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["2", "<none>"]], history.err
        undone = await kubectl("rollout", "undo", "sts/web", "--to-revision=1")
        assert (undone.code, undone.out.strip()) == (0, "statefulset.apps/web rolled back"), undone.err
        assert (await client.get("StatefulSet", "web")).spec.template.spec.containers[0].image == "busybox:1.36"
