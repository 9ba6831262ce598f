"""LimitRanges (core/v1): per-namespace bounds and defaults for containers, pods and claims, applied by the
LimitRanger admission (limitranger.py); a Container item's defaults are filled from max and min."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import limitranges
from proto import types_pb2


def default_item(item: types_pb2.LimitRangeItem) -> None:
    """Kubernetes' SetDefaults_LimitRangeItem: for containers, the default limit is max, the default request
    is the default limit, else min."""
    if item.type != limitranges.CONTAINER:
        return
    for key, value in item.max.items():
        item.default.setdefault(key, value)
    for key, value in item.default.items():
        item.default_request.setdefault(key, value)
    for key, value in item.min.items():
        item.default_request.setdefault(key, value)


class LimitRangeStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"limits": [{"type": "Container", "default": {"memory": "512Mi"}}]}}

    def default(self, lr: types_pb2.LimitRange) -> None:
        for item in lr.spec.limits:
            default_item(item)

    def validate(self, lr: types_pb2.LimitRange) -> list[str]:
        return limitranges.validate_limit_range(lr)


STRATEGY = LimitRangeStrategy()
