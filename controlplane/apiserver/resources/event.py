"""Events: any name, Normal by default, selectable by the object they are about and by source."""
from __future__ import annotations

from controlplane.apiserver.resources.strategy import COMMON_FIELDS, Strategy
from controlplane.apiserver.validation import cluster
from proto import types_pb2


class EventStrategy(Strategy):
    # Kubernetes' set: `kubectl events --for kind/name` selects by involvedObject.apiVersion too
    selectable_fields = COMMON_FIELDS + ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                         "involvedObject.uid", "involvedObject.apiVersion",
                                         "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                                         "reportingComponent", "type", "source")
    sample = {"metadata": {"name": "sample.1"}, "involvedObject": {"kind": "Pod", "name": "web"},
              "reason": "Sampled", "message": "a sample event"}

    @staticmethod
    def name_rule(name: str) -> list[str]:
        return []  # event names carry object names and timestamps: any string

    def default(self, event: types_pb2.Event) -> None:
        if not event.type:
            event.type = "Normal"
        if event.count == 0:
            event.count = 1

    def validate(self, event: types_pb2.Event) -> list[str]:
        return cluster.validate_event(event)

    def field_value(self, event: types_pb2.Event, path: str) -> str:
        if path == "source":  # an Event's source is selected by its component
            return event.source.component
        return super().field_value(event, path)


STRATEGY = EventStrategy()
