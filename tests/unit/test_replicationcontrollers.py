"""ReplicationController defaults and validation in Kubernetes' words, its map selector read as the other
workloads' selectors, its scale and the status the shared ReplicaSet logic writes for it."""
from __future__ import annotations

from datetime import datetime, timezone

from api import columns, manifest, meta, selectors
from controlplane.apiserver import resources
from controlplane.apiserver.resources.replicationcontroller import STRATEGY
from controlplane.controllers.core import ownership
from controlplane.controllers.replicaset import plan
from proto import types_pb2

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def _rc(spec: dict, labels: dict | None = None):
    rc, _ = manifest.from_dict({"apiVersion": "v1", "kind": "ReplicationController",
                                "metadata": {"name": "nginx", "namespace": "default", "uid": "u1",
                                             **({"labels": labels} if labels else {})},
                                "spec": spec})
    resources.default(rc)
    return rc


TEMPLATE = {"metadata": {"labels": {"app": "nginx", "tier": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}


def test_selector_labels_and_replicas_default_from_the_template():
    rc = _rc({"template": TEMPLATE})
    assert dict(rc.spec.selector) == {"app": "nginx", "tier": "web"}
    assert dict(rc.metadata.labels) == {"app": "nginx", "tier": "web"}
    assert rc.spec.replicas == 1
    assert resources.validate(rc) == []


def test_a_given_selector_and_labels_are_kept():
    rc = _rc({"replicas": 0, "selector": {"app": "nginx"}, "template": TEMPLATE}, labels={"team": "a"})
    assert (dict(rc.spec.selector), dict(rc.metadata.labels), rc.spec.replicas) == ({"app": "nginx"},
                                                                                     {"team": "a"}, 0)


def test_refusals_name_the_field_as_kubernetes_does():
    assert STRATEGY.validate(_rc({})) == ["spec.selector: Required value", "spec.template: Required value"]
    bad = _rc({"replicas": -1, "minReadySeconds": -2, "selector": {"app": "other"}, "template": TEMPLATE})
    problems = STRATEGY.validate(bad)
    assert problems[:2] == ["spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0",
                            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"]
    assert any(p.startswith("spec.template.metadata.labels: Invalid value: ") and
               p.endswith("`selector` does not match template `labels`") for p in problems), problems
    never = _rc({"template": {**TEMPLATE, "spec": {**TEMPLATE["spec"], "restartPolicy": "Never"}}})
    assert STRATEGY.validate(never) == [
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']


def test_the_selector_may_change():
    old = _rc({"template": TEMPLATE})
    new = meta.copy(old)
    new.spec.selector.pop("tier")
    assert STRATEGY.validate_update(new, old) == []


def test_the_map_selector_selects_as_match_labels_and_scales():
    rc = _rc({"replicas": 3, "template": TEMPLATE})
    assert str(selectors.of_spec(rc.spec)) == "app=nginx,tier=web"
    assert ownership.selector_of(rc.spec).matches({"app": "nginx", "tier": "web", "x": "y"})
    assert STRATEGY.scale.of(rc).status.selector == "app=nginx,tier=web"
    assert columns.columns_for("ReplicationController").headers == ("NAME", "DESIRED", "CURRENT", "READY", "AGE")


def test_status_is_written_in_the_controllers_own_type():
    rc = _rc({"replicas": 2, "template": TEMPLATE})
    pod = plan.pod_from_template(rc)
    assert (pod.metadata.owner_references[0].kind, pod.metadata.generate_name) == ("ReplicationController",
                                                                                   "nginx-")
    ready = meta.copy(pod)
    ready.status.phase = "Running"
    meta.set_condition(ready.status.conditions, "Ready", "True", moment=NOW)
    partial = meta.copy(pod)
    partial.metadata.labels.pop("tier")
    status = plan.status_of(rc, [ready, partial], NOW, failure="quota exceeded")
    assert isinstance(status, types_pb2.ReplicationControllerStatus)
    assert (status.replicas, status.fully_labeled_replicas, status.ready_replicas) == (2, 1, 1)
    condition = meta.get_condition(status.conditions, "ReplicaFailure")
    assert (condition.status, condition.reason, condition.message) == ("True", "FailedCreate", "quota exceeded")
