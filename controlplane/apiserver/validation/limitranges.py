"""Validation of LimitRanges in Kubernetes' words (ValidateLimitRange): each type once, resource names,
quantities, and min <= defaultRequest <= default <= max with maxLimitRequestRatio at least 1."""
from __future__ import annotations

from fractions import Fraction

from api import names, quantity
from controlplane.apiserver.validation.fielderrors import Path, duplicate, each, forbidden, invalid, required
from controlplane.apiserver.validation.pods import validate_resource_name
from proto import types_pb2

CONTAINER, POD, CLAIM = "Container", "Pod", "PersistentVolumeClaim"
# (proto field, manifest name) in the order Kubernetes reads them
GROUPS = (("max", "max"), ("min", "min"), ("default", "default"), ("default_request", "defaultRequest"),
          ("max_limit_request_ratio", "maxLimitRequestRatio"))


def validate_limit_range(lr: types_pb2.LimitRange) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(lr.spec.limits):
        errors += _validate_item(item, Path("spec.limits").index(i), seen)
    return errors


def _validate_item(item: types_pb2.LimitRangeItem, path: Path, seen: set[str]) -> list[str]:
    errors = each(names.qualified_name(item.type), path.child("type"), item.type)
    if item.type in seen:
        errors.append(duplicate(path.child("type"), item.type))
    seen.add(item.type)
    values: dict[str, dict[str, Fraction]] = {}
    for field, name in GROUPS:
        values[field] = {}
        given = getattr(item, field)
        if item.type == POD and field in ("default", "default_request"):
            if given:
                errors.append(forbidden(path.child(name), "may not be specified when `type` is 'Pod'"))
            continue
        for key, text in sorted(given.items()):
            p = path.child(name).key(key)
            if item.type in (CONTAINER, POD):
                errors += validate_resource_name(key, p)
            else:
                errors += each(names.qualified_name(key), p, key)
            try:
                values[field][key] = quantity.parse_quantity(text)
            except quantity.QuantityError:
                errors.append(invalid(p, text, "must be a valid quantity"))
    if item.type == CLAIM and "storage" not in item.min and "storage" not in item.max:
        errors.append(required(path.child("limits"),
                               "either minimum or maximum storage value is required, but neither was provided"))
    keys = sorted(set().union(*values.values()))
    for key in keys:
        errors += _ordering(item, values, key, path)
    return errors


def _ordering(item: types_pb2.LimitRangeItem, values: dict[str, dict[str, Fraction]], key: str,
              path: Path) -> list[str]:
    """min <= defaultRequest <= default <= max, and a ratio of at least 1 that max/min allows."""
    low, high = values["min"].get(key), values["max"].get(key)
    default, request = values["default"].get(key), values["default_request"].get(key)
    ratio = values["max_limit_request_ratio"].get(key)

    def shown(field: str) -> str:
        return quantity.canonical(getattr(item, field)[key])

    errors = []
    if low is not None and high is not None and low > high:
        errors.append(invalid(path.child("min").key(key), shown("min"),
                              f"min value {shown('min')} is greater than max value {shown('max')}"))
    if request is not None and low is not None and low > request:
        errors.append(invalid(path.child("defaultRequest").key(key), shown("default_request"),
                              f"min value {shown('min')} is greater than default request value "
                              f"{shown('default_request')}"))
    if request is not None and high is not None and request > high:
        errors.append(invalid(path.child("defaultRequest").key(key), shown("default_request"),
                              f"default request value {shown('default_request')} is greater than max value "
                              f"{shown('max')}"))
    if request is not None and default is not None and request > default:
        errors.append(invalid(path.child("defaultRequest").key(key), shown("default_request"),
                              f"default request value {shown('default_request')} is greater than default limit "
                              f"value {shown('default')}"))
    if default is not None and low is not None and low > default:
        errors.append(invalid(path.child("default").key(key), shown("min"),
                              f"min value {shown('min')} is greater than default value {shown('default')}"))
    if default is not None and high is not None and default > high:
        errors.append(invalid(path.child("default").key(key), shown("max"),
                              f"default value {shown('default')} is greater than max value {shown('max')}"))
    if ratio is not None and ratio < 1:
        errors.append(invalid(path.child("maxLimitRequestRatio").key(key), shown("max_limit_request_ratio"),
                              f"ratio {shown('max_limit_request_ratio')} is less than 1"))
    if ratio is not None and low and high is not None:
        allowed = high / low
        if ratio > allowed:
            errors.append(invalid(path.child("maxLimitRequestRatio").key(key), shown("max_limit_request_ratio"),
                                  f"ratio {shown('max_limit_request_ratio')} is greater than max/min = "
                                  f"{float(allowed):f}"))
    return errors
