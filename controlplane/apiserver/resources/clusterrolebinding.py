"""ClusterRoleBindings: grant a ClusterRole everywhere; the defaults (system:masters as cluster-admin,
the scheduler, the controller manager) are made at start (auth/bootstrap.py)."""
from __future__ import annotations

from controlplane.apiserver.auth import bootstrap
from controlplane.apiserver.resources.rolebinding import default_subjects
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation.rbac import path_segment_name, RBAC_GROUP, validate_binding, validate_binding_update
from proto import types_pb2


class ClusterRoleBindingStrategy(Strategy):
    name_rule = staticmethod(path_segment_name)
    sample = {"metadata": {"name": "sample"}, "subjects": [{"kind": "Group", "name": "devs"}],
              "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "view"}}
    bootstrap = bootstrap.CLUSTER_ROLE_BINDINGS

    def default(self, binding: types_pb2.ClusterRoleBinding) -> None:
        default_subjects(binding)

    def validate(self, binding: types_pb2.ClusterRoleBinding) -> list[str]:
        return validate_binding(binding, namespaced=False)

    def validate_update(self, new, old) -> list[str]:
        return validate_binding_update(new, old)


STRATEGY = ClusterRoleBindingStrategy()
