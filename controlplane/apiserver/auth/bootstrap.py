"""The roles and bindings every cluster starts with, as Kubernetes' bootstrap policy: cluster-admin,
admin, edit, view, system:monitoring, and what the scheduler and controller manager need; created at
start when missing.
"""
from __future__ import annotations

from api.pki import INGRESS_CONTROLLER_USER, MONITORING_GROUP, NODES
from proto import types_pb2

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
API_VERSION = "rbac.authorization.k8s.io/v1"
BOOTSTRAP_LABEL = {"kubernetes.io/bootstrapping": "rbac-defaults"}
NETWORK_POLICY_AGENT = "system:skiff:network-policy-agent"


def rule(verbs, groups=("",), resources=(), names=(), urls=()) -> types_pb2.PolicyRule:
    return types_pb2.PolicyRule(verbs=list(verbs), api_groups=list(groups) if resources else [],
                                resources=list(resources), resource_names=list(names), non_resource_urls=list(urls))


def cluster_role(name: str, *rules: types_pb2.PolicyRule) -> types_pb2.ClusterRole:
    return types_pb2.ClusterRole(api_version=API_VERSION, kind="ClusterRole", rules=list(rules),
                                 metadata=types_pb2.ObjectMeta(name=name, labels=BOOTSTRAP_LABEL))


def binding(name: str, role: str, kind: str, subject: str) -> types_pb2.ClusterRoleBinding:
    return types_pb2.ClusterRoleBinding(
        api_version=API_VERSION, kind="ClusterRoleBinding",
        metadata=types_pb2.ObjectMeta(name=name, labels=BOOTSTRAP_LABEL),
        role_ref=types_pb2.RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=role),
        subjects=[types_pb2.Subject(kind=kind, api_group="rbac.authorization.k8s.io", name=subject)])


# What `view` reads (never Secrets, which would let a viewer act as any ServiceAccount).
VIEW_CORE = ("pods", "pods/log", "pods/status", "configmaps", "endpoints", "persistentvolumeclaims",
             "replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status", "services",
             "services/status", "serviceaccounts", "events", "limitranges", "resourcequotas", "namespaces",
             "namespaces/status")
VIEW_APPS = ("deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
             "replicasets/status", "statefulsets", "daemonsets", "controllerrevisions")
# What `edit` writes on top.
EDIT_CORE = ("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "pods/eviction", "configmaps",
             "secrets", "services", "endpoints", "persistentvolumeclaims", "replicationcontrollers",
             "replicationcontrollers/scale", "serviceaccounts")
EDIT_APPS = ("deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale",
             "statefulsets", "daemonsets")

VIEW = (
    rule(READ, ("",), VIEW_CORE),
    rule(READ, ("apps",), VIEW_APPS),
    rule(READ, ("autoscaling",), ("horizontalpodautoscalers", "horizontalpodautoscalers/status")),
    rule(READ, ("batch",), ("jobs", "cronjobs")),
    rule(READ, ("policy",), ("poddisruptionbudgets", "poddisruptionbudgets/status")),
    rule(READ, ("networking.k8s.io",), ("ingresses", "networkpolicies")),
    rule(READ, ("coordination.k8s.io",), ("leases",)),
    rule(READ, ("events.k8s.io",), ("events",)),
    rule(READ, ("metrics.k8s.io",), ("pods", "nodes")),
)
EDIT = VIEW + (
    rule((*READ, *WRITE), ("",), EDIT_CORE),
    rule((*READ, *WRITE), ("apps",), EDIT_APPS),
    rule((*READ, *WRITE), ("autoscaling",), ("horizontalpodautoscalers",)),
    rule((*READ, *WRITE), ("batch",), ("jobs", "cronjobs")),
    rule((*READ, *WRITE), ("policy",), ("poddisruptionbudgets",)),
    rule((*READ, *WRITE), ("networking.k8s.io",), ("ingresses", "networkpolicies")),
)
ADMIN = EDIT + (
    rule((*READ, *WRITE), ("rbac.authorization.k8s.io",), ("roles", "rolebindings")),
)

