"""Validation of ReplicaSets, ReplicationControllers, Deployments and DaemonSets: replicas, a selector that
selects the template's pods, a template whose pods never end on purpose, the update strategy, and a selector
that never changes (but a ReplicationController's).
"""
from __future__ import annotations

import re

from api import manifest, names, selectors
from controlplane.apiserver.validation.fielderrors import (Path, at_least, forbidden, invalid, not_supported,
                                                           one_of, required)
from controlplane.apiserver.validation.meta import validate_annotations, validate_label_selector, validate_labels
from controlplane.apiserver.validation.pods import RESTART_POLICIES, validate_pod_spec
from proto import types_pb2

DEPLOYMENT_STRATEGIES = ("Recreate", "RollingUpdate")
DAEMON_SET_STRATEGIES = ("RollingUpdate", "OnDelete")

_PERCENT = r"[0-9]+%"


def validate_replica_set(rs: types_pb2.ReplicaSet) -> list[str]:
    spec, path = rs.spec, Path("spec")
    errors = []
    if spec.HasField("replicas"):
        errors += at_least(spec.replicas, 0, path.child("replicas"))
    errors += at_least(spec.min_ready_seconds, 0, path.child("minReadySeconds"))
    errors += validate_selector_and_template(spec, path, "replicaset")
    return errors


def validate_replication_controller(rc: types_pb2.ReplicationController) -> list[str]:
    """core/v1's rules (ValidateReplicationControllerSpec): a non-empty map selector, and a template it selects."""
    spec, path = rc.spec, Path("spec")
    errors = at_least(spec.min_ready_seconds, 0, path.child("minReadySeconds"))
    if not spec.selector:
        errors.append(required(path.child("selector")))
    errors += at_least(spec.replicas, 0, path.child("replicas"))
    if not spec.HasField("template"):
        return errors + [required(path.child("template"))]
    labels = spec.template.metadata.labels
    if spec.selector and any(labels.get(k) != v for k, v in spec.selector.items()):
        errors.append(invalid(path.child("template", "metadata", "labels"), labels,
                              "`selector` does not match template `labels`"))
    return errors + validate_controller_template(spec.template, path.child("template"), None, "ReplicationController")


def validate_deployment(deploy: types_pb2.Deployment) -> list[str]:
    spec, path = deploy.spec, Path("spec")
    errors = []
    if spec.HasField("replicas"):
        errors += at_least(spec.replicas, 0, path.child("replicas"))
    errors += validate_selector_and_template(spec, path, "deployment")
    errors += validate_strategy(spec.strategy, path.child("strategy"))
    errors += at_least(spec.min_ready_seconds, 0, path.child("minReadySeconds"))
    if spec.HasField("revision_history_limit"):
        errors += at_least(spec.revision_history_limit, 0, path.child("revisionHistoryLimit"))
    if spec.HasField("progress_deadline_seconds"):
        deadline, p = spec.progress_deadline_seconds, path.child("progressDeadlineSeconds")
        errors += at_least(deadline, 0, p)
        if deadline <= spec.min_ready_seconds:
            errors.append(invalid(p, deadline, "must be greater than minReadySeconds"))
    return errors


def validate_daemon_set(ds: types_pb2.DaemonSet) -> list[str]:
    spec, path = ds.spec, Path("spec")
    errors = validate_selector_and_template(spec, path, "daemonset", "DaemonSet")
    errors += at_least(spec.min_ready_seconds, 0, path.child("minReadySeconds"))
    if spec.HasField("revision_history_limit"):
        errors += at_least(spec.revision_history_limit, 0, path.child("revisionHistoryLimit"))
    errors += _daemon_set_strategy(spec.update_strategy, path.child("updateStrategy"))
    return errors


