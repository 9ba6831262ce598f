"""Prometheus `/metrics`, `/healthz` and `/readyz` over HTTP for every skiff program, on the port of its
--metrics-bind-address, served from a thread so that a scrape never waits for the program's event loop.
"""
from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from wsgiref.simple_server import make_server

from prometheus_client import REGISTRY, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler

Ready = Callable[[], bool]


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
                   help="where to serve Prometheus /metrics and the /healthz and /readyz checks over HTTP; port 0 "
                        f"picks a free one, \"\" turns them off (default {default})")


def _app(ready: Ready, registry):
    metrics = make_wsgi_app(registry)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            return metrics(environ, start_response)
        if path in ("/healthz", "/livez"):
            status, body = "200 OK", b"ok"
        elif path == "/readyz":
            ok = _safe(ready)
            status, body = ("200 OK", b"ok") if ok else ("503 Service Unavailable", b"not ready")
        else:
            status, body = "404 Not Found", b"not found: try /metrics, /healthz or /readyz\n"
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]
    return app


def _safe(ready: Ready) -> bool:
    try:
        return bool(ready())
    except Exception:
        return False


class MonitoringServer:
    """Call start() where the socket should live (a lab host binds inside its network namespace)."""

    def __init__(self, host: str, port: int, ready: Ready = lambda: True, registry=REGISTRY):
        self.host = host
        self.port = port
        self.ready = ready
        self.registry = registry
        self._httpd = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/metrics"

    def start(self) -> int:
        class Server(ThreadingWSGIServer):
            allow_reuse_address = True
        self._httpd = make_server(self.host or "0.0.0.0", self.port, _app(self.ready, self.registry), Server,
                                  handler_class=_SilentHandler)
        self.port = self._httpd.server_port
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"metrics-{self.port}", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


def serve_from_args(args: argparse.Namespace, log, ready: Ready = lambda: True,
                    default_host: str = "127.0.0.1") -> MonitoringServer | None:
    """Start the server --metrics-bind-address asks for (None when it is off); the caller stops it."""
    if not args.metrics_bind_address:
        return None
    host, port = args.metrics_bind_address
    return start_or_warn(MonitoringServer(host or default_host, port, ready), log)


def start_or_warn(server: MonitoringServer, log) -> MonitoringServer | None:
    """Start it; a taken port costs the metrics, not the program (it logs why and runs on)."""
    try:
        server.start()
    except OSError as e:
        log.error("cannot serve /metrics on %s: %s; running without it", server.address, e)
        return None
    log.info("serving /metrics, /healthz and /readyz on http://%s", server.address)
    return server
