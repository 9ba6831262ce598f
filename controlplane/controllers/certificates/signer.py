"""The CSR signer (kube-controller-manager's csrsigning): an approved request for kube-apiserver-client or
kube-apiserver-client-kubelet gets a certificate from the cluster CA, or a Failed condition saying why not."""
from __future__ import annotations

import logging
from pathlib import Path

from api import certificates, errors, meta
from controlplane.controllers.core.controller import Context, Controller

log = logging.getLogger(__name__)


def waiting_for_signature(csr) -> bool:
    """Approved, for a signer signed here, and neither issued nor failed yet."""
    return (certificates.is_approved(csr) and csr.spec.signer_name in certificates.SIGNED_HERE
            and not csr.status.certificate and not certificates.has_failed(csr))


class CertificateSigningController(Controller):
    name = "csrsigning"
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.ca = self._load_ca(ctx.options.cluster_signing_cert_file, ctx.options.cluster_signing_key_file)
        self.csrs = ctx.informers.get("CertificateSigningRequest")
        self.csrs.add_handlers(on_add=self._changed, on_update=lambda old, new: self._changed(new))

    @staticmethod
    def _load_ca(cert_file: str, key_file: str) -> tuple[bytes, bytes] | None:
        if not cert_file or not key_file:
            log.warning("csrsigning: no --cluster-signing-cert-file/--cluster-signing-key-file: approved "
                        "requests stay unsigned")
            return None
        return Path(cert_file).read_bytes(), Path(key_file).read_bytes()

    def _changed(self, csr) -> None:
        if self.ca is not None and waiting_for_signature(csr):
            self.enqueue(csr.metadata.name)

    async def sync(self, key: str) -> None:
        csr = self.csrs.get(key)
        if csr is None or not waiting_for_signature(csr):
            return
        signed = meta.copy(csr)
        try:
            req = certificates.parse_request(csr.spec.request)
            refusal = certificates.signer_refusal(csr.spec.signer_name, req, list(csr.spec.usages))
        except ValueError as e:
            refusal = str(e)
        if refusal:
            meta.set_condition(signed.status.conditions, certificates.FAILED, "True", "SignerValidationFailure",
                               refusal)
            log.info("csrsigning: %s not signed: %s", key, refusal)
        else:
            seconds = certificates.duration(csr.spec.expiration_seconds if csr.spec.HasField("expiration_seconds")
                                            else None, int(self.options.cluster_signing_duration))
            signed.status.certificate = certificates.sign(*self.ca, req, list(csr.spec.usages), seconds, meta.now())
        try:
            await self.client.update_status(signed)
        except errors.NotFound:
            return
        if not refusal:
            log.info("csrsigning: signed %s for %s", key, csr.spec.signer_name)
