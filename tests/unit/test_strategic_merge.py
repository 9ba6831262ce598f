"""Strategic merge patch as Kubernetes documents it (community/contributors/devel/sig-api-machinery/
strategic-merge-patch.md), one table row per documented example, with skiff's merge keys."""
from __future__ import annotations

import pytest

from api import kinds, patch

POD = kinds.lookup("Pod").message.DESCRIPTOR
DEPLOY = kinds.lookup("Deployment").message.DESCRIPTOR
SERVICE = kinds.lookup("Service").message.DESCRIPTOR


def containers(*pairs):
    return [{"name": n, "image": i} for n, i in pairs]


CASES = [
    ("containers merge by name: a new one is added",
     POD, {"spec": {"containers": containers(("nginx", "nginx-1.0"))}},
     {"spec": {"containers": containers(("log-tailer", "log-tailer-1.0"))}},
     {"spec": {"containers": containers(("nginx", "nginx-1.0"), ("log-tailer", "log-tailer-1.0"))}}),
    ("a container named in the patch is changed in place",
     POD, {"spec": {"containers": containers(("a", "x"), ("b", "y"))}},
     {"spec": {"containers": [{"name": "a", "image": "z"}]}},
     {"spec": {"containers": containers(("a", "z"), ("b", "y"))}}),
    ("$patch: replace on a map takes the map literally",
     POD, {"spec": {"containers": containers(("a", "x")), "restartPolicy": "Always"}},
     {"spec": {"$patch": "replace", "containers": containers(("nginx", "nginx-1.0"))}},
     {"spec": {"containers": containers(("nginx", "nginx-1.0"))}}),
    ("$patch: replace in a list replaces the whole list",
     POD, {"spec": {"containers": containers(("a", "x"), ("b", "y"))}},
     {"spec": {"containers": [*containers(("nginx", "nginx-1.0")), {"$patch": "replace"}]}},
     {"spec": {"containers": containers(("nginx", "nginx-1.0"))}}),
    ("$patch: delete in a list deletes the item with that merge key",
     POD, {"spec": {"containers": containers(("nginx", "nginx-1.0"), ("log-tailer", "log-tailer-1.0"))}},
     {"spec": {"containers": [{"name": "nginx", "image": "nginx-1.0"},
                              {"$patch": "delete", "name": "log-tailer"}]}},
     {"spec": {"containers": containers(("nginx", "nginx-1.0"))}}),
    ("$patch: delete on a map deletes the map",
     DEPLOY, {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
     {"spec": {"strategy": {"rollingUpdate": {"$patch": "delete"}}}},
     {"spec": {"strategy": {"type": "RollingUpdate"}}}),
    ("null deletes a map too",
     DEPLOY, {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
     {"spec": {"strategy": {"rollingUpdate": None}}},
     {"spec": {"strategy": {"type": "RollingUpdate"}}}),
    ("finalizers merge as a set",
     POD, {"metadata": {"finalizers": ["a", "b"]}}, {"metadata": {"finalizers": ["b", "c"]}},
     {"metadata": {"finalizers": ["a", "b", "c"]}}),
    ("$deleteFromPrimitiveList removes values from a set",
     POD, {"metadata": {"finalizers": ["a", "b", "c"]}},
     {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "c"]}},
     {"metadata": {"finalizers": ["a"]}}),
    ("$setElementOrder orders a list of primitives",
     POD, {"metadata": {"finalizers": ["a", "b", "c"]}},
     {"metadata": {"$setElementOrder/finalizers": ["b", "c", "a"]}},
     {"metadata": {"finalizers": ["b", "c", "a"]}}),
    ("$setElementOrder orders a list of maps by merge key",
     POD, {"spec": {"containers": containers(("a", "1"), ("b", "2"), ("c", "3"))}},
     {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "c"}, {"name": "a"}]}},
     {"spec": {"containers": containers(("b", "2"), ("c", "3"), ("a", "1"))}}),
    ("$retainKeys clears the other members of a union",
     DEPLOY, {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
     {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
     {"spec": {"strategy": {"type": "Recreate"}}}),
    ("$retainKeys on a volume switches its source",
     POD, {"spec": {"volumes": [{"name": "v", "emptyDir": {}}]}},
     {"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "hostPath"], "hostPath": {"path": "/x"}}]}},
     {"spec": {"volumes": [{"name": "v", "hostPath": {"path": "/x"}}]}}),
    ("env merges by name and volumeMounts by mountPath",
     POD, {"spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
                                    "volumeMounts": [{"name": "d", "mountPath": "/d"}]}]}},
     {"spec": {"containers": [{"name": "a", "env": [{"name": "Y", "value": "3"}],
                               "volumeMounts": [{"name": "e", "mountPath": "/d"}]}]}},
     {"spec": {"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "3"}],
                               "volumeMounts": [{"name": "e", "mountPath": "/d"}]}]}}),
    ("container ports merge by containerPort",
     POD, {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}]}},
     {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 443}]}]}},
     {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "http"},
                                                      {"containerPort": 443}]}]}}),
    ("service ports merge by port",
     SERVICE, {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}},
     {"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}),
    ("conditions merge by type",
     POD, {"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}]}},
     {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
     {"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]}}),
    ("a list without a patch strategy (tolerations) is replaced",
     POD, {"spec": {"tolerations": [{"key": "a"}]}}, {"spec": {"tolerations": [{"key": "b"}]}},
     {"spec": {"tolerations": [{"key": "b"}]}}),
    ("labels, a map, merge key by key and null removes one",
     POD, {"metadata": {"labels": {"a": "1", "b": "2"}}}, {"metadata": {"labels": {"b": None, "c": "3"}}},
     {"metadata": {"labels": {"a": "1", "c": "3"}}}),
]


@pytest.mark.parametrize("descriptor,original,change,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_strategic_merge_as_documented(descriptor, original, change, expected):
    assert patch.strategic_merge(original, change, descriptor) == expected


def test_an_item_of_a_merged_list_without_its_merge_key_is_refused():
    with pytest.raises(patch.PatchError, match='merge key "name"'):
        patch.strategic_merge({"spec": {"containers": []}}, {"spec": {"containers": [{"image": "x"}]}}, POD)


def test_merge_patch_replaces_lists_and_json_patch_follows_rfc_6902():
    original = {"spec": {"containers": containers(("a", "x"), ("b", "y"))}}
    assert patch.apply("merge", original, {"spec": {"containers": containers(("c", "z"))}}, POD) == {
        "spec": {"containers": containers(("c", "z"))}}
    ops = [{"op": "test", "path": "/spec/containers/0/name", "value": "a"},
           {"op": "replace", "path": "/spec/containers/0/image", "value": "x2"},
           {"op": "remove", "path": "/spec/containers/1"}]
    assert patch.apply("json", original, ops, POD) == {"spec": {"containers": containers(("a", "x2"))}}
    with pytest.raises(patch.PatchError):
        patch.apply("json", original, [{"op": "test", "path": "/spec/containers/0/name", "value": "b"}], POD)


def test_patch_types_by_kubectl_name_or_content_type():
    assert patch.patch_type("application/merge-patch+json") == "merge"
    assert patch.patch_type("") == "strategic"
    with pytest.raises(patch.PatchError, match="unknown patch type"):
        patch.patch_type("yaml")
