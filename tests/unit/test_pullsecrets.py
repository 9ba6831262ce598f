"""imagePullSecrets: a dockerconfigjson secret's credentials for the image's registry, as the kubelet's keyring."""
import base64
import json

import pytest

from nodeagent import pullsecrets
from proto import types_pb2


def _secret(auths: dict, type_="kubernetes.io/dockerconfigjson") -> types_pb2.Secret:
    return types_pb2.Secret(type=type_, data={".dockerconfigjson": json.dumps({"auths": auths}).encode()})


@pytest.mark.parametrize("image,registry", [("busybox", "docker.io"), ("library/busybox:1", "docker.io"),
                                            ("registry.example.com/team/app:1", "registry.example.com"),
                                            ("localhost:5000/app", "localhost:5000"), ("localhost/app", "localhost")])
def test_registry_of_an_image(image, registry):
    assert pullsecrets.registry_of(image) == registry


def test_credentials_from_username_and_password_or_the_auth_field():
    plain = _secret({"registry.example.com": {"username": "u", "password": "p"}})
    encoded = _secret({"https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:pw").decode()}})
    assert pullsecrets.credentials_for("registry.example.com/app", [encoded, plain]) == {
        "username": "u", "password": "p", "serveraddress": "registry.example.com"}
    assert pullsecrets.credentials_for("busybox", [plain, encoded]) == {
        "username": "hub", "password": "pw", "serveraddress": "https://index.docker.io/v1/"}


def test_no_matching_registry_or_wrong_type_pulls_anonymously():
    assert pullsecrets.credentials_for("quay.io/x", [_secret({"registry.example.com": {"auth": "dTpw"}})]) is None
    opaque = types_pb2.Secret(type="Opaque", data={".dockerconfigjson": b"{}"})
    assert pullsecrets.credentials_for("busybox", [opaque]) is None
