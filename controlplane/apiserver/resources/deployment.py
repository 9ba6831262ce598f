"""Deployments: rolling-update defaults (25% surge and unavailable), a fixed selector, scale."""
from __future__ import annotations

from controlplane.apiserver import defaults
from controlplane.apiserver.resources.replicaset import SAMPLE_TEMPLATE
from controlplane.apiserver.resources.strategy import Scale, Strategy
from controlplane.apiserver.validation import workloads
from proto import types_pb2

DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600
DEFAULT_MAX_UNAVAILABLE = "25%"
DEFAULT_MAX_SURGE = "25%"


class DeploymentStrategy(Strategy):
    scale = Scale()
    sample = {"metadata": {"name": "sample"},
              "spec": {"selector": {"matchLabels": {"app": "sample"}}, "template": SAMPLE_TEMPLATE}}

    def default(self, deploy: types_pb2.Deployment) -> None:
        spec = deploy.spec
        if not spec.HasField("replicas"):
            spec.replicas = 1
        if not spec.strategy.type:
            spec.strategy.type = "RollingUpdate"
        if spec.strategy.type == "RollingUpdate":
            rolling = spec.strategy.rolling_update
            rolling.SetInParent()
            if rolling.max_unavailable.WhichOneof("value") is None:
                rolling.max_unavailable.str_value = DEFAULT_MAX_UNAVAILABLE
            if rolling.max_surge.WhichOneof("value") is None:
                rolling.max_surge.str_value = DEFAULT_MAX_SURGE
        if not spec.HasField("revision_history_limit"):
            spec.revision_history_limit = DEFAULT_REVISION_HISTORY_LIMIT
        if not spec.HasField("progress_deadline_seconds"):
            spec.progress_deadline_seconds = DEFAULT_PROGRESS_DEADLINE_SECONDS
        defaults.pod_spec(spec.template.spec)

    def validate(self, deploy: types_pb2.Deployment) -> list[str]:
        return workloads.validate_deployment(deploy)

    def validate_update(self, new: types_pb2.Deployment, old: types_pb2.Deployment) -> list[str]:
        return workloads.validate_selector_update(new, old)


STRATEGY = DeploymentStrategy()
