"""The root CA publisher (Kubernetes' root-ca-cert-publisher): a ConfigMap `kube-root-ca.crt` in every
active namespace holding the cluster CA, which pods' kube-api-access volumes project as `ca.crt`.
"""
from __future__ import annotations

import logging

from api import errors, meta
from controlplane.controllers.core.controller import Context, Controller
from proto import types_pb2

log = logging.getLogger(__name__)

NAME = "kube-root-ca.crt"
KEY = "ca.crt"


def wanted(namespace: str, ca: str) -> types_pb2.ConfigMap:
    return types_pb2.ConfigMap(api_version="v1", kind="ConfigMap",
                               metadata=types_pb2.ObjectMeta(name=NAME, namespace=namespace), data={KEY: ca})


class RootCaCertPublisher(Controller):
    name = "root-ca-cert-publisher"
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        # The CA this manager trusts the API server by is the cluster's (kube-controller-manager's
        # --root-ca-file defaults the same way, to its kubeconfig's CA).
        self.ca = ctx.client.credentials.ca_pem.decode()
        self.namespaces = ctx.informers.get("Namespace")
        self.config_maps = ctx.informers.get("ConfigMap")
        self.namespaces.add_handlers(on_add=lambda ns: self.enqueue(ns.metadata.name),
                                     on_update=lambda old, new: self.enqueue(new.metadata.name))
        self.config_maps.add_handlers(on_update=lambda old, new: self._changed(new),
                                      on_delete=self._changed)

    def _changed(self, cm) -> None:
        if cm.metadata.name == NAME:
            self.enqueue(cm.metadata.namespace)

    async def sync(self, key: str) -> None:
        ns = self.namespaces.get(key)
        if ns is None or meta.is_being_deleted(ns):
            return
        current = self.config_maps.get(f"{key}/{NAME}")
        try:
            if current is None:
                await self.client.create(wanted(key, self.ca))
                log.info("root-ca-cert-publisher: published %s/%s", key, NAME)
            elif dict(current.data) != {KEY: self.ca}:
                fixed = meta.copy(current)
                fixed.data.clear()
                fixed.data[KEY] = self.ca
                await self.client.update(fixed)
        except errors.AlreadyExists:
            self.queue.add_after(key, 1.0)  # the cache was behind: look again at what is there
        except errors.PreconditionFailed:
            pass  # the namespace is being terminated: nothing new goes in
