"""skiff-apiserver: the gRPC API in front of etcd (the only process that talks to etcd)."""
from __future__ import annotations

import argparse
import ipaddress
import asyncio
import logging
import signal
from dataclasses import dataclass
from pathlib import Path

import grpc
import uvloop

from api import grpchealth, monitoring
from controlplane.apiserver.allocator import ServiceRanges
from controlplane.apiserver import encryption, metrics
from controlplane.apiserver.registry import ROOT, Registry
from controlplane.apiserver.resources import Settings
from controlplane.apiserver.rest import server as rest_server
from controlplane.apiserver.service import VERSION, ApiService
from api.flagtypes import duration
from controlplane.apiserver.apiendpoints import ApiEndpoints
from controlplane.apiserver.compactor import DEFAULT_INTERVAL_S, Compactor
from controlplane.apiserver.storage import Storage
from proto import api_pb2_grpc

log = logging.getLogger("skiff-apiserver")

# Kubernetes' limit on a request body (3 MiB): an object too big for etcd (1.5 MiB) is still read, so a
# 2 MiB ConfigMap is refused by validation naming its field, and etcd's own limit stays the last word.
MAX_REQUEST_BYTES = 3 * 1024 * 1024


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="skiff-apiserver",
        description="Serve the skiff API over gRPC, keeping every object in etcd.")
    p.add_argument("--listen", default="127.0.0.1:6443", metavar="HOST:PORT",
                   help="address to serve the API on (default %(default)s)")
    p.add_argument("--rest-listen", default="", metavar="HOST:PORT",
                   help="address to serve the Kubernetes REST API on over HTTPS, for kubectl and Kubernetes "
                        "clients, e.g. 127.0.0.1:6444 (default: none)")
    p.add_argument("--tls-cert-file", default="", metavar="FILE",
                   help="PEM certificate of the REST listener (default: a self-signed one made at start-up)")
    p.add_argument("--tls-private-key-file", default="", metavar="FILE",
                   help="PEM private key matching --tls-cert-file")
    p.add_argument("--etcd-servers", default="127.0.0.1:2379", metavar="HOST:PORT[,HOST:PORT...]",
                   help="etcd client endpoints, comma-separated; the next is tried when one fails "
                        "(default %(default)s)")
    p.add_argument("--service-cluster-ip-range", default="10.96.0.0/16", metavar="CIDR",
                   help="the range Service ClusterIPs are allocated from (default %(default)s)")
    p.add_argument("--service-node-port-range", default="30000-32767", metavar="LOW-HIGH",
                   help="the range NodePorts are allocated from (default %(default)s)")
    p.add_argument("--advertise-address", default=None, metavar="IP",
                   help="the address pods reach this API server at, listed in the `kubernetes` Service's "
                        "Endpoints with every other live API server (default: --listen's IP unless it is "
                        "a loopback or wildcard address; \"\" to list none)")
    p.add_argument("--etcd-compaction-interval", type=duration, default=DEFAULT_INTERVAL_S, metavar="DURATION",
                   help="how often to compact etcd's history, keeping one interval of it (as kube-apiserver: "
                        "\"5m\", \"90s\", or seconds; 0 turns compaction off; default 5m)")
    monitoring.add_flag(p, "127.0.0.1:10251")
    p.add_argument("--encryption-provider-config", default="", metavar="FILE",
                   help="an EncryptionConfiguration (Kubernetes' format: aesgcm, secretbox or identity "
                        "providers per resource) to encrypt Secrets in etcd; the first key encrypts, every key "
                        "decrypts, and values under an older key are rewritten at start "
                        "(make one: python -m controlplane.apiserver.encryption)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p.parse_args(argv)


@dataclass
class RunningServer:
    """A started API server: its address, and how to stop it."""

    address: str
    registry: Registry
    server: grpc.aio.Server
    service: ApiService
    compactor: Compactor | None = None
    rest: rest_server.RestServer | None = None  # the Kubernetes REST API, when one was asked for
    endpoints: ApiEndpoints | None = None  # the `kubernetes` Service's Endpoints, when advertised

    stopped: bool = False

    async def stop(self, grace: float = 1.0) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.endpoints is not None:
            await self.endpoints.stop()
        if self.compactor is not None:
            await self.compactor.stop()
        if self.rest is not None:
            await self.rest.stop()
        await self.server.stop(grace)
        await self.service.proxy.close()
        await self.registry.stop()


def storage_transformers(config: dict[str, encryption.Transformer]) -> dict[bytes, encryption.Transformer]:
    """Resource names ("secrets") -> transformer, as etcd key prefixes."""
    return {f"{ROOT}/{resource}/".encode(): t for resource, t in config.items()}


async def start(etcd_endpoints: list[str], listen: str, service_ranges: ServiceRanges | None = None,
                encryption_config: dict[str, encryption.Transformer] | None = None, rest_listen: str = "",
                tls_pem: tuple[bytes, bytes] | None = None,
                compaction_interval: float = DEFAULT_INTERVAL_S, advertise_address: str = "") -> RunningServer:
    """Start the gRPC API on `listen` and, when `rest_listen` is set, the REST API on it (HTTPS with
    `tls_pem` = (certificate, key), or a self-signed certificate); with `advertise_address`, keep this
    server in the `kubernetes` Service's Endpoints."""
    transformers = storage_transformers(encryption_config or {})
    storage = Storage(etcd_endpoints, transformers=transformers)
    registry = Registry(storage, Settings(service_ranges or ServiceRanges()))
    await registry.start()
    compactor = Compactor(storage, compaction_interval)
    for prefix in transformers:  # key rotation: what an older key wrote is written again with the first
        rewritten = await storage.rewrite_stale(prefix)
        if rewritten:
            log.info("rewrote %d values under %s with the first configured key", rewritten, prefix.decode())
    server = grpc.aio.server(options=[
        ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
        ("grpc.max_send_message_length", 16 * 1024 * 1024),
        ("grpc.keepalive_time_ms", 20_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 5_000),
        ("grpc.max_concurrent_streams", 100_000),
    ])
    service = ApiService(registry, ",".join(etcd_endpoints))
    api_pb2_grpc.add_ApiServicer_to_server(service, server)
    grpchealth.add_to_server(server, lambda: True, ("skiff.v1.Api",))  # serving once start() returns
    port = server.add_insecure_port(listen)
    if port == 0:
        await registry.stop()
        raise OSError(f"cannot listen on {listen}")
    await server.start()
    compactor.start()
    host = listen.rpartition(":")[0]
    running = RunningServer(f"{host}:{port}", registry, server, service, compactor)
    if advertise_address:
        running.endpoints = ApiEndpoints(registry, f"{advertise_address}:{port}")
        await running.endpoints.start()
    if rest_listen:
        cert, key = tls_pem or (None, None)
        try:
            running.rest = await rest_server.start(registry, service.proxy, rest_listen, VERSION, MAX_REQUEST_BYTES,
                                                   cert, key, service.metrics)
        except OSError:
            await running.stop(0)
            raise OSError(f"cannot listen on {rest_listen}") from None
    return running


def advertised(flag: str | None, listen: str) -> str:
    """The IP to list in the `kubernetes` Endpoints: the flag, else --listen's IP when pods can reach it."""
    if flag is not None:
        return flag
    host = listen.rpartition(":")[0].strip("[]")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return ""
    return "" if ip.is_loopback or ip.is_unspecified else host


async def serve(args: argparse.Namespace) -> None:
    endpoints = [e.strip() for e in args.etcd_servers.split(",") if e.strip()]
    try:
        ranges = ServiceRanges.parse(args.service_cluster_ip_range, args.service_node_port_range)
    except ValueError as e:
        raise SystemExit(f"skiff-apiserver: bad service range: {e}") from None
    try:
        config = encryption.load(args.encryption_provider_config) if args.encryption_provider_config else None
    except encryption.ConfigError as e:
        raise SystemExit(f"skiff-apiserver: --encryption-provider-config: {e}") from None
    tls_pem = None
    if args.tls_cert_file or args.tls_private_key_file:
        try:
            tls_pem = (Path(args.tls_cert_file).read_bytes(), Path(args.tls_private_key_file).read_bytes())
        except OSError as e:
            raise SystemExit(f"skiff-apiserver: cannot read the REST listener's certificate or key: {e}") from None
    running = await start(endpoints, args.listen, ranges, config, args.rest_listen, tls_pem,
                          args.etcd_compaction_interval, advertised(args.advertise_address, args.listen))
    log.info("serving the API on %s (etcd %s)", running.address, ",".join(endpoints))
    observer = monitoring.serve_from_args(args, log)
    if not args.metrics_bind_address:
        metrics.disable()
    if running.rest is not None:
        log.info("serving the Kubernetes REST API on https://%s", running.rest.address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    if observer is not None:
        observer.stop()
    await running.stop(grace=2)


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        uvloop.run(serve(args))
    except OSError as e:
        raise SystemExit(f"skiff-apiserver: {e}") from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
