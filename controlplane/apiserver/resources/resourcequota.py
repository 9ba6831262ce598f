"""ResourceQuotas (core/v1): the most a namespace may use of each resource. The quota admission refuses a
create that would go over (admission.py); the quota controller keeps status.hard and status.used."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import quotas
from proto import types_pb2


class ResourceQuotaStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "spec": {"hard": {"pods": "10"}}}

    def validate(self, rq: types_pb2.ResourceQuota) -> list[str]:
        return quotas.validate_quota(rq)

    def validate_status_update(self, new: types_pb2.ResourceQuota, old: types_pb2.ResourceQuota) -> list[str]:
        return quotas.validate_quota_status(new)


STRATEGY = ResourceQuotaStrategy()
