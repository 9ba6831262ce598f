"""`skiff describe` bodies of Deployments, ReplicaSets (and ReplicationControllers) and StatefulSets, in
kubectl's layout: selector, replica counts in words, strategy, the pod template, conditions and which
ReplicaSets are old and new.
"""
from __future__ import annotations

from api import deployments, selectors
from cli.describe_layout import NONE, field, int_or_percent, map_lines, table
from cli.describe_pods import template_lines

DEFAULT_ROLLING = "25%"


def _selector(obj) -> str:
    return str(selectors.of_spec(obj.spec)) or NONE


def _conditions(conditions) -> list[str]:
    if not conditions:
        return []
    return ["Conditions:"] + table(["Type", "Status", "Reason"],
                                   [[c.type, c.status, c.reason or NONE] for c in conditions])


def _rs_summary(rss) -> str:
    return ", ".join(f"{rs.metadata.name} ({rs.status.replicas}/{rs.spec.replicas} replicas created)"
                     for rs in rss) or NONE


def deployment_body(d, replica_sets) -> list[str]:
    spec, s = d.spec, d.status
    strategy = spec.strategy.type or "RollingUpdate"
    lines = [field("Selector", _selector(d)),
             field("Replicas", f"{spec.replicas} desired | {s.updated_replicas} updated | {s.replicas} total | "
                               f"{s.available_replicas} available | {s.unavailable_replicas} unavailable"),
             field("StrategyType", strategy),
             field("MinReadySeconds", spec.min_ready_seconds)]
    if strategy == "RollingUpdate":
        ru = spec.strategy.rolling_update
        unavailable = int_or_percent(ru.max_unavailable) if ru.HasField("max_unavailable") else DEFAULT_ROLLING
        surge = int_or_percent(ru.max_surge) if ru.HasField("max_surge") else DEFAULT_ROLLING
        lines.append(field("RollingUpdateStrategy", f"{unavailable} max unavailable, {surge} max surge"))
    lines += template_lines(spec.template) + _conditions(s.conditions)
    new = [rs for rs in replica_sets if deployments.same_template(rs.spec.template, spec.template)]
    # as kubectl: old ReplicaSets scaled to zero are history, not part of the rollout
    olds = [rs for rs in replica_sets if rs not in new and rs.spec.replicas]
    return lines + [field("OldReplicaSets", _rs_summary(olds)), field("NewReplicaSet", _rs_summary(new[:1]))]


def replica_set_body(rs, pods) -> list[str]:
    phases = [p.status.phase for p in pods if not p.metadata.deletion_timestamp]
    counts = (phases.count("Running"), phases.count("Pending") + phases.count(""), phases.count("Succeeded"),
              phases.count("Failed"))
    lines = [field("Selector", _selector(rs)),
             field("Replicas", f"{rs.status.replicas} current / {rs.spec.replicas} desired"),
             field("Pods Status", "{} Running / {} Waiting / {} Succeeded / {} Failed".format(*counts))]
    return lines + template_lines(rs.spec.template) + _conditions(rs.status.conditions)


def stateful_set_body(sts) -> list[str]:
    spec, s = sts.spec, sts.status
    selector = selectors.from_match(spec.selector.match_labels, spec.selector.match_expressions)
    lines = [field("Selector", str(selector) or NONE),
             field("Replicas", f"{spec.replicas} desired | {s.replicas} total"),
             field("Update Strategy", spec.update_strategy.type)]
    if spec.update_strategy.type == "RollingUpdate" and spec.update_strategy.HasField("rolling_update"):
        lines.append(field("Partition", spec.update_strategy.rolling_update.partition, 2))
    lines.append(field("Pods Status", f"{s.ready_replicas} Running / {max(0, s.replicas - s.ready_replicas)} "
                                      f"Waiting / 0 Succeeded / 0 Failed"))
    lines += template_lines(spec.template)
    lines.append("Volume Claims:" + ("" if spec.volume_claim_templates else "  <none>"))
    for claim in spec.volume_claim_templates:
        lines += [field("Name", claim.metadata.name, 2),
                  field("StorageClass", claim.spec.storage_class_name, 2)]
        lines += map_lines("Labels", claim.metadata.labels, 2)
        lines += map_lines("Annotations", claim.metadata.annotations, 2, sep=": ")
        lines += [field("Capacity", claim.spec.resources.requests.get("storage", NONE), 2),
                  field("Access Modes", f"[{' '.join(claim.spec.access_modes)}]", 2)]
    return lines
