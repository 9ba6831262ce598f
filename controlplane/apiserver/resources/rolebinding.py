"""RoleBindings: grant a Role (or a ClusterRole, within this namespace) to users, groups and
ServiceAccounts. A binding to a role that does not exist is allowed and grants nothing."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation.rbac import path_segment_name, RBAC_GROUP, validate_binding, validate_binding_update
from proto import types_pb2


def default_subjects(binding) -> None:
    """Kubernetes' v1 defaults: a User or Group subject is of the RBAC API group."""
    for s in binding.subjects:
        if s.kind in ("User", "Group") and not s.api_group:
            s.api_group = RBAC_GROUP


class RoleBindingStrategy(Strategy):
    name_rule = staticmethod(path_segment_name)
    sample = {"metadata": {"name": "sample"}, "subjects": [{"kind": "User", "name": "alice"}],
              "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "view"}}

    def default(self, binding: types_pb2.RoleBinding) -> None:
        default_subjects(binding)

    def validate(self, binding: types_pb2.RoleBinding) -> list[str]:
        return validate_binding(binding, namespaced=True)

    def validate_update(self, new: types_pb2.RoleBinding, old: types_pb2.RoleBinding) -> list[str]:
        return validate_binding_update(new, old)


STRATEGY = RoleBindingStrategy()
