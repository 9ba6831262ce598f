"""Prometheus `/metrics`, `/healthz` and `/readyz` over HTTPS for every skiff program, on the port of its
--metrics-bind-address, served from a thread so that a scrape never waits for the program's event loop.

/metrics answers only a caller whose client certificate the cluster CA signed and whom the API server lets
`get` the path (Kubernetes' system:monitoring); the health checks stay open, as Kubernetes allows them.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from wsgiref.simple_server import make_server

from prometheus_client import REGISTRY, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler

from api import delegatedauth, tls
from api.delegatedauth import Caller

Ready = Callable[[], bool]
PEER = "skiff.peer_certificate"  # the WSGI environ key of the caller's verified certificate
HANDSHAKE_TIMEOUT_S = 10.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Guard:
    """The listener's TLS (the program's certificate, the cluster CA for callers') and who may read what."""

    context: ssl.SSLContext
    may: Callable[[Caller, str, str], bool]  # (caller, verb, path) -> allowed

    @classmethod
    def of(cls, cert_pem: bytes, key_pem: bytes, ca_pem: bytes, review: delegatedauth.Review,
           loop: asyncio.AbstractEventLoop | None = None) -> "Guard":
        return cls(tls.server_context(cert_pem, key_pem, ca_pem),
                   delegatedauth.Authorizer(review, loop or asyncio.get_running_loop()))


def client_guard(client, program_log) -> Guard | None:
    """A client program's guard: its kubeconfig's certificate serves (the CA issued it for serving too) and
    the API server decides; None, logged, when the kubeconfig holds no certificate to serve with."""
    creds = client.credentials
    if not creds.cert_pem or not creds.key_pem:
        program_log.error("cannot serve /metrics over TLS: the kubeconfig holds no client certificate to serve "
                          "with; running without /metrics")
        return None
    return Guard.of(creds.cert_pem, creds.key_pem, creds.ca_pem, delegatedauth.review_through(client))


def bind_address(text: str) -> tuple[str, int] | None:
    """`HOST:PORT`, `:PORT` (host decided by the program) or "" (off) from the command line."""
    if not text:
        return None
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"must be [HOST]:PORT or empty, not {text!r}")
    return host.strip("[]"), int(port)


def add_flag(p: argparse.ArgumentParser, default: str) -> None:
    """The flag every program has, with its own default port (as Kubernetes' components each have one)."""
    p.add_argument("--metrics-bind-address", type=bind_address, default=bind_address(default), metavar="[HOST]:PORT",
                   help="where to serve Prometheus /metrics and the /healthz and /readyz checks over HTTPS; port 0 "
                        f"picks a free one, \"\" turns them off (default {default})")


def _app(ready: Ready, registry, may: Callable[[Caller, str, str], bool]):
    metrics = make_wsgi_app(registry)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            caller = delegatedauth.caller_of(environ.get(PEER))
            if caller is None:
                status, body = "401 Unauthorized", b"Unauthorized: /metrics needs a client certificate\n"
            elif not may(caller, "get", path):
                status, body = "403 Forbidden", (delegatedauth.forbidden_text(caller, "get", path) + "\n").encode()
            else:
                return metrics(environ, start_response)
        elif path in ("/healthz", "/livez"):  # open to anyone, as Kubernetes' --authorization-always-allow-paths
            status, body = "200 OK", b"ok"
        elif path == "/readyz":
            ok = _safe(ready)
            status, body = ("200 OK", b"ok") if ok else ("503 Service Unavailable", b"not ready")
        else:
            status, body = "404 Not Found", b"not found: try /metrics, /healthz or /readyz\n"
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]
    return app


class _Handler(_SilentHandler):
    """Finishes the TLS handshake in the request's own thread, and hands the app the caller's certificate."""

    timeout = HANDSHAKE_TIMEOUT_S

    def setup(self):
        super().setup()
        self.connection.do_handshake()

    def get_environ(self):
        environ = super().get_environ()
        environ[PEER] = self.connection.getpeercert()
        return environ


class _Server(ThreadingWSGIServer):
    allow_reuse_address = True
    context: ssl.SSLContext

    def get_request(self):
        sock, address = self.socket.accept()
        # the handshake waits for the caller: done in the request thread, never in the accepting one
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address):
        log.debug("/metrics: a connection from %s failed", client_address, exc_info=True)


def _safe(ready: Ready) -> bool:
    try:
        return bool(ready())
    except Exception:
        return False


class MonitoringServer:
    """Call start() where the socket should live (a lab host binds inside its network namespace)."""

    def __init__(self, host: str, port: int, guard: Guard, ready: Ready = lambda: True, registry=REGISTRY):
        self.host = host
        self.port = port
        self.guard = guard
        self.ready = ready
        self.registry = registry
        self._httpd = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.address}/metrics"

    def start(self) -> int:
        class Server(_Server):
            context = self.guard.context
        self._httpd = make_server(self.host or "0.0.0.0", self.port, _app(self.ready, self.registry, self.guard.may),
                                  Server, handler_class=_Handler)
        self.port = self._httpd.server_port
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"metrics-{self.port}", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


def serve_from_args(args: argparse.Namespace, program_log, guard: Guard | None, ready: Ready = lambda: True,
                    default_host: str = "127.0.0.1") -> MonitoringServer | None:
    """Start the server --metrics-bind-address asks for (None when it is off, or without a guard: there is
    no plain-HTTP listener); the caller stops it."""
    if not args.metrics_bind_address or guard is None:
        return None
    host, port = args.metrics_bind_address
    return start_or_warn(MonitoringServer(host or default_host, port, guard, ready), program_log)


def start_or_warn(server: MonitoringServer, program_log) -> MonitoringServer | None:
    """Start it; a taken port costs the metrics, not the program (it logs why and runs on)."""
    try:
        server.start()
    except OSError as e:
        program_log.error("cannot serve /metrics on %s: %s; running without it", server.address, e)
        return None
    program_log.info("serving /metrics, /healthz and /readyz on https://%s", server.address)
    return server
