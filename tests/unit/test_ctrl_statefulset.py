"""The StatefulSet controller's pure decisions: each pod's identity and claims, which pod to create,
delete or update next (OrderedReady, Parallel, partition, maxUnavailable), and the status."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from api import manifest, meta, statefulsets
from controlplane.controllers.statefulset import plan

NOW = datetime(2026, 11, 30, 22, 0, tzinfo=timezone.utc)
REV = "web-new"


def _sts(replicas=3, **spec):
    obj, _ = manifest.from_dict({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default", "uid": "sts-uid", "generation": 2},
        "spec": {"replicas": replicas, "serviceName": "nginx", "podManagementPolicy": "OrderedReady",
                 "selector": {"matchLabels": {"app": "web"}},
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                 "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "i"}],
                                       "volumes": [{"name": "www", "emptyDir": {}}, {"name": "x", "emptyDir": {}}]}},
                 **spec}})
    return obj


def _pod(ordinal, state="ready", revision=REV):
    pod, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": f"web-{ordinal}", "namespace": "default",
                                              "labels": {statefulsets.HASH_LABEL: revision}}})
    if state in ("ready", "running", "failed"):
        pod.status.phase = {"ready": "Running", "running": "Running", "failed": "Failed"}[state]
    else:
        pod.status.phase = "Pending"
    if state == "ready":
        meta.set_condition(pod.status.conditions, "Ready", "True")
        pod.status.conditions[0].last_transition_time = meta.format_time(NOW)
    if state == "terminating":
        pod.metadata.deletion_timestamp = meta.format_time(NOW)
    return pod


def _pods(*states, revision=REV):
    return {i: _pod(i, s, revision) for i, s in enumerate(states) if s is not None}


def _names(pods):
    return [p.metadata.name for p in pods]


def test_the_pod_of_an_ordinal_has_a_stable_identity_and_its_own_claims():
    sts = _sts(volumeClaimTemplates=[{"metadata": {"name": "www"},
                                      "spec": {"accessModes": ["ReadWriteOnce"],
                                               "resources": {"requests": {"storage": "1Gi"}}}}])
    pod = plan.new_pod(sts, 2, REV)
    assert pod.metadata.name == "web-2"
    labels = pod.metadata.labels
    assert (labels[statefulsets.POD_NAME_LABEL], labels[statefulsets.POD_INDEX_LABEL],
            labels[statefulsets.HASH_LABEL], labels["app"]) == ("web-2", "2", REV, "web")
    assert (pod.spec.hostname, pod.spec.subdomain) == ("web-2", "nginx")
    volumes = {v.name: v for v in pod.spec.volumes}
    assert volumes["www"].persistent_volume_claim.claim_name == "www-web-2"  # the claim replaces the template's
    assert volumes["x"].HasField("empty_dir")
    assert meta.controller_of(pod).uid == "sts-uid"
    [claim] = plan.claims_for(sts, "web-2")
    assert (claim.metadata.name, dict(claim.metadata.labels)) == ("www-web-2", {"app": "web"})
    assert not claim.metadata.owner_references  # whenDeleted: Retain


@pytest.mark.parametrize("policy, pods, create, delete", [
    ("OrderedReady", _pods(), [0], []),
    ("OrderedReady", _pods("pending"), [], []),  # web-1 waits for web-0 to be Running and Ready
    ("OrderedReady", _pods("ready"), [1], []),
    ("OrderedReady", _pods("ready", None, "ready"), [1], []),  # a hole is filled first
    ("OrderedReady", _pods("failed", "ready"), [], ["web-0"]),  # an ended pod is made again
    ("OrderedReady", _pods("ready", "ready", "ready", "ready", "ready"), [], ["web-4"]),  # one at a time
    ("OrderedReady", _pods("ready", "ready", "ready", "ready", "terminating"), [], []),
    ("OrderedReady", _pods("ready", "ready", "pending", "ready"), [], []),  # an unready pod blocks scale-down
    ("Parallel", _pods(), [0, 1, 2], []),
    ("Parallel", _pods("pending", None, "pending", "ready", "ready"), [1], ["web-4", "web-3"]),
])
def test_next_step_creates_in_order_and_deletes_in_reverse(policy, pods, create, delete):
    step = plan.next_step(_sts(podManagementPolicy=policy), pods, REV, NOW)
    assert (step.create, _names(step.delete)) == (create, delete)


@pytest.mark.parametrize("spec, pods, delete", [
    ({}, _pods("ready", "ready", "ready", revision="web-old"), ["web-2"]),  # highest ordinal first
    ({}, {**_pods("ready", "ready", revision="web-old"), 2: _pod(2, "pending")}, []),  # wait for the new one
    ({}, {**_pods("ready", "ready", revision="web-old"), 2: _pod(2)}, ["web-1"]),
    ({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}},
     {**_pods("ready", "ready", revision="web-old"), 2: _pod(2)}, []),  # below the partition: kept
    ({"updateStrategy": {"type": "OnDelete"}}, _pods("ready", "ready", "ready", revision="web-old"), []),
    ({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}},
      "podManagementPolicy": "Parallel"},
     _pods("ready", "ready", "ready", revision="web-old"), ["web-2", "web-1"]),
])
def test_rolling_update_replaces_outdated_pods_from_the_top(spec, pods, delete):
    step = plan.next_step(_sts(**spec), pods, REV, NOW)
    assert _names(step.delete) == delete


def test_status_counts_pods_and_completes_a_rollout():
    sts = _sts()
    sts.status.current_revision = "web-old"
    pods = [_pod(0, revision="web-old"), _pod(1), _pod(2, "pending")]
    s = plan.status_of(sts, pods, REV, NOW)
    assert (s.replicas, s.ready_replicas, s.available_replicas, s.current_replicas, s.updated_replicas) == \
        (3, 2, 2, 1, 2)
    assert (s.current_revision, s.update_revision, s.observed_generation) == ("web-old", REV, 2)
    done = plan.status_of(sts, [_pod(0), _pod(1), _pod(2)], REV, NOW)
    assert (done.current_revision, done.current_replicas) == (REV, 3)


def test_pods_of_other_names_are_not_the_sets():
    sts = _sts()
    assert [plan.ordinal_of(sts, _pod(i)) for i in (0, 12)] == [0, 12]
    other, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-01"}})
    assert plan.ordinal_of(sts, other) is None


def test_a_pod_below_the_partition_is_made_from_the_current_revision_and_one_above_from_the_update():
    sts = _sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    old = type(sts.spec.template)()
    old.CopyFrom(sts.spec.template)
    old.spec.containers[0].image = "old"
    assert plan.pod_revision(sts, 1, "web-cur", "web-upd") == "web-cur"
    assert plan.versioned(sts, 1, old).spec.template.spec.containers[0].image == "old"
    assert plan.pod_revision(sts, 2, "web-cur", "web-upd") == "web-upd"
    assert plan.versioned(sts, 2, old).spec.template.spec.containers[0].image == "i"


def test_under_on_delete_a_recreated_pod_gets_the_update_revision_as_kubernetes():
    sts = _sts(updateStrategy={"type": "OnDelete"})
    assert plan.pod_revision(sts, 0, "web-cur", "web-upd") == "web-upd"
