"""The part of Kubernetes' protobuf encoding skiff reads: kubectl's typed clients post reviews, evictions,
delete options and what `kubectl create <generator>` makes as `application/vnd.kubernetes.protobuf`.
Pure functions over bytes, giving each object's JSON form.
"""
from __future__ import annotations

import base64
import datetime
import json

from controlplane.apiserver.rest.status import RestError

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"


def _fields(data: bytes) -> dict[int, list]:
    """Field number -> values (ints for varints, bytes for length-delimited) of one protobuf message."""
    out: dict[int, list] = {}
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire in (1, 2, 5):
            size, i = _varint(data, i) if wire == 2 else (8 if wire == 1 else 4, i)
            if i + size > len(data):
                raise RestError("BadRequest", "truncated protobuf body")
            value, i = data[i:i + size], i + size
        else:
            raise RestError("BadRequest", f"unsupported protobuf wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(data):
            raise RestError("BadRequest", "truncated protobuf body")
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _text(fields: dict[int, list], number: int) -> str:
    return fields.get(number, [b""])[0].decode()


def unwrap(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw object) of a `k8s\\0` runtime.Unknown envelope."""
    if not body.startswith(MAGIC):
        raise RestError("BadRequest", "a protobuf body must start with the k8s\\0 envelope")
    unknown = _fields(body[len(MAGIC):])
    type_meta = _fields(unknown.get(1, [b""])[0])
    return _text(type_meta, 1), _text(type_meta, 2), unknown.get(2, [b""])[0]


_RESOURCE_ATTRIBUTES = ("namespace", "verb", "group", "version", "resource", "subresource", "name")


def access_review_spec(raw: bytes) -> dict:
    """The spec of a SelfSubjectAccessReview in its JSON form."""
    spec = _fields(_fields(raw).get(2, [b""])[0])
    out: dict = {}
    if 1 in spec:
        attrs = _fields(spec[1][0])
        out["resourceAttributes"] = {name: _text(attrs, i + 1) for i, name in enumerate(_RESOURCE_ATTRIBUTES)
                                     if _text(attrs, i + 1)}
    if 2 in spec:
        attrs = _fields(spec[2][0])
        out["nonResourceAttributes"] = {"path": _text(attrs, 1), "verb": _text(attrs, 2)}
    return out


def rules_review_spec(raw: bytes) -> dict:
    """The spec of a SelfSubjectRulesReview in its JSON form: namespace 1."""
    spec = _fields(_fields(raw).get(2, [b""])[0])
    return {"namespace": _text(spec, 1)} if _text(spec, 1) else {}


def _int(fields: dict[int, list], number: int) -> int | None:
    value = fields.get(number, [None])[0]
    if value is None:
        return None
    return value - (1 << 64) if value >= 1 << 63 else value  # int64 as a varint


def delete_options(raw: bytes) -> dict:
    """meta/v1 DeleteOptions: gracePeriodSeconds 1, preconditions 2 (uid 1, resourceVersion 2),
    orphanDependents 3, propagationPolicy 4, dryRun 5."""
    fields = _fields(raw)
    out: dict = {}
    if 1 in fields:
        out["gracePeriodSeconds"] = _int(fields, 1)
    if 2 in fields:
        pre = _fields(fields[2][0])
        out["preconditions"] = {k: _text(pre, i) for i, k in ((1, "uid"), (2, "resourceVersion")) if _text(pre, i)}
    if 3 in fields:
        out["orphanDependents"] = bool(_int(fields, 3))
    if 4 in fields:
        out["propagationPolicy"] = _text(fields, 4)
    if 5 in fields:
        out["dryRun"] = [v.decode() for v in fields[5]]
    return out


def eviction(raw: bytes) -> dict:
    """policy/v1 Eviction: metadata 1 (name 1, namespace 3), deleteOptions 2."""
    fields = _fields(raw)
    meta = _fields(fields.get(1, [b""])[0])
    out: dict = {"kind": "Eviction", "metadata": {"name": _text(meta, 1), "namespace": _text(meta, 3)}}
    if 2 in fields:
        out["deleteOptions"] = delete_options(fields[2][0])
    return out


def token_request(raw: bytes) -> dict:
    """authentication.k8s.io/v1 TokenRequest: spec 2 (audiences 1, boundObjectRef 3 (kind 1, apiVersion 2,
    name 3, uid 4), expirationSeconds 4)."""
    spec = _fields(_fields(raw).get(2, [b""])[0])
    out: dict = {"audiences": [a.decode() for a in spec.get(1, [])]}
    if 4 in spec:
        out["expirationSeconds"] = _int(spec, 4)
    if 3 in spec:
        ref = _fields(spec[3][0])
        out["boundObjectRef"] = {k: _text(ref, i) for i, k in enumerate(("kind", "apiVersion", "name", "uid"), 1)
                                 if _text(ref, i)}
    return {"kind": "TokenRequest", "spec": out}


def body(content_type: str, data: bytes, read) -> dict | None:
    """The JSON form of a protobuf body through `read` (one of the functions here; None: a whole object,
    decode_object), or None when the body is not protobuf."""
    if content_type.split(";", 1)[0].strip().lower() != MEDIA_TYPE:
        return None
    return decode_object(data) if read is None else read(unwrap(data)[2])


# ---------------------------------------------------------------- whole objects (kubectl create <generator>)
# Kubernetes' field numbers (k8s.io/api generated.proto) of what kubectl's generators set, by message:
# number -> (JSON name, type). Types: s string, i integer, b bool, y bytes (base64 in JSON), t Time, m:<Msg>,
# r:s or r:m:<Msg> (repeated), ms map of strings, my map of bytes, inline:<Msg> (a Go embedded struct,
# whose fields are the parent's in JSON). A message of one version only is named `apiVersion Kind`.
# A field outside these that carries a value is refused, never dropped; Go's protobuf writes every unset
# field as empty, and those are skipped.
SCHEMAS: dict[str, dict[int, tuple[str, str]]] = {
    # uid, resourceVersion and the rest a GET returned: what `kubectl certificate approve` sends back
    "ObjectMeta": {1: ("name", "s"), 2: ("generateName", "s"), 3: ("namespace", "s"), 5: ("uid", "s"),
                   6: ("resourceVersion", "s"), 7: ("generation", "i"), 8: ("creationTimestamp", "t"),
                   11: ("labels", "ms"), 12: ("annotations", "ms"), 13: ("ownerReferences", "r:m:OwnerReference"),
                   14: ("finalizers", "r:s"), 17: ("managedFields", "r:m:ManagedFieldsEntry")},
    "ManagedFieldsEntry": {1: ("manager", "s"), 2: ("operation", "s"), 3: ("apiVersion", "s"), 4: ("time", "t"),
                           6: ("fieldsType", "s"), 7: ("fieldsV1", "m:FieldsV1"), 8: ("subresource", "s")},
    "FieldsV1": {1: ("", "json")},
    "OwnerReference": {1: ("kind", "s"), 3: ("name", "s"), 4: ("uid", "s"), 5: ("apiVersion", "s"),
                       6: ("controller", "b"), 7: ("blockOwnerDeletion", "b")},
    "LabelSelector": {1: ("matchLabels", "ms"), 2: ("matchExpressions", "r:m:LabelSelectorRequirement")},
    "LabelSelectorRequirement": {1: ("key", "s"), 2: ("operator", "s"), 3: ("values", "r:s")},
    "Namespace": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", "r:s")},
    "ConfigMap": {1: ("metadata", "m:ObjectMeta"), 2: ("data", "ms"), 3: ("binaryData", "my"), 4: ("immutable", "b")},
    "Secret": {1: ("metadata", "m:ObjectMeta"), 2: ("data", "my"), 3: ("type", "s"), 4: ("stringData", "ms"),
               5: ("immutable", "b")},
    "Deployment": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:DeploymentSpec")},
    "DeploymentSpec": {1: ("replicas", "i"), 2: ("selector", "m:LabelSelector"), 3: ("template", "m:PodTemplateSpec"),
                       4: ("strategy", "m:DeploymentStrategy"), 5: ("minReadySeconds", "i"),
                       6: ("revisionHistoryLimit", "i"), 7: ("paused", "b"), 9: ("progressDeadlineSeconds", "i")},
    "DeploymentStrategy": {1: ("type", "s")},
    # batch/v1: kubectl create job
    "Job": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:JobSpec")},
    "JobSpec": {1: ("parallelism", "i"), 2: ("completions", "i"), 3: ("activeDeadlineSeconds", "i"),
                4: ("selector", "m:LabelSelector"), 5: ("manualSelector", "b"), 6: ("template", "m:PodTemplateSpec"),
                7: ("backoffLimit", "i"), 8: ("ttlSecondsAfterFinished", "i"), 9: ("completionMode", "s"),
                10: ("suspend", "b"), 14: ("podReplacementPolicy", "s")},
    # batch/v1: kubectl create cronjob
    "CronJob": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:CronJobSpec")},
    "CronJobSpec": {1: ("schedule", "s"), 2: ("startingDeadlineSeconds", "i"), 3: ("concurrencyPolicy", "s"),
                    4: ("suspend", "b"), 5: ("jobTemplate", "m:JobTemplateSpec"),
                    6: ("successfulJobsHistoryLimit", "i"), 7: ("failedJobsHistoryLimit", "i"), 8: ("timeZone", "s")},
    "JobTemplateSpec": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:JobSpec")},
    # policy/v1: kubectl create poddisruptionbudget
    "PodDisruptionBudget": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:PodDisruptionBudgetSpec")},
    "PodDisruptionBudgetSpec": {1: ("minAvailable", "m:IntOrString"), 2: ("selector", "m:LabelSelector"),
                                3: ("maxUnavailable", "m:IntOrString"), 4: ("unhealthyPodEvictionPolicy", "s")},
    # v1: kubectl create quota
    "ResourceQuota": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:ResourceQuotaSpec")},
    "ResourceQuotaSpec": {1: ("hard", "mq"), 2: ("scopes", "r:s"), 3: ("scopeSelector", "m:ScopeSelector")},
    "ScopeSelector": {1: ("matchExpressions", "r:m:ScopedResourceSelectorRequirement")},
    "ScopedResourceSelectorRequirement": {1: ("scopeName", "s"), 2: ("operator", "s"), 3: ("values", "r:s")},
    "PriorityClass": {1: ("metadata", "m:ObjectMeta"), 2: ("value", "i"), 3: ("globalDefault", "b"),
                      4: ("description", "s"), 5: ("preemptionPolicy", "s")},
    "PodTemplateSpec": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:PodSpec")},
    "PodSpec": {2: ("containers", "r:m:Container"), 3: ("restartPolicy", "s"),
                4: ("terminationGracePeriodSeconds", "i"), 6: ("dnsPolicy", "s"), 7: ("nodeSelector", "ms"),
                8: ("serviceAccountName", "s"), 10: ("nodeName", "s"), 11: ("hostNetwork", "b"),
                19: ("schedulerName", "s")},
    "Container": {1: ("name", "s"), 2: ("image", "s"), 3: ("command", "r:s"), 4: ("args", "r:s"),
                  5: ("workingDir", "s"), 6: ("ports", "r:m:ContainerPort"), 13: ("terminationMessagePath", "s"),
                  14: ("imagePullPolicy", "s"), 20: ("terminationMessagePolicy", "s")},
    "ContainerPort": {1: ("name", "s"), 2: ("hostPort", "i"), 3: ("containerPort", "i"), 4: ("protocol", "s"),
                      5: ("hostIP", "s")},
    "Service": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:ServiceSpec")},
    "ServiceSpec": {1: ("ports", "r:m:ServicePort"), 2: ("selector", "ms"), 3: ("clusterIP", "s"), 4: ("type", "s"),
                    5: ("externalIPs", "r:s"), 7: ("sessionAffinity", "s"), 10: ("externalName", "s")},
    "ServicePort": {1: ("name", "s"), 2: ("protocol", "s"), 3: ("port", "i"), 4: ("targetPort", "m:IntOrString"),
                    5: ("nodePort", "i")},
    "ServiceAccount": {1: ("metadata", "m:ObjectMeta"), 2: ("secrets", "r:m:ObjectReference"),
                       3: ("imagePullSecrets", "r:m:LocalObjectReference"), 4: ("automountServiceAccountToken", "b")},
    "ObjectReference": {1: ("kind", "s"), 2: ("namespace", "s"), 3: ("name", "s"), 4: ("uid", "s"),
                        5: ("apiVersion", "s"), 6: ("resourceVersion", "s"), 7: ("fieldPath", "s")},
    "LocalObjectReference": {1: ("name", "s")},
    # rbac.authorization.k8s.io/v1: kubectl create role|clusterrole|rolebinding|clusterrolebinding
    "Role": {1: ("metadata", "m:ObjectMeta"), 2: ("rules", "r:m:PolicyRule")},
    "ClusterRole": {1: ("metadata", "m:ObjectMeta"), 2: ("rules", "r:m:PolicyRule"),
                    3: ("aggregationRule", "m:AggregationRule")},
    "AggregationRule": {1: ("clusterRoleSelectors", "r:m:LabelSelector")},
    "PolicyRule": {1: ("verbs", "r:s"), 2: ("apiGroups", "r:s"), 3: ("resources", "r:s"), 4: ("resourceNames", "r:s"),
                   5: ("nonResourceURLs", "r:s")},
    "RoleBinding": {1: ("metadata", "m:ObjectMeta"), 2: ("subjects", "r:m:Subject"), 3: ("roleRef", "m:RoleRef")},
    "ClusterRoleBinding": {1: ("metadata", "m:ObjectMeta"), 2: ("subjects", "r:m:Subject"),
                           3: ("roleRef", "m:RoleRef")},
    "Subject": {1: ("kind", "s"), 2: ("apiGroup", "s"), 3: ("name", "s"), 4: ("namespace", "s")},
    "RoleRef": {1: ("apiGroup", "s"), 2: ("kind", "s"), 3: ("name", "s")},
    # networking.k8s.io/v1: kubectl create ingress
    "Ingress": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:IngressSpec")},
    "IngressSpec": {1: ("defaultBackend", "m:IngressBackend"), 2: ("tls", "r:m:IngressTLS"),
                    3: ("rules", "r:m:IngressRule"), 4: ("ingressClassName", "s")},
    "IngressBackend": {3: ("resource", "m:TypedLocalObjectReference"), 4: ("service", "m:IngressServiceBackend")},
    "TypedLocalObjectReference": {1: ("apiGroup", "s"), 2: ("kind", "s"), 3: ("name", "s")},
    "IngressServiceBackend": {1: ("name", "s"), 2: ("port", "m:ServiceBackendPort")},
    "ServiceBackendPort": {1: ("name", "s"), 2: ("number", "i")},
    "IngressTLS": {1: ("hosts", "r:s"), 2: ("secretName", "s")},
    # IngressRuleValue is embedded in Go: its `http` sits in the rule itself in JSON
    "IngressRule": {1: ("host", "s"), 2: ("", "inline:IngressRuleValue")},
    "IngressRuleValue": {1: ("http", "m:HTTPIngressRuleValue")},
    "HTTPIngressRuleValue": {1: ("paths", "r:m:HTTPIngressPath")},
    "HTTPIngressPath": {1: ("path", "s"), 2: ("backend", "m:IngressBackend"), 3: ("pathType", "s")},
    # autoscaling/v1 (kubectl autoscale), converted to v2 by rest/autoscaling_v1.py
    "autoscaling/v1 HorizontalPodAutoscaler": {1: ("metadata", "m:ObjectMeta"),
                                               2: ("spec", "m:autoscaling/v1 HorizontalPodAutoscalerSpec")},
    "autoscaling/v1 HorizontalPodAutoscalerSpec": {1: ("scaleTargetRef", "m:CrossVersionObjectReference"),
                                                   2: ("minReplicas", "i"), 3: ("maxReplicas", "i"),
                                                   4: ("targetCPUUtilizationPercentage", "i")},
    "CrossVersionObjectReference": {1: ("kind", "s"), 2: ("name", "s"), 3: ("apiVersion", "s")},
    # certificates.k8s.io/v1: kubectl certificate approve|deny (extra, field 6, is not served by skiff)
    "CertificateSigningRequest": {1: ("metadata", "m:ObjectMeta"), 2: ("spec", "m:CertificateSigningRequestSpec"),
                                  3: ("status", "m:CertificateSigningRequestStatus")},
    "CertificateSigningRequestSpec": {1: ("request", "y"), 2: ("username", "s"), 3: ("uid", "s"), 4: ("groups", "r:s"),
                                      5: ("usages", "r:s"), 7: ("signerName", "s"), 8: ("expirationSeconds", "i")},
    "CertificateSigningRequestStatus": {1: ("conditions", "r:m:CertificateSigningRequestCondition"),
                                        2: ("certificate", "y")},
    "CertificateSigningRequestCondition": {1: ("type", "s"), 2: ("reason", "s"), 3: ("message", "s"),
                                           4: ("lastUpdateTime", "t"), 5: ("lastTransitionTime", "t"),
                                           6: ("status", "s")},
}


def _is_zero(value, kind: str | None = None) -> bool:
    """An unset field as Go writes it: 0, empty bytes, or a message whose every field is unset. `kind` is the
    field's type in SCHEMAS; for a field outside them (None) a message is guessed from the bytes."""
    if isinstance(value, int):
        return value == 0
    if not value:
        return True
    if kind is not None and not kind.startswith(("m:", "inline:")):
        return False  # a string such as "rb1" may happen to read as a message of empty fields
    try:
        return all(_is_zero(v) for values in _fields(value).values() for v in values)
    except (RestError, IndexError, UnicodeDecodeError):
        return False


def _map(entries: list[bytes], kind: str) -> dict:
    """A map field: "ms" of strings, "my" of bytes (base64 in JSON), "mq" of resource.Quantity messages."""
    out = {}
    for entry in entries:
        f = _fields(entry)
        value = f.get(2, [b""])[0]
        if kind == "my":
            out[_text(f, 1)] = base64.b64encode(value).decode()
        elif kind == "mq":
            out[_text(f, 1)] = _text(_fields(value), 1) if value else "0"
        else:
            out[_text(f, 1)] = value.decode()
    return out


def _time(raw: bytes) -> str:
    seconds = _int(_fields(raw), 1) or 0
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(raw: bytes):
    f = _fields(raw)
    return _text(f, 3) if _int(f, 1) == 1 else (_int(f, 2) or 0)


def decode_message(raw: bytes, name: str) -> dict:
    schema = SCHEMAS[name]
    out: dict = {}
    for number, values in _fields(raw).items():
        if number not in schema:
            if all(_is_zero(v) for v in values):
                continue
            raise RestError("UnsupportedMediaType", f"{name} field {number} in the protobuf body is not understood "
                                                    f"by skiff; send the object as JSON (kubectl create -f, apply)")
        key, kind = schema[number]
        if kind in ("ms", "my", "mq"):
            value = _map(values, kind)
        elif kind.startswith("r:m:"):
            value = [decode_message(v, kind[4:]) for v in values]
        elif kind == "r:s":
            value = [v.decode() for v in values]
        elif all(_is_zero(v, kind) for v in values):
            continue
        elif kind.startswith("inline:"):
            out.update(decode_message(values[0], kind[len("inline:"):]))
            continue
        elif kind == "m:IntOrString":
            value = _int_or_string(values[0])
        elif kind.startswith("m:"):
            value = decode_message(values[0], kind[2:])
        elif kind == "s":
            value = values[0].decode()
        elif kind == "b":
            value = bool(values[0])
        elif kind == "y":
            value = base64.b64encode(values[0]).decode()
        elif kind == "t":  # a metav1.Time: seconds since the epoch, as RFC 3339
            value = _time(values[0])
        elif kind == "json":  # FieldsV1's raw JSON, which is the field's whole JSON form
            return json.loads(values[0])
        else:
            value = _int({0: values}, 0)
        if value not in ({}, []):
            out[key] = value
    return out


def decode_object(body: bytes) -> dict:
    """The JSON form of an object kubectl sent as Kubernetes protobuf, or 415 for a kind skiff cannot read."""
    api_version, kind, raw = unwrap(body)
    schema = next((name for name in (f"{api_version} {kind}", kind) if name in SCHEMAS), None)
    if schema is None:
        raise RestError("UnsupportedMediaType", f"a {kind} in Kubernetes' protobuf encoding is not understood by "
                                                f"skiff; send it as JSON (kubectl create -f, apply)")
    return {"apiVersion": api_version, "kind": kind, **decode_message(raw, schema)}
