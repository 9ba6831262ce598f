"""JSON merge and strategic merge patches follow Kubernetes' rules on the manifest form."""
import pytest

from controlplane.apiserver.rest import patch
from controlplane.apiserver.rest.status import RestError
from proto import types_pb2

POD = types_pb2.Pod.DESCRIPTOR


def _pod():
    return {"metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
            "spec": {"containers": [{"name": "a", "image": "busybox", "env": [{"name": "X", "value": "1"}]},
                                    {"name": "b", "image": "nginx"}],
                     "tolerations": [{"key": "k1"}]}}


def test_merge_patch_null_removes_and_lists_replace():
    out = patch.merge_patch(_pod(), {"metadata": {"labels": {"tier": None}},
                                     "spec": {"containers": [{"name": "c"}]}})
    assert out["metadata"]["labels"] == {"app": "web"}
    assert out["spec"]["containers"] == [{"name": "c"}]


def test_strategic_merge_merges_containers_by_name():
    out = patch.strategic_merge(_pod(), {"spec": {"containers": [{"name": "b", "image": "nginx:2"},
                                                                 {"name": "c", "image": "x"}]}}, POD)
    assert [(c["name"], c["image"]) for c in out["spec"]["containers"]] == [
        ("a", "busybox"), ("b", "nginx:2"), ("c", "x")]
    assert out["spec"]["containers"][0]["env"] == [{"name": "X", "value": "1"}]


def test_strategic_merge_delete_directive_removes_one_item():
    out = patch.strategic_merge(_pod(), {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}, POD)
    assert [c["name"] for c in out["spec"]["containers"]] == ["b"]


def test_strategic_merge_replaces_lists_without_merge_key():
    out = patch.strategic_merge(_pod(), {"spec": {"tolerations": [{"key": "k2"}]}}, POD)
    assert out["spec"]["tolerations"] == [{"key": "k2"}]


def test_strategic_merge_nested_env_merges_by_name():
    out = patch.strategic_merge(_pod(), {"spec": {"containers": [{"name": "a", "env": [{"name": "Y", "value": "2"}]}]}},
                                POD)
    assert out["spec"]["containers"][0]["env"] == [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]


def test_json_patch_failure_is_invalid():
    with pytest.raises(RestError) as e:
        patch.apply_patch(patch.JSON_PATCH, _pod(), b'[{"op": "remove", "path": "/spec/nope"}]', POD)
    assert e.value.reason == "Invalid"


def test_malformed_patch_is_bad_request():
    with pytest.raises(RestError) as e:
        patch.apply_patch(patch.MERGE_PATCH, _pod(), b"{nope", POD)
    assert e.value.reason == "BadRequest"
