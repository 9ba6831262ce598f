"""`skiff describe networkpolicy` in kubectl's words (describeNetworkPolicy): which pods it selects, what
each rule allows in and out, the policy types; a header of its own and no events, as kubectl's."""
from __future__ import annotations

from datetime import datetime

from api import selectors
from cli.describe_layout import int_or_percent
from cli.describe_policy import tabbed

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
INDENT = "    "
MAX_ANNOTATION_LEN = 140


def _selector(selector) -> str:
    """metav1.FormatLabelSelector: `<none>` for the empty selector."""
    return str(selectors.from_match(selector.match_labels, selector.match_expressions)) or "<none>"


def _created_on(timestamp: str) -> str:
    """Go's time.Time.String() of the creation time, as kubectl prints a metav1.Time with %s."""
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    return when.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def _labels(values) -> list[list[str]]:
    items = sorted(values.items())
    if not items:
        return [["Labels:", "<none>"]]
    return [["Labels:" if i == 0 else "", f"{k}={v}"] for i, (k, v) in enumerate(items)]


def _annotations(values) -> list[list[str]]:
    """kubectl's printAnnotationsMultiline: `key: value`, a long or multi-line value under its key."""
    items = sorted((k, v.removesuffix("\n")) for k, v in values.items() if k != LAST_APPLIED)
    if not items:
        return [["Annotations:", "<none>"]]
    rows = []
    for k, v in items:
        title = "Annotations:" if not rows else ""
        if len(v) + len(k) + 2 > MAX_ANNOTATION_LEN or "\n" in v:
            rows.append([title, f"{k}:"])
            rows += [["", "  " + _shorten(line, MAX_ANNOTATION_LEN - 2)] for line in v.split("\n")]
        else:
            rows.append([title, f"{k}: {v}"])
    return rows


def _shorten(text: str, limit: int) -> str:
    return text[:limit] + "..." if len(text) > limit else text


def network_policy_lines(policy) -> list[str]:
    m = policy.metadata
    rows = [["Name:", m.name], ["Namespace:", m.namespace], ["Created on:", _created_on(m.creation_timestamp)]]
    rows += _labels(m.labels) + _annotations(m.annotations)
    return tabbed(rows) + _spec_lines(policy.spec)


def _spec_lines(spec) -> list[str]:
    selector = spec.pod_selector
    if not selector.match_labels and not selector.match_expressions:
        shown = "<none> (Allowing the specific traffic to all pods in this namespace)"
    else:
        shown = _selector(selector)
    lines = ["Spec:", f"  PodSelector:     {shown}"]
    if "Ingress" in spec.policy_types:
        lines.append("  Allowing ingress traffic:")
        lines += _rules(spec.ingress, "from_", "From", "ingress", "source")
    else:
        lines.append("  Not affecting ingress traffic")
    if "Egress" in spec.policy_types:
        lines.append("  Allowing egress traffic:")
        lines += _rules(spec.egress, "to", "To", "egress", "destination")
    else:
        lines.append("  Not affecting egress traffic")
    lines.append(f"  Policy Types: {', '.join(spec.policy_types)}")
    return lines


def _port(port) -> str:
    shown = int_or_percent(port.port) if port.HasField("port") else "<nil>"
    if port.HasField("end_port"):
        return f"{INDENT}To Port Range: {shown}-{port.end_port}/{port.protocol or 'TCP'}"
    return f"{INDENT}To Port: {shown}/{port.protocol or 'TCP'}"


def _rules(rules, peers_field: str, word: str, direction: str, side: str) -> list[str]:
    if not rules:
        return [f"{INDENT}<none> (Selected pods are isolated for {direction} connectivity)"]
    lines = []
    for i, rule in enumerate(rules):
        if rule.ports:
            lines += [_port(p) for p in rule.ports]
        else:
            lines.append(f"{INDENT}To Port: <any> (traffic allowed to all ports)")
        peers = getattr(rule, peers_field)
        if not peers:
            lines.append(f"{INDENT}{word}: <any> (traffic not restricted by {side})")
        for peer in peers:
            lines.append(f"{INDENT}{word}:")
            lines += _peer(peer)
        if i != len(rules) - 1:
            lines.append(f"{INDENT}----------")
    return lines


def _peer(peer) -> list[str]:
    pad = "  " + INDENT
    lines = []
    if peer.HasField("namespace_selector"):
        lines.append(f"{pad}NamespaceSelector: {_selector(peer.namespace_selector)}")
    if peer.HasField("pod_selector"):
        lines.append(f"{pad}PodSelector: {_selector(peer.pod_selector)}")
    if not lines and peer.HasField("ip_block"):
        lines += [f"{pad}IPBlock:", f"{pad}  CIDR: {peer.ip_block.cidr}",
                  f"{pad}  Except: {', '.join(getattr(peer.ip_block, 'except_'))}"]
    return lines
