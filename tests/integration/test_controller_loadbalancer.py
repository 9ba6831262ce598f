"""The load-balancer IP controller against a real API server: LoadBalancer Services get pool addresses
in status.loadBalancer.ingress (a requested one honoured, another class left alone), the address is
released on delete or type change, kept across a restart, and an empty pool leaves <pending> with a
Warning event AllocationFailed."""
from __future__ import annotations

from api import errors
from tests.fixtures.api_calls import edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import deployment, from_yaml
from tests.fixtures.wait import eventually

POOL = "10.250.0.200-10.250.0.201"


def lb_service(name, extra=""):
    return from_yaml(f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: LoadBalancer
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
{extra}
""")


def address_of(client, name):
    async def check():
        try:
            svc = await client.get("Service", name)
        except errors.NotFound:
            return None
        ips = [i.ip for i in svc.status.load_balancer.ingress]
        return ips[0] if ips else ""
    return check


async def events_of(client, name, reason):
    found = await client.list("Event", "default")
    return [e for e in found.items if e.involved_object.name == name and e.reason == reason]


async def test_services_get_pool_addresses_and_a_requested_one(client):
    async with running_manager(client, ["loadbalancer"], load_balancer_pool=POOL):
        await client.create(lb_service("wanted", "  loadBalancerIP: 10.250.0.201"))
        await client.create(lb_service("any"))
        assert await eventually(address_of(client, "wanted"), what="wanted gets an address") == "10.250.0.201"
        assert await eventually(address_of(client, "any"), what="any gets an address") == "10.250.0.200"
        assert await eventually(lambda: events_of(client, "any", "IPAllocated"), what="IPAllocated event")


async def test_other_class_and_other_types_are_left_alone(client):
    async with running_manager(client, ["loadbalancer"], load_balancer_pool=POOL):
        await client.create(lb_service("theirs", "  loadBalancerClass: example.com/other"))
        await client.create(from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: plain}
spec: {ports: [{port: 80}]}
"""))
        await client.create(lb_service("ours", "  loadBalancerClass: skiff.io/lb"))
        assert await eventually(address_of(client, "ours"), what="ours gets an address") == "10.250.0.200"
        assert await address_of(client, "theirs")() == ""
        assert await address_of(client, "plain")() == ""


async def test_exhausted_pool_stays_pending_with_event_until_an_address_is_released(client):
    async with running_manager(client, ["loadbalancer"], load_balancer_pool=POOL):
        for name in ("a", "b"):
            await client.create(lb_service(name))
            await eventually(address_of(client, name), what=f"{name} gets an address")
        await client.create(lb_service("c"))
        event = (await eventually(lambda: events_of(client, "c", "AllocationFailed"), what="AllocationFailed"))[0]
        assert event.type == "Warning"
        assert event.message == 'Failed to allocate IP for "default/c": no available IPs'
        assert await address_of(client, "c")() == ""
        freed = await address_of(client, "a")()
        await client.delete("Service", "a")
        assert await eventually(address_of(client, "c"), what="c gets the freed address") == freed


async def test_type_change_releases_the_address(client):
    async with running_manager(client, ["loadbalancer"], load_balancer_pool="10.250.0.200"):
        await client.create(lb_service("first"))
        assert await eventually(address_of(client, "first")) == "10.250.0.200"
        await client.create(lb_service("second"))
        await eventually(lambda: events_of(client, "second", "AllocationFailed"))

        def to_cluster_ip(svc):
            svc.spec.type = "ClusterIP"
            svc.spec.ClearField("allocate_load_balancer_node_ports")
            for port in svc.spec.ports:
                port.node_port = 0
        await edit(client, "Service", "first", to_cluster_ip)
        assert await eventually(address_of(client, "second"), what="second gets the address") == "10.250.0.200"
        assert await eventually(lambda: _is_empty(address_of(client, "first")), what="first's status cleared")


async def _is_empty(check):
    return await check() == ""


async def test_addresses_survive_a_controller_restart(client):
    async with running_manager(client, ["loadbalancer"], load_balancer_pool=POOL):
        await client.create(lb_service("kept"))
        assert await eventually(address_of(client, "kept")) == "10.250.0.200"
    async with running_manager(client, ["loadbalancer"], load_balancer_pool=POOL):
        await client.create(lb_service("new"))
        # the restarted controller learnt .200 is kept's from its status, so the next one is .201
        assert await eventually(address_of(client, "new")) == "10.250.0.201"
        assert await address_of(client, "kept")() == "10.250.0.200"


async def test_expose_as_load_balancer_shows_pending_then_the_address(client, skiff):
    await client.create(deployment("web", 1))
    result = await skiff("expose", "deploy", "web", "--port", "80", "--type", "LoadBalancer")
    assert result.code == 0, result.err
    row = (await skiff("get", "svc", "web")).out.splitlines()[1].split()
    assert row[:2] == ["web", "LoadBalancer"] and row[3] == "<pending>"
    async with running_manager(client, ["loadbalancer"], load_balancer_pool=POOL):
        await eventually(address_of(client, "web"), what="web gets an address")
    row = (await skiff("get", "svc", "web")).out.splitlines()[1].split()
    assert row[3] == "10.250.0.200"