# Reviews a component asks for about its own callers (its /metrics), as kube-scheduler's role grants.
DELEGATE = (rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
            rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",)))

CLUSTER_ROLES = (
    cluster_role("cluster-admin", rule(("*",), ("*",), ("*",)), rule(("*",), urls=("*",))),
    cluster_role("admin", *ADMIN),
    cluster_role("edit", *EDIT),
    cluster_role("view", *VIEW),
    # Anyone signed in may read the version and health (Kubernetes' system:public-info-viewer).
    cluster_role("system:public-info-viewer",
                 rule(("get",), urls=("/healthz", "/livez", "/readyz", "/version", "/version/"))),
    # Anyone signed in may discover the API and ask what they may do (system:discovery, system:basic-user):
    # without them kubectl cannot even map a resource name for a user who holds a Role.
    cluster_role("system:discovery",
                 rule(("get",), urls=("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                      "/openapi/*", "/readyz", "/version", "/version/"))),
    cluster_role("system:basic-user",
                 rule(("create",), ("authorization.k8s.io",), ("selfsubjectaccessreviews", "selfsubjectrulesreviews")),
                 rule(("create",), ("authentication.k8s.io",), ("selfsubjectreviews",))),
    cluster_role("system:kube-scheduler",
                 rule(READ, ("",), ("pods", "nodes", "namespaces", "services", "endpoints", "replicationcontrollers",
                                     "persistentvolumeclaims", "persistentvolumes")),
                 rule(READ, ("apps",), ("replicasets", "statefulsets", "deployments")),
                 # Kubernetes' system:volume-scheduler: a WaitForFirstConsumer claim is told the chosen node
                 rule(("patch", "update"), ("",), ("persistentvolumeclaims", "persistentvolumes")),
                 rule(READ, ("storage.k8s.io",), ("storageclasses",)),
                 # preemption weighs PodDisruptionBudgets before it deletes (Kubernetes' DefaultPreemption)
                 rule(READ, ("policy",), ("poddisruptionbudgets",)),
                 rule(("create",), ("",), ("pods/binding", "bindings")),
                 rule(("update", "patch"), ("",), ("pods/status",)),
                 rule(("delete",), ("",), ("pods",)),
                 rule(("create", "patch", "update"), ("", "events.k8s.io"), ("events",)),
                 rule(("get", "create", "update", "list", "watch"), ("coordination.k8s.io",), ("leases",)),
                 *DELEGATE),
    # skiff runs every controller under one identity (no per-controller ServiceAccounts), and the
    # garbage collector deletes any kind: it gets every resource, as kube-controller-manager's own
    # credentials would without --use-service-account-credentials.
    cluster_role("system:kube-controller-manager", rule(("*",), ("*",), ("*",))),
    # What ingress-nginx's own ClusterRole grants it: read the routing inputs, write Ingress status and events.
    cluster_role(INGRESS_CONTROLLER_USER,
                 rule(READ, ("",), ("services", "endpoints", "secrets", "configmaps", "pods", "nodes")),
                 rule(READ, ("networking.k8s.io",), ("ingresses", "ingressclasses")),
                 rule(("update", "patch"), ("networking.k8s.io",), ("ingresses/status",)),
                 rule(("create", "patch", "update"), ("", "events.k8s.io"), ("events",)),
                 *DELEGATE),
    # Who may read every component's /metrics and health (Kubernetes' system:monitoring): Prometheus.
    cluster_role("system:monitoring",
                 rule(("get",), urls=("/healthz", "/healthz/*", "/livez", "/livez/*", "/readyz", "/readyz/*",
                                      "/metrics", "/metrics/slis"))),
    # The node agents enforce NetworkPolicies (nodeagent/netpol): they read every pod's labels and address and
    # every policy, as a network plugin's policy agent does (calico-node's ClusterRole). A binding, so an
    # admin sees the grant and may narrow it.
    cluster_role(NETWORK_POLICY_AGENT,
                 rule(READ, ("",), ("pods", "namespaces")),
                 rule(READ, ("networking.k8s.io",), ("networkpolicies",))),
    # Components asking the API server about their own callers (delegated authentication and authorization).
    cluster_role("system:auth-delegator", *DELEGATE),
)

CLUSTER_ROLE_BINDINGS = (
    binding("cluster-admin", "cluster-admin", "Group", "system:masters"),
    binding("system:public-info-viewer", "system:public-info-viewer", "Group", "system:authenticated"),
    binding("system:discovery", "system:discovery", "Group", "system:authenticated"),
    binding("system:basic-user", "system:basic-user", "Group", "system:authenticated"),
    binding("system:kube-scheduler", "system:kube-scheduler", "User", "system:kube-scheduler"),
    binding("system:kube-controller-manager", "system:kube-controller-manager", "User",
            "system:kube-controller-manager"),
    binding(INGRESS_CONTROLLER_USER, INGRESS_CONTROLLER_USER, "User", INGRESS_CONTROLLER_USER),
    binding("system:monitoring", "system:monitoring", "Group", MONITORING_GROUP),
    binding(NETWORK_POLICY_AGENT, NETWORK_POLICY_AGENT, "Group", NODES),
)
