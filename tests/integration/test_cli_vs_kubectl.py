"""`skiff` and the real kubectl (v1.32, through skiff's REST API) on the same objects: the output flags,
messages and exit codes a user compares must come out the same."""
from __future__ import annotations

import json

import pytest
import yaml

from tests.fixtures.objects import deployment, pod

pytestmark = pytest.mark.integration


async def _objects(client):
    await client.create(pod("web", labels={"app": "web", "tier": "front"}, node="n1"))
    await client.create(pod("db", labels={"app": "db"}))
    await client.create(deployment("api", 1))


async def both(skiff, kubectl, *argv: str):
    ours, theirs = await skiff(*argv), await kubectl(*argv)
    return ours, theirs


@pytest.mark.parametrize("argv", [
    ("get", "pods", "-o", "jsonpath={.items[*].metadata.name}"),
    ("get", "pods", "--sort-by=.metadata.name",
     "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.nodeName}{"\\n"}{end}'),
    ("get", "pod", "web", "-o", "jsonpath={.metadata.labels}"),
    ("get", "pods", "--sort-by=.metadata.name", "-o",
     "custom-columns=NAME:.metadata.name,APP:.metadata.labels.app,NODE:.spec.nodeName,IMAGES:.spec.containers[*].image"),
    ("get", "pods", "--sort-by=.metadata.name", "-o", "custom-columns=NAME:.metadata.name", "--no-headers"),
    ("get", "pods", "-o", "name"),
    ("get", "deploy", "-o", "name"),
    ("get", "pod", "web", "-o", "yaml"),
    ("get", "deploy", "api", "-o", "json"),
    ("get", "pods", "-l", "app=web", "-o", "yaml"),
])
async def test_machine_outputs_match_kubectl(client, skiff, kubectl, argv):
    await _objects(client)
    ours, theirs = await both(skiff, kubectl, *argv)
    assert theirs.code == 0, theirs.err
    assert (ours.code, ours.out) == (0, theirs.out), ours.err


async def test_table_flags_match_kubectl_apart_from_age(client, skiff, kubectl):
    await _objects(client)
    argv = ("get", "pods", "--sort-by=.metadata.name", "--show-labels", "-L", "tier", "-L", "app")
    ours, theirs = await both(skiff, kubectl, *argv)
    assert theirs.code == 0, theirs.err

    def without_age(text):
        rows = [line.split() for line in text.splitlines()]
        header = rows[0]
        age = header.index("AGE")
        return [r[:age] + r[age + 1:] if len(r) == len(header) else r for r in rows]
    assert without_age(ours.out)[0] == without_age(theirs.out)[0]  # NAME READY STATUS RESTARTS TIER APP LABELS
    assert [r[0] for r in without_age(ours.out)] == [r[0] for r in without_age(theirs.out)]
    assert [r[-1] for r in without_age(ours.out)] == [r[-1] for r in without_age(theirs.out)]


async def test_empty_lists_and_yaml_key_order_match_kubectl(client, skiff, kubectl):
    ours, theirs = await both(skiff, kubectl, "get", "pods", "-o", "json")
    assert json.loads(ours.out) == json.loads(theirs.out)
    table_ours, table_theirs = await both(skiff, kubectl, "get", "pods")
    assert (table_ours.out, table_ours.err) == (table_theirs.out, table_theirs.err)
    await client.create(pod("web", labels={"app": "web"}))
    ours, theirs = await both(skiff, kubectl, "get", "pod", "web", "-o", "yaml")
    top = [line.split(":")[0] for line in ours.out.splitlines() if line and not line.startswith(" ")]
    assert top == [line.split(":")[0] for line in theirs.out.splitlines() if line and not line.startswith(" ")]
    ours_meta = list(yaml.safe_load(ours.out)["metadata"])
    assert ours_meta == sorted(ours_meta)


async def test_errors_and_exit_codes_match_kubectl(client, skiff, kubectl):
    await client.create(pod("web"))
    for argv in (("get", "deploy", "nope"), ("get", "pods", "nope"), ("delete", "deploy", "nope")):
        ours, theirs = await both(skiff, kubectl, *argv)
        assert (ours.code, ours.err) == (theirs.code, theirs.err), argv
    ours, theirs = await both(skiff, kubectl, "wait", "--for=condition=Ready", "pod/web", "--timeout=1s")
    assert (ours.code, ours.err) == (theirs.code, theirs.err)
    ours, theirs = await both(skiff, kubectl, "wait", "--for=delete", "pod/nothing", "--timeout=1s")
    assert (ours.code, ours.out, ours.err) == (theirs.code, theirs.out, theirs.err)
    ours, theirs = await both(skiff, kubectl, "get", "pods", "--bogus")
    assert (ours.code, ours.err.splitlines()[0]) == (theirs.code, theirs.err.splitlines()[0])


async def test_writing_verbs_print_what_kubectl_prints(client, skiff, kubectl):
    results = {}
    for tool, run in (("skiff", skiff), ("kubectl", kubectl)):
        name = f"web-{tool}"
        await client.create(deployment(name, 1))  # (kubectl's create deployment sends protobuf)
        outputs = [
            await run("set", "image", f"deploy/{name}", "app=busybox:1.37"),
            await run("set", "image", f"deploy/{name}", "nope=busybox:1.37"),
            await run("label", f"deploy/{name}", "tier=x"),
            await run("patch", f"deploy/{name}", "-p", '{"spec":{"replicas":2}}'),
            await run("patch", f"deploy/{name}", "-p", '{"spec":{"replicas":2}}'),
            await run("scale", f"deploy/{name}", "--replicas=3"),
            await run("rollout", "restart", f"deploy/{name}"),
            await run("delete", "deploy", name),
        ]
        results[tool] = [(r.code, r.out.replace(name, "NAME"), r.err.replace(name, "NAME")) for r in outputs]
    for ours, theirs in zip(results["skiff"], results["kubectl"]):
        assert ours == theirs


async def test_node_verbs_print_what_kubectl_prints(client, skiff, kubectl):
    from tests.fixtures.objects import node
    results = {}
    for tool, run in (("skiff", skiff), ("kubectl", kubectl)):
        name = f"n-{tool}"
        await client.create(node(name))
        await client.create(pod(f"bare-{tool}", node=name))
        outputs = [
            await run("cordon", name),
            await run("cordon", name),
            await run("uncordon", name),
            await run("taint", "nodes", name, "dedicated=db:NoSchedule"),
            await run("taint", "nodes", name, "dedicated=web:NoSchedule"),
            await run("taint", "nodes", name, "dedicated-"),
            await run("taint", "nodes", name, "dedicated:NoSchedule-"),
        ]
        results[tool] = [(r.code, r.out.replace(name, "NODE"), r.err.replace(name, "NODE")) for r in outputs]
    for ours, theirs in zip(results["skiff"], results["kubectl"]):
        assert ours == theirs


async def test_get_all_names_objects_by_kind_as_kubectl(client, skiff, kubectl):
    await _objects(client)
    ours, theirs = await both(skiff, kubectl, "get", "all")
    assert theirs.code == 0, theirs.err

    def names(text):
        return [line.split()[0] for line in text.splitlines() if line and not line.startswith("NAME")]
    assert names(ours.out) == names(theirs.out)
