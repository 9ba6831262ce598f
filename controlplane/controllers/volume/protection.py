"""Storage object in-use protection (Kubernetes' pvc-protection and pv-protection controllers): every claim and
volume carries a finalizer, so a claim a running pod mounts and a volume still bound outlive their deletion
until nothing uses them; the finalizer goes only then."""
from __future__ import annotations

from api import errors, meta, podstatus, retry, storage
from controlplane.controllers.core.controller import Context, Controller


def claim_in_use(pvc, pods) -> bool:
    """A pod of the claim's namespace that mounts it (an ephemeral volume's claim too) and has not ended
    (Kubernetes' podUsesPVC)."""
    return any(p.metadata.namespace == pvc.metadata.namespace and pvc.metadata.name in storage.claim_names(p)
               and p.status.phase not in podstatus.TERMINAL_PHASES for p in pods)


def volume_in_use(pv) -> bool:
    return pv.status.phase == storage.BOUND


class _Protection(Controller):
    """Adds `finalizer` to live objects of `kind`; removes it from deleted ones once `in_use` says no."""

    kind = ""
    finalizer = ""
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.objects = ctx.informers.get(self.kind)
        self.objects.add_handlers(on_add=lambda o: self.enqueue(meta.key(o)),
                                  on_update=lambda old, new: self.enqueue(meta.key(new)))

    def in_use(self, obj) -> bool:
        raise NotImplementedError

    async def sync(self, key: str) -> None:
        obj = self.objects.get(key)
        if obj is None:
            return
        deleting = bool(obj.metadata.deletion_timestamp)
        has = self.finalizer in obj.metadata.finalizers
        if not deleting and not has:
            await self._set_finalizer(obj, True)
        elif deleting and has and not self.in_use(obj):
            await self._set_finalizer(obj, False)

    async def _set_finalizer(self, obj, present: bool) -> None:
        namespace, name = obj.metadata.namespace, obj.metadata.name

        async def write():
            current = await self.client.get(self.kind, name, namespace)
            finalizers = [f for f in current.metadata.finalizers if f != self.finalizer]
            if present:
                if current.metadata.deletion_timestamp:
                    return  # never hold back an object already going
                finalizers.append(self.finalizer)
            if finalizers == list(current.metadata.finalizers):
                return
            updated = meta.copy(current)
            updated.metadata.ClearField("finalizers")
            updated.metadata.finalizers.extend(finalizers)
            await self.client.update(updated)
        try:
            await retry.on_conflict(write)
        except errors.NotFound:
            pass


class PVCProtectionController(_Protection):
    name = "pvc-protection"
    kind = "PersistentVolumeClaim"
    finalizer = storage.PVC_PROTECTION

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.pods = ctx.informers.get("Pod")
        # a pod that ends or goes may free the claims it mounted
        self.pods.add_handlers(on_update=lambda old, new: self._pod_changed(new), on_delete=self._pod_changed)

    def _pod_changed(self, pod) -> None:
        for name in storage.claim_names(pod):
            self.enqueue(f"{pod.metadata.namespace}/{name}")

    def in_use(self, pvc) -> bool:
        return claim_in_use(pvc, self.pods.list())


class PVProtectionController(_Protection):
    name = "pv-protection"
    kind = "PersistentVolume"
    finalizer = storage.PV_PROTECTION

    def in_use(self, pv) -> bool:
        return volume_in_use(pv)
