"""PersistentVolumes: cluster-scoped storage, Pending when made (the binder makes it Available), reclaimed
by Retain unless said otherwise, a Filesystem unless Block, as Kubernetes' SetDefaults_PersistentVolume."""
from __future__ import annotations

from api import meta, storage
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import storage as validation
from proto import types_pb2


class PersistentVolumeStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                       "hostPath": {"path": "/tmp/sample"}}}
    selectable_fields = ("metadata.name", "metadata.namespace", "status.phase")

    def prepare_for_create(self, pv: types_pb2.PersistentVolume) -> None:
        pv.status.phase = storage.PENDING
        pv.status.last_phase_transition_time = meta.now_text()

    def default(self, pv: types_pb2.PersistentVolume) -> None:
        if not pv.spec.persistent_volume_reclaim_policy:
            pv.spec.persistent_volume_reclaim_policy = "Retain"
        if not pv.spec.HasField("volume_mode"):
            pv.spec.volume_mode = "Filesystem"

    def validate(self, pv: types_pb2.PersistentVolume) -> list[str]:
        return validation.validate_persistent_volume(pv)

    def validate_update(self, new: types_pb2.PersistentVolume, old: types_pb2.PersistentVolume) -> list[str]:
        return validation.validate_persistent_volume_update(new, old)


STRATEGY = PersistentVolumeStrategy()
