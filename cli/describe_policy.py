"""`skiff describe` of policy kinds in kubectl's layout: a PodDisruptionBudget (the budget, its selector and
the disruption controller's counts), a LimitRange (its table of bounds and defaults), a PriorityClass."""
from __future__ import annotations

from api import priority, quantity, selectors
from cli.describe_layout import field, int_or_percent


def pdb_body(pdb) -> list[str]:
    spec, s = pdb.spec, pdb.status
    lines = []
    if spec.HasField("min_available"):
        lines.append(field("Min available", int_or_percent(spec.min_available)))
    elif spec.HasField("max_unavailable"):
        lines.append(field("Max unavailable", int_or_percent(spec.max_unavailable)))
    if spec.HasField("selector"):
        selector = str(selectors.from_match(spec.selector.match_labels, spec.selector.match_expressions))
        lines.append(field("Selector", selector))
    else:
        lines.append(field("Selector", "<unset>"))
    lines.append("Status:")
    width = 26  # kubectl's tab writer aligns the nested counts past "Allowed disruptions:"
    lines += [field("Allowed disruptions", s.disruptions_allowed, indent=4, width=width),
              field("Current", s.current_healthy, indent=4, width=width),
              field("Desired", s.desired_healthy, indent=4, width=width),
              field("Total", s.expected_pods, indent=4, width=width)]
    return lines


LIMIT_RANGE_HEADERS = ["Type", "Resource", "Min", "Max", "Default Request", "Default Limit",
                       "Max Limit/Request Ratio"]


def limit_range_lines(lr) -> list[str]:
    """kubectl's whole description of a LimitRange: name, namespace, then one row per type and resource
    ("-" where unset), every line aligned by one tab writer; no labels and no events."""
    rows = [["Name:", lr.metadata.name], ["Namespace:", lr.metadata.namespace], LIMIT_RANGE_HEADERS,
            ["-" * len(h) for h in LIMIT_RANGE_HEADERS]]
    for item in lr.spec.limits:
        groups = (item.min, item.max, item.default_request, item.default, item.max_limit_request_ratio)
        for resource in sorted(set().union(*groups)):
            rows.append([item.type, resource, *(quantity.canonical(g[resource]) if resource in g else "-"
                                                for g in groups)])
    return tabbed(rows)


def tabbed(rows: list[list[str]]) -> list[str]:
    """Go's tabwriter (padding 2): a column is as wide as its widest cell among the consecutive lines that
    reach it; a line without a tab ends every column."""
    out: list[str] = []
    block: list[list[str]] = []
    for r in [*rows, None]:
        if r is not None and len(r) > 1:
            block.append(r)
            continue
        widths: dict[int, int] = {}
        for b in block:
            for i, cell in enumerate(b[:-1]):
                widths[i] = max(widths.get(i, 0), len(cell))
        out += ["".join(c.ljust(widths[i] + 2) for i, c in enumerate(b[:-1])) + b[-1] for b in block]
        block = []
        if r is not None:
            out.append(r[0])
    return out


SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited lifespan on a node "
                   "before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually include long "
                      "running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have a best effort "
                  "quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These pods have a "
                     "burstable or guaranteed quality of service.",
}


def resource_quota_lines(rq) -> list[str]:
    """kubectl's whole description of a ResourceQuota: name, namespace, scopes explained, then each resource's
    used and hard amount (from the status the quota controller writes)."""
    rows = [["Name:", rq.metadata.name], ["Namespace:", rq.metadata.namespace]]
    scopes = sorted(rq.spec.scopes)
    if scopes:
        rows.append(["Scopes:", ", ".join(scopes)])
        rows += [[f" * {SCOPE_HELP[s]}"] for s in scopes if s in SCOPE_HELP]
    rows += [["Resource", "Used", "Hard"], ["--------", "----", "----"]]
    rows += [[name, rq.status.used.get(name, "0"), rq.status.hard[name]] for name in sorted(rq.status.hard)]
    return tabbed(rows)


def priority_class_lines(pc, has_events: bool) -> list[str]:
    """kubectl's description of a PriorityClass: its value, default flag, policy and description, then its
    annotations as one `k=v,...` line, aligned by one tab writer with `Events: <none>` (the caller adds any)."""
    annotations = ",".join(f"{k}={v}" for k, v in sorted(pc.metadata.annotations.items())) or "<none>"
    return tabbed([["Name:", pc.metadata.name], ["Value:", str(pc.value)],
                    ["GlobalDefault:", "true" if pc.global_default else "false"],
                    ["PreemptionPolicy:", priority.preemption_policy(pc)], ["Description:", pc.description],
                    ["Annotations:", annotations], *([] if has_events else [["Events:", "<none>"]])])
