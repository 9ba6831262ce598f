"""NodeRestriction for PersistentVolumes: a node may only drop the local-path clean-up finalizer of a
provisioned volume being deleted; any other change to a volume by a node is refused."""
from __future__ import annotations

from api import storage
from controlplane.apiserver.auth import admission
from controlplane.apiserver.auth.user import with_authenticated
from tests.fixtures.objects import from_yaml

N1 = with_authenticated("system:node:n1", ["system:nodes"])
ADMIN = with_authenticated("admin", ["system:masters"])


def provisioned(deleting: bool = True):
    pv = from_yaml(f"""
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pvc-1
  annotations: {{"{storage.PROVISIONED_BY}": "{storage.LOCAL_PATH_PROVISIONER}"}}
  finalizers: ["{storage.LOCAL_PATH_CLEANUP}", kubernetes.io/pv-protection]
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  hostPath: {{path: /var/lib/skiff/local-path/pvc-1_default_data}}
""")
    pv.metadata.resource_version = "7"
    if deleting:
        pv.metadata.deletion_timestamp = "2026-11-30T23:00:00Z"
    return pv


def without_cleanup(pv):
    out = type(pv)()
    out.CopyFrom(pv)
    del out.metadata.finalizers[:]
    out.metadata.finalizers.extend(f for f in pv.metadata.finalizers if f != storage.LOCAL_PATH_CLEANUP)
    out.metadata.resource_version = "8"
    return out


def test_a_node_may_drop_the_cleanup_finalizer_of_a_deleted_provisioned_volume():
    old = provisioned()
    assert admission.node_volume_change(N1, without_cleanup(old), old) is None


def test_a_node_may_not_repoint_a_volume_while_dropping_the_finalizer():
    old = provisioned()
    new = without_cleanup(old)
    new.spec.host_path.path = "/etc"
    assert "may only remove" in admission.node_volume_change(N1, new, old)


def test_a_node_may_not_touch_a_live_volume_and_an_administrator_may():
    old = provisioned(deleting=False)
    new = without_cleanup(old)
    assert 'node "n1" may only remove' in admission.node_volume_change(N1, new, old)
    assert admission.node_volume_change(N1, new, None) is not None
    assert admission.node_volume_change(ADMIN, new, old) is None
