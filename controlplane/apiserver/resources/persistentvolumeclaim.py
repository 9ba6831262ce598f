"""PersistentVolumeClaims: a namespaced request for storage, Pending until the binder binds it; a claim
naming no class gets the default StorageClass at admission (controlplane/apiserver/admission.py)."""
from __future__ import annotations

from api import storage
from controlplane.apiserver import defaults
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import storage as validation
from proto import types_pb2


class PersistentVolumeClaimStrategy(Strategy):
    sample = {"metadata": {"name": "sample"},
              "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}

    def prepare_for_create(self, pvc: types_pb2.PersistentVolumeClaim) -> None:
        pvc.status.phase = storage.PENDING
        storage.normalize_data_sources(pvc.spec)

    def default(self, pvc: types_pb2.PersistentVolumeClaim) -> None:
        defaults.claim_spec(pvc.spec)

    def validate(self, pvc: types_pb2.PersistentVolumeClaim) -> list[str]:
        return validation.validate_claim(pvc)

    def validate_update(self, new: types_pb2.PersistentVolumeClaim,
                        old: types_pb2.PersistentVolumeClaim) -> list[str]:
        return validation.validate_claim_update(new, old)


STRATEGY = PersistentVolumeClaimStrategy()
