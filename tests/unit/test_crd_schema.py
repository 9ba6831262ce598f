"""A CRD's openAPIV3Schema applied to custom resources (controlplane/apiserver/crd/schema.py) and the CRD's own
validation (definitions.py), with Kubernetes' messages."""
from __future__ import annotations

from controlplane.apiserver.crd import definitions, objects, schema

CRONTAB_SCHEMA = {"type": "object", "properties": {
    "spec": {"type": "object", "required": ["cronSpec"], "properties": {
        "cronSpec": {"type": "string", "pattern": r"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$"},
        "image": {"type": "string", "minLength": 1, "maxLength": 20},
        "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
        "size": {"type": "string", "enum": ["S", "M", "L"]},
        "ports": {"type": "array", "maxItems": 2, "items": {"type": "integer"}},
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "note": {"type": "string", "nullable": True}}}}}


def test_unknown_fields_are_reported_by_path_and_pruned_but_preserved_ones_kept():
    obj = {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "x", "bogus": 1},
           "spec": {"cronSpec": "* * * * *", "colour": "red", "extra": {"any": {"thing": 1}},
                    "labels": {"a": "b"}}, "other": 1}
    found = schema.unknown_fields(obj, CRONTAB_SCHEMA)
    assert sorted(found) == ["metadata.bogus", "other", "spec.colour"]
    assert obj["spec"] == {"cronSpec": "* * * * *", "extra": {"any": {"thing": 1}}, "labels": {"a": "b"}}
    assert obj["metadata"] == {"name": "x"}


def test_defaults_fill_absent_fields_only():
    obj = {"spec": {"cronSpec": "* * * * *"}}
    schema.apply_defaults(obj, CRONTAB_SCHEMA)
    assert obj["spec"]["replicas"] == 1
    obj = {"spec": {"cronSpec": "* * * * *", "replicas": 4}}
    schema.apply_defaults(obj, CRONTAB_SCHEMA)
    assert obj["spec"]["replicas"] == 4


