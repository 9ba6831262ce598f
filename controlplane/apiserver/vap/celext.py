"""What Kubernetes' CEL has that cel-python lacks, as functions cel-python calls: optional field selection
(`a.?b`, `.orValue(d)`, `.hasValue()`) and the strings extension library (lowerAscii, split, join, ...)."""
from __future__ import annotations

import re

from celpy import celtypes

_OPTIONAL_FIELD = re.compile(r"\.\?([_a-zA-Z][_a-zA-Z0-9]*)")
_STRING = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


class Optional:
    """CEL's optional value: `present` with a value, or none."""

    def __init__(self, value=None, present: bool = False):
        self.value, self.present = value, present


def rewrite(expression: str) -> str:
    """`a.?b` as a call cel-python can parse (`a.optField('b')`); string literals are left alone."""
    parts = _STRING.split(expression)
    return "".join(p if i % 2 else _OPTIONAL_FIELD.sub(r".optField('\1')", p) for i, p in enumerate(parts))


def _opt_field(target, name):
    if isinstance(target, Optional):
        if not target.present:
            return target
        target = target.value
    if isinstance(target, celtypes.MapType) and celtypes.StringType(name) in target:
        return Optional(target[celtypes.StringType(name)], True)
    return Optional()


def _or_value(target, default):
    if isinstance(target, Optional):
        return target.value if target.present else default
    return target


def _has_value(target):
    return celtypes.BoolType(isinstance(target, Optional) and target.present)


def _s(value) -> str:
    return str(value)


def _index_of(target, needle, offset=0):
    if isinstance(target, celtypes.ListType):
        return celtypes.IntType(next((i for i, v in enumerate(target) if v == needle), -1))
    return celtypes.IntType(_s(target).find(_s(needle), int(offset)))


def _last_index_of(target, needle, *offset):
    if isinstance(target, celtypes.ListType):
        return celtypes.IntType(max((i for i, v in enumerate(target) if v == needle), default=-1))
    end = int(offset[0]) + len(_s(needle)) if offset else None
    return celtypes.IntType(_s(target).rfind(_s(needle), 0, end))


def _split(target, sep, limit=-1):
    limit = int(limit)
    if limit == 0:
        return celtypes.ListType([])
    parts = _s(target).split(_s(sep), limit - 1) if limit > 0 else _s(target).split(_s(sep))
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


def _replace(target, old, new, limit=-1):
    return celtypes.StringType(_s(target).replace(_s(old), _s(new), int(limit)))


def _substring(target, start, end=None):
    text = _s(target)
    return celtypes.StringType(text[int(start):] if end is None else text[int(start):int(end)])


def _join(target, sep=""):
    return celtypes.StringType(_s(sep).join(_s(v) for v in target))


def _char_at(target, i):
    text = _s(target)
    return celtypes.StringType(text[int(i)] if int(i) < len(text) else "")


FUNCTIONS = {
    "optField": _opt_field, "orValue": _or_value, "hasValue": _has_value,
    "lowerAscii": lambda s: celtypes.StringType(_s(s).lower()),
    "upperAscii": lambda s: celtypes.StringType(_s(s).upper()),
    "trim": lambda s: celtypes.StringType(_s(s).strip()),
    "indexOf": _index_of, "lastIndexOf": _last_index_of, "split": _split, "replace": _replace,
    "substring": _substring, "join": _join, "charAt": _char_at,
}
