"""What a ControllerRevision's data holds, shared by the DaemonSet and StatefulSet controllers and the CLI:
the strategic merge patch that puts back one pod template ({"spec": {"template": {..., "$patch": "replace"}}})."""
from __future__ import annotations

import json
from typing import Any

from api import manifest
from proto import types_pb2

REPLACE = "$patch"  # the strategic-merge directive that makes the snapshot replace the whole template


def data_of(template: types_pb2.PodTemplateSpec) -> dict[str, Any]:
    """The revision data Kubernetes stores for this template."""
    return {"spec": {"template": {**manifest.to_dict(template), REPLACE: "replace"}}}


def template_of(revision: types_pb2.ControllerRevision) -> types_pb2.PodTemplateSpec:
    """The pod template a revision snapshots."""
    data = json.loads(revision.data.json or "{}")
    template = dict((data.get("spec") or {}).get("template") or {})
    template.pop(REPLACE, None)
    out, _ = manifest.decode_part(types_pb2.PodTemplateSpec, template, "data.spec.template",
                                  validation=manifest.IGNORE)
    return out


def same_data(revision: types_pb2.ControllerRevision, data: dict[str, Any]) -> bool:
    return bool(revision.data.json) and json.loads(revision.data.json) == data
