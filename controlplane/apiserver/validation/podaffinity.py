"""Validation of where a pod may go among other pods: pod affinity and anti-affinity terms, and
topologySpreadConstraints, with Kubernetes' rules and words (and what skiff's scheduler cannot honour refused)."""
from __future__ import annotations

from api import names
from controlplane.apiserver.validation.fielderrors import (
    Path, duplicate, each, forbidden, invalid, not_supported, required,
)
from controlplane.apiserver.validation.meta import validate_label_selector
from proto import types_pb2

WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")


def validate_term(term: types_pb2.PodAffinityTerm, path: Path) -> list[str]:
    errors = []
    if not term.topology_key:
        errors.append(required(path.child("topologyKey"), "can not be empty"))
    else:
        errors += each(names.qualified_name(term.topology_key), path.child("topologyKey"), term.topology_key)
    if term.HasField("label_selector"):
        errors += validate_label_selector(term.label_selector, path.child("labelSelector"))
    if term.namespace_selector.match_labels or term.namespace_selector.match_expressions:
        errors.append(forbidden(path.child("namespaceSelector"), "only an empty selector (all namespaces) is "
                                                                 "supported; list the namespaces instead"))
    for i, ns in enumerate(term.namespaces):
        errors += each(names.dns1123_label(ns), path.child("namespaces").index(i), ns)
    return errors


def _terms(required_terms, preferred, path: Path) -> list[str]:
    errors = []
    for i, term in enumerate(required_terms):
        errors += validate_term(term, path.child("requiredDuringSchedulingIgnoredDuringExecution").index(i))
    for i, weighted in enumerate(preferred):
        p = path.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
        if not 1 <= weighted.weight <= 100:
            errors.append(invalid(p.child("weight"), weighted.weight, "must be in the range 1-100"))
        errors += validate_term(weighted.pod_affinity_term, p.child("podAffinityTerm"))
    return errors


def validate_pod_affinity(affinity: types_pb2.Affinity, path: Path) -> list[str]:
    errors = []
    for field, name in (("pod_affinity", "podAffinity"), ("pod_anti_affinity", "podAntiAffinity")):
        if affinity.HasField(field):
            a = getattr(affinity, field)
            errors += _terms(a.required_during_scheduling_ignored_during_execution,
                             a.preferred_during_scheduling_ignored_during_execution, path.child(name))
    return errors


def validate_topology_spread(constraints, path: Path) -> list[str]:
    errors = []
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(constraints):
        p = path.index(i)
        if c.max_skew <= 0:
            errors.append(invalid(p.child("maxSkew"), c.max_skew, "must be greater than zero"))
        if not c.topology_key:
            errors.append(required(p.child("topologyKey"), "can not be empty"))
        else:
            errors += each(names.qualified_name(c.topology_key), p.child("topologyKey"), c.topology_key)
        if c.when_unsatisfiable not in WHEN_UNSATISFIABLE:
            errors.append(not_supported(p.child("whenUnsatisfiable"), c.when_unsatisfiable, WHEN_UNSATISFIABLE))
        elif (c.topology_key, c.when_unsatisfiable) in seen:
            errors.append(duplicate(p.child("{topologyKey, whenUnsatisfiable}"),
                                    f"{c.topology_key}, {c.when_unsatisfiable}"))
        seen.add((c.topology_key, c.when_unsatisfiable))
        if c.HasField("min_domains"):
            if c.min_domains <= 0:
                errors.append(invalid(p.child("minDomains"), c.min_domains, "must be greater than 0"))
            elif c.when_unsatisfiable != "DoNotSchedule":
                errors.append(invalid(p.child("minDomains"), c.min_domains,
                                      "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not "
                                      f"{c.when_unsatisfiable}"))
        if c.HasField("label_selector"):
            errors += validate_label_selector(c.label_selector, p.child("labelSelector"))
        if c.match_label_keys:
            errors.append(forbidden(p.child("matchLabelKeys"), "is not supported by skiff's scheduler"))
        for field, name, default in (("node_affinity_policy", "nodeAffinityPolicy", "Honor"),
                                     ("node_taints_policy", "nodeTaintsPolicy", "Ignore")):
            value = getattr(c, field)
            if value and value != default:
                errors.append(not_supported(p.child(name), value, (default,)))
    return errors
