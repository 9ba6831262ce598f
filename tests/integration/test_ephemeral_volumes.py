"""Generic ephemeral volumes through the real API server, scheduler and controllers: the docs' pod applied
with kubectl gets its claim `<pod>-<volume>` (owned by the pod, bound on the pod's node) and loses it with the
pod; a claim of that name that is not the pod's own is refused with Kubernetes' words; bad templates refused."""
from __future__ import annotations

import pytest

from api import meta, storage
from tests.fixtures.api_calls import recorded_event
from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.objects import from_yaml, node
from tests.fixtures.storage import claim
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration

HOST = "kubernetes.io/hostname"
# kubernetes/website docs/concepts/storage/ephemeral-volumes.md (the class: the lab's default `standard`)
MY_APP = """kind: Pod
apiVersion: v1
metadata:
  name: my-app
spec:
  containers:
    - name: my-frontend
      image: busybox:1.28
      volumeMounts:
      - mountPath: "/scratch"
        name: scratch-volume
      command: [ "sleep", "1000000" ]
  volumes:
    - name: scratch-volume
      ephemeral:
        volumeClaimTemplate:
          metadata:
            labels:
              type: my-frontend-volume
          spec:
            accessModes: [ "ReadWriteOnce" ]
            storageClassName: "standard"
            resources:
              requests:
                storage: 1Gi
"""
CONTROLLERS = ["ephemeral-volume", "persistentvolume-binder", "garbagecollector"]


async def _bound_pod(client):
    pod = await client.get("Pod", "my-app")
    return pod if pod.spec.node_name else None


async def test_the_docs_pod_gets_its_own_claim_bound_on_its_node_and_loses_it_with_the_pod(
        kubectl, client, scheduler, tmp_path):
    await client.create(node("n1", labels={HOST: "n1"}))
    async with running_manager(client, CONTROLLERS):
        applied = await kubectl("apply", "-f", write(tmp_path, "my-app.yaml", MY_APP))
        assert (applied.code, applied.out.strip()) == (0, "pod/my-app created"), applied.err
        pod = await eventually(lambda: _bound_pod(client), what="my-app scheduled")
        pvc = await client.get("PersistentVolumeClaim", "my-app-scratch-volume")
        ref = meta.controller_of(pvc)
        assert (ref.kind, ref.name, ref.uid, ref.block_owner_deletion) == ("Pod", "my-app", pod.metadata.uid, True)
        assert dict(pvc.metadata.labels) == {"type": "my-frontend-volume"}
        assert pvc.status.phase == storage.BOUND
        assert pvc.metadata.annotations[storage.SELECTED_NODE] == "n1"
        listed = await kubectl("get", "pvc", "-l", "type=my-frontend-volume", "-o", "name")
        assert listed.out.split() == ["persistentvolumeclaim/my-app-scratch-volume"], listed.err

        await client.delete("Pod", "my-app", grace_period=0)

        async def claim_gone():
            return not (await client.list("PersistentVolumeClaim", "default")).items
        await eventually(claim_gone, what="the claim collected with its pod")


async def test_a_claim_of_that_name_not_made_for_the_pod_is_never_used(client, scheduler):
    await client.create(node("n1", labels={HOST: "n1"}))
    await client.create(claim("my-app-scratch-volume"))
    async with running_manager(client, ["ephemeral-volume"]):
        await client.create(from_yaml(MY_APP))
        why = "PVC default/my-app-scratch-volume was not created for pod default/my-app (pod is not owner)"
        await recorded_event(client, "FailedBinding", "my-app", f"ephemeral volume scratch-volume: {why}")
        await recorded_event(client, "FailedScheduling", "my-app", why)
        assert not (await client.get("Pod", "my-app")).spec.node_name


async def test_bad_claim_templates_are_refused_in_kubernetes_words(kubectl, client, tmp_path):
    bad = MY_APP.replace("          metadata:\n", "          metadata:\n            name: mine\n").replace(
        "              requests:\n                storage: 1Gi\n", "              requests: {}\n")
    done = await kubectl("apply", "-f", write(tmp_path, "bad.yaml", bad))
    assert done.code != 0
    volume = "spec.volumes[0].ephemeral.volumeClaimTemplate"
    assert f"{volume}.metadata.name: Forbidden: cannot be set for an ephemeral volume" in done.err, done.err
    assert f"{volume}.spec.resources[storage]: Required value" in done.err, done.err
    assert not (await client.list("Pod", "default")).items