def _daemon_set_strategy(strategy: types_pb2.DaemonSetUpdateStrategy, path: Path) -> list[str]:
    if strategy.type == "OnDelete":
        return []
    if strategy.type != "RollingUpdate":
        return [not_supported(path, manifest.to_dict(strategy), DAEMON_SET_STRATEGIES)]
    rolling = path.child("rollingUpdate")
    if not strategy.HasField("rolling_update"):
        return [required(rolling)]
    update = strategy.rolling_update
    errors: list[str] = []
    present = {}
    for name, value in (("maxUnavailable", update.max_unavailable), ("maxSurge", update.max_surge)):
        if value.WhichOneof("value") is not None and _int_or_percent(value) != 0:
            present[name] = True
            p = rolling.child(name)
            errors += validate_int_or_percent(value, p)
            plain = manifest.int_or_string_value(value)
            if isinstance(plain, str) and (_int_or_percent(value) or 0) > 100:
                errors.append(invalid(p, plain, "must not be greater than 100%"))
    if len(present) == 2:
        errors.append(invalid(rolling.child("maxSurge"), manifest.int_or_string_value(update.max_surge),
                              "may not be set when maxUnavailable is non-zero"))
    elif not present:
        errors.append(required(rolling.child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    return errors


def validate_selector_and_template(spec, path: Path, what: str, kind: str = "ReplicaSet") -> list[str]:
    """The selector is required, and the pods the template makes must be ones the selector selects."""
    errors = []
    p = path.child("selector")
    selector = None
    if not spec.HasField("selector"):
        errors.append(required(p))
    else:
        errors += validate_label_selector(spec.selector, p)
        if not spec.selector.match_labels and not spec.selector.match_expressions:
            errors.append(invalid(p, spec.selector, f"empty selector is invalid for {what}"))
        elif not errors:
            try:
                selector = selectors.from_match(spec.selector.match_labels, spec.selector.match_expressions)
            except selectors.SelectorError as e:
                errors.append(invalid(p, spec.selector, f"invalid label selector: {e}"))
    errors += validate_controller_template(spec.template, path.child("template"), selector, kind)
    return errors


def validate_controller_template(template: types_pb2.PodTemplateSpec, path: Path,
                                 selector: selectors.LabelSelector | None, kind: str = "ReplicaSet") -> list[str]:
    meta = path.child("metadata")
    errors = validate_labels(template.metadata.labels, meta.child("labels"))
    errors += validate_annotations(template.metadata.annotations, meta.child("annotations"))
    if selector is not None and not selector.matches(template.metadata.labels):
        errors.append(invalid(meta.child("labels"), template.metadata.labels,
                              "`selector` does not match template `labels`"))
    spec_path = path.child("spec")
    errors += validate_pod_spec(template.spec, spec_path)
    # A controller replaces pods that end, so its pods must never end on purpose.
    if template.spec.restart_policy in RESTART_POLICIES and template.spec.restart_policy != "Always":
        errors.append(not_supported(spec_path.child("restartPolicy"), template.spec.restart_policy, ("Always",)))
    if template.spec.HasField("active_deadline_seconds"):
        p, why = spec_path.child("activeDeadlineSeconds"), f"activeDeadlineSeconds in {kind} is not Supported"
        # core/v1 (a ReplicationController) refuses it as Forbidden, apps/v1 as Invalid
        errors.append(forbidden(p, why) if kind == "ReplicationController"
                      else invalid(p, template.spec.active_deadline_seconds, why))
    return errors


def validate_strategy(strategy: types_pb2.DeploymentStrategy, path: Path) -> list[str]:
    rolling = path.child("rollingUpdate")
    if strategy.type == "Recreate":
        if strategy.HasField("rolling_update"):
            return [forbidden(rolling, "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if strategy.type != "RollingUpdate":
        return one_of(strategy.type, path.child("type"), DEPLOYMENT_STRATEGIES)
    if not strategy.HasField("rolling_update"):
        return [required(rolling, "this should be defaulted and never be nil")]
    update = strategy.rolling_update
    unavailable, surge = rolling.child("maxUnavailable"), rolling.child("maxSurge")
    errors = validate_int_or_percent(update.max_unavailable, unavailable)
    errors += validate_int_or_percent(update.max_surge, surge)
    if _int_or_percent(update.max_unavailable) == 0 and _int_or_percent(update.max_surge) == 0:
        # Neither a pod down nor a pod extra: the rollout could never take a step.
        errors.append(invalid(unavailable, manifest.int_or_string_value(update.max_unavailable),
                              "may not be 0 when `maxSurge` is 0"))
    value = manifest.int_or_string_value(update.max_unavailable)
    if isinstance(value, str) and (_int_or_percent(update.max_unavailable) or 0) > 100:
        errors.append(invalid(unavailable, value, "must not be greater than 100%"))
    return errors


def validate_int_or_percent(value: types_pb2.IntOrString, path: Path) -> list[str]:
    plain = manifest.int_or_string_value(value)
    if plain is None:
        return [invalid(path, "", "must be an integer or percentage (e.g '5%')")]
    if isinstance(plain, str):
        if re.fullmatch(_PERCENT, plain):
            return []
        return [invalid(path, plain, names.regex_error(
            "a valid percent string must be a numeric string followed by an ending '%'", _PERCENT, "1%", "93%"))]
    return at_least(plain, 0, path)


def _int_or_percent(value: types_pb2.IntOrString) -> int | None:
    plain = manifest.int_or_string_value(value)
    if isinstance(plain, str):
        return int(plain[:-1]) if re.fullmatch(_PERCENT, plain) else None
    return plain


def validate_selector_update(new, old) -> list[str]:
    # A controller that changed its selector would orphan its pods and adopt others.
    if new.spec.selector != old.spec.selector:
        return [invalid(Path("spec.selector"), new.spec.selector, "field is immutable")]
    return []
