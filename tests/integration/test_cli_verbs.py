"""The everyday writing verbs against a real API server: their effect on the objects, and kubectl's lines
and exit codes (set, rollout restart, wait, cordon/uncordon, taint, drain, create generators)."""
from __future__ import annotations

import asyncio
import time

from tests.fixtures.fake_agent import fake_agent, make_ready
from tests.fixtures.objects import deployment, node, pod


async def test_set_image_env_and_resources_change_the_template(client, skiff):
    await client.create(deployment("web", 1))
    image = await skiff("set", "image", "deploy/web", "app=busybox:1.37")
    env = await skiff("set", "env", "deploy/web", "LOG=debug", "MODE=x")
    unset = await skiff("set", "env", "deploy/web", "MODE-")
    res = await skiff("set", "resources", "deploy/web", "--limits=cpu=200m,memory=512Mi", "--requests=cpu=100m")
    again = await skiff("set", "image", "deploy/web", "app=busybox:1.37")
    dry = await skiff("set", "image", "deploy/web", "*=busybox:9", "--dry-run=server")
    assert image.out == "deployment.apps/web image updated\n", image.err
    assert env.out == "deployment.apps/web env updated\n" and unset.out == env.out
    assert res.out == "deployment.apps/web resource requirements updated\n", res.err
    assert (again.code, again.out) == (0, "")  # nothing changed, nothing said
    assert dry.out == "deployment.apps/web image updated (server dry run)\n"
    c = (await client.get("Deployment", "web")).spec.template.spec.containers[0]
    assert c.image == "busybox:1.37"
    assert [(e.name, e.value) for e in c.env] == [("LOG", "debug")]
    assert dict(c.resources.limits) == {"cpu": "200m", "memory": "512Mi"} and dict(c.resources.requests) == {"cpu": "100m"}
    listed = await skiff("set", "env", "deploy/web", "--list")
    assert "LOG=debug" in listed.out.splitlines()
    missing = await skiff("set", "image", "deploy/web", "nope=busybox")
    assert (missing.code, missing.err) == (1, 'error: unable to find container named "nope"\n')


async def test_rollout_restart_annotates_the_template(client, skiff):
    await client.create(deployment("web", 1))
    result = await skiff("rollout", "restart", "deploy/web")
    assert result.out == "deployment.apps/web restarted\n", result.err
    annotations = (await client.get("Deployment", "web")).spec.template.metadata.annotations
    assert "kubectl.kubernetes.io/restartedAt" in annotations


async def test_wait_returns_when_the_condition_holds(client, skiff):
    await client.create(pod("web"))
    waiter = asyncio.create_task(skiff("wait", "--for=condition=Ready", "pod/web", "--timeout=20s"))
    await asyncio.sleep(0)  # let the waiter start; it may see the pod before or after it is ready
    await make_ready(client, await client.get("Pod", "web"))
    result = await waiter
    assert (result.code, result.out) == (0, "pod/web condition met\n"), result.err
    phase = await skiff("wait", "--for=jsonpath={.status.phase}=Running", "pod/web")
    assert phase.out == "pod/web condition met\n", phase.err


async def test_wait_times_out_with_kubectls_message_and_exit_code(client, skiff):
    await client.create(pod("web"))
    began = time.monotonic()
    result = await skiff("wait", "--for=condition=Ready", "pod/web", "--timeout=1s")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: timed out waiting for the condition on pods/web\n"
    assert time.monotonic() - began < 15
    gone = await skiff("wait", "--for=delete", "pod/nothing", "--timeout=1s")
    assert (gone.code, gone.out) == (0, "")  # as kubectl: gone before the wait, nothing to say
    missing = await skiff("wait", "--for=condition=Ready", "deploy/nothing", "--timeout=1s")
    assert (missing.code, missing.err) == (1, 'error: deployments.apps "nothing" not found\n')


async def test_cordon_uncordon_and_taint_nodes(client, skiff):
    await client.create(node("n1"))
    assert (await skiff("cordon", "n1")).out == "node/n1 cordoned\n"
    assert (await skiff("cordon", "n1")).out == "node/n1 already cordoned\n"
    assert (await client.get("Node", "n1")).spec.unschedulable
    assert (await skiff("uncordon", "n1")).out == "node/n1 uncordoned\n"
    assert not (await client.get("Node", "n1")).spec.unschedulable

    assert (await skiff("taint", "nodes", "n1", "dedicated=db:NoSchedule")).out == "node/n1 tainted\n"
    again = await skiff("taint", "nodes", "n1", "dedicated=web:NoSchedule")
    assert (again.code, again.err) == (1, "error: node n1 already has dedicated taint(s) with same effect(s) "
                                          "and --overwrite is false\n")
    assert (await skiff("taint", "node", "n1", "dedicated=web:NoSchedule", "--overwrite")).code == 0
    taints = [(t.key, t.value, t.effect) for t in (await client.get("Node", "n1")).spec.taints]
    assert taints == [("dedicated", "web", "NoSchedule")]
    assert (await skiff("taint", "nodes", "n1", "dedicated-")).out == "node/n1 untainted\n"
    assert not (await client.get("Node", "n1")).spec.taints
    absent = await skiff("taint", "nodes", "n1", "dedicated:NoSchedule-")
    assert (absent.code, absent.err) == (1, 'error: taint "dedicated:NoSchedule" not found\n')