def test_violations_are_named_by_field_in_kubernetes_words():
    obj = {"spec": {"cronSpec": "* * * *", "replicas": 15, "size": "XL", "image": "", "ports": [1, 2, 3],
                    "labels": {"a": 1}}}
    causes = schema.validate(obj, CRONTAB_SCHEMA)
    assert causes == [
        "spec.cronSpec: Invalid value: \"* * * *\": spec.cronSpec in body should match "
        "'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'",
        "spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10",
        'spec.size: Unsupported value: "XL": supported values: "S", "M", "L"',
        'spec.image: Invalid value: "": spec.image in body should be at least 1 chars long',
        "spec.ports: Too many: 3: must have at most 2 items",
        'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    ]


def test_required_types_and_nullable():
    assert schema.validate({"spec": {}}, CRONTAB_SCHEMA) == ["spec.cronSpec: Required value"]
    assert schema.validate({"spec": {"cronSpec": 5}}, CRONTAB_SCHEMA) == [
        'spec.cronSpec: Invalid value: "integer": spec.cronSpec in body must be of type string: "integer"']
    assert schema.validate({"spec": {"cronSpec": "* * * * *", "note": None}}, CRONTAB_SCHEMA) == []
    assert schema.validate({"spec": {"cronSpec": None}}, CRONTAB_SCHEMA) == [
        'spec.cronSpec: Invalid value: "null": spec.cronSpec in body must be of type string: "null"']
    assert schema.validate({"spec": {"cronSpec": "* * * * *", "replicas": 0}}, CRONTAB_SCHEMA) == [
        "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"]


def _crd(**changes) -> dict:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "crontabs.stable.example.com"},
           "spec": {"group": "stable.example.com", "scope": "Namespaced",
                    "names": {"plural": "crontabs", "kind": "CronTab"},
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": CRONTAB_SCHEMA}}]}}
    crd["spec"].update(changes)
    return crd


def test_a_valid_crd_passes_and_gets_its_defaults_and_accepted_status():
    crd = _crd()
    definitions.defaults(crd)
    assert definitions.validate(crd) == []
    assert crd["spec"]["names"]["singular"] == "crontab" and crd["spec"]["names"]["listKind"] == "CronTabList"
    crd["status"] = definitions.accepted_status(crd, [], "2026-12-01T00:00:00Z")
    assert definitions.established(crd)
    [resource] = definitions.resources_of(crd)
    assert (resource.plural, resource.kind, resource.namespaced) == ("crontabs", "CronTab", True)


def test_crd_refusals_name_the_field():
    crd = _crd(scope="Global")
    crd["metadata"]["name"] = "crontab.stable.example.com"
    assert definitions.validate(crd) == [
        'metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group',
        'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']
    two = _crd()
    two["spec"]["versions"].append({"name": "v2", "served": True, "storage": True, "schema": {
        "openAPIV3Schema": {"type": "object"}}})
    assert definitions.validate(two) == [
        'spec.versions: Invalid value: ["v1", "v2"]: must have exactly one version marked as storage version']
    bare = _crd()
    del bare["spec"]["versions"][0]["schema"]
    assert definitions.validate(bare) == [
        "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"]
    upper = _crd(names={"plural": "SelfieRequests", "kind": "SelfieRequest"})
    assert any(c.startswith('spec.names.plural: Invalid value: "SelfieRequests"') for c in definitions.validate(upper))


def test_printer_columns_and_field_selectors_of_a_custom_resource():
    crd = _crd()
    crd["spec"]["versions"][0]["selectableFields"] = [{"jsonPath": ".spec.size"}]
    crd["spec"]["versions"][0]["additionalPrinterColumns"] = [{"name": "Spec", "type": "string",
                                                               "jsonPath": ".spec.cronSpec"}]
    definitions.defaults(crd)
    crd["status"] = definitions.accepted_status(crd, [], "2026-12-01T00:00:00Z")
    [resource] = definitions.resources_of(crd)
    obj = {"metadata": {"name": "a", "labels": {"app": "x"}}, "spec": {"cronSpec": "* * * * *", "size": "M"}}
    assert objects.cells(obj, resource, None) == ["a", "* * * * *"]
    assert objects.selector(resource, "app=x", "spec.size=M")(obj)
    assert not objects.selector(resource, "", "spec.size=S")(obj)


# the task page's CEL example: replicas between minReplicas and maxReplicas, and an immutable field
RULES_SCHEMA = {"type": "object", "properties": {"spec": {
    "type": "object",
    "x-kubernetes-validations": [
        {"rule": "self.minReplicas <= self.replicas", "message": "replicas should be greater than or equal to "
                                                                 "minReplicas."},
        {"rule": "self.replicas <= self.maxReplicas", "message": "replicas should be smaller than or equal to "
                                                                 "maxReplicas."}],
    "properties": {"minReplicas": {"type": "integer"}, "replicas": {"type": "integer"},
                   "maxReplicas": {"type": "integer"},
                   "name": {"type": "string", "x-kubernetes-validations": [
                       {"rule": "self == oldSelf", "message": "Value is immutable"}]}}}}}


def test_cel_rules_of_the_schema_are_enforced_with_their_messages():
    from controlplane.apiserver.crd import rules
    good = {"spec": {"minReplicas": 1, "replicas": 2, "maxReplicas": 3, "name": "a"}}
    assert rules.check(good, RULES_SCHEMA) == []
    bad = {"spec": {"minReplicas": 1, "replicas": 5, "maxReplicas": 3}}
    assert rules.check(bad, RULES_SCHEMA) == [
        'spec: Invalid value: "object": replicas should be smaller than or equal to maxReplicas.']
    assert rules.check({"spec": {**good["spec"], "name": "b"}}, RULES_SCHEMA, good) == [
        'spec.name: Invalid value: "string": Value is immutable']
    assert rules.compile_errors({"x-kubernetes-validations": [{"rule": "self.x <"}]}, "s")[0].startswith(
        's.x-kubernetes-validations[0].rule: Invalid value: "self.x <": compilation failed')


def test_a_crd_of_the_wrong_shape_is_refused_by_field_not_by_a_crash():
    crd = _crd()
    crd["spec"]["versions"] = "v1"
    crd["spec"]["names"] = []
    assert schema.validate(crd, definitions.SCHEMA) == [
        'spec.names: Invalid value: "array": spec.names in body must be of type object: "array"',
        'spec.versions: Invalid value: "string": spec.versions in body must be of type array: "string"']


def test_a_crd_in_a_kubernetes_group_needs_the_approval_annotation():
    crd = _crd(group="stable.k8s.io")
    crd["metadata"]["name"] = "crontabs.stable.k8s.io"
    assert definitions.validate(crd) == [
        'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval '
        'annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111']
    crd["metadata"]["annotations"] = {"api-approved.kubernetes.io": "unapproved, experimental-only"}
    assert definitions.validate(crd) == []
