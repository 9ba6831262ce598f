"""Validation of Validating- and MutatingWebhookConfigurations as Kubernetes' pkg/apis/admissionregistration
validation: names, rules, client config (url or service), side effects, timeouts and matchConditions."""
from __future__ import annotations

from urllib.parse import urlsplit

from api import names
from controlplane.apiserver.validation.admissionpolicies import FAILURE_POLICIES, MATCH_POLICIES, validate_match_conditions
from controlplane.apiserver.validation.admissionrules import rule_with_operations
from controlplane.apiserver.validation.fielderrors import (Path, duplicate, each, invalid, not_supported,
                                                           required)
from controlplane.apiserver.validation.meta import validate_label_selector
from proto import types_pb2

SIDE_EFFECTS = ("None", "NoneOnDryRun")  # v1 accepts only webhooks without side effects on a dry run
REINVOCATION_POLICIES = ("IfNeeded", "Never")
REVIEW_VERSIONS = ("v1", "v1beta1")
_URL_FORM = "; desired format: https://host[/path]"


def _fully_qualified(name: str, path: Path) -> list[str]:
    if not name:
        return [required(path)]
    problems = names.dns1123_subdomain(name)
    if problems:
        return [invalid(path, name, ",".join(problems))]
    if len(name.split(".")) < 3:
        return [invalid(path, name, "should be a domain with at least three segments separated by dots")]
    return []


def _url(url: str, path: Path) -> list[str]:
    try:
        u = urlsplit(url)
        host = u.hostname
    except ValueError as e:
        return [required(path, f"url must be a valid URL: {e}{_URL_FORM}")]
    errors = []
    if u.scheme != "https":
        errors.append(invalid(path, u.scheme, "'https' is the only allowed URL scheme" + _URL_FORM))
    if not u.netloc or not host:
        errors.append(invalid(path, u.netloc, "host must be specified" + _URL_FORM))
    if u.username is not None:
        errors.append(invalid(path, u.netloc.rpartition("@")[0], "user information is not permitted in the URL"))
    if u.fragment:
        errors.append(invalid(path, u.fragment, "fragments are not permitted in the URL"))
    if u.query:
        errors.append(invalid(path, u.query, "query parameters are not permitted in the URL"))
    return errors


def _service(svc: types_pb2.ServiceReference, path: Path) -> list[str]:
    errors = []
    if not svc.name:
        errors.append(required(path.child("name"), "service name is required"))
    if not svc.namespace:
        errors.append(required(path.child("namespace"), "service namespace is required"))
    problems = names.port_number(svc.port)
    if problems:
        errors.append(invalid(path.child("port"), svc.port, "port is not valid: " + ", ".join(problems)))
    url_path = svc.path if svc.HasField("path") else ""
    if url_path in ("", "/"):
        return errors
    if url_path == "//":
        return errors + [invalid(path.child("path"), url_path, "segment[0] may not be empty")]
    if not url_path.startswith("/"):
        return errors + [invalid(path.child("path"), url_path, "must start with a '/'")]
    rest = url_path[1:]
    rest = rest[:-1] if rest.endswith("/") else rest
    for i, step in enumerate(rest.split("/")):
        if not step:
            errors.append(invalid(path.child("path"), url_path, f"segment[{i}] may not be empty"))
            continue
        errors += [invalid(path.child("path"), url_path, f"segment[{i}]: {p}") for p in names.dns1123_subdomain(step)]
    return errors


def _review_versions(versions, path: Path) -> list[str]:
    if not versions:
        return [required(path, "must specify one of " + ", ".join(REVIEW_VERSIONS))]
    errors, seen = [], set()
    for i, v in enumerate(versions):
        if v in seen:
            errors.append(invalid(path.index(i), v, "duplicate version"))
            continue
        seen.add(v)
        errors += each(names.dns1035_label(v), path.index(i), v)
    if not seen & set(REVIEW_VERSIONS):
        errors.append(invalid(path, list(versions), "must include at least one of " + ", ".join(REVIEW_VERSIONS)))
    return errors


def validate_webhook(hook, path: Path) -> list[str]:
    """One ValidatingWebhook or MutatingWebhook (defaulted)."""
    errors = _fully_qualified(hook.name, path.child("name"))
    for i, rule in enumerate(hook.rules):
        errors += rule_with_operations(rule, path.child("rules").index(i))
    if hook.failure_policy not in FAILURE_POLICIES:
        errors.append(not_supported(path.child("failurePolicy"), hook.failure_policy, FAILURE_POLICIES))
    if hook.match_policy not in MATCH_POLICIES:
        errors.append(not_supported(path.child("matchPolicy"), hook.match_policy, MATCH_POLICIES))
    if not hook.HasField("side_effects"):
        errors.append(required(path.child("sideEffects"), "must specify one of " + ", ".join(SIDE_EFFECTS)))
    elif hook.side_effects not in SIDE_EFFECTS:
        errors.append(not_supported(path.child("sideEffects"), hook.side_effects, SIDE_EFFECTS))
    if not 1 <= hook.timeout_seconds <= 30:
        errors.append(invalid(path.child("timeoutSeconds"), hook.timeout_seconds,
                              "the timeout value must be between 1 and 30 seconds"))
    errors += validate_label_selector(hook.namespace_selector, path.child("namespaceSelector"))
    errors += validate_label_selector(hook.object_selector, path.child("objectSelector"))
    if isinstance(hook, types_pb2.MutatingWebhook) and hook.reinvocation_policy not in REINVOCATION_POLICIES:
        errors.append(not_supported(path.child("reinvocationPolicy"), hook.reinvocation_policy,
                                    REINVOCATION_POLICIES))
    cc = hook.client_config
    if cc.HasField("url") == cc.HasField("service"):
        errors.append(required(path.child("clientConfig"), "exactly one of url or service is required"))
    elif cc.HasField("url"):
        errors += _url(cc.url, path.child("clientConfig", "url"))
    else:
        errors += _service(cc.service, path.child("clientConfig", "service"))
    errors += validate_match_conditions(hook.match_conditions, path.child("matchConditions"))
    return errors


def validate_configuration(config) -> list[str]:
    """A Validating- or MutatingWebhookConfiguration: each webhook, its review versions, names unique."""
    errors, seen = [], set()
    for i, hook in enumerate(config.webhooks):
        at = Path("webhooks").index(i)
        errors += validate_webhook(hook, at)
        errors += _review_versions(hook.admission_review_versions, at.child("admissionReviewVersions"))
        if hook.name in seen:
            errors.append(duplicate(at.child("name"), hook.name))
        seen.add(hook.name)
    return errors
