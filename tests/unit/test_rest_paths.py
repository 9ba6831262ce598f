"""Kubernetes REST URLs name the right kind, namespace, object and subresource."""
from api import kinds
from controlplane.apiserver.rest import paths

import pytest


def test_namespaced_object_with_subresource():
    t = paths.parse("/api/v1/namespaces/shop/pods/web/log")
    assert (t.kind.name, t.namespace, t.name, t.subresource) == ("Pod", "shop", "web", "log")


def test_named_group_collection_across_namespaces():
    t = paths.parse("/apis/apps/v1/deployments")
    assert (t.kind.name, t.namespace, t.name) == ("Deployment", "", "")


def test_namespace_itself_is_a_cluster_scoped_object():
    t = paths.parse("/api/v1/namespaces/shop")
    assert (t.kind.name, t.namespace, t.name) == ("Namespace", "", "shop")


def test_unknown_resource_has_no_kind():
    assert paths.parse("/apis/apps/v2/deployments").kind is None
    assert paths.parse("/api/v1/widgets").kind is None


def test_discovery_urls_name_no_resource():
    assert paths.parse("/api") is None
    assert paths.parse("/apis/apps/v1") is None


def test_too_deep_a_path_is_bad():
    with pytest.raises(paths.BadPath):
        paths.parse("/api/v1/namespaces/a/pods/b/log/extra")


def test_resource_path_round_trips():
    deploy = kinds.BY_NAME["Deployment"]
    url = paths.resource_path(deploy, "shop", "web")
    assert url == "/apis/apps/v1/namespaces/shop/deployments/web"
    assert paths.parse(url).name == "web"
