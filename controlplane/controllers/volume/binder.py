"""The PersistentVolume binder: binds each claim to the smallest Available volume that satisfies it (or the one
it names; a WaitForFirstConsumer claim once the scheduler names its node, where skiff's local-path class
provisions one), keeps both sides' phases, releases a volume whose claim is gone and applies its reclaim policy.
Keys are `claim:NAMESPACE/NAME` and `volume:NAME`; each sync re-reads both sides from the caches."""
from __future__ import annotations

import logging

from api import errors, meta, storage
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.volume import plan
from proto import types_pb2

log = logging.getLogger(__name__)

CLAIM, VOLUME = "claim:", "volume:"


class PersistentVolumeBinder(Controller):
    name = "persistentvolume-binder"
    workers = 1  # one worker: two claims never race for the same volume

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.claims = ctx.informers.get("PersistentVolumeClaim")
        self.volumes = ctx.informers.get("PersistentVolume")
        self.classes = ctx.informers.get("StorageClass")
        self.nodes = ctx.informers.get("Node")
        self.claims.add_handlers(on_add=self._claim_changed, on_update=lambda old, new: self._claim_changed(new),
                                 on_delete=self._claim_changed)
        self.volumes.add_handlers(on_add=self._volume_changed, on_update=lambda old, new: self._volume_changed(new),
                                  on_delete=self._volume_changed)
        self.classes.add_handlers(on_add=lambda sc: self._all_pending())

    # ------------------------------------------------------------ handlers: only enqueue

    def _claim_changed(self, pvc) -> None:
        self.enqueue(CLAIM + meta.key(pvc))
        if pvc.spec.volume_name:
            self.enqueue(VOLUME + pvc.spec.volume_name)
        if pvc.status.phase != storage.BOUND:
            return
        for clone in self.claims.list():  # a claim cloning this one may go on now (this one bound)
            if clone.metadata.namespace == pvc.metadata.namespace and clone.status.phase != storage.BOUND and \
                    storage.data_source(clone) == ("", "PersistentVolumeClaim", pvc.metadata.name):
                self.enqueue(CLAIM + meta.key(clone))

    def _volume_changed(self, pv) -> None:
        self.enqueue(VOLUME + pv.metadata.name)
        if pv.spec.HasField("claim_ref"):
            self.enqueue(CLAIM + storage.claim_key(pv.spec.claim_ref))
        else:  # a volume became free: the pending claims may fit it now
            self._all_pending()

    def _all_pending(self) -> None:
        for pvc in self.claims.list():
            if pvc.status.phase != storage.BOUND:
                self.enqueue(CLAIM + meta.key(pvc))

    # ------------------------------------------------------------ sync

    async def sync(self, key: str) -> None:
        if key.startswith(CLAIM):
            await self._sync_claim(key[len(CLAIM):])
        else:
            await self._sync_volume(key[len(VOLUME):])

    async def _sync_claim(self, key: str) -> None:
        pvc = self.claims.get(key)
        if pvc is None or pvc.metadata.deletion_timestamp:
            return
        if pvc.spec.volume_name:
            pv = self.volumes.get(pvc.spec.volume_name)
            if pv is None:
                if pvc.metadata.annotations.get(storage.BIND_COMPLETED) == "yes":
                    if pvc.status.phase != storage.LOST:
                        self.recorder.warning(pvc, "ClaimLost", "Bound claim has lost reference to "
                                                                "PersistentVolume. Data on the volume is lost!")
                    await self._claim_status(pvc, storage.LOST, None)
                else:
                    self.recorder.normal(pvc, "FailedBinding", f'volume "{pvc.spec.volume_name}" not found')
                return
            if pv.spec.HasField("claim_ref") and not storage.is_bound_to(pv, pvc):
                self.recorder.warning(pvc, "FailedBinding", f"volume {pv.metadata.name!r} already bound to a "
                                                            f"different claim.")
                return
            await self._bind(pvc, pv)
            return
        sc = self.classes.get(storage.claim_class(pvc)) if storage.claim_class(pvc) else None
        if storage.data_source(pvc) is not None and sc is not None and sc.provisioner == storage.LOCAL_PATH_PROVISIONER:
            await self._provision_from_source(pvc, sc)
            return
        delayed = storage.binding_mode(sc) == storage.WAIT_FOR_FIRST_CONSUMER if sc is not None else False
        node = pvc.metadata.annotations.get(storage.SELECTED_NODE, "")
        if delayed and not node:  # the scheduler picks the node with the first pod, then names it here
            self.recorder.normal(pvc, "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
            return
        pv = storage.find_matching_volume(pvc, self.volumes.list(), self._on_node(node) if delayed else None)
        if pv is None and sc is not None and sc.provisioner == storage.LOCAL_PATH_PROVISIONER and node:
            await self._provision(pvc, sc, node)
            return
        if pv is None:
            reason, message = plan.claim_problem(pvc, {sc.metadata.name: sc for sc in self.classes.list()})
            self.recorder.normal(pvc, reason, message)
            return
        await self._bind(pvc, pv)

    def _on_node(self, name: str):
        node = self.nodes.get(name)
        labels = dict(node.metadata.labels) if node is not None else {}
        return lambda pv: storage.fits_node(pv, labels, name)

    async def _provision(self, pvc, sc, node: str) -> None:
        """skiff's node-local provisioner: a volume pre-bound to the claim, pinned to the chosen node; its
        directory is made by that node's agent when a pod mounts it (DirectoryOrCreate)."""
        self.recorder.normal(pvc, "Provisioning", f'External provisioner is provisioning volume for claim '
                                                  f'"{meta.key(pvc)}"')
        pv = plan.provisioned_volume(pvc, sc, node)
        try:
            await self.client.create(pv)
        except errors.AlreadyExists:
            pass  # made by an earlier sync: the binder binds it
        self.recorder.normal(pvc, "ProvisioningSucceeded", f"Successfully provisioned volume {pv.metadata.name}")

    async def _provision_from_source(self, pvc, sc) -> None:
        """A claim with a dataSource is always provisioned (never matched to a volume that exists): a clone on the
        source's node, bound once that node has copied the source in."""
        pv = self.volumes.get(plan.provisioned_name(pvc))
        if pv is not None:
            cloned = pv.metadata.annotations.get(storage.CLONED)
            if cloned == "yes":
                await self._bind(pvc, pv)
            elif cloned:
                self.recorder.warning(pvc, "ProvisioningFailed", f"node {plan.pinned_node(pv)!r} could not copy "
                                                                 f"the source volume into {pv.metadata.name}")
            return  # the node is copying: its mark on the volume brings the claim back here
        cloning = plan.clone_plan(pvc, sc, self.claims.get, self.volumes.get)
        if cloning.reason:
            self.recorder.warning(pvc, cloning.reason, cloning.message)
            return
        self.recorder.normal(pvc, "Provisioning", f'External provisioner is provisioning volume for claim '
                                                  f'"{meta.key(pvc)}"')
        pv = plan.cloned_volume(pvc, sc, cloning)
        try:
            await self.client.create(pv)
        except errors.AlreadyExists:
            return
        self.recorder.normal(pvc, "ProvisioningSucceeded", f"Successfully provisioned volume {pv.metadata.name}")

    async def _bind(self, pvc, pv) -> None:
        """Both sides, in Kubernetes' order: the volume's claimRef, its phase, the claim's volumeName, its phase."""
        ref = pv.spec.claim_ref
        if not (ref.uid == pvc.metadata.uid and ref.name == pvc.metadata.name):
            pv = meta.copy(pv)
            pv.spec.claim_ref.CopyFrom(types_pb2.ObjectReference(
                kind="PersistentVolumeClaim", api_version="v1", namespace=pvc.metadata.namespace,
                name=pvc.metadata.name, uid=pvc.metadata.uid, resource_version=pvc.metadata.resource_version))
            pv.metadata.annotations[storage.BOUND_BY_CONTROLLER] = "yes"
            pv = await self.client.update(pv)
        if pv.status.phase != storage.BOUND:
            pv = meta.copy(pv)
            pv.status.phase = storage.BOUND
            pv.status.last_phase_transition_time = meta.now_text()
            pv = await self.client.update_status(pv)
        if pvc.spec.volume_name != pv.metadata.name or pvc.metadata.annotations.get(storage.BIND_COMPLETED) != "yes":
            pvc = meta.copy(pvc)
            by_controller = not pvc.spec.volume_name
            pvc.spec.volume_name = pv.metadata.name
            pvc.metadata.annotations[storage.BIND_COMPLETED] = "yes"
            if by_controller:
                pvc.metadata.annotations[storage.BOUND_BY_CONTROLLER] = "yes"
            pvc = await self.client.update(pvc)
        await self._claim_status(pvc, storage.BOUND, pv)

    async def _claim_status(self, pvc, phase: str, pv) -> None:
        updated = meta.copy(pvc)
        updated.status.phase = phase
        if pv is not None:
            updated.status.ClearField("access_modes")
            updated.status.access_modes.extend(pv.spec.access_modes)
            updated.status.capacity.clear()
            updated.status.capacity.update(pv.spec.capacity)
        if updated.status != pvc.status:
            await self.client.update_status(updated)

    async def _sync_volume(self, name: str) -> None:
        pv = self.volumes.get(name)
        if pv is None:
            return  # a volume being deleted still gets its phase: pv-protection lets it go once not Bound
        claim = None
        if pv.spec.HasField("claim_ref"):
            claim = self.claims.get(storage.claim_key(pv.spec.claim_ref))
            if claim is not None and pv.spec.claim_ref.uid and claim.metadata.uid != pv.spec.claim_ref.uid:
                claim = None  # a new claim of the same name is not the one this volume was bound to
            if claim is None and pv.spec.claim_ref.uid:
                # the cache may be behind a claim just made: etcd decides before a volume is released
                claim = await self._fresh_claim(pv.spec.claim_ref)
        verdict = plan.volume_verdict(pv, claim)
        if verdict.phase != pv.status.phase or verdict.message != pv.status.message:
            if verdict.phase == storage.FAILED and pv.status.phase != storage.FAILED:
                self.recorder.warning(pv, "VolumeFailedDelete", verdict.message)
            updated = meta.copy(pv)
            updated.status.phase = verdict.phase
            updated.status.message = verdict.message
            updated.status.last_phase_transition_time = meta.now_text()
            pv = await self.client.update_status(updated)
        if verdict.reclaim == "Delete" and verdict.phase == storage.RELEASED and not pv.metadata.deletion_timestamp:
            # a provisioned volume: its node's agent removes the directory, then the finalizer goes
            try:
                await self.client.delete("PersistentVolume", name, "")
            except errors.NotFound:
                pass

    async def _fresh_claim(self, ref):
        try:
            claim = await self.client.get("PersistentVolumeClaim", ref.name, ref.namespace)
        except errors.NotFound:
            return None
        return claim if claim.metadata.uid == ref.uid else None
