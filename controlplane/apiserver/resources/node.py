"""Nodes: registered by their agent with a status it owns from the start; podCIDR and taints rules."""
from __future__ import annotations

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

    def validate(self, node: types_pb2.Node) -> list[str]:
        return cluster.validate_node(node)

    def validate_update(self, new: types_pb2.Node, old: types_pb2.Node) -> list[str]:
        return cluster.validate_node_update(new, old)


STRATEGY = NodeStrategy()
