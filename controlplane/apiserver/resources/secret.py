"""Secrets: credentials for pods, base64 in manifests, `stringData` folded into `data` on every write,
type-specific required keys, encrypted at rest when the server has an encryption configuration."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import COMMON_FIELDS, Strategy
from controlplane.apiserver.validation import config
from proto import types_pb2


class SecretStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "data": {"key": "dmFsdWU="}}
    selectable_fields = COMMON_FIELDS + ("type",)

    def prepare_for_create(self, secret: types_pb2.Secret) -> None:
        config.fold_string_data(secret)

    def prepare_for_update(self, new: types_pb2.Secret, old: types_pb2.Secret) -> None:
        config.fold_string_data(new)

    def default(self, secret: types_pb2.Secret) -> None:
        if not secret.type:
            secret.type = config.OPAQUE

    def validate(self, secret: types_pb2.Secret) -> list[str]:
        return config.validate_secret(secret)

    def validate_update(self, new: types_pb2.Secret, old: types_pb2.Secret) -> list[str]:
        return config.validate_secret_update(new, old)


STRATEGY = SecretStrategy()
