"""VolumeBinding: pods wait for their claims; bound volumes' node affinity and WaitForFirstConsumer claims
decide the nodes, with Kubernetes' reasons."""
from __future__ import annotations

from api import storage
from controlplane.scheduler.framework import Code
from controlplane.scheduler.plugins.volume_binding import VOLUMES, VolumeBinding, claims_of, to_select
from tests.fixtures.storage import claim, storage_class, volume
from tests.unit.scheduler.builders import node_info, pod_info


class Objects(dict):
    """An informer's get/list over a dict, for claims_of."""

    def list(self):
        return list(self.values())


def _pod_with(claims, volumes=(), classes=()):
    info = pod_info("web", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}])
    facts = claims_of(info.pod, Objects({f"default/{c.metadata.name}": c for c in claims}),
                      Objects({v.metadata.name: v for v in volumes}), Objects({s.metadata.name: s for s in classes}))
    info.state[VOLUMES] = facts
    return info


def _pinned(name, node):
    pv = volume(name, storageClassName="local", nodeAffinity={"required": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}})
    pv.status.phase = storage.AVAILABLE
    return pv


def _bound(pvc, pv):
    pvc.spec.volume_name = pv.metadata.name
    pvc.status.phase = storage.BOUND
    return pvc


def test_a_pod_without_claims_is_skipped():
    info = pod_info("web")
    assert claims_of(info.pod, Objects(), Objects(), Objects()) is None
    assert VolumeBinding().pre_filter(info).code is Code.SKIP


def test_a_missing_claim_or_an_unbound_immediate_one_makes_the_pod_unschedulable():
    plugin = VolumeBinding()
    missing = plugin.pre_filter(_pod_with([]))
    assert missing.reasons == ('persistentvolumeclaim "data" not found',)
    unbound = plugin.pre_filter(_pod_with([claim("data", storageClassName="")]))
    assert unbound.reasons == ("pod has unbound immediate PersistentVolumeClaims",)


def test_a_bound_volume_limits_the_pod_to_the_nodes_its_affinity_names():
    pv = _pinned("pv-a", "node-a")
    info = _pod_with([_bound(claim("data", storageClassName="local"), pv)], [pv])
    plugin = VolumeBinding()
    assert plugin.pre_filter(info).ok
    assert plugin.filter(info, node_info("node-a", labels={"kubernetes.io/hostname": "node-a"})).ok
    refused = plugin.filter(info, node_info("node-b", labels={"kubernetes.io/hostname": "node-b"}))
    assert refused.reasons == ("node(s) had volume node affinity conflict",)


def test_a_wait_for_first_consumer_claim_needs_a_node_where_a_volume_fits_or_is_provisioned():
    wffc = storage_class("local", volumeBindingMode="WaitForFirstConsumer")
    info = _pod_with([claim("data", storageClassName="local")], [_pinned("pv-a", "node-a")], [wffc])
    plugin = VolumeBinding()
    assert plugin.pre_filter(info).ok
    assert plugin.filter(info, node_info("node-a", labels={"kubernetes.io/hostname": "node-a"})).ok
    assert plugin.filter(info, node_info("node-b", labels={"kubernetes.io/hostname": "node-b"})).reasons == (
        "node(s) didn't find available persistent volumes to bind",)
    assert [c.metadata.name for c in to_select(info.state[VOLUMES])] == ["data"]
    provisioned = storage_class("local", provisioner=storage.LOCAL_PATH_PROVISIONER,
                                volumeBindingMode="WaitForFirstConsumer")
    anywhere = _pod_with([claim("data", storageClassName="local")], [], [provisioned])
    assert plugin.pre_filter(anywhere).ok and plugin.filter(anywhere, node_info("node-b")).ok


def _ephemeral_pod(claims):
    info = pod_info("web", volumes=[{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}}])
    info.pod.metadata.uid = "pod-uid"
    info.state[VOLUMES] = claims_of(info.pod, Objects({f"default/{c.metadata.name}": c for c in claims}),
                                    Objects(), Objects())
    return info


def test_an_ephemeral_volume_waits_for_its_claim_and_refuses_one_the_pod_does_not_own():
    plugin = VolumeBinding()
    waiting = plugin.pre_filter(_ephemeral_pod([]))
    assert waiting.reasons == ('waiting for ephemeral volume controller to create the persistentvolumeclaim '
                               '"web-scratch"',)
    foreign = plugin.pre_filter(_ephemeral_pod([claim("web-scratch", storageClassName="")]))
    assert foreign.reasons == ("PVC default/web-scratch was not created for pod default/web (pod is not owner)",)
    own = claim("web-scratch", storageClassName="")
    own.metadata.owner_references.add(kind="Pod", name="web", uid="pod-uid", controller=True)
    # its own claim is then judged as any persistentVolumeClaim of that name: unbound and Immediate here
    assert plugin.pre_filter(_ephemeral_pod([own])).reasons == ("pod has unbound immediate PersistentVolumeClaims",)


def test_an_unbound_local_clone_goes_only_to_the_node_of_the_volume_it_is_cloned_from():
    # The clone is copied on its source's node: a node chosen before the binder has made it would get an empty copy.
    local = storage_class("standard", provisioner=storage.LOCAL_PATH_PROVISIONER,
                          volumeBindingMode=storage.WAIT_FOR_FIRST_CONSUMER)
    source_pv = _pinned("pv-origin", "node-a")
    origin = _bound(claim("origin", storageClassName="standard"), source_pv)
    clone = claim("data", storageClassName="standard", dataSource={"kind": "PersistentVolumeClaim", "name": "origin"})
    info = _pod_with([clone, origin], [source_pv], [local])
    plugin = VolumeBinding()
    assert plugin.pre_filter(info).ok
    assert plugin.filter(info, node_info("node-a", labels={"kubernetes.io/hostname": "node-a"})).ok
    refused = plugin.filter(info, node_info("node-b", labels={"kubernetes.io/hostname": "node-b"}))
    assert refused.reasons == ("node(s) had volume node affinity conflict",)
