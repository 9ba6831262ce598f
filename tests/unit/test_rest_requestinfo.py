"""REST requests name the verb, resource and namespace an authorizer judges, as Kubernetes' RequestInfo."""
from controlplane.apiserver.rest.requestinfo import describe


def test_verbs_from_method_name_and_watch():
    assert describe("GET", "/api/v1/namespaces/a/pods", {})["verb"] == "list"
    assert describe("GET", "/api/v1/namespaces/a/pods", {"watch": "1"})["verb"] == "watch"
    assert describe("GET", "/api/v1/namespaces/a/pods/web", {})["verb"] == "get"
    assert describe("DELETE", "/api/v1/namespaces/a/pods", {})["verb"] == "deletecollection"
    assert describe("PATCH", "/apis/apps/v1/namespaces/a/deployments/web/scale", {})["verb"] == "patch"


def test_exec_over_a_websocket_get_needs_create():
    info = describe("GET", "/api/v1/namespaces/a/pods/web/exec", {"command": "sh"})
    assert (info["verb"], info["resource"], info["subresource"], info["namespace"], info["name"]) == (
        "create", "pods", "exec", "a", "web")


def test_group_namespace_and_discovery_paths():
    info = describe("POST", "/apis/apps/v1/namespaces/shop/deployments", {})
    assert (info["api_group"], info["namespace"], info["verb"]) == ("apps", "shop", "create")
    assert describe("GET", "/apis", {}) == {"verb": "get", "path": "/apis"}
    assert describe("GET", "/version", {}) == {"verb": "get", "path": "/version"}
