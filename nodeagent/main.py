"""skiff-agent: the node agent. Parses flags, builds the runtime and one agent (or N hollow ones), runs
until SIGTERM; on the way out it stops itself but leaves the pods' containers running.
"""
from __future__ import annotations

import asyncio
import logging
import signal

import uvloop

from api import delegatedauth, gctune, monitoring
from api.client import Client
from nodeagent import config, podnetwork
from nodeagent.config import AgentConfig
from nodeagent.metrics.prom import InstrumentedRuntime
from nodeagent.network import netns

log = logging.getLogger("skiff-agent")


def make_runtime(name: str):
    """The runtime and its version string ("docker://28.2.2")."""
    if name == "fake":
        from nodeagent.runtime.fake import FakeRuntime
        return FakeRuntime(), "fake://0.1"
    from nodeagent.runtime.docker import DockerRuntime
    runtime = DockerRuntime(max_workers=8)
    return InstrumentedRuntime(runtime), f"docker://{getattr(runtime, 'version', '') or 'unknown'}"


async def run(cfg: AgentConfig, stop: asyncio.Event) -> None:
    async with Client(cfg.server, timeout=10, credentials=cfg.credentials) as client:
        runtime = None
        if cfg.hollow:
            from nodeagent.hollow import HollowNodes
            agent = HollowNodes(cfg, client, cfg.hollow)
        else:
            from nodeagent.agent import NodeAgent
            # building the Docker runtime talks to dockerd: keep it off the event loop
            runtime, version = await asyncio.to_thread(make_runtime, cfg.runtime)
            network = podnetwork.for_runtime(cfg.runtime, cfg.state_dir, cfg.bridge, cfg.host_netns)
            agent = NodeAgent(cfg, client, runtime, network=network, runtime_version=version)
        observer = _monitoring(cfg, agent, client)
        try:
            await agent.start()
            await stop.wait()
        finally:
            if observer is not None:
                observer.stop()
            await agent.stop()
            if runtime is not None:
                await runtime.close()


def _monitoring(cfg: AgentConfig, agent, client) -> monitoring.MonitoringServer | None:
    """/metrics, /healthz and /readyz for the whole process (one agent, or every hollow one), listening in
    the host's network namespace so Prometheus reaches it at the node IP, over HTTPS with the node's
    serving certificate; the API server decides who may read /metrics."""
    if cfg.metrics_bind_address is None or cfg.tls is None:
        return None
    host, port = cfg.metrics_bind_address
    guard = monitoring.Guard.of(cfg.tls.cert_pem, cfg.tls.key_pem, cfg.tls.client_ca_pem,
                                delegatedauth.review_through(client))
    with netns.entered(cfg.host_netns):
        return monitoring.start_or_warn(monitoring.MonitoringServer(host or cfg.node_ip, port, guard, agent.ready),
                                        log)


async def serve(cfg: AgentConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run(cfg, stop)


def main(argv=None) -> None:
    args = config.parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = config.from_args(args)
    try:
        # uvloop for the agent's own loop only: pyroute2 runs in worker threads with loops of its own,
        # and a uvloop policy there cannot open netlink sockets.
        gctune.for_server()
        uvloop.run(serve(cfg))
    except OSError as e:
        raise SystemExit(f"skiff-agent: {e}") from None


if __name__ == "__main__":
    main()
