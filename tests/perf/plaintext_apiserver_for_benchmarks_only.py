"""FOR BENCHMARKS ONLY: the API server without TLS, authentication or authorization, so a benchmark can
measure what security costs (tests/perf/api_vs_etcd.py). Nothing in the product can start it: it lives
here, under tests/perf, and is never imported by skiff's programs, tests or fixtures.

    python -m tests.perf.plaintext_apiserver_for_benchmarks_only --listen HOST:PORT --etcd-servers HOST:PORT \
        --etcd-cafile CA --etcd-certfile CERT --etcd-keyfile KEY

etcd itself is spoken to over TLS, as by the real API server (etcd requires client certificates).

Clients reach it with `LOOPBACK_CREDENTIALS` (gRPC local credentials: plaintext, 127.0.0.1 only).
"""
from __future__ import annotations

import argparse
import asyncio
import signal

import grpc
import uvloop

from controlplane.apiserver import main as apiserver
from controlplane.apiserver.auth.config import Security
from controlplane.apiserver.encoded import AcceptingEncoded
from controlplane.apiserver.auth.request import audit_annotations, current_user, response_warnings
from controlplane.apiserver.auth.user import MASTERS, with_authenticated
from controlplane.apiserver.etcdclient import EtcdTLS
from controlplane.apiserver.registry import Registry
from controlplane.apiserver.service import ApiService
from controlplane.apiserver.storage import Storage
from proto import api_pb2_grpc

BENCH_USER = with_authenticated("benchmark", [MASTERS])


class LoopbackCredentials:
    """Stands in for api.credentials.Credentials: no TLS, for 127.0.0.1 only."""

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)


LOOPBACK_CREDENTIALS = LoopbackCredentials()


class UncheckedApiService(ApiService):
    def authenticate(self, context):
        current_user.set(BENCH_USER)
        audit_annotations.set([])
        response_warnings.set([])
        return BENCH_USER

    def authorize(self, attributes) -> None:
        return None


async def serve(listen: str, etcd_endpoints: list[str], etcd_tls: EtcdTLS) -> None:
    if not listen.startswith("127.0.0.1:"):
        raise SystemExit("the plaintext benchmark server listens on 127.0.0.1 only")
    registry = Registry(Storage(etcd_endpoints, tls=etcd_tls))
    await registry.start()
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", apiserver.MAX_REQUEST_BYTES),
                                      ("grpc.max_concurrent_streams", 100_000)])
    service = UncheckedApiService(registry, Security(b"", b"", b""))
    api_pb2_grpc.add_ApiServicer_to_server(service, AcceptingEncoded(server))
    if not server.add_secure_port(listen, grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP)):
        raise SystemExit(f"cannot listen on {listen}")
    await server.start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(1)
    await registry.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", required=True)
    p.add_argument("--etcd-servers", required=True)
    p.add_argument("--etcd-cafile", required=True)
    p.add_argument("--etcd-certfile", required=True)
    p.add_argument("--etcd-keyfile", required=True)
    args = p.parse_args()
    tls = EtcdTLS.from_files(args.etcd_cafile, args.etcd_certfile, args.etcd_keyfile)
    uvloop.run(serve(args.listen, args.etcd_servers.split(","), tls))


if __name__ == "__main__":
    main()
