"""`skiff describe hpa`: the target, each metric as current / target, the replica bounds and counts, and
the conditions, in kubectl's layout."""
from __future__ import annotations

from cli.describe_layout import field, table

UNKNOWN = "<unknown>"


def metric_lines(hpa) -> list[str]:
    """`  resource cpu on pods  (as a percentage of request):  73% (73m) / 50%`, one line per metric."""
    out = []
    for i, spec in enumerate(hpa.spec.metrics):
        status = hpa.status.current_metrics[i] if i < len(hpa.status.current_metrics) else None
        if spec.type == "Resource":
            name, target = spec.resource.name, spec.resource.target
            current = status.resource.current if status is not None and status.type == "Resource" else None
            if target.type == "Utilization":
                now = (f"{current.average_utilization}% ({current.average_value})"
                       if current is not None and current.HasField("average_utilization") else UNKNOWN)
                out.append((f"resource {name} on pods  (as a percentage of request)",
                            f"{now} / {target.average_utilization}%"))
            else:
                now = current.average_value if current is not None and current.average_value else UNKNOWN
                out.append((f"resource {name} on pods", f"{now} / {target.average_value}"))
        elif spec.type == "Pods":
            current = status.pods.current if status is not None and status.type == "Pods" else None
            now = current.average_value if current is not None and current.average_value else UNKNOWN
            out.append((f'"{spec.pods.metric.name}" on pods', f"{now} / {spec.pods.target.average_value}"))
        elif spec.type == "Object":
            ref, target = spec.object.described_object, spec.object.target
            current = status.object.current if status is not None and status.type == "Object" else None
            if target.average_value:
                now = current.average_value if current is not None and current.average_value else UNKNOWN
                value = f"{now} / {target.average_value} (avg)"
            else:
                now = current.value if current is not None and current.value else UNKNOWN
                value = f"{now} / {target.value}"
            out.append((f'"{spec.object.metric.name}" on {ref.kind}/{ref.name}', value))
    return out


def hpa_body(hpa) -> list[str]:
    ref = hpa.spec.scale_target_ref
    metrics = metric_lines(hpa)
    width = max([20] + [len(label) + 5 for label, _ in metrics])
    lines = [field("Reference", f"{ref.kind}/{ref.name}", width=width),
             field("Metrics", "( current / target )", width=width)]
    lines += [field(label, value, indent=2, width=width) for label, value in metrics]
    lines.append(field("Min replicas", hpa.spec.min_replicas if hpa.spec.HasField("min_replicas") else "<unset>",
                       width=width))
    lines.append(field("Max replicas", hpa.spec.max_replicas, width=width))
    lines.append(field(f"{ref.kind} pods", f"{hpa.status.current_replicas} current / "
                                           f"{hpa.status.desired_replicas} desired", width=width))
    if hpa.status.conditions:
        lines.append("Conditions:")
        lines += table(["Type", "Status", "Reason", "Message"],
                       [[c.type, c.status, c.reason, c.message] for c in hpa.status.conditions])
    return lines
