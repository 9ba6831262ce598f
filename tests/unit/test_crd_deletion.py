"""Deleting a custom resource: the propagation policy's finalizer (Foreground, Orphan) and the preconditions,
decided as for built-in kinds; the resource the controllers follow for a CRD."""
from __future__ import annotations

from controlplane.apiserver.crd import objects
from controlplane.controllers.core.customobjects import Resource, resource_of


def _ct(finalizers=None) -> dict:
    meta = {"name": "a", "uid": "u1", "resourceVersion": "7"}
    if finalizers is not None:
        meta["finalizers"] = finalizers
    return {"metadata": meta}


def test_foreground_adds_its_finalizer_and_drops_orphan():
    held = objects.with_propagation(_ct(["orphan", "example.com/keep"]), "Foreground")
    assert held["metadata"]["finalizers"] == ["example.com/keep", "foregroundDeletion"]


def test_orphan_adds_its_finalizer():
    assert objects.with_propagation(_ct(), "Orphan")["metadata"]["finalizers"] == ["orphan"]


def test_background_drops_both_and_no_policy_keeps_them():
    assert "finalizers" not in objects.with_propagation(_ct(["orphan"]), "Background")["metadata"]
    assert objects.with_propagation(_ct(["orphan"]), "")["metadata"]["finalizers"] == ["orphan"]


def test_a_precondition_on_another_uid_or_version_is_unmet_in_kubernetes_words():
    assert objects.unmet_precondition(_ct(), "u1", "7") == ""
    assert objects.unmet_precondition(_ct(), "u2", "") == \
        "Precondition failed: UID in precondition: u2, UID in object meta: u1"
    assert "ResourceVersion in precondition: 6" in objects.unmet_precondition(_ct(), "", "6")


def test_the_collector_follows_an_established_crds_served_storage_version():
    crd = {"metadata": {"name": "crontabs.stable.example.com"},
           "spec": {"group": "stable.example.com", "scope": "Namespaced",
                    "names": {"plural": "crontabs", "kind": "CronTab"},
                    "versions": [{"name": "v1beta1", "served": True}, {"name": "v1", "served": True, "storage": True}]},
           "status": {"conditions": [{"type": "Established", "status": "True"}]}}
    r = resource_of(crd)
    assert r == Resource("stable.example.com", "v1", "crontabs", "CronTab", True)
    assert r.path("ns", "x") == "/apis/stable.example.com/v1/namespaces/ns/crontabs/x"
    crd["status"]["conditions"][0]["status"] = "False"
    assert resource_of(crd) is None
