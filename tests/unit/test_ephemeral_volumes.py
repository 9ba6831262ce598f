"""Generic ephemeral volumes: the one mapping from a volume to its claim, the claim the controller makes for the
pod, whose claim it is, the template's defaults and validation in Kubernetes' words."""
from __future__ import annotations

from api import manifest, storage
from controlplane.apiserver import resources
from controlplane.controllers.volume.ephemeral import ephemeral_claim, has_ephemeral_volumes
from tests.fixtures.storage import claim

TEMPLATE = {"metadata": {"labels": {"type": "scratch"}, "annotations": {"note": "x"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                     "resources": {"requests": {"storage": "1Gi"}}}}


def _pod(template=None, **volume):
    volumes = [{"name": "scratch", "ephemeral": {"volumeClaimTemplate": template or TEMPLATE}},
               {"name": "data", "persistentVolumeClaim": {"claimName": "shared"}},
               {"name": "tmp", "emptyDir": {}}]
    pod, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": "my-app", "namespace": "default", "uid": "u1"},
                                 "spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": volumes}})
    resources.default(pod)
    return pod


def test_an_ephemeral_volume_reads_the_claim_named_after_the_pod_and_the_volume():
    pod = _pod()
    assert [storage.claim_of(pod, v) for v in pod.spec.volumes] == ["my-app-scratch", "shared", None]
    assert storage.claim_names(pod) == ["my-app-scratch", "shared"]
    assert has_ephemeral_volumes(pod)


def test_the_claim_is_the_templates_owned_by_the_pod():
    pod = _pod()
    pvc = ephemeral_claim(pod, pod.spec.volumes[0])
    assert (pvc.metadata.name, pvc.metadata.namespace) == ("my-app-scratch", "default")
    assert (dict(pvc.metadata.labels), dict(pvc.metadata.annotations)) == ({"type": "scratch"}, {"note": "x"})
    (ref,) = pvc.metadata.owner_references
    assert (ref.api_version, ref.kind, ref.name, ref.uid, ref.controller, ref.block_owner_deletion) == \
        ("v1", "Pod", "my-app", "u1", True, True)
    assert pvc.spec == pod.spec.volumes[0].ephemeral.volume_claim_template.spec
    assert pvc.spec.volume_mode == "Filesystem"  # defaulted in the pod's template, as a claim's
    assert storage.not_for_pod(pod, pvc) == ""


def test_a_claim_of_that_name_not_controlled_by_the_pod_is_not_its_own():
    pod = _pod()
    assert storage.not_for_pod(pod, claim("my-app-scratch")) == \
        "PVC default/my-app-scratch was not created for pod default/my-app (pod is not owner)"


def test_templates_are_validated_as_claims_with_only_labels_and_annotations():
    assert resources.validate(_pod()) == []
    bad = {"metadata": {"name": "x", "namespace": "y", "labels": {"bad key!": "v"}},
           "spec": {"accessModes": ["ReadWriteMany", "Sometimes"]}}
    problems = resources.validate(_pod(bad))
    p = "spec.volumes[0].ephemeral.volumeClaimTemplate"
    assert f"{p}.metadata.name: Forbidden: cannot be set for an ephemeral volume" in problems
    assert f"{p}.metadata.namespace: Forbidden: cannot be set for an ephemeral volume" in problems
    assert any(e.startswith(f"{p}.metadata.labels: Invalid value: \"bad key!\"") for e in problems), problems
    assert f"{p}.spec.resources[storage]: Required value" in problems
    assert any(e.startswith(f"{p}.spec.accessModes: Unsupported value: \"Sometimes\"") for e in problems), problems
    missing = _pod()
    missing.spec.volumes[0].ephemeral.ClearField("volume_claim_template")
    assert "spec.volumes[0].ephemeral.volumeClaimTemplate: Required value" in resources.validate(missing)


def test_describe_shows_the_template_as_kubectl_does():
    from cli.describe_pods import template_lines
    from proto import types_pb2
    lines = "\n".join(template_lines(types_pb2.PodTemplateSpec(spec=_pod().spec)))
    assert "EphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)" in lines
    shown = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines.splitlines())}
    assert (shown["StorageClass"], shown["Labels"], shown["VolumeMode"]) == ("standard", "type=scratch", "Filesystem")
