"""RBAC decisions as pure functions over an index of roles and bindings."""
from __future__ import annotations

from controlplane.apiserver.auth import bootstrap, rbac
from controlplane.apiserver.auth.attributes import Attributes, forbidden_message
from controlplane.apiserver.auth.user import with_authenticated
from proto import types_pb2

ALICE = with_authenticated("alice", ["devs"])


def index(*extra_bindings, roles=()):
    return rbac.RbacIndex.build(roles, bootstrap.CLUSTER_ROLES, extra_bindings, bootstrap.CLUSTER_ROLE_BINDINGS)


def role_binding(role: str, subject_kind: str, name: str, namespace: str = "default", ref_kind="ClusterRole"):
    return types_pb2.RoleBinding(metadata=types_pb2.ObjectMeta(name="b", namespace=namespace),
                                 role_ref=types_pb2.RoleRef(kind=ref_kind, name=role),
                                 subjects=[types_pb2.Subject(kind=subject_kind, name=name, namespace=namespace)])


def allowed(idx, user, *args, **kw) -> bool:
    return rbac.authorize(idx, user, Attributes(*args, **kw)).allowed


def test_view_in_one_namespace_by_group():
    idx = index(role_binding("view", "Group", "devs"))
    assert allowed(idx, ALICE, "list", "", "pods", namespace="default")
    assert allowed(idx, ALICE, "get", "", "pods", "log", namespace="default", name="web")
    assert not allowed(idx, ALICE, "get", "", "secrets", namespace="default", name="db")
    assert not allowed(idx, ALICE, "create", "", "pods", "exec", namespace="default", name="web")
    assert not allowed(idx, ALICE, "list", "", "pods", namespace="other")


def test_edit_allows_exec_and_secrets_admin_adds_rbac():
    edit = index(role_binding("edit", "User", "alice"))
    assert allowed(edit, ALICE, "create", "", "pods", "exec", namespace="default", name="web")
    assert allowed(edit, ALICE, "delete", "apps", "deployments", namespace="default", name="web")
    assert not allowed(edit, ALICE, "create", "rbac.authorization.k8s.io", "rolebindings", namespace="default")
    admin = index(role_binding("admin", "User", "alice"))
    assert allowed(admin, ALICE, "create", "rbac.authorization.k8s.io", "rolebindings", namespace="default")


def test_service_account_subjects_and_resource_names_and_wildcards():
    role = types_pb2.Role(metadata=types_pb2.ObjectMeta(name="r", namespace="default"), rules=[
        types_pb2.PolicyRule(verbs=["get"], api_groups=[""], resources=["configmaps"], resource_names=["one"]),
        types_pb2.PolicyRule(verbs=["*"], api_groups=["apps"], resources=["*/scale"])])
    sa = with_authenticated("system:serviceaccount:default:robot", ["system:serviceaccounts"])
    idx = index(role_binding("r", "ServiceAccount", "robot", ref_kind="Role"), roles=[role])
    assert allowed(idx, sa, "get", "", "configmaps", namespace="default", name="one")
    assert not allowed(idx, sa, "get", "", "configmaps", namespace="default", name="two")
    assert not allowed(idx, sa, "list", "", "configmaps", namespace="default")
    assert allowed(idx, sa, "update", "apps", "deployments", "scale", namespace="default", name="web")
    assert not allowed(idx, sa, "update", "apps", "deployments", namespace="default", name="web")


def test_non_resource_urls_and_the_default_bindings():
    idx = index()
    assert allowed(idx, ALICE, "get", path="/version")
    assert not allowed(idx, ALICE, "get", path="/metrics")
    masters = with_authenticated("root", ["system:masters"])
    assert allowed(idx, masters, "delete", "", "nodes", name="n1")
    assert allowed(idx, with_authenticated("system:kube-scheduler", []), "create", "", "pods", "binding",
                   namespace="default", name="p")


def test_a_binding_to_a_missing_role_grants_nothing():
    idx = index(role_binding("missing", "User", "alice", ref_kind="Role"))
    assert not allowed(idx, ALICE, "get", "", "pods", namespace="default", name="p")


def test_forbidden_messages_read_as_kubernetes():
    assert forbidden_message("bob", Attributes("list", "apps", "deployments", namespace="ns")) == (
        'deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API group "apps" in '
        'the namespace "ns"')
    assert forbidden_message("bob", Attributes("get", "", "nodes", name="n1")) == (
        'nodes "n1" is forbidden: User "bob" cannot get resource "nodes" in API group "" at the cluster scope')
    assert forbidden_message("bob", Attributes("get", path="/metrics")) == (
        'forbidden: User "bob" cannot get path "/metrics"')


def test_system_monitoring_reads_metrics_and_health_but_nothing_else():
    idx = index()
    prometheus = with_authenticated("skiff:prometheus", ["system:monitoring"])
    assert allowed(idx, prometheus, "get", path="/metrics")
    assert allowed(idx, prometheus, "get", path="/readyz/etcd")
    assert not allowed(idx, prometheus, "post", path="/metrics")
    assert not allowed(idx, prometheus, "get", "", "pods", namespace="default")


def test_components_may_ask_about_their_own_callers():
    idx = index()
    for component in ("system:kube-scheduler", "system:kube-controller-manager", "skiff:ingress-controller"):
        assert allowed(idx, with_authenticated(component, []), "create", "authorization.k8s.io", "subjectaccessreviews")
    assert not allowed(idx, ALICE, "create", "authorization.k8s.io", "subjectaccessreviews")
