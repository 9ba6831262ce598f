"""Validation of ControllerRevisions in Kubernetes' words (pkg/apis/apps/validation
ValidateControllerRevision and ValidateControllerRevisionUpdate)."""
from __future__ import annotations

import json

from controlplane.apiserver.validation.fielderrors import Path, invalid, required
from proto import types_pb2


def validate_controller_revision(cr: types_pb2.ControllerRevision) -> list[str]:
    errors = []
    if not cr.data.json:
        errors.append(required(Path("data"), "data is mandatory"))
    if cr.revision < 0:
        errors.append(invalid(Path("revision"), cr.revision, "must be greater than or equal to 0"))
    return errors


def validate_controller_revision_update(new: types_pb2.ControllerRevision,
                                        old: types_pb2.ControllerRevision) -> list[str]:
    """What an update may not change (the rest is judged as on create): the data."""
    errors = []
    # Compared as values: the same data re-encoded (other key order, spacing) is not a change.
    if new.data.json and old.data.json and json.loads(new.data.json) != json.loads(old.data.json):
        errors.append(invalid(Path("data"), json.loads(new.data.json), "field is immutable"))
    return errors
