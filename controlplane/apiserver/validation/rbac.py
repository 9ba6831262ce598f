"""Validation of Roles, ClusterRoles and their bindings, with Kubernetes' field paths and messages."""
from __future__ import annotations

from controlplane.apiserver.validation.fielderrors import Path, invalid, not_supported, required
from proto import types_pb2

RBAC_GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("User", "Group", "ServiceAccount")


def path_segment_name(name: str) -> list[str]:
    """RBAC names are path segments (Kubernetes' ValidateRBACName): "system:node" is fine, "a/b" is not."""
    if name in (".", ".."):
        return [f'may not be "{name}"']
    return [f"may not contain '{c}'" for c in "/%" if c in name]


def validate_rules(rules, namespaced: bool) -> list[str]:
    errors = []
    for i, r in enumerate(rules):
        path = Path("rules").index(i)
        if not r.verbs:
            errors.append(required(path.child("verbs"), "verbs must contain at least one value"))
        if r.non_resource_urls:
            if namespaced:
                errors.append(invalid(path.child("nonResourceURLs"), list(r.non_resource_urls),
                                      "namespaced rules cannot apply to non-resource URLs"))
            if r.resources or r.api_groups:
                errors.append(invalid(path.child("nonResourceURLs"), list(r.non_resource_urls),
                                      "rules cannot apply to both regular resources and non-resource URLs"))
        elif not r.resources:
            errors.append(required(path.child("resources"), "resource rules must supply at least one resource"))
        elif not r.api_groups:
            errors.append(required(path.child("apiGroups"), "resource rules must supply at least one api group"))
    return errors


def validate_binding(binding, namespaced: bool) -> list[str]:
    errors = []
    ref = binding.role_ref
    allowed = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
    if ref.api_group != RBAC_GROUP:
        errors.append(not_supported(Path("roleRef").child("apiGroup"), ref.api_group, [RBAC_GROUP]))
    if ref.kind not in allowed:
        errors.append(not_supported(Path("roleRef").child("kind"), ref.kind, allowed))
    if not ref.name:
        errors.append(required(Path("roleRef").child("name")))
    for i, s in enumerate(binding.subjects):
        path = Path("subjects").index(i)
        if not s.name:
            errors.append(required(path.child("name")))
        if s.kind not in SUBJECT_KINDS:
            errors.append(not_supported(path.child("kind"), s.kind, SUBJECT_KINDS))
        elif s.kind == "ServiceAccount":
            if s.api_group:
                errors.append(not_supported(path.child("apiGroup"), s.api_group, [""]))
            if not namespaced and not s.namespace:
                errors.append(required(path.child("namespace")))
        elif s.api_group != RBAC_GROUP:
            errors.append(not_supported(path.child("apiGroup"), s.api_group, [RBAC_GROUP]))
    return errors


def validate_binding_update(new, old) -> list[str]:
    if new.role_ref != old.role_ref:
        return [invalid(Path("roleRef"), _ref(new.role_ref), "cannot change roleRef")]
    return []


def _ref(ref: types_pb2.RoleRef) -> dict:
    return {"apiGroup": ref.api_group, "kind": ref.kind, "name": ref.name}

