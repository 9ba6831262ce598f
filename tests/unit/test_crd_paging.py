"""Custom resource lists in pages: Kubernetes' continue token and its list options' resourceVersion rules."""
from __future__ import annotations

import base64
import json

import pytest

from api import errors
from controlplane.apiserver.crd import paging


def test_a_continue_token_is_kubernetes_encoding_and_reads_back():
    token = paging.encode_continue(42, "default/b\0")
    assert "=" not in token
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert data == {"v": "meta.k8s.io/v1", "rv": 42, "start": "default/b\0"}
    assert paging.decode_continue(token) == (42, "default/b\0")


@pytest.mark.parametrize("token, why", [
    ("!!!", "illegal base64"),
    (paging.encode_continue(5, "a").replace("eyJ2", "eyJ3"), "does not recognize"),
    (base64.urlsafe_b64encode(b'{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').decode(), "incorrect encoded start"),
    (paging.encode_continue(5, "../secrets/x"), "path traversal"),
])
def test_a_token_the_server_did_not_make_is_a_bad_request(token, why):
    with pytest.raises(errors.BadRequest) as e:
        paging.decode_continue(token)
    assert str(e.value).startswith("invalid continue token: continue key is not valid: ") and why in str(e.value)


def test_list_options_read_limit_continue_and_an_exact_version():
    assert paging.list_options({"limit": "500"}) == paging.ListOptions(500, "", 0)
    token = paging.encode_continue(9, "ns/a\0")
    assert paging.list_options({"limit": "2", "continue": token}) == paging.ListOptions(2, "ns/a\0", 9)
    exact = {"resourceVersion": "7", "resourceVersionMatch": "Exact"}
    assert paging.list_options(exact) == paging.ListOptions(0, "", 7)
    assert paging.list_options({"resourceVersion": "7"}).revision == 0  # NotOlderThan: the latest


@pytest.mark.parametrize("query, message", [
    ({"resourceVersionMatch": "Exact"}, "resourceVersionMatch is forbidden unless resourceVersion is provided"),
    ({"resourceVersion": "0", "resourceVersionMatch": "Exact"}, 'resourceVersionMatch "exact" is forbidden'),
    ({"resourceVersion": "1", "resourceVersionMatch": "Newest"}, 'Unsupported value: "Newest"'),
])
def test_list_options_kubernetes_forbids_are_invalid_in_its_words(query, message):
    with pytest.raises(errors.Invalid) as e:
        paging.list_options(query)
    assert str(e.value).startswith('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: ')
    assert message in str(e.value)


def test_a_version_with_a_continue_token_is_refused():
    with pytest.raises(errors.BadRequest, match="specifying resource version is not allowed when using continue"):
        paging.list_options({"continue": paging.encode_continue(3, "a"), "resourceVersion": "3"})
