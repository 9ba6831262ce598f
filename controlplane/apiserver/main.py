"""skiff-apiserver: the gRPC API in front of etcd (the only process that talks to etcd).

Served over TLS only: client certificates on --listen, bearer tokens on --token-listen.
"""
from __future__ import annotations

import argparse
import ipaddress
import asyncio
import logging
import signal
from dataclasses import dataclass

import grpc
import uvloop

from api import gctune, grpchealth, monitoring
from api.version import VERSION
from controlplane.apiserver.allocator import ServiceRanges
from controlplane.apiserver import encryption, metrics
from controlplane.apiserver.encoded import AcceptingEncoded
from controlplane.apiserver.auth import audit, serviceaccount
from controlplane.apiserver.etcdclient import EtcdTLS
from controlplane.apiserver.auth.config import Security
from controlplane.apiserver.auth.resource_attributes import for_path
from controlplane.apiserver.auth.user import with_authenticated
from controlplane.apiserver.registry import ROOT, Registry
from controlplane.apiserver.resources import Settings
from controlplane.apiserver.rest import server as rest_server
from controlplane.apiserver.service import ApiService
from api.flagtypes import duration
from controlplane.apiserver.apiendpoints import ApiEndpoints
from controlplane.apiserver.compactor import DEFAULT_INTERVAL_S, Compactor
from controlplane.apiserver.storage import Storage
from proto import api_pb2_grpc

log = logging.getLogger("skiff-apiserver")

