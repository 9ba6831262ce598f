"""Ingresses and IngressClasses are validated as Kubernetes validates them, on the manifest's field paths."""
from __future__ import annotations

from api import manifest
from controlplane.apiserver import resources


def problems(data: dict, old: dict | None = None) -> list[str]:
    obj, _ = manifest.from_dict(data)
    resources.default(obj)
    previous = None
    if old is not None:
        previous, _ = manifest.from_dict(old)
        resources.default(previous)
    return resources.validate(obj, previous)


def ingress(rules=None, **spec) -> dict:
    if rules is not None:
        spec["rules"] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web"}, "spec": spec}


def rule(host="", path="/", path_type="Prefix", backend=None) -> dict:
    backend = backend or {"service": {"name": "web", "port": {"number": 80}}}
    http_path = {"path": path, "backend": backend}
    if path_type:
        http_path["pathType"] = path_type
    out = {"http": {"paths": [http_path]}}
    if host:
        out["host"] = host
    return out


def test_a_rule_with_an_exact_or_wildcard_host_is_valid():
    assert problems(ingress([rule("foo.example.com"), rule("*.example.com", "/api", "Exact")])) == []


def test_a_wildcard_in_the_middle_of_a_host_is_refused():
    [error] = problems(ingress([rule("foo.*.example.com")]))
    assert error.startswith('spec.rules[0].host: Invalid value: "foo.*.example.com": a wildcard DNS-1123 '
                            "subdomain must start with '*.'")


def test_an_ip_address_is_not_a_host():
    assert 'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address' in problems(
        ingress([rule("10.0.0.1")]))


def test_a_path_without_a_leading_slash_is_refused():
    assert problems(ingress([rule(path="api")])) == [
        'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']


def test_path_type_is_required_and_one_of_three():
    assert problems(ingress([rule(path_type="")])) == [
        "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"]
    assert problems(ingress([rule(path_type="Regex")])) == [
        'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: '
        '"Exact", "ImplementationSpecific", "Prefix"']


def test_a_backend_needs_a_port_name_or_number_but_not_both():
    both = {"service": {"name": "web", "port": {"name": "http", "number": 80}}}
    neither = {"service": {"name": "web"}}
    assert problems(ingress([rule(backend=both)])) == [
        'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number']
    assert problems(ingress([rule(backend=neither)])) == [
        "spec.rules[0].http.paths[0].backend: Required value: port name or number is required"]


def test_an_ingress_needs_rules_or_a_default_backend():
    assert problems(ingress()) == ["spec: Invalid value: []: either `defaultBackend` or `rules` must be specified"]


def test_the_class_annotation_must_match_the_class_name():
    data = ingress([rule()], ingressClassName="nginx")
    data["metadata"]["annotations"] = {"kubernetes.io/ingress.class": "other"}
    assert problems(data) == ['annotations.kubernetes.io/ingress.class: Invalid value: "other": must match '
                              "`ingressClassName` when both are specified"]


def ingress_class(controller: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
            "spec": {"controller": controller}}


def test_an_ingress_class_names_a_domain_prefixed_controller_that_never_changes():
    assert problems(ingress_class("skiff.io/ingress-nginx")) == []
    assert problems(ingress_class("")) == ["spec.controller: Required value"]
    assert problems(ingress_class("nginx")) == [
        'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']
    assert problems(ingress_class("b.io/x"), old=ingress_class("a.io/x")) == [
        'spec.controller: Invalid value: "b.io/x": field is immutable']
