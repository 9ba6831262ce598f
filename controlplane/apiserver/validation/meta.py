"""Validation of what every object carries in `metadata`: names, namespaces, labels, annotations,
owner references and finalizers, and what an update may not change there.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from api import names
from controlplane.apiserver.validation.fielderrors import Path, each, forbidden, invalid, required, show, too_long
from proto import types_pb2

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")


def validate_object_meta(meta: types_pb2.ObjectMeta, namespaced: bool, name_rule: Callable[[str], list[str]],
                         path: Path) -> list[str]:
    """Problems of an object's metadata; `name_rule` checks its name (most kinds: a DNS subdomain)."""
    errors = []
    if not meta.name:
        errors.append(required(path.child("name"), "name or generateName is required"))
    else:
        errors += each(name_rule(meta.name), path.child("name"), meta.name)
    if meta.generate_name:
        # A prefix may end in '-': the random suffix follows it.
        prefix = meta.generate_name[:-1] + "a" if meta.generate_name.endswith("-") else meta.generate_name
        errors += each(name_rule(prefix), path.child("generateName"), meta.generate_name)
    if namespaced:
        if not meta.namespace:
            errors.append(required(path.child("namespace")))
        else:
            errors += each(names.dns1123_label(meta.namespace), path.child("namespace"), meta.namespace)
    elif meta.namespace:
        errors.append(forbidden(path.child("namespace"), "not allowed on this type"))
    errors += validate_labels(meta.labels, path.child("labels"))
    errors += validate_annotations(meta.annotations, path.child("annotations"))
    errors += validate_owner_references(meta.owner_references, path.child("ownerReferences"))
    errors += validate_finalizers(meta.finalizers, path.child("finalizers"))
    return errors


def validate_labels(labels: Mapping[str, str], path: Path) -> list[str]:
    errors = []
    for key, value in sorted(labels.items()):
        errors += each(names.qualified_name(key), path, key)
        errors += each(names.label_value(value), path, value)
    return errors


def validate_annotations(annotations: Mapping[str, str], path: Path) -> list[str]:
    errors = []
    total = 0
    for key, value in sorted(annotations.items()):
        errors += each(names.qualified_name(key.lower()), path, key)
        total += len(key.encode()) + len(value.encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_owner_references(refs: Iterable[types_pb2.OwnerReference], path: Path) -> list[str]:
    errors = []
    controller = ""
    for i, ref in enumerate(refs):
        p = path.index(i)
        if not ref.api_version or not ref.api_version.rsplit("/", 1)[-1]:
            errors.append(invalid(p.child("apiVersion"), ref.api_version, "version must not be empty"))
        for field, value in (("kind", ref.kind), ("name", ref.name), ("uid", ref.uid)):
            if not value:
                errors.append(invalid(p.child(field), value, "must not be empty"))
        if ref.controller:
            current = f"{ref.kind}/{ref.name}"
            if controller:
                errors.append(invalid(p.child("controller"), True,
                                      "only one reference can have controller set to true; found \"true\" "
                                      f"in references for {controller} and {current}"))
            else:
                controller = current
    return errors


def validate_finalizers(finalizers: Iterable[str], path: Path) -> list[str]:
    finalizers = list(finalizers)
    errors = []
    for i, name in enumerate(finalizers):
        errors += validate_finalizer_name(name, path.index(i))
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        errors.append(invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    return errors


def validate_finalizer_name(name: str, path: Path) -> list[str]:
    errors = each(names.qualified_name(name), path, name)
    if not errors and "/" not in name and name not in STANDARD_FINALIZERS:
        errors.append(invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"))
    return errors


def validate_object_meta_update(new: types_pb2.ObjectMeta, old: types_pb2.ObjectMeta, path: Path) -> list[str]:
    errors = []
    for field, json_name in (("name", "name"), ("namespace", "namespace"), ("uid", "uid"),
                             ("creation_timestamp", "creationTimestamp")):
        if getattr(new, field) != getattr(old, field):
            errors.append(invalid(path.child(json_name), getattr(new, field), "field is immutable"))
    if old.deletion_timestamp:
        added = [f for f in new.finalizers if f not in old.finalizers]
        if added:
            errors.append(forbidden(path.child("finalizers"), "no new finalizers can be added if the object is "
                                                              f"being deleted, found new finalizers {show(added)}"))
    return errors


def validate_label_selector(selector: types_pb2.LabelSelector, path: Path) -> list[str]:
    errors = []
    for i, rq in enumerate(selector.match_expressions):
        p = path.child("matchExpressions").index(i)
        if rq.operator in ("In", "NotIn"):
            if not rq.values:
                errors.append(required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
        elif rq.operator in ("Exists", "DoesNotExist"):
            if rq.values:
                errors.append(forbidden(p.child("values"),
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errors.append(invalid(p.child("operator"), rq.operator, "not a valid selector operator"))
        errors += each(names.qualified_name(rq.key), p.child("key"), rq.key)
        for j, value in enumerate(rq.values):
            errors += each(names.label_value(value), p.child("values").index(j), value)
    errors += validate_labels(selector.match_labels, path.child("matchLabels"))
    return errors
