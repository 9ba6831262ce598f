"""The endpoints controller against a real API server and etcd: pods' readiness (written by the test)
moves addresses between `addresses` and `notReadyAddresses` within a second; terminating pods leave at
once; named ports resolve per pod; Endpoints go with their Service; others' edits are repaired."""
from __future__ import annotations

import time

from api import errors, meta
from tests.fixtures.api_calls import edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import from_yaml
from tests.fixtures.objects import pod as pod_object
from tests.fixtures.wait import eventually


def service(name="web", target_port="8080", selector="{app: web}", extra=""):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, labels: {{tier: front}}}}
spec:
  selector: {selector}
  ports: [{{name: http, port: 80, targetPort: {target_port}}}]
{extra}
""")


async def running_pod(client, name, ip, ready=True, labels=None, ports=None):
    """A pod bound to node n1 whose status (IP, Ready) the test writes, as an agent would."""
    obj = pod_object(name, labels=labels or {"app": "web"}, node="n1")
    if ports:
        for port_name, number in ports:
            obj.spec.containers[0].ports.add(name=port_name, container_port=number, protocol="TCP")
    created = await client.create(obj)
    return await set_status(client, created, ip, ready)


async def set_status(client, pod, ip, ready):
    pod.status.phase = "Running"
    pod.status.pod_ip = ip
    meta.set_condition(pod.status.conditions, "Ready", "True" if ready else "False")
    return await client.update_status(pod)


async def endpoints_are(client, ready, not_ready=(), name="web"):
    try:
        ep = await client.get("Endpoints", name)
    except errors.NotFound:
        return None
    got_ready = sorted(a.ip for s in ep.subsets for a in s.addresses)
    got_not_ready = sorted(a.ip for s in ep.subsets for a in s.not_ready_addresses)
    return ep if (got_ready, got_not_ready) == (sorted(ready), sorted(not_ready)) else None


async def test_endpoints_list_ready_and_not_ready_pods_with_ports_and_refs(client):
    async with running_manager(client, ["endpoints"]):
        await client.create(service())
        a = await running_pod(client, "a", "10.244.1.2")
        await running_pod(client, "b", "10.244.1.3", ready=False)
        await running_pod(client, "other", "10.244.1.4", labels={"app": "other"})
        await client.create(pod_object("no-ip", labels={"app": "web"}, node="n1"))
        ep = await eventually(lambda: endpoints_are(client, ["10.244.1.2"], ["10.244.1.3"]))
        [subset] = ep.subsets
        assert [(p.name, p.port, p.protocol) for p in subset.ports] == [("http", 8080, "TCP")]
        ref = subset.addresses[0].target_ref
        assert (ref.kind, ref.name, ref.uid, subset.addresses[0].node_name) == ("Pod", "a", a.metadata.uid, "n1")
        assert dict(ep.metadata.labels) == {"tier": "front"}


async def test_readiness_change_moves_the_address_within_a_second(client):
    async with running_manager(client, ["endpoints"]):
        await client.create(service())
        p = await running_pod(client, "a", "10.244.1.2")
        await eventually(lambda: endpoints_are(client, ["10.244.1.2"]))
        for ready, expect in ((False, ([], ["10.244.1.2"])), (True, (["10.244.1.2"], []))):
            p = await set_status(client, p, "10.244.1.2", ready)
            started = time.monotonic()
            await eventually(lambda: endpoints_are(client, *expect), timeout=5, interval=0.02)
            assert time.monotonic() - started < 1.0


async def test_terminating_pod_leaves_at_once(client):
    async with running_manager(client, ["endpoints"]):
        await client.create(service())
        await running_pod(client, "a", "10.244.1.2")
        await running_pod(client, "b", "10.244.1.3")
        await eventually(lambda: endpoints_are(client, ["10.244.1.2", "10.244.1.3"]))
        await client.delete("Pod", "a", grace_period=30)  # bound: only marked, the pod stays a while
        assert (await client.get("Pod", "a")).metadata.deletion_timestamp
        await eventually(lambda: endpoints_are(client, ["10.244.1.3"]), timeout=5)


async def test_named_target_port_is_resolved_per_pod(client):
    async with running_manager(client, ["endpoints"]):
        await client.create(service(target_port="web"))
        await running_pod(client, "a", "10.244.1.2", ports=[("web", 8080)])
        await running_pod(client, "b", "10.244.1.3", ports=[("web", 9090)])
        await running_pod(client, "c", "10.244.1.4", ports=[("admin", 7000)])  # no "web": left out

        async def two_subsets():
            ep = await endpoints_are(client, ["10.244.1.2", "10.244.1.3"])
            return ep if ep is not None and len(ep.subsets) == 2 else None
        ep = await eventually(two_subsets)
        assert {(s.addresses[0].ip, s.ports[0].port) for s in ep.subsets} == {("10.244.1.2", 8080),
                                                                               ("10.244.1.3", 9090)}


async def test_endpoints_follow_label_changes_and_go_with_the_service(client):
    async with running_manager(client, ["endpoints"]):
        await client.create(service())
        await running_pod(client, "a", "10.244.1.2")
        await eventually(lambda: endpoints_are(client, ["10.244.1.2"]))
        await edit(client, "Pod", "a", lambda p: p.metadata.labels.update({"app": "elsewhere"}))
        await eventually(lambda: endpoints_are(client, []))
        await client.delete("Service", "web")

        async def gone():
            try:
                await client.get("Endpoints", "web")
            except errors.NotFound:
                return True
        await eventually(gone, timeout=5)


async def test_edits_by_others_are_repaired_and_selectorless_endpoints_left_alone(client):
    manual = from_yaml("""
apiVersion: v1
kind: Endpoints
metadata: {name: external}
subsets: [{addresses: [{ip: 192.0.2.10}], ports: [{port: 5432}]}]
""")
    async with running_manager(client, ["endpoints"]):
        await client.create(from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: external}
spec: {ports: [{port: 5432}]}
"""))
        await client.create(manual)
        await client.create(service())
        await running_pod(client, "a", "10.244.1.2")
        await eventually(lambda: endpoints_are(client, ["10.244.1.2"]))
        await client.delete("Endpoints", "web")  # someone deletes it: it comes back
        await eventually(lambda: endpoints_are(client, ["10.244.1.2"]), timeout=5)
        assert await endpoints_are(client, ["192.0.2.10"], name="external")


async def test_leftover_endpoints_of_a_deleted_service_are_removed_at_start(client):
    await client.create(from_yaml("""
apiVersion: v1
kind: Endpoints
metadata: {name: leftover}
subsets: [{addresses: [{ip: 10.244.9.9}], ports: [{port: 80}]}]
"""))
    async with running_manager(client, ["endpoints"]):
        async def gone():
            try:
                await client.get("Endpoints", "leftover")
            except errors.NotFound:
                return True
        await eventually(gone, timeout=5)
