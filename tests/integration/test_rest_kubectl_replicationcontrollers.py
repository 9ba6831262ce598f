"""Stock kubectl (v1.32) with ReplicationControllers over skiff's REST API: the docs' replication.yaml applied,
its pods made and counted by the ReplicaSet logic, columns, get all, expose, scale, describe, deletion and
refusals."""
from __future__ import annotations

import pytest

from api import meta
from tests.fixtures.api_calls import active_pods
from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/controllers/replication.yaml
REPLICATION = """apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 3
  selector:
    app: nginx
  template:
    metadata:
      name: nginx
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - containerPort: 80
"""


async def _status(client, replicas: int):
    rc = await client.get("ReplicationController", "nginx")
    s = rc.status
    counts = (s.replicas, s.fully_labeled_replicas, s.ready_replicas, s.available_replicas, s.observed_generation)
    return rc if counts == (replicas, replicas, replicas, replicas, rc.metadata.generation) else None


async def test_the_docs_replication_controller_runs_scales_and_goes_with_its_pods(kubectl, skiff, client, tmp_path):
    async with running_manager(client, ["replicationcontroller", "garbagecollector"]), fake_agent(client):
        applied = await kubectl("apply", "-f", write(tmp_path, "replication.yaml", REPLICATION))
        assert (applied.code, applied.out.strip()) == (0, "replicationcontroller/nginx created"), applied.err
        rc = await eventually(lambda: _status(client, 3), what="3 ready replicas")
        assert dict(rc.metadata.labels) == {"app": "nginx"}  # defaulted from the template, as Kubernetes
        pods = await active_pods(client, selector="app=nginx")
        assert len(pods) == 3
        for pod in pods:
            ref = meta.controller_of(pod)
            assert (ref.api_version, ref.kind, ref.name, ref.uid) == ("v1", "ReplicationController", "nginx",
                                                                      rc.metadata.uid)
            assert pod.metadata.name.startswith("nginx-")

        listed = (await kubectl("get", "rc")).out.splitlines()
        assert listed[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
        assert listed[1].split()[:4] == ["nginx", "3", "3", "3"]
        wide = (await kubectl("get", "replicationcontrollers", "-o", "wide")).out.splitlines()
        assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
        assert wide[1].split()[-3:] == ["nginx", "nginx", "app=nginx"]
        ours = (await skiff("get", "rc", "-o", "wide")).out.splitlines()
        assert ours[0].split() == wide[0].split()
        every = await kubectl("get", "all")
        assert "replicationcontroller/nginx" in every.out, every.out
        assert "replicationcontroller/nginx" in (await skiff("get", "all")).out
        exposed = await kubectl("expose", "rc", "nginx", "--port=80")
        assert (exposed.code, exposed.out.strip()) == (0, "service/nginx exposed"), exposed.err
        assert dict((await client.get("Service", "nginx")).spec.selector) == {"app": "nginx"}

        scaled = await kubectl("scale", "rc", "nginx", "--replicas=1")
        assert (scaled.code, scaled.out.strip()) == (0, "replicationcontroller/nginx scaled"), scaled.err
        await eventually(lambda: _status(client, 1), what="1 ready replica")
        described = (await skiff("describe", "rc", "nginx")).out
        assert "Replicas:" in described and "1 current / 1 desired" in described, described
        assert "Selector:" in described and "app=nginx" in described
        assert "SuccessfulDelete" in described
        theirs = await kubectl("describe", "rc", "nginx")
        assert theirs.code == 0 and "1 current / 1 desired" in theirs.out, theirs.err

        deleted = await kubectl("delete", "rc", "nginx")
        assert deleted.code == 0, deleted.err

        async def no_pods():
            return not (await client.list("Pod", "default", label_selector="app=nginx")).items
        await eventually(no_pods, what="the controller's pods collected")


async def test_invalid_replication_controllers_are_refused_in_kubernetes_words(kubectl, client, tmp_path):
    mismatched = REPLICATION.replace("  selector:\n    app: nginx\n", "  selector:\n    app: web\n")
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", mismatched))
    assert done.code != 0
    assert 'The ReplicationController "nginx" is invalid' in done.err
    assert "spec.template.metadata.labels: Invalid value: " in done.err, done.err
    assert "`selector` does not match template `labels`" in done.err
    unlabelled = REPLICATION.replace("  selector:\n    app: nginx\n", "").replace(
        "      labels:\n        app: nginx\n", "") + "      activeDeadlineSeconds: 30\n"
    done = await kubectl("apply", "-f", write(tmp_path, "bad2.yaml", unlabelled))
    assert done.code != 0
    assert "spec.selector: Required value" in done.err, done.err
    assert "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController " \
           "is not Supported" in done.err, done.err
    assert not (await client.list("ReplicationController", "default")).items
