"""A CRD schema's logical keywords (allOf, anyOf, oneOf, not), formats, list types and embedded resources,
applied to custom resources and checked in CRDs, in Kubernetes' words."""
from __future__ import annotations

import pytest

from controlplane.apiserver.crd import definitions, formats, schema

ONE_OF = {"type": "object", "properties": {"source": {
    "type": "object", "properties": {"pvc": {"type": "string"}, "content": {"type": "string"}},
    "oneOf": [{"required": ["pvc"]}, {"required": ["content"]}]}}}


def test_one_of_with_two_alternatives_valid_is_refused_in_kube_openapis_words():
    assert schema.validate({"source": {"pvc": "a", "content": "b"}}, ONE_OF) == [
        '<nil>: Invalid value: "": "source" must validate one and only one schema (oneOf). '
        'Found 2 valid alternatives']
    assert schema.validate({"source": {"pvc": "a"}}, ONE_OF) == []


def test_one_of_with_none_valid_tells_the_closest_alternatives_errors():
    found = schema.validate({"source": {}}, ONE_OF)
    assert found[0].endswith('"source" must validate one and only one schema (oneOf). Found none valid')
    assert found[1] == "source.pvc: Required value"


def test_any_of_all_of_and_not():
    s = {"type": "object", "properties": {"n": {
        "type": "integer", "anyOf": [{"minimum": 10}, {"maximum": 0}], "allOf": [{"multipleOf": 2}],
        "not": {"enum": [12]}}}}
    assert schema.validate({"n": 14}, s) == [] and schema.validate({"n": -2}, s) == []
    found = schema.validate({"n": 5}, s)
    assert '<nil>: Invalid value: "": "n" must validate all the schemas (allOf). None validated' in found
    assert "n: Invalid value: 5: n in body should be a multiple of 2" in found
    assert '<nil>: Invalid value: "": "n" must validate at least one schema (anyOf)' in found
    assert schema.validate({"n": 12}, s) == ['<nil>: Invalid value: "": "n" must not validate the schema (not)']


@pytest.mark.parametrize("fmt, good, bad", [
    ("uuid", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "f81d4fae"), ("date", "2024-02-29", "2023-02-29"),
    ("date-time", "2024-01-02T03:04:05Z", "2024-01-02 25:00"), ("byte", "aGVsbG8=", "not base64!"),
    ("hostname", "my-host.example.com", "-bad-.example"), ("ipv4", "10.0.0.1", "10.0.0.256"),
    ("ipv6", "fd00::1", "fd00:::1"), ("cidr", "10.0.0.0/8", "10.0.0.0"), ("email", "a@b.org", "a.b.org"),
    ("uri", "https://example.com/x", "example.com"), ("mac", "01:23:45:67:89:ab", "01:23:45"),
])
def test_formats_kubernetes_checks(fmt, good, bad):
    assert formats.valid(good, fmt) and not formats.valid(bad, fmt)


def test_a_format_violation_is_refused_and_number_formats_are_not_checked():
    s = {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
                                          "n": {"type": "integer", "format": "int32"}}}
    assert schema.validate({"id": "x", "n": 2 ** 40}, s) == [
        'id: Invalid value: "x": id in body must be of type uuid: "x"']


def test_a_map_list_refuses_two_items_with_the_same_keys():
    s = {"type": "object", "properties": {"ports": {
        "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "protocol"],
        "items": {"type": "object", "properties": {"name": {"type": "string"}, "protocol": {"type": "string"},
                                                   "port": {"type": "integer"}}}}}}
    ports = [{"name": "a", "protocol": "TCP", "port": 1}, {"name": "a", "protocol": "UDP", "port": 1},
             {"name": "a", "protocol": "TCP", "port": 2}]
    assert schema.validate({"ports": ports}, s) == [
        'ports[2]: Duplicate value: map[string]interface {}{"name":"a", "protocol":"TCP"}']


def test_an_embedded_resource_needs_api_version_and_kind_and_its_metadata_is_pruned():
    s = {"type": "object", "properties": {"template": {
        "type": "object", "x-kubernetes-embedded-resource": True, "x-kubernetes-preserve-unknown-fields": True}}}
    assert schema.validate({"template": {"metadata": {"name": "x"}}}, s) == [
        "template.apiVersion: Required value: must not be empty", "template.kind: Required value: must not be empty"]
    obj = {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "bogus": 1}, "spec": {}}}
    assert schema.unknown_fields(obj, s) == ["template.metadata.bogus"]
    assert schema.validate(obj, s) == []


def test_a_crd_schema_keeps_logical_keywords_to_value_validations_and_list_types_well_formed():
    s = {"type": "object", "properties": {
        "a": {"type": "string", "anyOf": [{"type": "string", "format": "uuid"}]},
        "b": {"type": "array", "x-kubernetes-list-type": "map", "items": {"type": "string"}}}}
    found = definitions.structural(s, "spec.versions[0].schema.openAPIV3Schema")
    p = "spec.versions[0].schema.openAPIV3Schema.properties"
    assert f"{p}[a].anyOf[0].type: Forbidden: must be empty to be structural" in found
    assert f"{p}[b].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map" \
        in found
    assert f'{p}[b].items.type: Invalid value: "string": must be object if parent array\'s x-kubernetes-list-type ' \
           f"is map" in found
