"""`skiff describe` body of a PodDisruptionBudget, in kubectl's layout: the budget, its selector and the
disruption controller's counts."""
from __future__ import annotations

from api import selectors
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
