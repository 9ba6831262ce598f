"""The ephemeral volume controller (Kubernetes' pkg/controller/volume/ephemeral): for each generic ephemeral volume
of a pod, the claim `<pod>-<volume>` made from its template, owned by the pod so the garbage collector removes it
with the pod; a claim of that name that is not the pod's own is never used, and the pod is told why."""
from __future__ import annotations

from api import errors, meta, storage
from controlplane.controllers.core.controller import Context, Controller
from proto import types_pb2

FAILED_BINDING = "FailedBinding"  # the reason Kubernetes' controller records on the pod


def ephemeral_claim(pod: types_pb2.Pod, volume: types_pb2.Volume) -> types_pb2.PersistentVolumeClaim:
    """The claim an ephemeral volume stands for: its template's labels, annotations and spec, named
    `<pod>-<volume>`, controlled by the pod (blocking the pod's foreground deletion until it is gone)."""
    template = volume.ephemeral.volume_claim_template
    pvc = types_pb2.PersistentVolumeClaim(api_version="v1", kind="PersistentVolumeClaim")
    pvc.metadata.name = storage.ephemeral_claim_name(pod, volume)
    pvc.metadata.namespace = pod.metadata.namespace
    pvc.metadata.labels.update(template.metadata.labels)
    pvc.metadata.annotations.update(template.metadata.annotations)
    pvc.metadata.owner_references.add(api_version="v1", kind="Pod", name=pod.metadata.name, uid=pod.metadata.uid,
                                      controller=True, block_owner_deletion=True)
    pvc.spec.CopyFrom(template.spec)
    return pvc


def has_ephemeral_volumes(pod: types_pb2.Pod) -> bool:
    return any(v.HasField("ephemeral") for v in pod.spec.volumes)


class EphemeralVolumeController(Controller):
    name = "ephemeral-volume"
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.pods = ctx.informers.get("Pod")
        self.claims = ctx.informers.get("PersistentVolumeClaim")
        self.pods.add_handlers(on_add=self._pod_changed, on_update=lambda old, new: self._pod_changed(new))
        # a claim deleted from under its pod is made again
        self.claims.add_handlers(on_delete=self._claim_deleted)

    # ------------------------------------------------------------ handlers: only enqueue

    def _pod_changed(self, pod) -> None:
        if has_ephemeral_volumes(pod) and not pod.metadata.deletion_timestamp:
            self.enqueue(meta.key(pod))

    def _claim_deleted(self, pvc) -> None:
        ref = meta.controller_of(pvc)
        if ref is not None and ref.kind == "Pod":
            self.enqueue(f"{pvc.metadata.namespace}/{ref.name}")

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        pod = self.pods.get(key)
        # a pod on its way out gets no new claims: they would outlive it only to be collected
        if pod is None or pod.metadata.deletion_timestamp:
            return
        for volume in pod.spec.volumes:
            if not volume.HasField("ephemeral"):
                continue
            try:
                await self._claim_for(pod, volume)
            except errors.ApiError as e:
                self.recorder.warning(pod, FAILED_BINDING, f"ephemeral volume {volume.name}: {e}")
                raise  # retried with backoff

    async def _claim_for(self, pod, volume) -> None:
        name = storage.ephemeral_claim_name(pod, volume)
        existing = self.claims.get(f"{pod.metadata.namespace}/{name}")
        if existing is None:
            try:
                await self.client.create(ephemeral_claim(pod, volume))
                return
            except errors.AlreadyExists:  # made meanwhile (the cache lags): judge the one that is there
                existing = await self.client.get("PersistentVolumeClaim", name, pod.metadata.namespace)
            except errors.ApiError as e:
                raise type(e)(f"create PVC {name}: {e}") from None
        if why := storage.not_for_pod(pod, existing):
            raise errors.ApiError(why)
