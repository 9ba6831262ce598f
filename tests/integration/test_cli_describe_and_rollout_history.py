"""`skiff describe` of Deployments, ReplicaSets, Nodes and Services and `skiff rollout history
--revision` against a real API server, etcd and the controllers."""
from __future__ import annotations

from api import deployments, manifest
from tests.fixtures.api_calls import active_pods, edit
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.objects import deployment, node
from tests.fixtures.wait import eventually


async def _revision(client, n):
    d = await client.get("Deployment", "web")
    return d.metadata.annotations.get(deployments.REVISION) == str(n) and d.status.available_replicas == 2


async def test_describe_and_revision_history_of_a_rolled_out_deployment(client, skiff):
    async with running_manager(client, ["replicaset", "deployment"]), fake_agent(client):
        await client.create(deployment("web", 2))
        await eventually(lambda: _revision(client, 1))

        def new_image(d):
            d.spec.template.spec.containers[0].image = "busybox:1.37"
        await edit(client, "Deployment", "web", new_image)
        await eventually(lambda: _revision(client, 2))

        async def rolled_out():
            d = await client.get("Deployment", "web")
            s = d.status
            counts = (s.replicas, s.updated_replicas, s.available_replicas, s.unavailable_replicas)
            pods = await active_pods(client, selector="app=web")
            events = (await client.list("Event", "default", field_selector="involvedObject.name=web")).items
            olds = [rs for rs in (await client.list("ReplicaSet", "default")).items
                    if deployments.revision_of(rs) == 1]
            return (any(e.reason == "ScalingReplicaSet" for e in events) and olds and olds[0].spec.replicas == 0
                    and counts == (2, 2, 2, 0) and s.observed_generation == d.metadata.generation
                    and len(pods) == 2 and all(p.status.phase == "Running" for p in pods))
        await eventually(rolled_out)
        described = await skiff("describe", "deploy/web")
        first = await skiff("rollout", "history", "deploy/web", "--revision", "1")
        missing = await skiff("rollout", "history", "deploy/web", "--revision", "9")
        rss = {deployments.revision_of(rs): rs.metadata.name for rs in (await client.list("ReplicaSet")).items}
        rs_described = await skiff("describe", "rs", rss[2])

    assert described.code == 0, described.err
    lines = described.out.splitlines()
    assert "Replicas:           2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in lines
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in lines
    assert "    Image:          busybox:1.37" in lines
    assert f"NewReplicaSet:      {rss[2]} (2/2 replicas created)" in lines
    assert "OldReplicaSets:     <none>" in lines
    assert any("ScalingReplicaSet" in line for line in lines[lines.index("Events:"):])

    assert first.code == 0, first.err
    assert first.out.splitlines()[:2] == ["deployment.apps/web with revision #1", "Pod Template:"]
    assert "    Image:          busybox:1.36" in first.out.splitlines()
    assert (missing.code, missing.out) == (1, "")
    assert 'unable to find revision 9 in the history of deployment "web"' in missing.err

    assert rs_described.code == 0, rs_described.err
    assert "Controlled By:      Deployment/web" in rs_described.out
    assert "Pods Status:        2 Running / 0 Waiting / 0 Succeeded / 0 Failed" in rs_described.out


async def test_describe_node_lists_its_pods_and_service_its_endpoints(client, skiff):
    await client.create(node("node1", cpu="2", memory="4Gi"))
    web = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
                              "spec": {"nodeName": "node1", "containers": [{"name": "app", "image": "nginx",
                                       "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]}})[0]
    await client.create(web)
    svc = manifest.from_dict({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                              "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}})[0]
    await client.create(svc)
    ep = manifest.from_dict({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
                             "subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"name": "http", "port": 80}]}]})[0]
    await client.create(ep)
    assert [p.metadata.name for p in await active_pods(client)] == ["web"]

    described = await skiff("describe", "node", "node1")
    assert described.code == 0, described.err
    lines = described.out.splitlines()
    assert "Non-terminated Pods:  (1 in total)" in lines
    row = next(line for line in lines if line.startswith("  default"))
    assert row.split()[:6] == ["default", "web", "500m", "(25%)", "0", "(0%)"]
    assert "  cpu       500m (25%)  0 (0%)" in lines

    svc_described = await skiff("describe", "svc", "web")
    assert svc_described.code == 0, svc_described.err
    lines = svc_described.out.splitlines()
    assert "Port:               http  80/TCP" in lines and "TargetPort:         80/TCP" in lines
    assert "Endpoints:          10.244.1.5:80" in lines and "Session Affinity:   None" in lines
