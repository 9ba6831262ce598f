"""ConfigMaps: configuration for pods, as text (`data`) and bytes (`binaryData`); immutable on request."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import Strategy
from controlplane.apiserver.validation import config
from proto import types_pb2


class ConfigMapStrategy(Strategy):
    sample = {"metadata": {"name": "sample"}, "data": {"key": "value"}}

    def validate(self, cm: types_pb2.ConfigMap) -> list[str]:
        return config.validate_config_map(cm)

    def validate_update(self, new: types_pb2.ConfigMap, old: types_pb2.ConfigMap) -> list[str]:
        return config.validate_config_map_update(new, old)


STRATEGY = ConfigMapStrategy()
