"""Kubernetes protobuf bodies kubectl posts (reviews, evictions, generated objects) read to their JSON form."""
import pytest

from controlplane.apiserver.rest import k8sproto
from controlplane.apiserver.rest.status import RestError


def _ld(number: int, payload: bytes) -> bytes:
    return bytes([number << 3 | 2, len(payload)]) + payload


def test_access_review_spec_from_the_protobuf_envelope():
    attrs = _ld(1, b"shop") + _ld(2, b"create") + _ld(3, b"apps") + _ld(5, b"deployments")
    raw = _ld(1, b"") + _ld(2, _ld(1, attrs))
    type_meta = _ld(1, b"authorization.k8s.io/v1") + _ld(2, b"SelfSubjectAccessReview")
    body = k8sproto.MAGIC + _ld(1, type_meta) + _ld(2, raw)
    api_version, kind, inner = k8sproto.unwrap(body)
    assert (api_version, kind) == ("authorization.k8s.io/v1", "SelfSubjectAccessReview")
    assert k8sproto.access_review_spec(inner) == {"resourceAttributes": {
        "namespace": "shop", "verb": "create", "group": "apps", "resource": "deployments"}}


def test_eviction_with_delete_options_from_protobuf():
    meta = _ld(1, b"web") + _ld(3, b"shop")
    options = bytes([1 << 3, 5]) + _ld(4, b"Foreground")  # gracePeriodSeconds 5, propagationPolicy
    raw = _ld(1, meta) + _ld(2, options)
    body = k8sproto.MAGIC + _ld(1, _ld(1, b"policy/v1") + _ld(2, b"Eviction")) + _ld(2, raw)
    assert k8sproto.body("application/vnd.kubernetes.protobuf", body, k8sproto.eviction) == {
        "kind": "Eviction", "metadata": {"name": "web", "namespace": "shop"},
        "deleteOptions": {"gracePeriodSeconds": 5, "propagationPolicy": "Foreground"}}
    assert k8sproto.body("application/json", b"{}", k8sproto.eviction) is None


def test_a_configmap_from_protobuf_skips_unset_fields_and_refuses_unknown_ones():
    meta = _ld(1, b"c1") + _ld(2, b"") + bytes([7 << 3, 0])  # generateName and generation written empty
    raw = _ld(1, meta) + _ld(2, _ld(1, b"a") + _ld(2, b"b"))
    body = k8sproto.MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"ConfigMap")) + _ld(2, raw)
    assert k8sproto.decode_object(body) == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"},
                                            "data": {"a": "b"}}
    odd = k8sproto.MAGIC + _ld(1, _ld(1, b"v1") + _ld(2, b"ConfigMap")) + _ld(2, raw + _ld(9, b"x"))
    with pytest.raises(RestError) as e:
        k8sproto.decode_object(odd)
    assert e.value.reason == "UnsupportedMediaType" and "field 9" in e.value.message


def test_a_short_name_that_reads_like_an_empty_message_is_kept():
    meta = _ld(1, b"rb1")  # "rb1" also parses as field 14 of an empty message
    ref = _ld(1, b"rbac.authorization.k8s.io") + _ld(2, b"Role") + _ld(3, b"r1")
    subject = _ld(1, b"User") + _ld(3, b"u")
    body = k8sproto.MAGIC + _ld(1, _ld(1, b"rbac.authorization.k8s.io/v1") + _ld(2, b"RoleBinding")) + _ld(
        2, _ld(1, meta) + _ld(2, subject) + _ld(3, ref))
    assert k8sproto.decode_object(body) == {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb1"},
        "subjects": [{"kind": "User", "name": "u"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r1"}}


def test_an_ingress_rule_value_is_inlined_into_its_rule_as_in_json():
    backend = _ld(4, _ld(1, b"web") + _ld(2, bytes([2 << 3, 80])))
    path = _ld(1, b"/") + _ld(2, backend) + _ld(3, b"Prefix")
    rule = _ld(1, b"a.com") + _ld(2, _ld(1, _ld(1, path)))
    body = k8sproto.MAGIC + _ld(1, _ld(1, b"networking.k8s.io/v1") + _ld(2, b"Ingress")) + _ld(
        2, _ld(1, _ld(1, b"ing")) + _ld(2, _ld(3, rule)))
    assert k8sproto.decode_object(body)["spec"] == {"rules": [{"host": "a.com", "http": {"paths": [
        {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}, "pathType": "Prefix"}]}}]}


def test_a_truncated_field_is_a_bad_request():
    with pytest.raises(RestError, match="truncated"):
        k8sproto.decode_message(_ld(1, b"abc")[:-1], "ObjectMeta")


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _varint(number: int, value: int) -> bytes:
    return bytes([number << 3]) + _uvarint(value)


def _long(number: int, payload: bytes) -> bytes:
    """A length-delimited field of any length (`_ld` writes lengths under 128 only)."""
    return bytes([number << 3 | 2]) + _uvarint(len(payload)) + payload


def test_the_csr_kubectl_certificate_approve_puts_reads_with_its_times_and_bytes():
    created = _varint(1, 1796083200)  # a metav1.Time: seconds since the epoch
    meta = _ld(1, b"myuser") + _ld(5, b"uid-1") + _ld(6, b"42") + _ld(8, created)
    spec = _ld(1, b"PEM") + _ld(2, b"kubernetes-admin") + _ld(5, b"client auth") + \
        _ld(7, b"kubernetes.io/kube-apiserver-client") + _varint(8, 86400)
    condition = _ld(1, b"Approved") + _ld(2, b"KubectlApprove") + _ld(4, created) + _ld(6, b"True")
    raw = _long(1, meta) + _long(2, spec) + _long(3, _long(1, condition))
    body = k8sproto.MAGIC + _ld(1, _ld(1, b"certificates.k8s.io/v1") + _ld(2, b"CertificateSigningRequest")) + \
        _long(2, raw)
    assert k8sproto.decode_object(body) == {
        "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
        "metadata": {"name": "myuser", "uid": "uid-1", "resourceVersion": "42",
                     "creationTimestamp": "2026-12-01T00:00:00Z"},
        "spec": {"request": "UEVN", "username": "kubernetes-admin", "usages": ["client auth"],
                 "signerName": "kubernetes.io/kube-apiserver-client", "expirationSeconds": 86400},
        "status": {"conditions": [{"type": "Approved", "reason": "KubectlApprove",
                                   "lastUpdateTime": "2026-12-01T00:00:00Z", "status": "True"}]}}
