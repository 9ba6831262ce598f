"""api.patch, the one implementation of the three patch types (REST PATCH and `skiff patch`)."""
from __future__ import annotations

import pytest

from api import kinds, manifest
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


# patch_object applies a merge or strategic patch along its own shape: same result as patching the manifest.
_TYPED_PATCHES = [
    {"metadata": {"labels": {"a": None, "b": "2"}, "annotations": {"note": "x"}}},
    {"metadata": {"labels": None}},
    {"spec": {"nodeSelector": {"disk": "ssd"}, "securityContext": {"runAsUser": 1000}}},
    {"spec": {"containers": [{"name": "b", "image": "z"}], "dnsPolicy": "None"}},
    {"spec": {"securityContext": {}}},
]


@pytest.mark.parametrize("patch", _TYPED_PATCHES)
@pytest.mark.parametrize("kind", ["merge", "strategic"])
def test_a_typed_patch_gives_what_patching_the_whole_manifest_gives(kind, patch):
    pod, _ = manifest.decode({"apiVersion": "v1", "kind": "Pod", **_pod()})
    whole, _ = manifest.decode(patching.apply(kind, manifest.to_dict(pod), patch, POD))
    typed, warnings = patching.patch_object(pod, kind, patch)
    assert typed == whole and warnings == []


def test_a_directive_in_a_typed_strategic_patch_is_honoured():
    pod, _ = manifest.decode({"apiVersion": "v1", "kind": "Pod", **_pod()})
    typed, _ = patching.patch_object(pod, "strategic", {"metadata": {"labels": {"$patch": "replace", "c": "3"}}})
    assert dict(typed.metadata.labels) == {"c": "3"}


def test_a_typed_patch_refuses_an_unknown_field_with_its_path_and_leaves_the_object_alone():
    pod, _ = manifest.decode({"apiVersion": "v1", "kind": "Pod", **_pod()})
    before = manifest.to_dict(pod)
    with pytest.raises(manifest.ManifestError, match=r"spec\.securityContext\.runAsUserr"):
        patching.patch_object(pod, "strategic", {"spec": {"securityContext": {"runAsUserr": 1}}})
    assert manifest.to_dict(pod) == before


def test_a_typed_patch_refuses_a_label_that_is_not_a_string():
    pod, _ = manifest.decode({"apiVersion": "v1", "kind": "Pod", **_pod()})
    with pytest.raises(manifest.ManifestError, match=r"metadata\.labels\.b"):
        patching.patch_object(pod, "merge", {"metadata": {"labels": {"b": 2}}})
