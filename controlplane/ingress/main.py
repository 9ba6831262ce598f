"""skiff-ingress-controller: serves the cluster's Ingresses through nginx on this host's address,
as ingress-nginx does: upstreams are ready pod addresses, changes reload nginx gracefully."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal

import uvloop

from api import gctune, kubeconfig, monitoring
from controlplane.ingress import render
from controlplane.ingress.controller import IngressController, Options
from controlplane.ingress.nginx import ConfigRejected, Nginx

log = logging.getLogger("skiff-ingress-controller")


def _port(text: str) -> int:
    value = int(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"must be a port number (1-65535), not {value}")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    d = Options()
    p = argparse.ArgumentParser(
        prog="skiff-ingress-controller",
        description="Serve the cluster's Ingresses through nginx on this host: render nginx's configuration "
                    "from Ingresses, Services, Endpoints and TLS Secrets, check it (nginx -t) and reload "
                    "gracefully on every change.")
    kubeconfig.add_flags(p)
    p.add_argument("--listen-address", required=True, metavar="IP",
                   help="this host's address nginx listens on (the node IP)")
    p.add_argument("--publish-address", default="", metavar="IP",
                   help="address written to status.loadBalancer of served Ingresses (default: --listen-address)")
    p.add_argument("--http-port", type=_port, default=80, help="HTTP port (default %(default)s)")
    p.add_argument("--https-port", type=_port, default=443, help="HTTPS port (default %(default)s)")
    p.add_argument("--controller-name", default=d.controller, metavar="NAME",
                   help="serve Ingresses of the IngressClasses whose spec.controller is this (default %(default)s)")
    p.add_argument("--work-dir", default="/var/lib/skiff/ingress", metavar="DIR",
                   help="nginx's configuration, certificates (0600), pid and logs (default %(default)s)")
    p.add_argument("--nginx", default="/usr/sbin/nginx", metavar="PATH", help="the nginx binary (default %(default)s)")
    monitoring.add_flag(p, "127.0.0.1:10254")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> int:
    settings = render.Settings(listen_address=args.listen_address, http_port=args.http_port,
                               https_port=args.https_port, work_dir=args.work_dir)
    options = Options(controller=args.controller_name, publish_address=args.publish_address or args.listen_address)
    async with kubeconfig.client_from_args(args, "skiff-ingress-controller") as client:
        controller = IngressController(client, Nginx(args.work_dir, args.nginx), settings, options)
        try:
            await controller.start()
        except ConfigRejected as e:
            log.error("%s", e)
            await controller.stop()
            return 1
        log.info("serving Ingresses of %s on %s:%d/%d", options.controller, args.listen_address,
                 args.http_port, args.https_port)
        observer = monitoring.serve_from_args(args, log, monitoring.client_guard(client, log))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await controller.stop()
        if observer is not None:
            observer.stop()
    return 0


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    gctune.for_server()
    raise SystemExit(uvloop.run(serve(args)))


if __name__ == "__main__":
    main()
