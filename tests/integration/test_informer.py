"""The informer: list then watch into a local cache, with handlers and indices."""
from __future__ import annotations

import asyncio

from api.informer import Informer
from tests.fixtures.objects import pod
from tests.fixtures.wait import eventually


async def test_informer_lists_then_follows_changes(client):
    await client.create(pod("a", node="n1"))
    informer = Informer(client, "Pod")
    informer.add_index("node", lambda p: [p.spec.node_name])
    updates = []
    informer.add_handlers(on_update=lambda old, new: updates.append((old.metadata.labels.get("v"),
                                                                     new.metadata.labels.get("v"))))
    informer.start()
    try:
        await informer.wait_synced(10)
        assert informer.keys() == ["default/a"]
        b = await client.create(pod("b", node="n1", labels={"v": "1"}))
        await eventually(lambda: len(informer.by_index("node", "n1")) == 2)
        b.metadata.labels["v"] = "2"
        await client.update(b)
        await eventually(lambda: ("1", "2") in updates)
        await client.delete("Pod", "a", grace_period=0)
        await eventually(lambda: informer.keys() == ["default/b"])
        assert [p.metadata.name for p in informer.by_index("node", "n1")] == ["b"]
    finally:
        await informer.stop()


async def test_informer_with_field_selector_sees_only_its_node(client):
    informer = Informer(client, "Pod", field_selector="spec.nodeName=n2")
    informer.start()
    try:
        await informer.wait_synced(10)
        await client.create(pod("elsewhere", node="n1"))
        await client.create(pod("mine", node="n2"))
        await eventually(lambda: informer.keys() == ["default/mine"])
        await asyncio.sleep(0)  # and the other pod never shows up
        assert informer.get("default/elsewhere") is None
    finally:
        await informer.stop()
