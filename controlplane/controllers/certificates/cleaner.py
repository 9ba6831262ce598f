"""The CSR cleaner (kube-controller-manager's csrcleaner): requests approved or denied an hour ago, pending
for a day, or whose certificate has expired are deleted, so the list does not grow forever."""
from __future__ import annotations

from api import certificates, errors, meta
from controlplane.controllers.core.controller import Context, PeriodicController

PERIOD_S = 600.0  # Kubernetes looks every hour; the windows are hours, so a few minutes late is nothing


class CertificateCleaner(PeriodicController):
    name = "csrcleaner"
    workers = 1
    period = PERIOD_S

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.csrs = ctx.informers.get("CertificateSigningRequest")

    async def prepare(self) -> None:
        self.tick()

    def tick(self) -> None:
        now = meta.now()
        for csr in self.csrs.list():
            if certificates.expired(csr, now):
                self.enqueue(csr.metadata.name)

    async def sync(self, key: str) -> None:
        csr = self.csrs.get(key)
        if csr is None or not certificates.expired(csr, meta.now()):
            return
        try:
            await self.client.delete("CertificateSigningRequest", key, namespace="")
        except errors.NotFound:
            pass
