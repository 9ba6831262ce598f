"""StorageClasses (storage.k8s.io/v1): who provisions a class of volumes and how; reclaimPolicy Delete and
volumeBindingMode Immediate by default, as Kubernetes' SetDefaults_StorageClass."""
from __future__ import annotations

from api import storage
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import storage as validation
from proto import types_pb2


class StorageClassStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "provisioner": "example.com/sample"}

    def default(self, sc: types_pb2.StorageClass) -> None:
        if not sc.HasField("reclaim_policy"):
            sc.reclaim_policy = "Delete"
        if not sc.HasField("volume_binding_mode"):
            sc.volume_binding_mode = storage.IMMEDIATE

    def validate(self, sc: types_pb2.StorageClass) -> list[str]:
        return validation.validate_storage_class(sc)

    def validate_update(self, new: types_pb2.StorageClass, old: types_pb2.StorageClass) -> list[str]:
        return validation.validate_storage_class_update(new, old)


STRATEGY = StorageClassStrategy()