async def test_drain_refuses_an_unmanaged_pod_without_force(client, skiff):
    await client.create(node("n1"))
    await client.create(pod("bare", node="n1"))
    result = await skiff("drain", "n1")
    assert result.code == 1
    assert result.out == "node/n1 cordoned\n"
    assert result.err == ('error: unable to drain node "n1" due to error: cannot delete Pods that declare no '
                          'controller (use --force to override): default/bare\n')
    assert (await client.get("Pod", "bare")).metadata.name == "bare"


async def test_drain_evicts_pods_and_waits_until_they_are_gone(client, skiff):
    await client.create(node("n1"))
    await client.create(node("n2"))
    owned = pod("managed", node="n1", owner_uid="u-1")
    await client.create(owned)
    await client.create(pod("bare", node="n1"))
    await client.create(pod("elsewhere", node="n2"))
    async with fake_agent(client):
        result = await skiff("drain", "n1", "--force", "--timeout=30s")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "node/n1 cordoned" and lines[-1] == "node/n1 drained"
    assert {"evicting pod default/managed", "pod/managed evicted", "evicting pod default/bare",
            "pod/bare evicted"} <= set(lines)
    assert "Warning: deleting Pods that declare no controller: default/bare" in result.err
    names = {p.metadata.name for p in (await client.list("Pod")).items}
    assert names == {"elsewhere"}


async def test_eviction_of_a_missing_pod_is_not_found(client):
    from api import errors
    try:
        await client.evict("nothing", "default")
    except errors.NotFound as e:
        assert 'pods "nothing" not found' in e.message
    else:
        raise AssertionError("evicting a missing pod should be NotFound")


async def test_create_generators_make_working_objects(client, skiff):
    made = await skiff("create", "deployment", "web", "--image=busybox:1.36", "--replicas=2")
    svc = await skiff("create", "service", "nodeport", "web", "--tcp=80:8080")
    ns = await skiff("create", "namespace", "team")
    dry = await skiff("create", "namespace", "dry", "--dry-run=server")
    assert made.out == "deployment.apps/web created\n", made.err
    assert svc.out == "service/web created\n", svc.err
    assert (ns.out, dry.out) == ("namespace/team created\n", "namespace/dry created (server dry run)\n")
    d = await client.get("Deployment", "web")
    assert (d.spec.replicas, d.spec.template.spec.containers[0].name) == (2, "busybox")
    s = await client.get("Service", "web")
    assert (s.spec.type, s.spec.ports[0].port, 30000 <= s.spec.ports[0].node_port <= 32767) == ("NodePort", 80, True)
    assert [n.metadata.name for n in (await client.list("Namespace")).items if n.metadata.name in ("team", "dry")] == ["team"]
    exists = await skiff("create", "namespace", "team")
    assert (exists.code, exists.err) == (1, 'Error from server (AlreadyExists): namespaces "team" already exists\n')
    again = await skiff("create", "deployment", "web", "--image=busybox")  # kubectl's generators say which failed
    assert (again.code, again.err) == (1, 'error: failed to create deployment: deployments.apps "web" already exists\n')
    again = await skiff("create", "service", "nodeport", "web", "--tcp=80:8080")
    assert again.err == 'error: failed to create NodePort service: services "web" already exists\n'


async def test_cluster_info_names_the_control_plane_and_counts_ready_nodes(client, skiff):
    await client.create(node("n1"))
    await client.create(node("n2", ready=False))
    result = await skiff("cluster-info")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"Kubernetes control plane is running at {client.server}")
    assert lines[1] == "Nodes: 1 of 2 Ready"


async def test_run_creates_a_pod_labelled_run_name(client, skiff):
    result = await skiff("run", "web", "--image=busybox:1.36", "--env=MODE=x", "--restart=Never", "--", "sleep", "9")
    assert result.out == "pod/web created\n", result.err
    p = await client.get("Pod", "web")
    c = p.spec.containers[0]
    assert (dict(p.metadata.labels), p.spec.restart_policy, list(c.args), c.env[0].value) == (
        {"run": "web"}, "Never", ["sleep", "9"], "x")

