"""`skiff expose` and `skiff get svc|ep` against a real API server: the Service takes the object's
selector and ports, and the endpoints controller fills in what `get ep` shows."""
from __future__ import annotations

from api import meta
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import deployment, from_yaml
from tests.fixtures.objects import pod as pod_object
from tests.fixtures.wait import eventually


async def test_expose_deployment_takes_its_selector_and_ports(client, skiff):
    await client.create(deployment("web", 2))
    result = await skiff("expose", "deploy", "web", "--port", "80", "--target-port", "8080", "--type", "NodePort")
    assert (result.code, result.out.strip()) == (0, "service/web exposed"), result.err
    svc = await client.get("Service", "web")
    assert dict(svc.spec.selector) == {"app": "web"} and svc.spec.type == "NodePort"
    [port] = svc.spec.ports
    assert (port.port, port.target_port.int_value, port.protocol) == (80, 8080, "TCP")
    assert 30000 <= port.node_port <= 32767

    got = await skiff("get", "svc", "web")
    header, row = got.out.splitlines()
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert row.split()[:5] == ["web", "NodePort", svc.spec.cluster_ip, "<none>", f"80:{port.node_port}/TCP"]


async def test_expose_pod_uses_its_labels_and_named_target_port(client, skiff):
    pod = pod_object("db", labels={"app": "db", "tier": "data"})
    pod.spec.containers[0].ports.add(name="pg", container_port=5432, protocol="TCP")
    await client.create(pod)
    result = await skiff("expose", "pod/db", "--port", "5432", "--target-port", "pg", "--name", "db-svc")
    assert result.code == 0, result.err
    svc = await client.get("Service", "db-svc")
    assert dict(svc.spec.selector) == {"app": "db", "tier": "data"}
    assert svc.spec.ports[0].target_port.str_value == "pg"

    without_port = await skiff("expose", "pod", "db", "--name", "db-auto")  # from the container's ports
    assert without_port.code == 0, without_port.err
    assert (await client.get("Service", "db-auto")).spec.ports[0].port == 5432


async def test_expose_errors_name_the_problem(client, skiff):
    missing = await skiff("expose", "deploy", "nope", "--port", "80")
    assert missing.code == 1 and '"nope" not found' in missing.err
    await client.create(pod_object("bare", labels={"app": "bare"}))
    no_port = await skiff("expose", "pod", "bare")
    assert no_port.code == 1 and "--port" in no_port.err and "Traceback" not in no_port.err
    await client.create(pod_object("unlabelled"))
    no_labels = await skiff("expose", "pod", "unlabelled", "--port", "80")
    assert no_labels.code == 1 and "--selector" in no_labels.err
    await client.create(from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: taken}
spec: {selector: {app: x}, ports: [{port: 80}]}
"""))
    await client.create(pod_object("taken", labels={"app": "x"}))
    exists = await skiff("expose", "pod", "taken", "--port", "80")
    assert exists.code == 1 and "already exists" in exists.err


async def test_get_endpoints_shows_ready_addresses(client, skiff):
    async with running_manager(client, ["endpoints"]):
        await client.create(from_yaml("""
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
"""))
        for i in range(4):
            p = await client.create(pod_object(f"w{i}", labels={"app": "web"}, node="n1"))
            p.status.phase = "Running"
            p.status.pod_ip = f"10.244.1.{10 + i}"
            meta.set_condition(p.status.conditions, "Ready", "True")
            await client.update_status(p)

        async def listed():
            out = (await skiff("get", "ep", "web")).out
            return out if "+ 1 more..." in out else None
        out = await eventually(listed)
        header, row = out.splitlines()
        assert header.split() == ["NAME", "ENDPOINTS", "AGE"]
        assert row.split()[1] == "10.244.1.10:8080,10.244.1.11:8080,10.244.1.12:8080"
