"""The HTTPS listener of the Kubernetes REST API: routes, TLS and lifecycle, in the API server's own event
loop over the same Registry as the gRPC API.
"""
from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass

from aiohttp import web

from controlplane.apiserver.registry import Registry
from controlplane.apiserver.auth.authn import Authenticator
from controlplane.apiserver.auth.config import Security
from controlplane.apiserver.rest import authn, tls
from controlplane.apiserver.rest.handlers import Handlers

log = logging.getLogger(__name__)



def build_app(handlers: Handlers, max_request_bytes: int, authenticator: Authenticator,
              authorizer=None, audit=None) -> web.Application:
    app = web.Application(client_max_size=max_request_bytes,
                          middlewares=[authn.middleware(authenticator, authorizer, audit)])
    r = app.router
    r.add_get("/version", handlers.version)
    for path in ("/healthz", "/readyz", "/livez"):
        r.add_get(path, handlers.healthz)
        r.add_get(path + "/{check}", handlers.healthz)
    r.add_get("/openapi/v2", handlers.openapi_v2)
    r.add_get("/openapi/v3", handlers.openapi_v3)
    r.add_get("/openapi/v3/{gv:.+}", handlers.openapi_v3)
    for prefix in ("/api", "/apis"):
        r.add_route("*", prefix, handlers.resources)
        r.add_route("*", prefix + "/{tail:.*}", handlers.resources)
    return app


@dataclass
class RestServer:
    """A started REST listener: its address (host:port), the CA clients should trust, and stop()."""

    address: str
    ca_pem: bytes
    runner: web.AppRunner
    upkeep: asyncio.Task | None = None  # custom resources of removed namespaces (crd/rest.py)

    @property
    def url(self) -> str:
        return f"https://{self.address}"

    async def stop(self) -> None:
        if self.upkeep is not None:
            self.upkeep.cancel()
            await asyncio.gather(self.upkeep, return_exceptions=True)
        await self.runner.cleanup()


async def start(registry: Registry, proxy, listen: str, skiff_version: str, max_request_bytes: int,
                security: Security, metrics=None, authorizer=None) -> RestServer:
    """Listen on `listen` (HOST:PORT, port 0 for any) with the API server's serving certificate, taking
    client certificates of the cluster CA or bearer tokens, as `security` says."""
    host, _, port = listen.rpartition(":")
    context: ssl.SSLContext = tls.server_context(security.serving_cert, security.serving_key, security.client_ca)
    handlers = Handlers(registry, proxy, skiff_version, metrics, authorizer, security)
    app = build_app(handlers, max_request_bytes, security.authenticator, authorizer, security.audit)
    # handler_cancellation: a watch whose client went away ends at once instead of at its next event.
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host or "0.0.0.0", int(port), ssl_context=context, backlog=1024)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    bound = site._server.sockets[0].getsockname()[1]  # the port the kernel chose for port 0
    upkeep = asyncio.create_task(_keep(handlers.custom.clean_up_namespaces, registry))
    return RestServer(f"{host or '0.0.0.0'}:{bound}", security.client_ca, runner, upkeep)


async def _keep(run, *args) -> None:
    """Run a background duty for the server's life, again after a failure (etcd away, a watcher dropped)."""
    while True:
        try:
            await run(*args)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - logged, and tried again
            log.warning("REST upkeep failed, again in 1s: %s", e)
        await asyncio.sleep(1)
