"""Stock kubectl (v1.32) and CertificateSigningRequests, as the docs' "Certificates and Certificate Signing
Requests" page walks a new user through: openssl key and request, the CSR object, approve, the certificate
from the controller manager's signer, then kubectl as that user, forbidden until a RoleBinding lets it."""
from __future__ import annotations

import base64
import subprocess

import pytest
from cryptography import x509

from api import kubeconfig
from tests.fixtures.cli_runner import write
from tests.fixtures.controller_manager import running_manager
from tests.fixtures.kubectl import Kubectl
from tests.fixtures.pki import test_pki
from tests.fixtures.wait import eventually

pytestmark = pytest.mark.integration


def openssl_request(directory, user: str, subject: str = "") -> tuple[str, str]:
    """(key file, base64 of the CSR) as the docs make them: `openssl genrsa` then `openssl req -new`."""
    key, csr = directory / f"{user}.key", directory / f"{user}.csr"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-new", "-key", str(key), "-out", str(csr), "-subj", subject or f"/CN={user}"],
                   check=True, capture_output=True)
    return str(key), base64.b64encode(csr.read_bytes()).decode()


def csr_manifest(name: str, request: str, signer: str = "kubernetes.io/kube-apiserver-client") -> str:
    # kubernetes/website, reference/access-authn-authz/certificate-signing-requests: tls/myuser.yaml
    return f"""apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: {name}
spec:
  request: {request}
  signerName: {signer}
  expirationSeconds: 86400  # one day
  usages:
  - client auth
"""


def signing(client):
    pki = test_pki()
    return running_manager(client, ["csrsigning"], cluster_signing_cert_file=str(pki.ca_file),
                           cluster_signing_key_file=str(pki.key("ca")))


async def test_the_docs_flow_issues_a_certificate_that_rbac_then_governs(kubectl, client, apiserver_running,
                                                                          tmp_path):
    key, request = openssl_request(tmp_path, "myuser")
    made = await kubectl("apply", "-f", write(tmp_path, "myuser.yaml", csr_manifest("myuser", request)))
    assert (made.code, made.out.strip()) == (0, "certificatesigningrequest.certificates.k8s.io/myuser created"), \
        made.err
    again = await kubectl("apply", "-f", str(tmp_path / "myuser.yaml"))
    assert again.out.strip() == "certificatesigningrequest.certificates.k8s.io/myuser unchanged", again.err
    listed = await kubectl("get", "csr")
    assert listed.out.split("\n")[0].split() == ["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION",
                                                 "CONDITION"]
    row = listed.out.split("\n")[1].split()
    assert (row[0], row[2], row[3], row[4], row[5]) == \
        ("myuser", "kubernetes.io/kube-apiserver-client", "kubernetes-admin", "24h", "Pending")

    async with signing(client):
        approved = await kubectl("certificate", "approve", "myuser")
        assert (approved.code, approved.out.strip()) == \
            (0, "certificatesigningrequest.certificates.k8s.io/myuser approved"), approved.err

        async def issued():
            r = await kubectl("get", "csr", "myuser", "-o", "jsonpath={.status.certificate}")
            return r.out.strip() or None
        certificate = base64.b64decode(await eventually(issued, 20, what="the signer issuing myuser's certificate"))
    cert = x509.load_pem_x509_certificate(certificate)
    assert cert.subject.rfc4514_string() == "CN=myuser"
    assert 86000 < (cert.not_valid_after_utc - cert.not_valid_before_utc).total_seconds() <= 86400 + 300
    row = (await kubectl("get", "csr", "myuser", "--no-headers")).out.split()
    assert row[-1] == "Approved,Issued"
    described = await kubectl("describe", "csr", "myuser")
    assert "Requesting User:     kubernetes-admin" in described.out and "Common Name:    myuser" in described.out

    # kubectl as myuser, with the issued certificate: authenticated, and nothing allowed yet
    config = tmp_path / "myuser.conf"
    config.write_text(kubeconfig.render(apiserver_running.rest.url, apiserver_running.rest.ca_pem, certificate,
                                        open(key, "rb").read(), user="myuser"))
    myuser = Kubectl(config)
    refused = await myuser("get", "pods")
    assert refused.code == 1 and 'User "myuser" cannot list resource "pods"' in refused.err, refused.err
    for argv in (("create", "role", "developer", "--verb=create,get,list,update,delete", "--resource=pods"),
                 ("create", "rolebinding", "developer-binding-myuser", "--role=developer", "--user=myuser")):
        done = await kubectl(*argv)
        assert done.code == 0, done.err

    async def allowed():
        return (await myuser("auth", "can-i", "delete", "pods")).out.strip() == "yes"
    await eventually(allowed, 20, what="myuser allowed once the RoleBinding is in the RBAC cache")
    assert (await myuser("get", "pods")).code == 0


