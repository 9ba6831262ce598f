"""Content negotiation as kubectl does it: `Accept` asking for a Table or for aggregated discovery.

Pure functions over header values.
"""
from __future__ import annotations

JSON = "application/json"


def _media_types(accept: str) -> list[tuple[str, dict[str, str]]]:
    out = []
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";") if p.strip()]
        if not parts:
            continue
        params = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            params[k.strip()] = v.strip()
        out.append((parts[0].lower(), params))
    return out


def wants_table(accept: str) -> bool:
    """True when the first acceptable JSON form is a meta.k8s.io Table (kubectl get's default)."""
    for media, params in _media_types(accept):
        if media not in (JSON, "*/*"):
            continue
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return True
        if "as" not in params:
            return False
    return False


def aggregated_discovery(accept: str) -> str | None:
    """The aggregated-discovery version asked for first ("v2" or "v2beta1"), or None for the legacy form."""
    for media, params in _media_types(accept):
        if media != JSON:
            continue
        if params.get("as") == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io":
            if params.get("v") in ("v2", "v2beta1"):
                return params["v"]
            continue
        if "as" not in params:
            return None
    return None


def base_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()
