"""`skiff get` against a real API server through its REST fast path: it answers from the REST address
alone, prints what the gRPC path prints, and hands over to the gRPC path (and its error messages) whenever
the REST API cannot answer."""
from __future__ import annotations

import re

from tests.fixtures.objects import pod
from tests.fixtures.etcd import free_port


def without_age(text: str) -> list[list[str]]:
    """Each line's cells, the AGE cell dropped: the two paths run a second apart."""
    lines = [re.split(r"\s{3,}", line) for line in text.splitlines()]
    at = lines[0].index("AGE") if lines and "AGE" in lines[0] else None
    return [cells[:at] + cells[at + 1:] if at is not None else cells for cells in lines]


async def make_pods(client):
    await client.create(pod("web-1", labels={"app": "web"}))
    await client.create(pod("web-2", labels={"app": "web", "tier": "front"}))
    await client.create(pod("db", namespace="kube-system", labels={"app": "db"}))


async def test_get_answers_from_the_rest_address_alone(skiff, client, cli_config_for, apiserver_running):
    await make_pods(client)
    cli_config_for(f"127.0.0.1:{free_port()}", rest=apiserver_running.rest.address)  # no gRPC server there
    listed = await skiff("get", "pods", "-l", "app=web", "-o", "wide", "--show-labels")
    assert listed.code == 0, listed.err
    assert [cells[0] for cells in without_age(listed.out)] == ["NAME", "web-1", "web-2"]
    assert "app=web,tier=front" in listed.out
    named = await skiff("get", "po", "db", "-n", "kube-system")
    assert (named.code, without_age(named.out)[1]) == (0, ["db", "0/1", "Pending", "0"])


async def test_the_rest_path_prints_what_the_grpc_path_prints(skiff, client, cli_config_for, apiserver_running):
    await make_pods(client)
    for words in (("get", "pods"), ("get", "po", "-A", "-o", "wide", "-L", "tier"), ("get", "po", "--no-headers"),
                  ("get", "namespaces"), ("get", "po", "web-2", "web-1"), ("get", "deploy")):
        cli_config_for(apiserver_running.address, rest=apiserver_running.rest.address)
        fast = await skiff(*words)
        cli_config_for(apiserver_running.address)
        slow = await skiff(*words)
        assert (fast.code, without_age(fast.out), fast.err) == (slow.code, without_age(slow.out), slow.err), words


async def test_an_unreachable_rest_address_falls_back_to_grpc(skiff, client, cli_config_for, apiserver_running):
    await make_pods(client)
    cli_config_for(apiserver_running.address, rest=f"127.0.0.1:{free_port()}")  # nothing listens there
    listed = await skiff("get", "pods")
    assert listed.code == 0, listed.err
    assert [cells[0] for cells in without_age(listed.out)] == ["NAME", "web-1", "web-2"]


async def test_errors_are_worded_by_the_grpc_path(skiff, client):
    await make_pods(client)
    missing = await skiff("get", "po", "web-1", "nosuch")
    assert missing.code == 1
    assert missing.err.strip() == 'Error from server (NotFound): pods "nosuch" not found'
    assert [cells[0] for cells in without_age(missing.out)] == ["NAME", "web-1"]
    bad = await skiff("get", "po", "-l", "app in (x")
    assert bad.code == 1 and bad.err.count("\n") == 1 and "app in (x" in bad.err, bad.err
    empty = await skiff("get", "po", "-n", "nothing-here")
    assert (empty.code, empty.out, empty.err.strip()) == (0, "", "No resources found in nothing-here namespace.")