async def test_a_denied_request_gets_no_certificate(kubectl, skiff, client, tmp_path):
    _, request = openssl_request(tmp_path, "eve")
    assert (await kubectl("apply", "-f", write(tmp_path, "eve.yaml", csr_manifest("eve", request)))).code == 0
    denied = await kubectl("certificate", "deny", "eve")
    assert (denied.code, denied.out.strip()) == (0, "certificatesigningrequest.certificates.k8s.io/eve denied"), \
        denied.err
    for listed in (await kubectl("get", "csr", "eve", "--no-headers"), await skiff("get", "csr", "eve",
                                                                                   "--no-headers")):
        assert listed.out.split()[2:] == ["kubernetes.io/kube-apiserver-client", "kubernetes-admin", "24h",
                                          "Denied"], listed.out + listed.err
    csr = await client.get("CertificateSigningRequest", "eve", namespace="")
    assert [(c.type, c.status, c.reason) for c in csr.status.conditions] == [("Denied", "True", "KubectlDeny")]
    again = await kubectl("certificate", "approve", "eve")
    assert again.code == 1 and 'certificate signing request "eve" is already Denied' in again.err, again.err
    assert not (await client.get("CertificateSigningRequest", "eve", namespace="")).status.certificate


async def test_system_masters_through_the_client_signer_is_refused(kubectl, tmp_path):
    _, request = openssl_request(tmp_path, "root", "/CN=root/O=system:masters")
    r = await kubectl("apply", "-f", write(tmp_path, "root.yaml", csr_manifest("root", request)))
    assert r.code == 1
    assert ('certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of '
            'kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed') in r.err, r.err


async def test_approving_needs_the_approve_verb_on_the_signer(kubectl, apiserver_running, tmp_path):
    _, request = openssl_request(tmp_path, "mallory")
    assert (await kubectl("apply", "-f", write(tmp_path, "m.yaml", csr_manifest("mallory", request)))).code == 0
    # the docs' csr-approver role, for example.com/my-signer-name only, given to bob
    approver = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: csr-approver}
rules:
- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests], verbs: [get, list, watch]}
- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}
- {apiGroups: [certificates.k8s.io], resources: [signers], resourceNames: [example.com/my-signer-name],
   verbs: [approve]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-approves}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: csr-approver}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}]
"""
    assert (await kubectl("apply", "-f", write(tmp_path, "approver.yaml", approver))).code == 0
    from tests.fixtures.kubectl import write_config
    bob = Kubectl(write_config(tmp_path, apiserver_running.rest, token="token-bob"))

    async def judged():
        r = await bob("certificate", "approve", "mallory")
        return r if "cannot get resource" not in r.err else None
    r = await eventually(judged, 20, what="bob's role in the RBAC cache")
    assert r.code == 1
    assert ('certificatesigningrequests.certificates.k8s.io "mallory" is forbidden: user not permitted to approve '
            'requests with signerName "kubernetes.io/kube-apiserver-client"') in r.err, r.err
