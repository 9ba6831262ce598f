"""Discovery documents as kubectl 1.32 reads them: `/version`, `/api`, `/apis`, one groupVersion's
resources, and the aggregated form (`apidiscovery.k8s.io/v2`), all built from the kinds table.
"""
from __future__ import annotations

from api.kinds import Kind
from api.schema import group_version
from controlplane.apiserver.rest.paths import EXTRA, Served, group_versions, subresources

KUBERNETES_VERSION = ("1", "32")  # the API level skiff speaks, so kubectl sees no version skew
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
# kubectl's "all" category: `kubectl get all`.
_ALL = {"Pod", "ReplicationController", "Service", "DaemonSet", "Deployment", "ReplicaSet", "Job", "CronJob",
        "StatefulSet"}
_SUB_VERBS = {"status": ["get", "patch", "update"], "scale": ["get", "patch", "update"],
              "ephemeralcontainers": ["get", "patch", "update"], "approval": ["get", "patch", "update"],
              "binding": ["create"], "eviction": ["create"], "log": ["get"], "exec": ["create", "get"],
              "attach": ["create", "get"], "portforward": ["create", "get"], "token": ["create"]}
_SUB_KINDS = {"scale": ("autoscaling", "v1", "Scale"), "binding": ("", "v1", "Binding"),
              "eviction": ("policy", "v1", "Eviction"), "token": ("authentication.k8s.io", "v1", "TokenRequest")}


def _all_group_versions() -> list[str]:
    gvs = list(group_versions())
    return gvs + [e.group_version for e in EXTRA if e.group_version not in gvs]


def version_info(skiff_version: str) -> dict:
    major, minor = KUBERNETES_VERSION
    return {"major": major, "minor": minor, "gitVersion": f"v{major}.{minor}.0-skiff.{skiff_version.lstrip('v')}",
            "gitCommit": "", "gitTreeState": "clean", "buildDate": "", "goVersion": "python",
            "compiler": "skiff", "platform": "linux/amd64"}


def api_versions() -> dict:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}


def _groups() -> dict[str, list[str]]:
    """Named groups (not the core one) and their groupVersions."""
    out: dict[str, list[str]] = {}
    for gv in dict.fromkeys(_all_group_versions()):
        if "/" in gv:
            out.setdefault(gv.split("/")[0], []).append(gv)
    return out


def _custom_groups(custom) -> dict[str, list[str]]:
    from controlplane.apiserver.crd.rest import group_versions as custom_group_versions
    return {g: [f"{g}/{v}" for v in vs] for g, vs in custom_group_versions(custom).items()}


def api_group_list(custom=()) -> dict:
    groups = []
    for name, gvs in {**_groups(), **_custom_groups(custom)}.items():
        versions = [{"groupVersion": gv, "version": gv.split("/")[1]} for gv in gvs]
        groups.append({"name": name, "versions": versions, "preferredVersion": versions[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(name: str, custom=()) -> dict | None:
    gvs = {**_groups(), **_custom_groups(custom)}.get(name)
    if gvs is None:
        return None
    versions = [{"groupVersion": gv, "version": gv.split("/")[1]} for gv in gvs]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": versions,
            "preferredVersion": versions[0]}


def _categories(kind: Kind) -> list[str]:
    return ["all"] if kind.name in _ALL else []


def api_resource_list(gv: str, custom=()) -> dict | None:
    """`/api/v1`, `/apis/apps/v1`: the resources of a groupVersion and their subresources; `custom`: the
    CustomResourceDefinitions' (controlplane/apiserver/crd/)."""
    from controlplane.apiserver.crd.rest import resource_list_entries
    served = group_versions().get(gv, [])
    extras = [e for e in EXTRA if e.group_version == gv]
    customs = resource_list_entries(list(custom), gv)
    if not served and not extras and not customs:
        return None
    resources = customs + [{"name": e.plural, "singularName": e.kind.lower(), "namespaced": e.namespaced, "kind": e.kind,
                  "verbs": list(e.verbs)} for e in extras]
    for kind in served:
        entry = {"name": kind.plural, "singularName": kind.singular, "namespaced": kind.namespaced,
                 "kind": kind.name, "verbs": VERBS}
        if kind.short_names:
            entry["shortNames"] = list(kind.short_names)
        if _categories(kind):
            entry["categories"] = _categories(kind)
        resources.append(entry)
        for sub in subresources(kind):
            sub_entry = {"name": f"{kind.plural}/{sub}", "singularName": "", "namespaced": kind.namespaced,
                         "kind": _SUB_KINDS.get(sub, ("", "", kind.name))[2], "verbs": _SUB_VERBS[sub]}
            if sub in _SUB_KINDS:
                group, version, _ = _SUB_KINDS[sub]
                sub_entry["group"], sub_entry["version"] = group, version
            resources.append(sub_entry)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


# ---------------------------------------------------------------- aggregated discovery

def _resource_discovery(kind: Kind) -> dict:
    group, version = group_version(kind)
    entry = {"resource": kind.plural, "responseKind": {"group": group, "version": version, "kind": kind.name},
             "scope": "Namespaced" if kind.namespaced else "Cluster", "singularResource": kind.singular,
             "verbs": VERBS}
    if kind.short_names:
        entry["shortNames"] = list(kind.short_names)
    if _categories(kind):
        entry["categories"] = _categories(kind)
    subs = []
    for sub in subresources(kind):
        s_group, s_version, s_kind = _SUB_KINDS.get(sub, (group, version, kind.name))
        subs.append({"subresource": sub, "responseKind": {"group": s_group, "version": s_version, "kind": s_kind},
                     "verbs": _SUB_VERBS[sub]})
    if subs:
        entry["subresources"] = subs
    return entry


def _extra_discovery(e: Served) -> dict:
    group, _, version = e.group_version.rpartition("/")
    return {"resource": e.plural, "responseKind": {"group": group, "version": version, "kind": e.kind},
            "scope": "Namespaced" if e.namespaced else "Cluster", "singularResource": e.kind.lower(),
            "verbs": list(e.verbs)}


def aggregated(core: bool, api_version: str = "apidiscovery.k8s.io/v2", custom=()) -> dict:
    """The APIGroupDiscoveryList of `/api` (core=True) or `/apis`, with the CRDs' resources (`custom`)."""
    from controlplane.apiserver.crd.rest import aggregated_entry, group_versions as custom_group_versions
    by_group: dict[str, list[dict]] = {}
    served_by_gv = group_versions()
    for gv in dict.fromkeys(_all_group_versions()):
        if ("/" not in gv) != core:
            continue
        group = gv.split("/")[0] if "/" in gv else ""
        version = gv.split("/")[-1]
        resources = [_resource_discovery(k) for k in served_by_gv.get(gv, [])]
        resources += [_extra_discovery(e) for e in EXTRA if e.group_version == gv]
        by_group.setdefault(group, []).append({"version": version, "resources": resources, "freshness": "Current"})
    if not core:
        for group, versions in custom_group_versions(list(custom)).items():
            by_group.setdefault(group, [])
            for version in versions:
                entries = [aggregated_entry(r) for r in custom if (r.group, r.version) == (group, version)]
                by_group[group].append({"version": version, "resources": entries, "freshness": "Current"})
    items = [{"metadata": {"name": group, "creationTimestamp": None}, "versions": versions}
             for group, versions in by_group.items()]
    return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items}
