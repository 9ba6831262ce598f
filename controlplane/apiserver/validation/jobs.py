"""Validation of Jobs, in Kubernetes' words (pkg/apis/batch/validation): counts, a template whose pods
end (restartPolicy OnFailure or Never), the generated or manual selector, and the pod failure policy.
"""
from __future__ import annotations

from api import selectors
from api.jobs import (CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL,
                      parse_indexes)
from controlplane.apiserver.validation.fielderrors import (Path, at_least, forbidden, invalid, not_supported,
                                                           required)
from controlplane.apiserver.validation.meta import validate_annotations, validate_label_selector, validate_labels
from controlplane.apiserver.validation.pods import validate_pod_spec
from proto import types_pb2

COMPLETION_MODES = ("NonIndexed", "Indexed")
JOB_RESTART_POLICIES = ("OnFailure", "Never")
POD_REPLACEMENT_POLICIES = ("TerminatingOrFailed", "Failed")
FAILURE_ACTIONS = ("FailJob", "FailIndex", "Ignore", "Count")
EXIT_CODE_OPERATORS = ("In", "NotIn")
CONDITION_STATUSES = ("True", "False", "Unknown")
MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000
MAX_FAILURE_POLICY_RULES = 20
MAX_EXIT_CODE_VALUES = 255
MAX_SUCCESS_POLICY_RULES = 20


def validate_job(job: types_pb2.Job) -> list[str]:
    spec, path = job.spec, Path("spec")
    errors = _job_spec(spec, path)
    errors += _selector_and_template(job, path)
    if spec.HasField("pod_failure_policy"):
        errors += _pod_failure_policy(spec, path.child("podFailurePolicy"))
    return errors


def validate_job_template_spec(template: types_pb2.JobTemplateSpec, path: Path) -> list[str]:
    """A CronJob's jobTemplate (Kubernetes' ValidateJobTemplateSpec): a Job spec whose selector the Job's
    create will generate, so none may be given."""
    spec, spec_path = template.spec, path.child("spec")
    meta_path = path.child("metadata")
    errors = validate_labels(template.metadata.labels, meta_path.child("labels"))
    errors += validate_annotations(template.metadata.annotations, meta_path.child("annotations"))
    errors += _job_spec(spec, spec_path)
    pod_meta = spec_path.child("template", "metadata")
    errors += validate_labels(spec.template.metadata.labels, pod_meta.child("labels"))
    errors += validate_annotations(spec.template.metadata.annotations, pod_meta.child("annotations"))
    errors += _pod_template(spec, spec_path)
    if spec.HasField("pod_failure_policy"):
        errors += _pod_failure_policy(spec, spec_path.child("podFailurePolicy"))
    if spec.HasField("selector"):
        errors.append(invalid(spec_path.child("selector"), spec.selector, "`selector` will be auto-generated"))
    if spec.HasField("manual_selector") and spec.manual_selector:
        errors.append(not_supported(spec_path.child("manualSelector"), spec.manual_selector, ("nil", "false")))
    return errors


def _job_spec(spec: types_pb2.JobSpec, path: Path) -> list[str]:
    """The counts and policies of a Job's spec, without its selector and template."""
    errors = []
    for field, name in (("parallelism", "parallelism"), ("completions", "completions"),
                        ("active_deadline_seconds", "activeDeadlineSeconds"), ("backoff_limit", "backoffLimit"),
                        ("ttl_seconds_after_finished", "ttlSecondsAfterFinished")):
        if spec.HasField(field):
            errors += at_least(getattr(spec, field), 0, path.child(name))
    if spec.HasField("completion_mode"):
        mode = spec.completion_mode
        if mode not in COMPLETION_MODES:
            errors.append(not_supported(path.child("completionMode"), mode, COMPLETION_MODES))
        elif mode == "Indexed":
            if not spec.HasField("completions"):
                errors.append(required(path.child("completions"), "when completion mode is Indexed"))
            if spec.HasField("parallelism") and spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB:
                errors.append(invalid(path.child("parallelism"), spec.parallelism,
                                      f"must be less than or equal to {MAX_PARALLELISM_FOR_INDEXED_JOB} "
                                      f"when completion mode is Indexed"))
    if spec.HasField("pod_replacement_policy"):
        policy = spec.pod_replacement_policy
        if policy not in POD_REPLACEMENT_POLICIES:
            errors.append(not_supported(path.child("podReplacementPolicy"), policy, POD_REPLACEMENT_POLICIES))
        elif spec.HasField("pod_failure_policy") and policy != "Failed":
            errors.append(not_supported(path.child("podReplacementPolicy"), policy, ("Failed",)))
    errors += _per_index(spec, path)
    if spec.HasField("success_policy"):
        errors += _success_policy(spec, path.child("successPolicy"))
    if spec.HasField("managed_by") and spec.managed_by != "kubernetes.io/job-controller":
        errors.append(forbidden(path.child("managedBy"), "skiff runs only the built-in Job controller "
                                                          "(kubernetes.io/job-controller)"))
    return errors


