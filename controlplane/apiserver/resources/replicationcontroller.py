"""ReplicationControllers (core/v1): a ReplicaSet with a map selector that defaults to the template's labels,
may change, and the scale subresource."""
from __future__ import annotations

from controlplane.apiserver import defaults
from controlplane.apiserver.resources.replicaset import SAMPLE_TEMPLATE
from controlplane.apiserver.resources.strategy import Scale, Strategy
from controlplane.apiserver.validation import workloads
from proto import types_pb2


class ReplicationControllerStrategy(Strategy):
    scale = Scale()
    sample = {"metadata": {"name": "sample"}, "spec": {"template": SAMPLE_TEMPLATE}}

    def default(self, rc: types_pb2.ReplicationController) -> None:
        # Kubernetes' SetDefaults_ReplicationController: the template's labels stand in for an empty selector
        # and for the controller's own labels
        if rc.spec.HasField("template"):
            labels = rc.spec.template.metadata.labels
            if labels and not rc.spec.selector:
                rc.spec.selector.update(labels)
            if labels and not rc.metadata.labels:
                rc.metadata.labels.update(labels)
            defaults.pod_spec(rc.spec.template.spec)
        if not rc.spec.HasField("replicas"):
            rc.spec.replicas = 1

    def validate(self, rc: types_pb2.ReplicationController) -> list[str]:
        return workloads.validate_replication_controller(rc)
    # unlike apps/v1's, a ReplicationController's selector may change (its pods are released or adopted)


STRATEGY = ReplicationControllerStrategy()
