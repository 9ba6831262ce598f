"""`skiff describe` bodies of a ConfigMap (its data, in full) and a Secret (its type and each key's size:
a Secret's values are never printed), in kubectl's layout."""
from __future__ import annotations

from cli.describe_layout import field


def config_map_body(cm) -> list[str]:
    lines = ["", "Data", "===="]
    for key in sorted(cm.data):
        lines += [f"{key}:", "----", cm.data[key], ""]
    lines += ["", "BinaryData", "===="]
    for key in sorted(cm.binary_data):
        lines.append(f"{key}: {len(cm.binary_data[key])} bytes")
    return lines + [""]


def secret_body(secret) -> list[str]:
    lines = ["", field("Type", secret.type or "Opaque"), "", "Data", "===="]
    width = max((len(k) for k in secret.data), default=0) + 1
    for key in sorted(secret.data):
        lines.append(f"{key + ':':<{width}}  {len(secret.data[key])} bytes")
    return lines