def _selector_and_template(job: types_pb2.Job, path: Path) -> list[str]:
    spec = job.spec
    errors = []
    selector = None
    if not spec.HasField("selector"):
        errors.append(required(path.child("selector")))
    else:
        p = path.child("selector")
        problems = validate_label_selector(spec.selector, p)
        errors += problems
        if not problems:
            try:
                selector = selectors.from_match(spec.selector.match_labels, spec.selector.match_expressions)
            except selectors.SelectorError as e:
                errors.append(invalid(p, spec.selector, f"invalid label selector: {e}"))
    template, tpath = spec.template, path.child("template")
    labels = template.metadata.labels
    meta_path = tpath.child("metadata")
    errors += validate_labels(labels, meta_path.child("labels"))
    errors += validate_annotations(template.metadata.annotations, meta_path.child("annotations"))
    if selector is not None and not selector.matches(labels):
        errors.append(invalid(meta_path.child("labels"), labels, "`selector` does not match template `labels`"))
    if not (spec.HasField("manual_selector") and spec.manual_selector) and job.metadata.uid:
        errors += _generated_selector(job, selector, path, meta_path)
    return errors + _pod_template(spec, path)


def _pod_template(spec: types_pb2.JobSpec, path: Path) -> list[str]:
    """The pod template's spec: a valid pod whose containers end (restartPolicy OnFailure or Never)."""
    template = spec.template
    spec_path = path.child("template", "spec")
    errors = validate_pod_spec(template.spec, spec_path)
    policy = template.spec.restart_policy
    if policy and policy not in JOB_RESTART_POLICIES:
        errors.append(not_supported(spec_path.child("restartPolicy"), policy, JOB_RESTART_POLICIES))
    elif policy == "OnFailure" and spec.HasField("pod_failure_policy"):
        errors.append(invalid(spec_path.child("restartPolicy"), policy,
                              'only "Never" is supported when podFailurePolicy is specified'))
    return errors