# Kubernetes' limit on a request body (3 MiB): an object too big for etcd (1.5 MiB) is still read, so a
# 2 MiB ConfigMap is refused by validation naming its field, and etcd's own limit stays the last word.
MAX_REQUEST_BYTES = 3 * 1024 * 1024
# The bound on one client connection: this many calls at once, watches included (each open watch costs the
# server about 30 KiB, so ~500 MiB at most); further calls wait on the client for a free stream (HTTP/2).
MAX_STREAMS_PER_CONNECTION = 16_384
# Calls accepted but not yet taken by the event loop: gRPC's defaults (1,000 then randomly dropped, 3,000
# then all refused) cancelled most of 10,000 watches opened at once by one client.
MAX_PENDING_CALLS = 20_000


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="skiff-apiserver",
        description="Serve the skiff API over gRPC, keeping every object in etcd.")
    p.add_argument("--listen", default="127.0.0.1:6443", metavar="HOST:PORT",
                   help="address to serve the API on (default %(default)s)")
    p.add_argument("--rest-listen", default="", metavar="HOST:PORT",
                   help="address to serve the Kubernetes REST API on over HTTPS, for kubectl and Kubernetes "
                        "clients, e.g. 127.0.0.1:6444 (default: none)")
    p.add_argument("--etcd-servers", default="127.0.0.1:2379", metavar="HOST:PORT[,HOST:PORT...]",
                   help="etcd client endpoints, comma-separated; the next is tried when one fails "
                        "(default %(default)s)")
    p.add_argument("--service-cluster-ip-range", default="10.96.0.0/16", metavar="CIDR",
                   help="the range Service ClusterIPs are allocated from (default %(default)s)")
    p.add_argument("--service-node-port-range", default="30000-32767", metavar="LOW-HIGH",
                   help="the range NodePorts are allocated from (default %(default)s)")
    p.add_argument("--advertise-address", default=None, metavar="IP",
                   help="the address pods reach this API server at, listed in the `kubernetes` Service's "
                        "Endpoints with every other live API server, with the --rest-listen port when the REST "
                        "API is served, else --listen's (default: --listen's IP unless it is "
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
    p.add_argument("--token-listen", default="", metavar="HOST:PORT",
                   help="also serve the API here for callers with a bearer token and no client certificate "
                        "(TLS; gRPC can only require client certificates or not ask for them) (default: off)")
    tls = p.add_argument_group("TLS and authentication (all but --token-auth-file required)")
    tls.add_argument("--tls-cert-file", required=True, metavar="PATH",
                     help="the API server's serving certificate (PEM), signed by the cluster CA; the REST "
                          "listener serves it too")
    tls.add_argument("--tls-private-key-file", required=True, metavar="PATH", help="its private key (PEM)")
    tls.add_argument("--client-ca-file", required=True, metavar="PATH",
                     help="the CA client certificates must be signed by (the cluster CA); CN is the user, "
                          "O the groups")
    tls.add_argument("--token-auth-file", default="", metavar="PATH",
                     help='static bearer tokens for people, one `token,user,uid,"group1,group2"` per line')
    tls.add_argument("--kubelet-client-certificate", default="", metavar="PATH",
                     help="the client certificate shown to agents for logs and exec")
    tls.add_argument("--kubelet-client-key", default="", metavar="PATH", help="its private key")
    tls.add_argument("--service-account-signing-key-file", default="", metavar="PATH",
                     help="the private key ServiceAccount tokens are signed with, and checked against "
                          "(kubeadm's sa.key; default: no ServiceAccount tokens)")
    tls.add_argument("--service-account-issuer", default=serviceaccount.DEFAULT_ISSUER, metavar="URL",
                     help="the issuer tokens carry and must carry (default %(default)s)")
    tls.add_argument("--api-audiences", default="", metavar="AUD[,AUD...]",
                     help="audiences a token must name (default: the issuer)")
    tls.add_argument("--audit-log-path", default="", metavar="PATH",
                     help="append one JSON line per request (audit.k8s.io/v1 Event) to this file (default: none)")
    tls.add_argument("--audit-policy-file", default="", metavar="PATH",
                     help="an audit.k8s.io/v1 Policy choosing what is logged, e.g. a rule `level: None` for "
                          "verbs [get, list, watch] leaves reads out (default: everything at Metadata)")
    tls.add_argument("--etcd-cafile", default="", metavar="PATH",
                     help="the CA etcd's serving certificates are checked against (with --etcd-certfile and "
                          "--etcd-keyfile: TLS to etcd, as kube-apiserver; without: plain gRPC)")
    tls.add_argument("--etcd-certfile", default="", metavar="PATH",
                     help="the client certificate the API server shows etcd (etcd's --client-cert-auth)")
    tls.add_argument("--etcd-keyfile", default="", metavar="PATH", help="the key of --etcd-certfile")
    tls.add_argument("--kubelet-certificate-authority", default="", metavar="PATH",
                     help="the CA agents' serving certificates are checked against (default: --client-ca-file)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p.parse_args(argv)


def security_from_args(args: argparse.Namespace) -> Security:
    security = Security.from_files(args.tls_cert_file, args.tls_private_key_file, args.client_ca_file,
                                   args.token_auth_file, args.kubelet_client_certificate, args.kubelet_client_key,
                                   args.kubelet_certificate_authority, args.service_account_signing_key_file)
    security.service_account_issuer = args.service_account_issuer
    security.api_audiences = tuple(a for a in args.api_audiences.split(",") if a) or (args.service_account_issuer,)
    etcd_files = (args.etcd_cafile, args.etcd_certfile, args.etcd_keyfile)
    if any(etcd_files):
        if not all(etcd_files):
            raise ValueError("--etcd-cafile, --etcd-certfile and --etcd-keyfile go together (TLS to etcd)")
        security.etcd = EtcdTLS.from_files(*etcd_files)
    if args.audit_log_path:
        security.audit = audit.load(args.audit_log_path, args.audit_policy_file)
    return security


@dataclass
class RunningServer:
    """A started API server: its address, and how to stop it."""

    address: str
    registry: Registry
    server: grpc.aio.Server
    service: ApiService
    token_address: str = ""
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
                compaction_interval: float = DEFAULT_INTERVAL_S, advertise_address: str = "", *,
                security: Security, token_listen: str = "") -> RunningServer:
    """Serve the API over TLS on `listen` (client certificates) and `token_listen` (bearer tokens), and,
    when `rest_listen` is set, the Kubernetes REST API over HTTPS with the same serving certificate; with
    `advertise_address`, keep this server in the `kubernetes` Service's Endpoints."""
    transformers = storage_transformers(encryption_config or {})
    storage = Storage(etcd_endpoints, transformers=transformers, tls=security.etcd)
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
        ("grpc.max_concurrent_streams", MAX_STREAMS_PER_CONNECTION),
        ("grpc.server.max_pending_requests", MAX_PENDING_CALLS),
        ("grpc.server.max_pending_requests_hard_limit", 2 * MAX_PENDING_CALLS),
    ])
    service = ApiService(registry, security)
    api_pb2_grpc.add_ApiServicer_to_server(service, AcceptingEncoded(server))
    grpchealth.add_to_server(server, lambda: True, ("skiff.v1.Api",))  # serving once start() returns
    addresses = []
    for address, certs in ((listen, True), (token_listen, False)):
        if not address:
            addresses.append("")
            continue
        port = server.add_secure_port(address, security.server_credentials(require_client_cert=certs))
        if port == 0:
            await registry.stop()
            raise OSError(f"cannot listen on {address}")
        addresses.append(f"{address.rpartition(':')[0]}:{port}")
    await server.start()
    compactor.start()
    running = RunningServer(addresses[0], registry, server, service, addresses[1], compactor=compactor)
    if rest_listen:
        try:
            running.rest = await rest_server.start(registry, service.proxy, rest_listen, VERSION, MAX_REQUEST_BYTES,
                                                   security, service.metrics, service.authorizer)
        except OSError:
            await running.stop(0)
            raise OSError(f"cannot listen on {rest_listen}") from None
    if advertise_address:
        # Pods reach the API at kubernetes.default.svc:443 as Kubernetes clients (client-go, kubectl) with
        # their ServiceAccount token: the REST API when it is served, else the gRPC API.
        port = (running.rest.address if running.rest else addresses[0]).rpartition(":")[2]
        running.endpoints = ApiEndpoints(registry, f"{advertise_address}:{port}")
        await running.endpoints.start()
    return running


def monitoring_guard(security: Security, authorizer) -> monitoring.Guard:
    """/metrics over HTTPS with the API server's serving certificate, authorized by its own authorizer."""
    async def review(caller, verb: str, path: str) -> bool:
        return authorizer.authorize(with_authenticated(caller.user, caller.groups), for_path(verb, path)).allowed
    return monitoring.Guard.of(security.serving_cert, security.serving_key, security.client_ca, review)


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
    try:
        security = security_from_args(args)
    except ValueError as e:
        raise SystemExit(f"skiff-apiserver: {e}") from None
    running = await start(endpoints, args.listen, ranges, config, args.rest_listen, args.etcd_compaction_interval,
                          advertised(args.advertise_address, args.listen), security=security,
                          token_listen=args.token_listen)
    log.info("serving the API over TLS on %s%s (etcd %s)", running.address,
             f" and for bearer tokens on {running.token_address}" if running.token_address else "",
             ",".join(endpoints))
    observer = monitoring.serve_from_args(args, log, monitoring_guard(security, running.service.authorizer))
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
        gctune.for_server()
        uvloop.run(serve(args))
    except OSError as e:
        raise SystemExit(f"skiff-apiserver: {e}") from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
