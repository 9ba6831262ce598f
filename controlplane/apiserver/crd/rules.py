"""`x-kubernetes-validations` of a CRD's schema: CEL rules evaluated with `self` (and `oldSelf` on update) at
the node that declares them, failures in Kubernetes' words. Expressions run through the admission policies'
CEL (controlplane/apiserver/vap/expressions.py).
"""
from __future__ import annotations

import json
import re
from typing import Any

from controlplane.apiserver.vap import expressions

_OLD_SELF = re.compile(r"\boldSelf\b")
_MISSING = object()


def compile_errors(schema: dict, path: str) -> list[str]:
    """Rules that cannot be compiled, named by their place in the CRD."""
    out = []
    for i, rule in enumerate(schema.get("x-kubernetes-validations") or []):
        where = f"{path}.x-kubernetes-validations[{i}]"
        text = rule.get("rule", "") if isinstance(rule, dict) else ""
        if not text:
            out.append(f"{where}.rule: Required value")
            continue
        error = expressions.compile_error(text)
        if error:
            out.append(f"{where}.rule: Invalid value: {json.dumps(text)}: {error}")
    return out


def _type_of(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "number" if isinstance(value, float) else "string"


def check(value: Any, schema: dict, old: Any = _MISSING, path: str = "") -> list[str]:
    """Every failed rule under `schema` for `value` (`old`: the value before an update, for oldSelf)."""
    if value is None or not isinstance(schema, dict):
        return []
    out = []
    for rule in schema.get("x-kubernetes-validations") or []:
        text = rule.get("rule", "")
        uses_old = bool(_OLD_SELF.search(text))
        if uses_old and old is _MISSING and not rule.get("optionalOldSelf"):
            continue  # a transition rule: only on update, when there was a value before
        values = {"self": value}
        if uses_old:
            values["oldSelf"] = None if old is _MISSING else old
        where = path + ("." + rule["fieldPath"].lstrip(".") if rule.get("fieldPath") else "") or "<root>"
        try:
            ok = expressions.evaluate(text, expressions.activation(values, {}))
        except expressions.EvalError as e:
            out.append(f'{where}: Invalid value: "{_type_of(value)}": {e}')
            continue
        if ok is not True:
            message = rule.get("message") or f"failed rule: {text}"
            out.append(f'{where}: Invalid value: "{_type_of(value)}": {message}')
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        olds = old if isinstance(old, dict) else {}
        for key, item in value.items():
            sub = props.get(key) if key in props else extra if isinstance(extra, dict) else None
            if sub is not None and not (not path and key in ("apiVersion", "kind", "metadata")):
                out += check(item, sub, olds.get(key, _MISSING), f"{path}.{key}" if path else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out += check(item, schema["items"], _MISSING, f"{path}[{i}]")
    return out
