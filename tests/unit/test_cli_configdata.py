"""`skiff create configmap/secret` sources as kubectl reads them: literals, files and directories, env files."""
import base64
import json

import pytest

from cli import configdata
from cli.errors import CliError


def test_literals_files_and_directories(tmp_path):
    (tmp_path / "app.properties").write_text("lives=3\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "a.conf").write_text("a")
    (tmp_path / "conf" / "sub").mkdir()  # skipped, as kubectl does
    (tmp_path / "blob").write_bytes(b"\xff\x00")
    data = configdata.Data("ConfigMap", "c")
    configdata.from_files(data, [str(tmp_path / "app.properties"), f"renamed={tmp_path / 'blob'}",
                                 str(tmp_path / "conf")])
    configdata.from_literals(data, ["level=debug", "eq=a=b"])
    assert data.text == {"app.properties": "lives=3\n", "a.conf": "a", "level": "debug", "eq": "a=b"}
    assert data.binary == {"renamed": b"\xff\x00"}
    assert data.config_map_fields()["binaryData"] == {"renamed": base64.b64encode(b"\xff\x00").decode()}
    assert data.secret_data()["level"] == base64.b64encode(b"debug").decode()


def test_env_files_skip_comments_and_read_bare_names_from_the_environment(tmp_path):
    (tmp_path / "app.env").write_text("# comment\n\nA=1\nB= two \nHOME_DIR\n")
    data = configdata.Data("ConfigMap", "c")
    configdata.from_env_files(data, [str(tmp_path / "app.env")], environ={"HOME_DIR": "/root"})
    assert data.text == {"A": "1", "B": " two ", "HOME_DIR": "/root"}


@pytest.mark.parametrize("call,message", [
    (lambda d: configdata.from_literals(d, ["novalue"]), "invalid literal source novalue, expected key=value"),
    (lambda d: configdata.from_literals(d, ["a/b=1"]), '"a/b" is not a valid key name for a ConfigMap'),
    (lambda d: configdata.from_literals(d, ["k=1", "k=2"]), 'cannot add key "k", another key by that name'),
    (lambda d: configdata.from_files(d, ["/nonexistent/file"]), "error reading /nonexistent/file: no such file"),
])
def test_mistakes_name_the_source(call, message):
    with pytest.raises(CliError, match=message):
        call(configdata.Data("ConfigMap", "c"))


def test_an_env_file_error_names_file_and_line(tmp_path):
    (tmp_path / "bad.env").write_text("OK=1\n1BAD=2\n")
    with pytest.raises(CliError, match=r"bad.env, line 2: \"1BAD\" is not a valid environment variable name"):
        configdata.from_env_files(configdata.Data("ConfigMap", "c"), [str(tmp_path / "bad.env")], environ={})


def test_docker_config_is_kubectls():
    parsed = json.loads(configdata.docker_config("registry.example.com", "me", "pw", "me@example.com"))
    assert parsed == {"auths": {"registry.example.com": {"username": "me", "password": "pw",
                                                         "email": "me@example.com",
                                                         "auth": base64.b64encode(b"me:pw").decode()}}}


def _pair():
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def test_a_tls_pair_must_match():
    from cli.commands.create_config import tls_pair_problem
    cert, key = _pair()
    _, other_key = _pair()
    assert tls_pair_problem(cert, key) == ""
    assert tls_pair_problem(cert, other_key) == "tls: private key does not match public key"
    assert tls_pair_problem(b"junk", key) == "tls: failed to find any PEM data in certificate input"
