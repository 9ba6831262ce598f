"""Namespaces: created Active with the `kubernetes` finalizer, Terminating once deleted, and removed
only when the namespace controller has emptied them and dropped that finalizer."""
from __future__ import annotations

from api import names
from controlplane.apiserver.resources.strategy import COMMON_FIELDS, Strategy
from controlplane.apiserver.validation import cluster
from proto import types_pb2

# Held in spec.finalizers until the namespace controller has deleted everything inside.
FINALIZER = "kubernetes"
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# Kubernetes' NamespaceLifecycle admission keeps these (kube-node-lease may go: it is made again).
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")
NAME_LABEL = "kubernetes.io/metadata.name"


class NamespaceStrategy(Strategy):
    bootstrap = tuple(types_pb2.Namespace(metadata=types_pb2.ObjectMeta(name=n)) for n in SYSTEM_NAMESPACES)
    selectable_fields = COMMON_FIELDS + ("status.phase",)
    sample = {"metadata": {"name": "sample"}}

    @staticmethod
    def name_rule(name: str) -> list[str]:
        return names.dns1123_label(name)

    def prepare_for_create(self, ns: types_pb2.Namespace) -> None:
        ns.status.phase = "Active"
        if FINALIZER not in ns.spec.finalizers:
            ns.spec.finalizers.append(FINALIZER)

    def prepare_for_update(self, new: types_pb2.Namespace, old: types_pb2.Namespace) -> None:
        if not new.metadata.deletion_timestamp:
            # spec.finalizers of a live namespace belong to the server
            new.spec.ClearField("finalizers")
            new.spec.finalizers.extend(old.spec.finalizers)

    def default(self, ns: types_pb2.Namespace) -> None:
        # As Kubernetes' namespace defaulting: every namespace carries its name as a label, so a
        # NetworkPolicy's namespaceSelector can pick one by name.
        ns.metadata.labels[NAME_LABEL] = ns.metadata.name
        if not ns.status.phase:
            ns.status.phase = "Active"

    def validate(self, ns: types_pb2.Namespace) -> list[str]:
        return cluster.validate_namespace(ns)

    def refuse_deletion(self, name: str) -> str:
        return "this namespace may not be deleted" if name in IMMORTAL_NAMESPACES else ""

    def on_mark_deleting(self, ns: types_pb2.Namespace) -> None:
        ns.status.phase = "Terminating"

    def holds_removal(self, ns: types_pb2.Namespace, deleting: bool) -> bool:
        return len(ns.spec.finalizers) > 0


STRATEGY = NamespaceStrategy()
