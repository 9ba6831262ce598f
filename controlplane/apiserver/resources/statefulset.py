"""StatefulSets: Kubernetes' apps/v1 defaults (one replica, OrderedReady, RollingUpdate from partition 0,
claims retained), validation, a selector that never changes, and the scale subresource."""
from __future__ import annotations

from controlplane.apiserver import defaults
from controlplane.apiserver.resources.persistentvolumeclaim import STRATEGY as CLAIMS
from controlplane.apiserver.resources.replicaset import SAMPLE_TEMPLATE
from controlplane.apiserver.resources.strategy import Scale, Strategy
from controlplane.apiserver.validation import statefulsets
from proto import types_pb2

DEFAULT_REVISION_HISTORY_LIMIT = 10


class StatefulSetStrategy(Strategy):
    scale = Scale()
    sample = {"metadata": {"name": "sample"},
              "spec": {"serviceName": "sample", "selector": {"matchLabels": {"app": "sample"}},
                       "template": SAMPLE_TEMPLATE}}

    def default(self, sts: types_pb2.StatefulSet) -> None:
        spec = sts.spec
        if not spec.HasField("replicas"):
            spec.replicas = 1
        if not spec.pod_management_policy:
            spec.pod_management_policy = "OrderedReady"
        strategy = spec.update_strategy
        if not strategy.type:
            strategy.type = "RollingUpdate"
        if strategy.type == "RollingUpdate":
            strategy.rolling_update.SetInParent()
            if not strategy.rolling_update.HasField("partition"):
                strategy.rolling_update.partition = 0
        if not spec.HasField("revision_history_limit"):
            spec.revision_history_limit = DEFAULT_REVISION_HISTORY_LIMIT
        policy = spec.persistent_volume_claim_retention_policy
        policy.SetInParent()
        policy.when_deleted = policy.when_deleted or "Retain"
        policy.when_scaled = policy.when_scaled or "Retain"
        for claim in spec.volume_claim_templates:
            CLAIMS.default(claim)
        defaults.pod_spec(spec.template.spec)

    def validate(self, sts: types_pb2.StatefulSet) -> list[str]:
        return statefulsets.validate_stateful_set(sts)

    def validate_update(self, new: types_pb2.StatefulSet, old: types_pb2.StatefulSet) -> list[str]:
        return statefulsets.validate_stateful_set_update(new, old)


STRATEGY = StatefulSetStrategy()
