"""Validation and defaults of PersistentVolumes, claims and StorageClasses, in Kubernetes' words."""
from __future__ import annotations

import pytest

from api import manifest
from controlplane.apiserver import resources
from tests.fixtures.objects import from_yaml, pod
from tests.fixtures.storage import PV_CLAIM, PV_VOLUME, claim, storage_class


def _problems(obj):
    resources.default(obj)
    return resources.validate(obj)


def test_the_docs_examples_are_valid_and_defaulted_as_kubernetes_does():
    pv, pvc = from_yaml(PV_VOLUME), from_yaml(PV_CLAIM)
    assert _problems(pv) == [] and _problems(pvc) == []
    assert (pv.spec.persistent_volume_reclaim_policy, pv.spec.volume_mode) == ("Retain", "Filesystem")
    assert pvc.spec.volume_mode == "Filesystem"
    sc = storage_class("fast")
    assert _problems(sc) == []
    assert (sc.reclaim_policy, sc.volume_binding_mode) == ("Delete", "Immediate")


@pytest.mark.parametrize("spec, message", [
    ({"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/d"}}, "spec.accessModes: Required value"),
    ({"accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/d"}}, "spec.capacity: Required value"),
    ({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "0"}, "hostPath": {"path": "/d"}},
     'spec.capacity[storage]: Invalid value: "0": must be greater than zero'),
    ({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}},
     "spec: Required value: must specify a volume type"),
    ({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}, "local": {"path": "/d"}},
     "spec.nodeAffinity: Required value: Local volume requires node affinity"),
    ({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}, "hostPath": {"path": "/d"},
      "persistentVolumeReclaimPolicy": "Keep"},
     'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'),
    ({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}, "hostPath": {"path": "d"}},
     'spec.hostPath.path: Invalid value: "d": must be an absolute path'),
])
def test_invalid_volumes_name_the_field(spec, message):
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "v"},
                                 "spec": spec})
    assert message in _problems(obj)


def test_invalid_storage_classes_name_the_field():
    bad = storage_class("x", provisioner="", reclaimPolicy="Recycle", volumeBindingMode="Later")
    assert _problems(bad) == [
        "provisioner: Required value",
        'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
        'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']


def test_a_claim_spec_is_immutable_except_the_bindings_the_binder_and_admission_fill_in():
    old = claim("c", storageClassName="manual")
    resources.default(old)
    bound = claim("c", storageClassName="manual", volumeName="v")
    resources.default(bound)
    assert resources.for_kind(resources.kinds.of(old)).validate_update(bound, old) == []
    changed = claim("c", modes=("ReadWriteMany",), storageClassName="manual")
    resources.default(changed)
    assert resources.for_kind(resources.kinds.of(old)).validate_update(changed, old) == [
        "spec: Forbidden: spec is immutable after creation except resources.requests and "
        "volumeAttributesClassName for bound claims"]


def test_a_pod_volume_must_name_its_claim():
    p = pod("p", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": ""}}])
    assert "spec.volumes[0].persistentVolumeClaim.claimName: Required value" in _problems(p)


def test_only_a_bound_claim_may_grow_and_no_claim_may_shrink():
    old = claim("c", "2Gi", storageClassName="manual")
    resources.default(old)
    strategy = resources.for_kind(resources.kinds.of(old))
    grown, shrunk = claim("c", "3Gi", storageClassName="manual"), claim("c", "1Gi", storageClassName="manual")
    for c in (grown, shrunk):
        resources.default(c)
    immutable = ("spec: Forbidden: spec is immutable after creation except resources.requests and "
                 "volumeAttributesClassName for bound claims")
    assert strategy.validate_update(grown, old) == [immutable]
    old.status.phase = grown.status.phase = shrunk.status.phase = "Bound"
    assert strategy.validate_update(grown, old) == []
    assert strategy.validate_update(shrunk, old) == [
        "spec.resources.requests.storage: Forbidden: field can not be less than previous value"]


# kubernetes/website content/en/examples/storage/storageclass-low-latency.yaml, with allowedTopologies as the
# docs' topology examples write them
LOW_LATENCY = """apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: low-latency
  annotations:
    storageclass.kubernetes.io/is-default-class: "false"
provisioner: csi-driver.example-vendor.example
reclaimPolicy: Retain # default value is Delete
allowVolumeExpansion: true
mountOptions:
  - discard # this might enable UNMAP / TRIM at the block storage layer
volumeBindingMode: WaitForFirstConsumer
parameters:
  guaranteedReadWriteLatency: "true" # provider-specific
allowedTopologies:
- matchLabelExpressions:
  - key: topology.kubernetes.io/zone
    values:
    - us-central-1a
"""


def test_the_docs_storage_class_with_topologies_loads_and_limits_nodes():
    from api import storage
    sc = from_yaml(LOW_LATENCY)
    assert _problems(sc) == []
    assert not storage.is_default_class(sc)
    assert storage.class_allows_node(sc, {"topology.kubernetes.io/zone": "us-central-1a"})
    assert not storage.class_allows_node(sc, {"topology.kubernetes.io/zone": "elsewhere"})
    sc.allowed_topologies[0].match_label_expressions[0].ClearField("values")
    assert _problems(sc) == ["allowedTopologies[0].matchLabelExpressions[0].values: Required value: "
                             "must specify as least one value"]


def test_bare_numbers_in_storage_sizes_are_read_as_kubernetes_reads_quantities():
    claim, _ = manifest.from_dict({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
                                   "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": 5}}}})
    volume, _ = manifest.from_dict({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "v"},
                                    "spec": {"capacity": {"storage": 10}, "hostPath": {"path": "/x"}}})
    assert (claim.spec.resources.requests["storage"], volume.spec.capacity["storage"]) == ("5", "10")
