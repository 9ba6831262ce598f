"""Leases: leader election and node heartbeats; a holder, a duration and a renew time, nothing more."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import cluster
from proto import types_pb2


class LeaseStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15}}

    def validate(self, lease: types_pb2.Lease) -> list[str]:
        return cluster.validate_lease(lease)


STRATEGY = LeaseStrategy()
