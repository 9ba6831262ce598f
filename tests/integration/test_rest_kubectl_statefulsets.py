"""Stock kubectl (v1.32) with StatefulSets over skiff's REST API: apply of the docs' web.yaml (a headless
Service and a StatefulSet with a claim template), columns, scale, rollout status, describe, and refusals."""
from __future__ import annotations

import pytest

from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.fake_agent import fake_agent
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

# kubernetes/website content/en/examples/application/web/web.yaml
WEB = """apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.21
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
"""


async def _ready(client, n):
    sts = await client.get("StatefulSet", "web")
    return sts if sts.status.ready_replicas == n and sts.status.replicas == n else None


async def test_apply_the_docs_web_statefulset_scale_and_rollout_status(kubectl, skiff, client, tmp_path):
    path = write(tmp_path, "web.yaml", WEB)
    async with running_manager(client, ["statefulset"]), fake_agent(client):
        applied = await kubectl("apply", "-f", path)
        assert applied.code == 0, applied.err
        assert applied.out.split("\n")[:2] == ["service/nginx created", "statefulset.apps/web created"]
        first = await client.get("StatefulSet", "web")
        # kubectl replaces volumeClaimTemplates (a list without a merge key) whenever the stored one carries
        # server defaults, so it says "configured" as against Kubernetes; nothing changes
        again = await kubectl("apply", "-f", path)
        assert again.code == 0 and "statefulset.apps/web" in again.out, again.err
        assert (await client.get("StatefulSet", "web")).metadata.generation == first.metadata.generation
        await eventually(lambda: _ready(client, 2))
        listed = await kubectl("get", "statefulsets")
        assert listed.out.splitlines()[0].split() == ["NAME", "READY", "AGE"]
        assert listed.out.splitlines()[1].split()[:2] == ["web", "2/2"]
        wide = await kubectl("get", "sts", "web", "-o", "wide")
        assert wide.out.splitlines()[0].split() == ["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"]
        status = await kubectl("rollout", "status", "sts/web", "--timeout=30s")
        assert status.code == 0, status.err
        assert "partitioned roll out complete: 2 new pods have been updated..." in status.out
        scaled = await kubectl("scale", "sts", "web", "--replicas=3")
        assert (scaled.code, scaled.out.strip()) == (0, "statefulset.apps/web scaled"), scaled.err
        await eventually(lambda: _ready(client, 3))
        claims = {c.metadata.name for c in (await client.list("PersistentVolumeClaim", "default")).items}
        assert claims >= {"www-web-0", "www-web-1", "www-web-2"}
        ours = await skiff("rollout", "status", "sts/web", "--timeout=30s")
        assert ours.code == 0, ours.err
        described = (await skiff("describe", "statefulset", "web")).out
        for line in ("Replicas:", "3 desired | 3 total", "Update Strategy:", "Partition:", "Pods Status:",
                     "Pod Template:", "Volume Claims:", "www"):
            assert line in described, described


@pytest.mark.parametrize("change, message", [
    (("      labels:\n        app: nginx\n    spec:", "      labels:\n        app: other\n    spec:"),
     'spec.template.metadata.labels: Invalid value: {"app": "other"}: `selector` does not match template `labels`'),
    (("  replicas: 2", "  replicas: 2\n  podManagementPolicy: Sometimes"),
     'spec.podManagementPolicy: Invalid value: "Sometimes": must be \'OrderedReady\' or \'Parallel\''),
    (("  replicas: 2", "  replicas: -1"), "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    (("  replicas: 2", "  replicas: 2\n  updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n"
                       "      partition: 1"),
     "spec.updateStrategy.rollingUpdate: Invalid value"),
    (("          storage: 1Gi", "          storage: lots"),
     "spec.volumeClaimTemplates[0].spec.resources.requests[storage]"),
    (("  selector:\n    matchLabels:\n      app: nginx\n  template", "  template"), "spec.selector: Required value"),
])
async def test_invalid_statefulsets_are_refused_with_field_paths_and_nothing_stored(kubectl, client, tmp_path,
                                                                                    change, message):
    sts_only = WEB.split("---\n", 1)[1]
    assert change[0] in sts_only
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", sts_only.replace(*change)))
    assert done.code != 0
    assert 'The StatefulSet "web" is invalid' in done.err, done.err
    assert message in done.err, done.err
    assert not (await client.list("StatefulSet", "default")).items


async def test_a_statefulsets_fixed_fields_may_not_change(kubectl, client, tmp_path):
    sts_only = WEB.split("---\n", 1)[1]
    assert (await kubectl("apply", "-f", write(tmp_path, "web.yaml", sts_only))).code == 0
    changed = await kubectl("apply", "-f", write(tmp_path, "web2.yaml", sts_only.replace('"nginx"', '"other"')))
    assert changed.code != 0
    assert "spec: Forbidden: updates to statefulset spec for fields other than 'replicas'" in changed.err
    assert (await client.get("StatefulSet", "web")).spec.service_name == "nginx"
