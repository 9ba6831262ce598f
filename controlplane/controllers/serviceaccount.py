"""The serviceaccount controller (Kubernetes' of the same name): every active namespace has a `default`
ServiceAccount, the identity of the pods that name none; one deleted comes back.
"""
from __future__ import annotations

import logging

from api import errors, meta
from controlplane.controllers.core.controller import Context, Controller
from proto import types_pb2

log = logging.getLogger(__name__)

DEFAULT = "default"


def missing_in(namespace: types_pb2.Namespace | None, existing: types_pb2.ServiceAccount | None) -> bool:
    """Whether the namespace needs its `default` ServiceAccount made (not while it is being deleted)."""
    return namespace is not None and not meta.is_being_deleted(namespace) and existing is None


class ServiceAccountsController(Controller):
    name = "serviceaccount"
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.namespaces = ctx.informers.get("Namespace")
        self.accounts = ctx.informers.get("ServiceAccount")
        self.namespaces.add_handlers(on_add=lambda ns: self.enqueue(ns.metadata.name),
                                     on_update=lambda old, new: self.enqueue(new.metadata.name))
        self.accounts.add_handlers(on_delete=lambda sa: self.enqueue(sa.metadata.namespace))

    async def sync(self, key: str) -> None:
        if not missing_in(self.namespaces.get(key), self.accounts.get(f"{key}/{DEFAULT}")):
            return
        account = types_pb2.ServiceAccount(api_version="v1", kind="ServiceAccount",
                                           metadata=types_pb2.ObjectMeta(name=DEFAULT, namespace=key))
        try:
            await self.client.create(account)
            log.info("serviceaccount: created %s/%s", key, DEFAULT)
        except errors.AlreadyExists:
            pass  # the cache was behind
        except errors.PreconditionFailed:
            pass  # the namespace is being terminated: nothing new goes in
