"""Roles: rules (verbs on resources of API groups, optionally by name) that hold in one namespace."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation.rbac import path_segment_name, validate_rules
from proto import types_pb2


class RoleStrategy(Strategy):
    name_rule = staticmethod(path_segment_name)
    sample = {"metadata": {"name": "sample"},
              "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}

    def validate(self, role: types_pb2.Role) -> list[str]:
        return validate_rules(role.rules, namespaced=True)


STRATEGY = RoleStrategy()
