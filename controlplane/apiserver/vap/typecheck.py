"""A policy's status.typeChecking, as Kubernetes' type-checking controller writes it: a warning for each
`object.a.b` field path an expression reads that the matched kinds do not have (`undefined field 'b'`)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from api import kinds, manifest
from controlplane.apiserver.vap import celext
from proto import types_pb2

# a field path read from `object` (or `oldObject`): the root and its chain of `.name` selections
_PATH = re.compile(r"(?<![\w.])(object|oldObject)((?:\.[_a-zA-Z][_a-zA-Z0-9]*)+)")
_FREE_FORM = (manifest.INT_OR_STRING, manifest.RAW_JSON)


def matched_kinds(match: types_pb2.MatchResources) -> list[kinds.Kind]:
    """The kinds the resource rules name exactly (a wildcard names none, as Kubernetes skips them)."""
    served = {(*k.api_version.rpartition("/")[::2], k.plural): k for k in kinds.KINDS}
    found = []
    for rule in match.resource_rules:
        for group, version, resource in ((g, v, r) for g in rule.api_groups for v in rule.api_versions
                                         for r in rule.resources):
            kind = served.get((group, version, resource))
            if kind is not None and kind not in found:
                found.append(kind)
    return found


def _undefined(descriptor: Descriptor, chain: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The first (offset, name) of `chain` the message does not have; None when all exist or cannot be told."""
    for offset, name in chain:
        field = {f.json_name: f for f in descriptor.fields}.get(name)
        if field is None:
            return offset, name
        if field.type != FieldDescriptor.TYPE_MESSAGE or field.is_repeated or \
                field.message_type.full_name in _FREE_FORM:
            return None  # a scalar, list or map: what follows is CEL's business at run time
        descriptor = field.message_type
    return None


def _outside_strings(expression: str) -> Iterator[re.Match]:
    parts = celext._STRING.split(expression)
    at = 0
    for i, part in enumerate(parts):
        if i % 2 == 0:
            for m in _PATH.finditer(part):
                yield at, m
        at += len(part)


def warnings(expression: str, matched: list[kinds.Kind]) -> str:
    """Kubernetes' warning text for one expression ("" when every path it reads exists)."""
    lines = []
    for kind in matched:
        for at, m in _outside_strings(expression):
            start = at + m.start(2)
            chain, offset = [], start
            for name in m.group(2).split(".")[1:]:
                chain.append((offset, name))
                offset += len(name) + 1
            bad = _undefined(kind.message.DESCRIPTOR, chain)
            if bad is not None:
                column, name = bad
                group, _, version = kind.api_version.rpartition("/")
                lines += [f"{group}/{version}, Kind={kind.name}: ERROR: <input>:1:{column + 1}: undefined field '{name}'",
                          f" | {expression}", " | " + "." * column + "^"]
                break
    return "\n".join(lines)


def type_checking(spec: types_pb2.ValidatingAdmissionPolicySpec) -> types_pb2.TypeChecking:
    """The expressionWarnings of a policy's validations (single-line expressions, as the docs' examples)."""
    checked = types_pb2.TypeChecking()
    matched = matched_kinds(spec.match_constraints)
    for i, v in enumerate(spec.validations):
        if "\n" in v.expression:
            continue
        text = warnings(v.expression, matched)
        if text:
            checked.expression_warnings.add(field_ref=f"spec.validations[{i}].expression", warning=text)
    return checked
