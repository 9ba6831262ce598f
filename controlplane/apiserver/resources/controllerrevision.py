"""ControllerRevisions (apps/v1): the immutable template snapshots that DaemonSets and StatefulSets keep as
their rollout history; only `revision` may change after creation (the history re-numbers a reused one)."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import revisions
from proto import types_pb2


class ControllerRevisionStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "data": {"spec": {"template": {"$patch": "replace"}}}, "revision": 1}

    def validate(self, cr: types_pb2.ControllerRevision) -> list[str]:
        return revisions.validate_controller_revision(cr)

    def validate_update(self, new: types_pb2.ControllerRevision, old: types_pb2.ControllerRevision) -> list[str]:
        return revisions.validate_controller_revision_update(new, old)


STRATEGY = ControllerRevisionStrategy()
