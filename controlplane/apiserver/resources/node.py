"""Nodes: registered by their agent with a status it owns from the start; podCIDR and taints rules."""
from __future__ import annotations

from api import errors
from controlplane.apiserver.auth import admission
from controlplane.apiserver.auth.request import current_user
from controlplane.apiserver.resources.strategy import COMMON_FIELDS, Strategy
from controlplane.apiserver.validation import cluster
from proto import types_pb2


class NodeStrategy(Strategy):
    reset_status_on_create = False  # the agent registers the node with its capacity and addresses
    selectable_fields = COMMON_FIELDS + ("spec.unschedulable",)
    sample = {"metadata": {"name": "sample"}}

    def default(self, node: types_pb2.Node) -> None:
        # A node that reports no allocatable resources offers all of its capacity (SetDefaults_NodeStatus).
        if not node.status.allocatable:
            node.status.allocatable.update(node.status.capacity)

    def prepare_for_create(self, node: types_pb2.Node) -> None:
        _admit(node, None)

    def validate(self, node: types_pb2.Node) -> list[str]:
        return cluster.validate_node(node)

    def validate_update(self, new: types_pb2.Node, old: types_pb2.Node) -> list[str]:
        _admit(new, old)
        return cluster.validate_node_update(new, old)


def _admit(new: types_pb2.Node, old: types_pb2.Node | None) -> None:
    refusal = admission.node_addresses_owner(current_user.get(), new, old)
    if refusal:
        raise errors.Forbidden(refusal)


STRATEGY = NodeStrategy()