def _per_index(spec: types_pb2.JobSpec, path: Path) -> list[str]:
    """backoffLimitPerIndex and maxFailedIndexes: Indexed Jobs only, within the completions."""
    errors = []
    indexed = spec.completion_mode == "Indexed"
    if spec.HasField("backoff_limit_per_index"):
        p = path.child("backoffLimitPerIndex")
        errors += at_least(spec.backoff_limit_per_index, 0, p)
        if not indexed:
            errors.append(invalid(p, spec.backoff_limit_per_index, "requires indexed completion mode"))
        if spec.template.spec.restart_policy and spec.template.spec.restart_policy != "Never":
            errors.append(invalid(path.child("template", "spec", "restartPolicy"), spec.template.spec.restart_policy,
                                  'must be "Never" when backoffLimitPerIndex is specified'))
    if spec.HasField("max_failed_indexes"):
        p = path.child("maxFailedIndexes")
        errors += at_least(spec.max_failed_indexes, 0, p)
        if not spec.HasField("backoff_limit_per_index"):
            errors.append(required(path.child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
        if spec.HasField("completions") and spec.max_failed_indexes > spec.completions:
            errors.append(invalid(p, spec.max_failed_indexes, "must be less than or equal to completions"))
    return errors


def _success_policy(spec: types_pb2.JobSpec, path: Path) -> list[str]:
    errors = []
    if spec.completion_mode != "Indexed":
        errors.append(invalid(path, spec.success_policy, "requires indexed completion mode"))
    rules, rules_path = spec.success_policy.rules, path.child("rules")
    if not rules:
        errors.append(required(rules_path, "at least one rules must be specified when the successPolicy is "
                                           "specified"))
    if len(rules) > MAX_SUCCESS_POLICY_RULES:
        errors.append(f"{rules_path}: Too many: {len(rules)}: must have at most {MAX_SUCCESS_POLICY_RULES} items")
    completions = spec.completions if spec.HasField("completions") else 0
    for i, rule in enumerate(rules):
        p = rules_path.index(i)
        if not rule.HasField("succeeded_indexes") and not rule.HasField("succeeded_count"):
            errors.append(required(p, "at least one of succeededCount or succeededIndexes must be specified"))
        wanted: set[int] | None = None
        if rule.HasField("succeeded_indexes"):
            ip = p.child("succeededIndexes")
            try:
                wanted = parse_indexes(rule.succeeded_indexes)
            except ValueError:
                errors.append(invalid(ip, rule.succeeded_indexes, "error parsing succeededIndexes"))
            else:
                if any(x >= completions for x in wanted):
                    errors.append(invalid(ip, rule.succeeded_indexes,
                                          f"must be between 0 and {max(completions - 1, 0)}"))
        if rule.HasField("succeeded_count"):
            cp = p.child("succeededCount")
            count = rule.succeeded_count
            if count < 0:
                errors.append(invalid(cp, count, "must be greater than or equal to 0"))
            elif count > completions:
                errors.append(invalid(cp, count, f"must be less than or equal to {completions} (the number of "
                                                 f"specified completions)"))
            elif wanted is not None and count > len(wanted):
                errors.append(invalid(cp, count, f"must be less than or equal to {len(wanted)} (the number of "
                                                 f"indexes in the specified succeededIndexes field)"))
    return errors


def _generated_selector(job: types_pb2.Job, selector, path: Path, meta_path: Path) -> list[str]:
    """Without manualSelector the server made the selector and labels: they must still be the job's own."""
    errors = []
    labels = job.spec.template.metadata.labels
    uid, name = job.metadata.uid, job.metadata.name
    for key, want in ((LEGACY_CONTROLLER_UID_LABEL, uid), (LEGACY_JOB_NAME_LABEL, name),
                      (CONTROLLER_UID_LABEL, uid), (JOB_NAME_LABEL, name)):
        p = meta_path.child("labels").key(key)
        if key not in labels:
            errors.append(required(p, f"must be '{want}'"))
        elif labels[key] != want:
            errors.append(invalid(p, labels[key], f"must be '{want}'"))
    expected = {LEGACY_CONTROLLER_UID_LABEL: uid, CONTROLLER_UID_LABEL: uid}
    if selector is not None and not selector.matches(expected):
        errors.append(invalid(path.child("selector"), job.spec.selector, "`selector` not auto-generated"))
    return errors


def _pod_failure_policy(spec: types_pb2.JobSpec, path: Path) -> list[str]:
    rules = spec.pod_failure_policy.rules
    rules_path = path.child("rules")
    errors = []
    if len(rules) > MAX_FAILURE_POLICY_RULES:
        errors.append(f"{rules_path}: Too many: {len(rules)}: must have at most {MAX_FAILURE_POLICY_RULES} items")
    containers = {c.name for c in (*spec.template.spec.containers, *spec.template.spec.init_containers)}
    for i, rule in enumerate(rules):
        p = rules_path.index(i)
        if rule.action not in FAILURE_ACTIONS:
            errors.append(not_supported(p.child("action"), rule.action, FAILURE_ACTIONS))
        elif rule.action == "FailIndex" and not spec.HasField("backoff_limit_per_index"):
            errors.append(forbidden(p.child("action"), "the action FailIndex can only be used when "
                                                       "backoffLimitPerIndex is set"))
        has_codes, has_conditions = rule.HasField("on_exit_codes"), len(rule.on_pod_conditions) > 0
        if has_codes and has_conditions:
            errors.append(invalid(p, "", "specifying both OnExitCodes and OnPodConditions is not supported"))
        elif not has_codes and not has_conditions:
            errors.append(invalid(p, "", "specifying one of OnExitCodes and OnPodConditions is required"))
        if has_codes:
            errors += _on_exit_codes(rule.on_exit_codes, p.child("onExitCodes"), containers)
        for j, pattern in enumerate(rule.on_pod_conditions):
            cp = p.child("onPodConditions").index(j)
            if not pattern.type:
                errors.append(required(cp.child("type")))
            if pattern.status not in CONDITION_STATUSES:
                errors.append(not_supported(cp.child("status"), pattern.status, CONDITION_STATUSES))
    return errors


def _on_exit_codes(req: types_pb2.PodFailurePolicyOnExitCodesRequirement, path: Path, containers: set[str]):
    errors = []
    if req.operator not in EXIT_CODE_OPERATORS:
        errors.append(not_supported(path.child("operator"), req.operator, EXIT_CODE_OPERATORS))
    values = list(req.values)
    vpath = path.child("values")
    if not values:
        errors.append(required(vpath, "at least one value is required"))
    elif len(values) > MAX_EXIT_CODE_VALUES:
        errors.append(f"{vpath}: Too many: {len(values)}: must have at most {MAX_EXIT_CODE_VALUES} items")
    for k, value in enumerate(values):
        if req.operator == "In" and value == 0:
            errors.append(invalid(vpath.index(k), value, "must not be 0 for the In operator"))
        if k and value == values[k - 1]:
            errors.append(f"{vpath.index(k)}: Duplicate value: {value}")
        elif k and value < values[k - 1]:
            errors.append(invalid(vpath.index(k), value, "must be ordered"))
    if req.HasField("container_name") and req.container_name not in containers:
        errors.append(invalid(path.child("containerName"), req.container_name,
                              "must be one of the container or initContainer names in the pod template"))
    return errors


def validate_job_update(new: types_pb2.Job, old: types_pb2.Job) -> list[str]:
    """What a Job's update may not change (the pods it made were made from them)."""
    errors = []
    path = Path("spec")
    for field, name in (("selector", "selector"), ("completion_mode", "completionMode"),
                        ("pod_failure_policy", "podFailurePolicy"), ("manual_selector", "manualSelector"),
                        ("completions", "completions"), ("success_policy", "successPolicy"),
                        ("backoff_limit_per_index", "backoffLimitPerIndex")):
        if _field(new.spec, field) != _field(old.spec, field):
            errors.append(invalid(path.child(name), _shown(new.spec, field), "field is immutable"))
    if new.spec.template != old.spec.template:
        errors.append(invalid(path.child("template"), new.spec.template, "field is immutable"))
    return errors


def _field(msg, field: str):
    return getattr(msg, field) if msg.HasField(field) else None


def _shown(msg, field: str):
    value = _field(msg, field)
    return "null" if value is None else value
