"""The SelfSubjectAccessReview kubectl posts as Kubernetes protobuf is read back to its JSON form."""
from controlplane.apiserver.rest import k8sproto


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
