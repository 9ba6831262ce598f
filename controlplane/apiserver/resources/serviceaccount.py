"""ServiceAccounts: identities for software in pods; the controller manager's serviceaccount controller
gives every namespace its `default` one."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy


class ServiceAccountStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}}


STRATEGY = ServiceAccountStrategy()
