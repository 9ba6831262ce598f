"""TLS and authentication at the API server: only callers the cluster CA or the token file vouches for
get an answer; anonymous, foreign-CA and expired certificates, and unknown tokens, are refused."""
from __future__ import annotations

import datetime

import pytest

from api import errors, pki
from api.client import Client
from api.credentials import Credentials
from tests.fixtures.apiserver import token_client
from tests.fixtures.objects import pod


async def test_admin_certificate_is_served_and_version_does_not_reveal_etcd(client, etcd_server):
    info = await client.version()
    assert info.version and not info.etcd_endpoints
    assert etcd_server.endpoint not in str(info)


async def test_a_static_token_is_accepted_on_the_token_port(apiserver_running):
    async with token_client(apiserver_running.token_address, "token-root") as root:  # in system:masters
        created = await root.create(pod("by-token"))
        assert created.metadata.name == "by-token"


@pytest.mark.parametrize("token", [None, "no-such-token"])
async def test_anonymous_or_unknown_token_is_unauthenticated_and_writes_nothing(apiserver_running, client, pki, token):
    async with Client(apiserver_running.token_address, 5, credentials=pki.credentials(token=token or "")) as anon:
        with pytest.raises(errors.Unauthenticated, match="Unauthorized"):
            await anon.create(pod("anon"))
        with pytest.raises(errors.Unauthenticated):
            await anon.list("Pod")
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "anon")


async def test_the_certificate_port_refuses_a_caller_without_a_certificate(apiserver_running, pki):
    async with Client(apiserver_running.address, 3, credentials=Credentials(pki.ca.cert_pem)) as anon:
        with pytest.raises(errors.ServerUnreachable):
            await anon.list("Pod")


async def test_foreign_ca_and_expired_certificates_are_refused(apiserver_running, client, pki):
    foreign_ca = pki_module_ca()
    foreign = pki_module_issue(foreign_ca, "kubernetes-admin", now=None)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)
    expired = pki_module_issue(pki.ca, "kubernetes-admin", now=past)
    for pair in (foreign, expired):
        creds = Credentials(pki.ca.cert_pem, pair.cert_pem, pair.key_pem)
        async with Client(apiserver_running.address, 3, credentials=creds) as caller:
            with pytest.raises(errors.ServerUnreachable):
                await caller.create(pod("forged"))
    with pytest.raises(errors.NotFound):
        await client.get("Pod", "forged")


async def test_a_server_certificate_from_another_ca_is_not_trusted_by_the_client(apiserver_running, pki):
    other = pki_module_ca()
    pair = pki.credentials("admin")
    creds = Credentials(other.cert_pem, pair.cert_pem, pair.key_pem)
    async with Client(apiserver_running.address, 3, credentials=creds) as c:
        with pytest.raises(errors.ServerUnreachable):
            await c.version()


async def test_cli_with_a_token_config(apiserver_running, pki, tmp_path, monkeypatch):
    from tests.fixtures.cli_runner import start_process, stop_process
    config = pki.kubeconfig(apiserver_running.token_address, tmp_path / "cfg", token="token-root")
    proc = await start_process("get", "pods", env={"SKIFF_CONFIG": str(config)})
    try:
        out, err = await proc.communicate()
    finally:
        await stop_process(proc)
    assert proc.returncode == 0, err.decode()
    assert b"No resources found" in out + err


def pki_module_ca():
    return pki.make_ca("someone-else")


def pki_module_issue(ca, cn, now):
    return pki.issue(ca, pki.CertSpec("x", cn, (pki.MASTERS,), client=True, days=1), now=now)


@pytest.mark.parametrize("module,flags", [
    ("controlplane.apiserver.main", ["--etcd-servers", "127.0.0.1:1", "--tls-cert-file", "{bad}",
                                     "--tls-private-key-file", "{bad}", "--client-ca-file", "{bad}"]),
    ("controlplane.scheduler.main", ["--kubeconfig", "{bad}"]),
    ("nodeagent.main", ["--kubeconfig", "{bad}", "--node-ip", "127.0.0.1", "--runtime", "fake"]),
])
def test_a_malformed_certificate_file_is_one_clear_line_at_start(module, flags, tmp_path):
    import subprocess
    import sys
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    argv = [f.replace("{bad}", str(bad)) for f in flags]
    done = subprocess.run([sys.executable, "-m", module, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert str(bad) in done.stderr, done.stderr


@pytest.mark.parametrize("flag", ["--etcd-cafile", "--etcd-certfile", "--etcd-keyfile"])
def test_a_malformed_etcd_certificate_file_is_one_clear_line_at_start(flag, tmp_path):
    import subprocess
    import sys
    from tests.fixtures.pki import test_pki
    bad = tmp_path / "bad.pem"
    marker = "PRIVATE KEY" if flag == "--etcd-keyfile" else "CERTIFICATE"
    bad.write_text(f"-----BEGIN {marker}-----\nnot base64 at all\n-----END {marker}-----\n")
    argv = test_pki().apiserver_flags()
    argv[argv.index(flag) + 1] = str(bad)
    done = subprocess.run([sys.executable, "-m", "controlplane.apiserver.main", "--etcd-servers", "127.0.0.1:1",
                           "--listen", "127.0.0.1:0", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert flag in done.stderr and str(bad) in done.stderr, done.stderr


def test_etcd_flags_go_together(tmp_path):
    import subprocess
    import sys
    from tests.fixtures.pki import test_pki
    argv = test_pki().apiserver_flags()
    i = argv.index("--etcd-keyfile")
    del argv[i:i + 2]
    done = subprocess.run([sys.executable, "-m", "controlplane.apiserver.main", "--etcd-servers", "127.0.0.1:1",
                           "--listen", "127.0.0.1:0", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "--etcd-cafile, --etcd-certfile and --etcd-keyfile go together" in done.stderr
