"""Validation of Ingresses and IngressClasses, worded as Kubernetes' networking validation words it
(rules' hosts, paths by pathType, backends by service name and port, tls hosts and secrets)."""
from __future__ import annotations

import re

from api import names
from controlplane.apiserver.validation.fielderrors import (Path, each, invalid, is_ip, not_supported, required,
                                                           too_long)
from proto import types_pb2

PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
MAX_CONTROLLER_LENGTH = 250
_INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES = ("/..", "/.")

WILDCARD_DNS1123_SUBDOMAIN_FMT = r"\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_WILDCARD_MSG = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which "
                 "must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric "
                 "character")


def wildcard_dns1123_subdomain(value: str) -> list[str]:
    """A host such as `*.example.com`: the wildcard may only stand for the whole first label."""
    errors = []
    if len(value) > names.DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(names.max_len_error(names.DNS1123_SUBDOMAIN_MAX_LENGTH))
    if re.fullmatch(WILDCARD_DNS1123_SUBDOMAIN_FMT, value, flags=re.ASCII) is None:
        errors.append(names.regex_error(_WILDCARD_MSG, WILDCARD_DNS1123_SUBDOMAIN_FMT, "*.example.com"))
    return errors


def _host(host: str, path: Path) -> list[str]:
    if "*" in host:
        return each(wildcard_dns1123_subdomain(host), path, host)
    return each(names.dns1123_subdomain(host), path, host)


def validate_ingress(ing: types_pb2.Ingress) -> list[str]:
    spec, path = ing.spec, Path("spec")
    errors = []
    if not spec.rules and not spec.HasField("default_backend"):
        errors.append(invalid(path, [], "either `defaultBackend` or `rules` must be specified"))
    if spec.HasField("default_backend"):
        errors += validate_backend(spec.default_backend, path.child("defaultBackend"))
    for i, rule in enumerate(spec.rules):
        rule_path = path.child("rules").index(i)
        if rule.host:
            if is_ip(rule.host):
                errors.append(invalid(rule_path.child("host"), rule.host, "must be a DNS name, not an IP address"))
            errors += _host(rule.host, rule_path.child("host"))
        if rule.HasField("http"):
            http_path = rule_path.child("http")
            if not rule.http.paths:
                errors.append(required(http_path.child("paths")))
            for j, http in enumerate(rule.http.paths):
                errors += validate_http_path(http, http_path.child("paths").index(j))
    for i, tls in enumerate(spec.tls):
        tls_path = path.child("tls").index(i)
        for j, host in enumerate(tls.hosts):
            errors += _host(host, tls_path.child("hosts").index(j))
        if tls.secret_name:
            errors += each(names.dns1123_subdomain(tls.secret_name), tls_path.child("secretName"), tls.secret_name)
    if spec.HasField("ingress_class_name"):
        errors += each(names.dns1123_subdomain(spec.ingress_class_name), path.child("ingressClassName"),
                       spec.ingress_class_name)
    annotation = ing.metadata.annotations.get(INGRESS_CLASS_ANNOTATION)
    if annotation is not None and spec.HasField("ingress_class_name") and annotation != spec.ingress_class_name:
        errors.append(invalid(Path("annotations").child(INGRESS_CLASS_ANNOTATION), annotation,
                              "must match `ingressClassName` when both are specified"))
    return errors


def validate_http_path(http: types_pb2.HTTPIngressPath, path: Path) -> list[str]:
    if not http.path_type:
        return [required(path.child("pathType"), "pathType must be specified")]
    errors = []
    where = path.child("path")
    if http.path_type in ("Exact", "Prefix"):
        if not http.path.startswith("/"):
            errors.append(invalid(where, http.path, "must be an absolute path"))
        if http.path:
            errors += [invalid(where, http.path, f"must not contain '{seq}'")
                       for seq in _INVALID_PATH_SEQUENCES if seq in http.path]
            errors += [invalid(where, http.path, f"cannot end with '{suffix}'")
                       for suffix in _INVALID_PATH_SUFFIXES if http.path.endswith(suffix)]
    elif http.path_type == "ImplementationSpecific":
        if http.path and not http.path.startswith("/"):
            errors.append(invalid(where, http.path, "must be an absolute path"))
    else:
        errors.append(not_supported(path.child("pathType"), http.path_type, PATH_TYPES))
    return errors + validate_backend(http.backend, path.child("backend"))


def validate_backend(backend: types_pb2.IngressBackend, path: Path) -> list[str]:
    has_service, has_resource = backend.HasField("service"), backend.HasField("resource")
    if has_service and has_resource:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if has_resource:
        ref, where = backend.resource, path.child("resource")
        errors = [] if ref.kind else [required(where.child("kind"))]
        return errors + ([] if ref.name else [required(where.child("name"))])
    if not has_service:
        return [invalid(path, "", "resource or service backend is required")]
    service, errors = backend.service, []
    if not service.name:
        errors.append(required(path.child("service", "name")))
    else:
        errors += each(names.dns1035_label(service.name), path.child("service", "name"), service.name)
    port = service.port
    if port.name and port.number:
        errors.append(invalid(path, "", "cannot set both port name & port number"))
    elif port.name:
        errors += each(names.port_name(port.name), path.child("service", "port", "name"), port.name)
    elif port.number:
        errors += each(names.port_number(port.number), path.child("service", "port", "number"), port.number)
    else:
        errors.append(required(path, "port name or number is required"))
    return errors


def validate_ingress_class(cls: types_pb2.IngressClass) -> list[str]:
    path = Path("spec.controller")
    controller = cls.spec.controller
    if not controller:
        return [required(path)]
    errors = []
    if len(controller) > MAX_CONTROLLER_LENGTH:
        errors.append(too_long(path, MAX_CONTROLLER_LENGTH))
    domain, _, rest = controller.partition("/")
    if not rest or names.dns1123_subdomain(domain):
        errors.append(invalid(path, controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"))
    return errors


def validate_ingress_class_update(new: types_pb2.IngressClass, old: types_pb2.IngressClass) -> list[str]:
    if new.spec.controller != old.spec.controller:
        return [invalid(Path("spec.controller"), new.spec.controller, "field is immutable")]
    return []
