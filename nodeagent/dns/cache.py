"""Keeps the zone in step with the Service and Endpoints informers: each event re-renders one Service.

Informer-driven, so a created, changed or deleted Service is answered differently within the watch's latency.
"""
from __future__ import annotations

from api import meta
from api.informer import Informer
from nodeagent.dns.zone import Zone


class ZoneFeeder:
    """Registers handlers on (possibly shared) Service and Endpoints informers; starts nothing itself."""

    def __init__(self, zone: Zone, services: Informer, endpoints: Informer):
        self.zone = zone
        self.services = services
        self.endpoints = endpoints
        services.add_handlers(self._service_changed, lambda old, new: self._service_changed(new),
                              self._service_deleted)
        endpoints.add_handlers(self._endpoints_changed, lambda old, new: self._endpoints_changed(new),
                               self._endpoints_changed)

    def _service_changed(self, svc) -> None:
        key = meta.key(svc)
        self.zone.set_service(svc, self.endpoints.get(key))

    def _service_deleted(self, svc) -> None:
        self.zone.remove_service(meta.key(svc))

    def _endpoints_changed(self, endpoints) -> None:
        # Endpoints only matter to headless Services, but re-rendering any Service is cheap and simple.
        svc = self.services.get(meta.key(endpoints))
        if svc is not None:
            self.zone.set_service(svc, self.endpoints.get(meta.key(endpoints)))
