"""Authentication: certificates (CN user, O groups), the static token file, anonymous refused."""
from __future__ import annotations

import pytest

from api import errors, pki
from controlplane.apiserver.auth import tokenfile
from controlplane.apiserver.auth.authn import Authenticator, bearer_token


@pytest.fixture(scope="module")
def node_cert():
    ca = pki.make_ca()
    return pki.issue(ca, pki.node_spec("n1")).cert_pem


def test_certificate_cn_is_the_user_and_o_the_groups(node_cert):
    user = Authenticator().authenticate(node_cert, None)
    assert user.name == "system:node:n1" and user.node_name == "n1"
    assert set(user.groups) == {"system:nodes", "system:authenticated"}


def test_static_token_names_user_and_groups_and_wins_over_a_certificate(node_cert):
    tokens = tokenfile.parse('t1,alice,uid-1,"devs,ops"\n# a comment\n\nt2,bob,uid-2\n')
    auth = Authenticator(tokens)
    alice = auth.authenticate(node_cert, "t1")
    assert (alice.name, alice.uid) == ("alice", "uid-1")
    assert set(alice.groups) == {"devs", "ops", "system:authenticated"}


def test_anonymous_and_unknown_tokens_are_unauthenticated(node_cert):
    auth = Authenticator(tokenfile.parse("t1,alice,1\n"))
    with pytest.raises(errors.Unauthenticated):
        auth.authenticate(None, None)
    with pytest.raises(errors.Unauthenticated):
        auth.authenticate(node_cert, "wrong")


def test_bad_token_file_lines_name_file_and_line():
    with pytest.raises(tokenfile.TokenFileError, match="tokens.csv:2: expected token,user,uid"):
        tokenfile.parse("t1,alice,1\nlonely\n", "tokens.csv")
    with pytest.raises(tokenfile.TokenFileError, match=":2: duplicate token"):
        tokenfile.parse("t1,alice,1\nt1,bob,2\n")


def test_bearer_header_parsing():
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None and bearer_token("Bearer ") is None


def test_service_account_tokens_are_bound_to_issuer_audience_key_and_time():
    from controlplane.apiserver.auth import serviceaccount
    key = pki.new_key()
    from cryptography.hazmat.primitives import serialization
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    token, expires = serviceaccount.sign(private, "iss", "ns", "robot", "uid-1", ["api"], 60, now=1000)
    user = serviceaccount.verify([public], "iss", ["api"], token, now=1010)
    assert user.name == "system:serviceaccount:ns:robot" and user.service_account == ("ns", "robot")
    assert "system:serviceaccounts:ns" in user.groups
    assert serviceaccount.verify([public], "iss", ["other"], token, now=1010) is None  # audience
    assert serviceaccount.verify([public], "other", ["api"], token, now=1010) is None  # issuer
    assert serviceaccount.verify([public], "iss", ["api"], token, now=expires) is None  # expired
    stranger = pki.new_key().public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    assert serviceaccount.verify([stranger], "iss", ["api"], token, now=1010) is None  # another key
    assert serviceaccount.verify([public], "iss", ["api"], "not.a.jwt", now=1010) is None
