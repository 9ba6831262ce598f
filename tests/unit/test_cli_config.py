"""The CLI's config: a kubeconfig ($SKIFF_CONFIG or ~/.skiff/config) naming the server, the cluster CA
and the user's certificate or token; --server overrides the address."""
from __future__ import annotations

import pytest
import yaml

from api import kubeconfig, pki
from cli import config
from cli.errors import CliError


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    pki.write_pki(d, [pki.CertSpec("alice", "alice", ("devs",), client=True)])
    return d


def test_no_config_file_means_the_default_server_and_no_credentials(tmp_path):
    loaded = config.load(None, {"HOME": str(tmp_path)})
    assert loaded.server == "127.0.0.1:6443" and loaded.credentials is None


def test_kubeconfig_named_by_env_gives_server_namespace_and_certificate_and_flag_wins(tmp_path, tls_files):
    path = tmp_path / "cfg"
    kubeconfig.write(path, kubeconfig.render("10.0.0.1:7443", str(tls_files / "ca.crt"), str(tls_files / "alice.crt"),
                                             str(tls_files / "alice.key"), user="alice", namespace="lab"))
    loaded = config.load(None, {"SKIFF_CONFIG": str(path)})
    assert (loaded.server, loaded.namespace) == ("10.0.0.1:7443", "lab")
    assert loaded.credentials.cert_pem == (tls_files / "alice.crt").read_bytes()
    assert config.load("1.2.3.4:1", {"SKIFF_CONFIG": str(path)}).server == "1.2.3.4:1"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_token_user_and_relative_paths(tmp_path, tls_files):
    (tmp_path / "ca.crt").write_bytes((tls_files / "ca.crt").read_bytes())
    path = tmp_path / "cfg"
    kubeconfig.write(path, kubeconfig.render("h:1", "ca.crt", token="s3cret"))
    loaded = config.load(None, {"SKIFF_CONFIG": str(path)})
    assert loaded.credentials.token == "s3cret" and loaded.credentials.cert_pem is None


def test_missing_env_config_bad_yaml_and_bad_files_are_reported(tmp_path, tls_files):
    with pytest.raises(CliError, match="does not exist"):
        config.load(None, {"SKIFF_CONFIG": str(tmp_path / "none")})
    bad = tmp_path / "bad"
    bad.write_text("server: [\n")
    with pytest.raises(CliError, match="not valid YAML"):
        config.load(None, {"SKIFF_CONFIG": str(bad)})
    garbage = tmp_path / "garbage.crt"
    garbage.write_text("not a certificate\n")
    cfg = tmp_path / "cfg"
    kubeconfig.write(cfg, kubeconfig.render("h:1", str(tls_files / "ca.crt"), str(garbage),
                                            str(tls_files / "alice.key")))
    with pytest.raises(CliError, match=f"client certificate file {garbage} holds no PEM certificate"):
        config.load(None, {"SKIFF_CONFIG": str(cfg)})
    kubeconfig.write(cfg, kubeconfig.render("h:1", str(tls_files / "ca.crt")))
    with pytest.raises(CliError, match="neither a client certificate nor a token"):
        config.load(None, {"SKIFF_CONFIG": str(cfg)})


def test_rendered_kubeconfig_embeds_pem_bytes_and_names_files_given_as_paths():
    embedded = yaml.safe_load(kubeconfig.render("https://10.0.0.1:6444", b"CA PEM", b"CERT PEM", b"KEY PEM",
                                                namespace="default"))
    assert embedded["clusters"][0]["cluster"] == {"server": "https://10.0.0.1:6444",
                                                  "certificate-authority-data": "Q0EgUEVN"}
    assert embedded["users"][0]["user"] == {"client-certificate-data": "Q0VSVCBQRU0=", "client-key-data": "S0VZIFBFTQ=="}
    named = yaml.safe_load(kubeconfig.render("10.0.0.1:7443", "ca.crt", "a.crt", "a.key"))
    assert named["clusters"][0]["cluster"] == {"server": "https://10.0.0.1:7443", "certificate-authority": "ca.crt"}
    assert named["users"][0]["user"] == {"client-certificate": "a.crt", "client-key": "a.key"}
