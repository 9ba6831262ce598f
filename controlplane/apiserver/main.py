"""skiff-apiserver: the gRPC API in front of etcd (the only process that talks to etcd)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from dataclasses import dataclass

import grpc
import uvloop

from api.flagtypes import duration
from controlplane.apiserver.allocator import ServiceRanges
from controlplane.apiserver.compactor import DEFAULT_INTERVAL_S, Compactor
from controlplane.apiserver.registry import Registry
from controlplane.apiserver.service import ApiService
from controlplane.apiserver.storage import Storage
from proto import api_pb2_grpc

log = logging.getLogger("skiff-apiserver")

MAX_REQUEST_BYTES = 3 * 1024 * 1024 // 2  # 1.5 MiB, etcd's own default value limit


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="skiff-apiserver",
        description="Serve the skiff API over gRPC, keeping every object in etcd.")
    p.add_argument("--listen", default="127.0.0.1:6443", metavar="HOST:PORT",
                   help="address to serve the API on (default %(default)s)")
    p.add_argument("--etcd-servers", default="127.0.0.1:2379", metavar="HOST:PORT[,HOST:PORT...]",
                   help="etcd client endpoints, comma-separated; the next is tried when one fails "
                        "(default %(default)s)")
    p.add_argument("--service-cluster-ip-range", default="10.96.0.0/16", metavar="CIDR",
                   help="the range Service ClusterIPs are allocated from (default %(default)s)")
    p.add_argument("--service-node-port-range", default="30000-32767", metavar="LOW-HIGH",
                   help="the range NodePorts are allocated from (default %(default)s)")
    p.add_argument("--etcd-compaction-interval", type=duration, default=DEFAULT_INTERVAL_S, metavar="DURATION",
                   help="how often to compact etcd's history, keeping one interval of it (as kube-apiserver: "
                        "\"5m\", \"90s\", or seconds; 0 turns compaction off; default 5m)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p.parse_args(argv)


@dataclass
class RunningServer:
    """A started API server: its address, and how to stop it."""

    address: str
    registry: Registry
    server: grpc.aio.Server
    service: ApiService
    compactor: Compactor

    async def stop(self, grace: float = 1.0) -> None:
        await self.compactor.stop()
        await self.server.stop(grace)
        await self.service.proxy.close()
        await self.registry.stop()


async def start(etcd_endpoints: list[str], listen: str,
                service_ranges: ServiceRanges | None = None,
                compaction_interval: float = DEFAULT_INTERVAL_S) -> RunningServer:
    storage = Storage(etcd_endpoints)
    registry = Registry(storage, service_ranges)
    await registry.start()
    compactor = Compactor(storage, compaction_interval)
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
    port = server.add_insecure_port(listen)
    if port == 0:
        await registry.stop()
        raise OSError(f"cannot listen on {listen}")
    await server.start()
    compactor.start()
    host = listen.rpartition(":")[0]
    return RunningServer(f"{host}:{port}", registry, server, service, compactor)


async def serve(args: argparse.Namespace) -> None:
    endpoints = [e.strip() for e in args.etcd_servers.split(",") if e.strip()]
    try:
        ranges = ServiceRanges.parse(args.service_cluster_ip_range, args.service_node_port_range)
    except ValueError as e:
        raise SystemExit(f"skiff-apiserver: bad service range: {e}") from None
    running = await start(endpoints, args.listen, ranges, args.etcd_compaction_interval)
    log.info("serving the API on %s (etcd %s)", running.address, ",".join(endpoints))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
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
