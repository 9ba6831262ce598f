"""DaemonSets: one pod per eligible node; rolling-update defaults (one unavailable, no surge), a history
limit of 10 and a selector that never changes, as Kubernetes' apps/v1 defaults."""
from __future__ import annotations

from api.daemonsets import TEMPLATE_GENERATION
from controlplane.apiserver import defaults
from controlplane.apiserver.resources.replicaset import SAMPLE_TEMPLATE
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import workloads
from proto import types_pb2

DEFAULT_REVISION_HISTORY_LIMIT = 10


class DaemonSetStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"selector": {"matchLabels": {"app": "sample"}}, "template": SAMPLE_TEMPLATE}}

    def prepare_for_create(self, ds: types_pb2.DaemonSet) -> None:
        ds.metadata.annotations[TEMPLATE_GENERATION] = "1"

    def prepare_for_update(self, new: types_pb2.DaemonSet, old: types_pb2.DaemonSet) -> None:
        generation = old.metadata.annotations.get(TEMPLATE_GENERATION, "1")
        # compared as defaulted, so a manifest leaving defaults out is not a template change
        template = types_pb2.PodTemplateSpec()
        template.CopyFrom(new.spec.template)
        defaults.pod_spec(template.spec)
        if template != old.spec.template:
            generation = str(int(generation) + 1 if generation.isdigit() else 1)
        new.metadata.annotations[TEMPLATE_GENERATION] = generation

    def default(self, ds: types_pb2.DaemonSet) -> None:
        strategy = ds.spec.update_strategy
        if not strategy.type:
            strategy.type = "RollingUpdate"
        if strategy.type == "RollingUpdate":
            rolling = strategy.rolling_update
            rolling.SetInParent()
            if rolling.max_unavailable.WhichOneof("value") is None:
                rolling.max_unavailable.int_value = 1
            if rolling.max_surge.WhichOneof("value") is None:
                rolling.max_surge.int_value = 0
        if not ds.spec.HasField("revision_history_limit"):
            ds.spec.revision_history_limit = DEFAULT_REVISION_HISTORY_LIMIT
        defaults.pod_spec(ds.spec.template.spec)

    def validate(self, ds: types_pb2.DaemonSet) -> list[str]:
        return workloads.validate_daemon_set(ds)

    def validate_update(self, new: types_pb2.DaemonSet, old: types_pb2.DaemonSet) -> list[str]:
        return workloads.validate_selector_update(new, old)


STRATEGY = DaemonSetStrategy()
