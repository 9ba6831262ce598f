"""ReplicaSets: a selector that never changes, a pod template, and the scale subresource."""
from __future__ import annotations

from controlplane.apiserver import defaults
from controlplane.apiserver.resources.strategy import Scale, Strategy
from controlplane.apiserver.validation import workloads
from proto import types_pb2

SAMPLE_TEMPLATE = {"metadata": {"labels": {"app": "sample"}},
                   "spec": {"containers": [{"name": "app", "image": "busybox:latest"}]}}


class ReplicaSetStrategy(Strategy):
    scale = Scale()
    sample = {"metadata": {"name": "sample"},
              "spec": {"selector": {"matchLabels": {"app": "sample"}}, "template": SAMPLE_TEMPLATE}}

    def default(self, rs: types_pb2.ReplicaSet) -> None:
        if not rs.spec.HasField("replicas"):
            rs.spec.replicas = 1
        # apps/v1 requires the selector: it is never derived from the template labels.
        defaults.pod_spec(rs.spec.template.spec)

    def validate(self, rs: types_pb2.ReplicaSet) -> list[str]:
        return workloads.validate_replica_set(rs)

    def validate_update(self, new: types_pb2.ReplicaSet, old: types_pb2.ReplicaSet) -> list[str]:
        return workloads.validate_selector_update(new, old)


STRATEGY = ReplicaSetStrategy()
