"""Give etcd's space back when asked: compact its history, defragment every member, disarm NOSPACE.

`python -m deploy.etcdspace --etcd-servers HOST:PORT[,...]` on a VM (over TLS with the API server's etcd
client certificate from /etc/skiff/pki); the lab's `defrag` verb calls it too.
"""
from __future__ import annotations

import argparse
import asyncio
import sys

from api import errors
from controlplane.apiserver.etcdclient import EtcdTLS
from controlplane.apiserver.storage import Storage
from deploy import pki


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


async def free_space(endpoints: list[str], tls: EtcdTLS, compact: bool = True) -> list[str]:
    """Compact (once: it is cluster-wide), defragment each member in turn, then clear the alarms.

    Returns one line per step. Watches from before the compaction get "too old" and re-list.
    """
    lines = []
    for i, endpoint in enumerate(endpoints):
        storage = Storage([endpoint], timeout=10, tls=tls)
        try:
            if i == 0 and compact:
                revision = await storage.current_revision()
                try:
                    await storage.compact(revision)
                    lines.append(f"compacted history to revision {revision}")
                except errors.Expired:
                    lines.append(f"history already compacted to revision {revision}")
            before = await storage.db_size()
            await storage.defragment()
            after = await storage.db_size()
            lines.append(f"{endpoint}: defragmented, {_mib(before)} -> {_mib(after)}")
            if i == len(endpoints) - 1:
                disarmed = await storage.disarm_alarms()
                lines.append(f"alarms disarmed: {disarmed}" if disarmed else "no alarm was raised")
        finally:
            await storage.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deploy.etcdspace",
                                description="Free etcd's space: compact, defragment every member, disarm "
                                            "the NOSPACE alarm (after 'database space exceeded').")
    p.add_argument("--etcd-servers", default="127.0.0.1:2379", metavar="HOST:PORT[,HOST:PORT...]",
                   help="every etcd member's client endpoint (default %(default)s)")
    ca, cert, key = pki.etcd_client_files(pki.PKI_DIR)
    p.add_argument("--etcd-cafile", default=ca, metavar="PATH", help="the cluster CA (default %(default)s)")
    p.add_argument("--etcd-certfile", default=cert, metavar="PATH",
                   help="a client certificate etcd accepts (default %(default)s)")
    p.add_argument("--etcd-keyfile", default=key, metavar="PATH", help="its key (default %(default)s)")
    p.add_argument("--no-compact", action="store_true", help="only defragment and disarm")
    args = p.parse_args(argv)
    endpoints = [e.strip() for e in args.etcd_servers.split(",") if e.strip()]
    try:
        tls = EtcdTLS.from_files(args.etcd_cafile, args.etcd_certfile, args.etcd_keyfile)
    except ValueError as e:
        print(f"etcdspace: {e}", file=sys.stderr)
        return 1
    try:
        for line in asyncio.run(free_space(endpoints, tls, compact=not args.no_compact)):
            print(line)
    except errors.ApiError as e:
        print(f"etcdspace: {e.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
