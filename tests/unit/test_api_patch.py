"""api.patch, the one implementation of the three patch types (REST PATCH and `skiff patch`)."""
from __future__ import annotations

import pytest

from api import kinds
from api import patch as patching

POD = kinds.lookup("Pod").message.DESCRIPTOR


def _pod():
    return {"metadata": {"name": "p", "labels": {"a": "1"}},
            "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}


def test_strategic_merge_merges_containers_by_name_and_deletes_with_a_directive():
    out = patching.apply("strategic", _pod(), {"spec": {"containers": [{"name": "b", "image": "z"},
                                                                       {"name": "a", "$patch": "delete"}]}}, POD)
    assert out["spec"]["containers"] == [{"name": "b", "image": "z"}]


def test_merge_patch_removes_with_null_and_replaces_lists():
    out = patching.apply("merge", _pod(), {"metadata": {"labels": {"a": None}},
                                           "spec": {"containers": [{"name": "c"}]}}, POD)
    assert out["metadata"]["labels"] == {} and out["spec"]["containers"] == [{"name": "c"}]


def test_json_patch_and_its_errors():
    out = patching.apply("json", _pod(), [{"op": "replace", "path": "/metadata/name", "value": "q"}], POD)
    assert out["metadata"]["name"] == "q"
    with pytest.raises(patching.PatchError):
        patching.apply("json", _pod(), [{"op": "remove", "path": "/spec/nope"}], POD)
    with pytest.raises(patching.PatchError, match="merge key"):
        patching.apply("strategic", _pod(), {"spec": {"containers": [{"image": "z"}]}}, POD)


def test_merge_diff_is_the_merge_patch_between_two_manifests():
    before = {"metadata": {"name": "p", "labels": {"a": "1", "b": "2"}}, "spec": {"replicas": 1, "x": [1]}}
    after = {"metadata": {"name": "p", "labels": {"a": "9"}}, "spec": {"replicas": 1, "x": [1, 2]}, "new": True}
    diff = patching.merge_diff(before, after)
    assert diff == {"metadata": {"labels": {"a": "9", "b": None}}, "spec": {"x": [1, 2]}, "new": True}
    assert patching.merge_patch(before, diff) == after
