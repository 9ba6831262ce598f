"""apply's three-way patch (last applied, new manifest, live object), as kubectl computes it: what the
manifests never set stays, what the manifest dropped goes, what it sets wins."""
from __future__ import annotations

import copy

import yaml

from api import kinds, manifest, patch
from cli import merge

DEPLOY = yaml.safe_load("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: "busybox:1.36", env: [{name: A, value: "1"}, {name: B, value: "2"}]}
      - {name: sidecar, image: "busybox:1.36"}
""")


def live_after_apply(data: dict, **changes):
    """The live object as the server keeps it after `data` was applied, then changed by others."""
    live, _ = manifest.from_dict(merge.with_last_applied(data))
    m = live.metadata
    m.uid, m.resource_version, m.generation = "u1", "42", 3
    live.spec.replicas = changes.get("replicas", 1)
    live.spec.paused = changes.get("paused", False)
    live.spec.template.spec.containers[0].image_pull_policy = "IfNotPresent"  # a server default
    for k, v in changes.get("labels", {}).items():
        live.metadata.labels[k] = v
    live.status.ready_replicas = 5
    return live


def applied(data: dict, live) -> dict:
    """The live object's manifest after the server applies apply's patch."""
    change = merge.apply_patch(data, live)
    return patch.strategic_merge(manifest.to_dict(live), change, kinds.of(live).message.DESCRIPTOR)


def test_a_paused_rollout_stays_paused_and_the_new_template_is_taken():
    live = live_after_apply(DEPLOY, paused=True)
    new = copy.deepcopy(DEPLOY)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.37"
    out = applied(new, live)
    assert out["spec"]["paused"] is True
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.37"


def test_a_scale_survives_an_apply_without_replicas_and_replicas_in_the_manifest_win():
    live = live_after_apply(DEPLOY, replicas=5)
    assert applied(DEPLOY, live)["spec"]["replicas"] == 5
    assert merge.apply_patch(DEPLOY, live) == {}  # nothing to send at all
    two = copy.deepcopy(DEPLOY)
    two["spec"]["replicas"] = 2
    assert applied(two, live)["spec"]["replicas"] == 2


def test_a_container_and_an_env_entry_removed_from_the_manifest_are_removed():
    live = live_after_apply(DEPLOY)
    new = copy.deepcopy(DEPLOY)
    spec = new["spec"]["template"]["spec"]
    spec["containers"] = spec["containers"][:1]
    spec["containers"][0]["env"] = spec["containers"][0]["env"][:1]
    out = applied(new, live)["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in out] == ["app"]
    assert out[0]["env"] == [{"name": "A", "value": "1"}]
    assert out[0]["imagePullPolicy"] == "IfNotPresent"  # what the server set stays


def test_a_label_added_by_hand_survives_and_one_the_manifest_dropped_goes():
    data = copy.deepcopy(DEPLOY)
    data["metadata"]["labels"]["team"] = "a"
    live = live_after_apply(data, labels={"by-hand": "yes"})
    out = applied(DEPLOY, live)
    assert out["metadata"]["labels"] == {"app": "web", "by-hand": "yes"}


def test_what_the_server_allocated_stays():
    svc = yaml.safe_load("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n"
                         "spec: {type: NodePort, selector: {app: web}, ports: [{port: 80}]}\n")
    live, _ = manifest.from_dict(merge.with_last_applied(svc))
    live.spec.cluster_ip = "10.96.0.10"
    live.spec.ports[0].node_port = 30080
    new = copy.deepcopy(svc)
    new["spec"]["selector"] = {"app": "web2"}
    out = applied(new, live)
    assert out["spec"]["clusterIP"] == "10.96.0.10" and out["spec"]["ports"][0]["nodePort"] == 30080
    assert out["spec"]["selector"] == {"app": "web2"}


def test_the_last_applied_annotation_records_the_manifest_without_itself_or_status():
    data = {**DEPLOY, "status": {"replicas": 1}}
    recorded = merge.with_last_applied(data)["metadata"]["annotations"][merge.LAST_APPLIED]
    assert yaml.safe_load(recorded) == DEPLOY
