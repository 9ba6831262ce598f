"""ClusterRoles: rules that hold in every namespace, on cluster-scoped kinds, or on non-resource URLs;
the defaults (cluster-admin, admin, edit, view, ...) are made at start (auth/bootstrap.py)."""
from __future__ import annotations

from controlplane.apiserver.auth import bootstrap
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation.rbac import path_segment_name, validate_rules
from proto import types_pb2


class ClusterRoleStrategy(Strategy):
    name_rule = staticmethod(path_segment_name)
    sample = {"metadata": {"name": "sample"}, "rules": [{"nonResourceURLs": ["/version"], "verbs": ["get"]}]}
    bootstrap = bootstrap.CLUSTER_ROLES

    def validate(self, role: types_pb2.ClusterRole) -> list[str]:
        return validate_rules(role.rules, namespaced=False)


STRATEGY = ClusterRoleStrategy()
