"""The HTTPS listener of the Kubernetes REST API: routes, TLS and lifecycle, in the API server's own event
loop over the same Registry as the gRPC API.
"""
from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass

from aiohttp import web

from controlplane.apiserver.registry import Registry
from controlplane.apiserver.rest import tls
from controlplane.apiserver.rest.handlers import Handlers

log = logging.getLogger(__name__)



def build_app(handlers: Handlers, max_request_bytes: int) -> web.Application:
    app = web.Application(client_max_size=max_request_bytes)
    r = app.router
    r.add_get("/version", handlers.version)
    for path in ("/healthz", "/readyz", "/livez"):
        r.add_get(path, handlers.healthz)
    r.add_get("/openapi/v2", handlers.openapi_v2)
    r.add_get("/openapi/v3", handlers.openapi_v3)
    r.add_get("/openapi/v3/{gv:.+}", handlers.openapi_v3)
    for prefix in ("/api", "/apis"):
        r.add_route("*", prefix, handlers.resources)
        r.add_route("*", prefix + "/{tail:.*}", handlers.resources)
    return app


@dataclass
class RestServer:
    """A started REST listener: its address (host:port), the certificate clients should trust, and stop()."""

    address: str
    ca_pem: bytes
    runner: web.AppRunner

    @property
    def url(self) -> str:
        return f"https://{self.address}"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(registry: Registry, proxy, listen: str, skiff_version: str, max_request_bytes: int,
                cert_pem: bytes | None = None, key_pem: bytes | None = None, metrics=None) -> RestServer:
    """Listen on `listen` (HOST:PORT, port 0 for any); without a certificate, make a self-signed one."""
    host, _, port = listen.rpartition(":")
    if cert_pem is None or key_pem is None:
        cert_pem, key_pem = tls.self_signed([host] if host not in ("", "0.0.0.0", "::") else [])
    context: ssl.SSLContext = tls.server_context(cert_pem, key_pem)
    # handler_cancellation: a watch whose client went away ends at once instead of at its next event.
    runner = web.AppRunner(build_app(Handlers(registry, proxy, skiff_version, metrics), max_request_bytes), handler_cancellation=True,
                           access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host or "0.0.0.0", int(port), ssl_context=context, backlog=1024)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    bound = site._server.sockets[0].getsockname()[1]  # the port the kernel chose for port 0
    return RestServer(f"{host or '0.0.0.0'}:{bound}", cert_pem, runner)
