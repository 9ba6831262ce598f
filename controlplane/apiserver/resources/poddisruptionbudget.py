"""PodDisruptionBudgets (policy/v1): no defaults besides the status the disruption controller writes;
validation of the budget and its selector. The eviction subresource (eviction.py) honours them."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import disruption
from proto import types_pb2


class PodDisruptionBudgetStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "sample"}}}}

    def validate(self, pdb: types_pb2.PodDisruptionBudget) -> list[str]:
        return disruption.validate_pdb(pdb)

    def validate_status_update(self, new: types_pb2.PodDisruptionBudget,
                               old: types_pb2.PodDisruptionBudget) -> list[str]:
        return disruption.validate_pdb_status(new)


STRATEGY = PodDisruptionBudgetStrategy()
