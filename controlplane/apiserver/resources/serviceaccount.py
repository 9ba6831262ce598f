"""ServiceAccounts: identities for software in pods; `default` exists in the system namespaces from the start."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from proto import types_pb2

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class ServiceAccountStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}}
    bootstrap = tuple(types_pb2.ServiceAccount(api_version="v1", kind="ServiceAccount",
                                               metadata=types_pb2.ObjectMeta(name="default", namespace=ns))
                      for ns in SYSTEM_NAMESPACES)


STRATEGY = ServiceAccountStrategy()
