"""StorageClasses (storage.k8s.io/v1): who provisions a class of volumes and how; reclaimPolicy Delete and
volumeBindingMode Immediate by default; a new cluster has `standard` (default), skiff's node-local class."""
from __future__ import annotations

from api import storage
from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import storage as validation
from proto import types_pb2


# The default class of a new cluster (kind's and minikube's are named `standard` too): a directory on the node
# the first pod using the claim is scheduled to (controlplane/controllers/volume, nodeagent/localpath.py).
STANDARD = types_pb2.StorageClass(
    metadata=types_pb2.ObjectMeta(name=storage.DEFAULT_CLASS_NAME, annotations={storage.DEFAULT_CLASS: "true"}),
    provisioner=storage.LOCAL_PATH_PROVISIONER, reclaim_policy="Delete",
    volume_binding_mode=storage.WAIT_FOR_FIRST_CONSUMER)


class StorageClassStrategy(Strategy):
    bootstrap = (STANDARD,)
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
