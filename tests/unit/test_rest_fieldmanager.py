"""Server-side apply's field ownership: field sets through keyed lists, conflicts, forced takeover, removal."""
import pytest

from controlplane.apiserver.rest import fieldmanager as fm
from controlplane.apiserver.rest.patch import strategic_merge
from proto import types_pb2

DEPLOY = types_pb2.Deployment.DESCRIPTOR
CONTAINER = 'k:{"name":"app"}'


def _merge(a, b):
    return strategic_merge(a, b, DEPLOY)


def _config(replicas=2, env=True):
    container = {"name": "app", "image": "busybox"}
    if env:
        container["env"] = [{"name": "A", "value": "1"}]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [container]}}}}


def test_field_set_walks_keyed_lists_and_skips_identity():
    paths = fm.field_set(_config(), DEPLOY)
    assert ("spec", "replicas") in paths
    assert ("metadata", "labels", "app") in paths
    assert ("spec", "template", "spec", "containers", CONTAINER, "image") in paths
    assert not any(p[:2] == ("metadata", "name") for p in paths)


def test_fields_v1_round_trips():
    paths = fm.field_set(_config(), DEPLOY)
    tree = fm.to_fields_v1(paths)
    assert tree["f:spec"]["f:replicas"] == {}
    assert fm.from_fields_v1(tree) == paths


def test_apply_over_another_managers_field_conflicts_unless_forced():
    live = _config(replicas=5)
    entries = [fm.entry("kubectl-patch", "Update", "apps/v1", "t", {("spec", "replicas")})]
    with pytest.raises(fm.ApplyConflict) as e:
        fm.apply(live, _config(2), entries, "kubectl", DEPLOY, False, _merge, "apps/v1", "t")
    assert str(e.value) == 'Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.replicas'
    merged, after = fm.apply(live, _config(2), entries, "kubectl", DEPLOY, True, _merge, "apps/v1", "t")
    assert merged["spec"]["replicas"] == 2
    assert [e["manager"] for e in after] == ["kubectl"]


def test_same_value_is_shared_not_a_conflict():
    entries = [fm.entry("other", "Update", "apps/v1", "t", {("spec", "replicas")})]
    merged, after = fm.apply(_config(2), _config(2), entries, "kubectl", DEPLOY, False, _merge, "apps/v1", "t")
    assert {e["manager"] for e in after} == {"other", "kubectl"}


def test_a_field_the_applier_stops_setting_is_removed():
    live = _config()
    entries = [fm.entry("kubectl", "Apply", "apps/v1", "t", fm.field_set(live, DEPLOY))]
    merged, _ = fm.apply(live, _config(env=False), entries, "kubectl", DEPLOY, False, _merge, "apps/v1", "t")
    assert "env" not in merged["spec"]["template"]["spec"]["containers"][0]


def test_an_update_takes_the_fields_it_changes():
    entries = [fm.entry("kubectl", "Apply", "apps/v1", "t", {("spec", "replicas"), ("spec", "paused")})]
    after = fm.record_update(entries, "kubectl-scale", {("spec", "replicas")}, "apps/v1", "t")
    owned = {e["manager"]: fm.from_fields_v1(e["fieldsV1"]) for e in after}
    assert owned == {"kubectl": {("spec", "paused")}, "kubectl-scale": {("spec", "replicas")}}


def test_several_conflicts_are_grouped_under_each_manager_as_kubernetes_prints_them():
    conflicts = [('"b" using v1', ("data", "x")), ('"a"', ("data", "y")), ('"b" using v1', ("data", "z"))]
    assert fm.conflict_message(conflicts) == ('Apply failed with 3 conflicts: conflicts with "a":\n- .data.y\n'
                                              'conflicts with "b" using v1:\n- .data.x\n- .data.z')


def test_a_manager_is_named_with_its_api_version_when_it_updated_and_alone_when_it_applied():
    assert fm.manager_text(fm.entry("kubectl-edit", "Update", "apps/v1", "t", set())) == '"kubectl-edit" using apps/v1'
    assert fm.manager_text(fm.entry("kubectl", "Apply", "apps/v1", "t", set())) == '"kubectl"'
    status = {**fm.entry("kubelet", "Update", "v1", "t", set()), "subresource": "status"}
    assert fm.manager_text(status) == '"kubelet" with subresource "status" using v1'
