"""ControllerRevision validation in Kubernetes' words: data is mandatory, revision not negative, data
immutable while the revision number may change."""
from __future__ import annotations

from controlplane.apiserver.validation import revisions
from proto import types_pb2


def _cr(json_text: str = '{"spec":{}}', number: int = 1) -> types_pb2.ControllerRevision:
    cr = types_pb2.ControllerRevision(revision=number)
    cr.data.json = json_text
    return cr


def test_data_is_mandatory_and_revision_not_negative():
    assert revisions.validate_controller_revision(_cr("", -1)) == [
        "data: Required value: data is mandatory", "revision: Invalid value: -1: must be greater than or equal to 0"]


def test_data_is_immutable_but_the_revision_number_may_change():
    old = _cr('{"spec":{"a":1,"b":2}}', 1)
    assert revisions.validate_controller_revision_update(_cr('{"spec":{"b":2,"a":1}}', 5), old) == []
    assert revisions.validate_controller_revision_update(_cr('{"spec":{"a":2}}', 1), old)[0].endswith(
        "field is immutable")
