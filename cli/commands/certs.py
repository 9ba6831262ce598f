"""`skiff certs`: the cluster's certificates on this machine, when each expires, and renewing them.

As `kubeadm certs check-expiration` and `kubeadm certs renew`; it reads the PKI directory, not the API.
"""
from __future__ import annotations

import argparse
import datetime
import os
from pathlib import Path

from api import pki
from cli.context import Context
from cli.errors import CliError

HELP = "show when the cluster's certificates expire, or renew them"
DIRS = (Path("/etc/skiff/pki"), Path("/var/lib/skiff/lab/pki"))  # install.sh's, then the lab's


def register(subparsers, parents) -> None:
    p = subparsers.add_parser("certs", parents=parents, help=HELP, description=HELP.capitalize() + ".")
    p.add_argument("--pki-dir", metavar="DIR", default=None,
                   help="the PKI directory (default: $SKIFF_PKI_DIR, else /etc/skiff/pki, else the lab's "
                        "/var/lib/skiff/lab/pki)")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.add_parser("check-expiration", help="list every certificate with its expiry (the default)")
    renew = sub.add_parser("renew", help="re-issue certificates with the same names and a fresh key; restart "
                                         "the components that use them afterwards",
                           description="Re-issue certificates with the same names and a fresh key.")
    renew.add_argument("names", nargs="*", metavar="NAME",
                       help="certificates as `check-expiration` lists them (e.g. apiserver, nodes/vm2)")
    renew.add_argument("--all", action="store_true", help="every certificate but the CA")
    renew.add_argument("--expiring", action="store_true",
                       help=f"those expiring within {pki.RENEW_BEFORE_DAYS} days")
    p.set_defaults(handler=run)


def pki_dir(flag: str | None) -> Path:
    if flag:
        return Path(flag)
    if os.environ.get("SKIFF_PKI_DIR"):
        return Path(os.environ["SKIFF_PKI_DIR"])
    return next((d for d in DIRS if (d / "ca.crt").exists()), DIRS[0])


def residual(not_after: datetime.datetime, now: datetime.datetime) -> str:
    left = not_after - now
    if left.total_seconds() <= 0:
        return "EXPIRED"
    days = left.days
    return f"{days // 365}y" if days >= 365 else f"{days}d" if days else f"{int(left.total_seconds() // 3600)}h"


def run(ctx: Context, args: argparse.Namespace) -> int:
    directory = pki_dir(args.pki_dir)
    if not (directory / "ca.crt").exists():
        raise CliError(f"no cluster CA in {directory} (give --pki-dir; install.sh and the lab make one)")
    try:
        found = pki.certificates(directory)
    except ValueError as e:
        raise CliError(f"{directory}: a certificate file is not PEM: {e}") from None
    if getattr(args, "action", None) == "renew":
        return renew(ctx, args, directory, dict(found))
    now = datetime.datetime.now(datetime.timezone.utc)
    rows = [("CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "SUBJECT")]
    for name, info in found:
        subject = f"CN={info.common_name}" + "".join(f",O={o}" for o in info.organizations)
        rows.append((name + (" (CA)" if info.is_ca else ""), info.not_after.strftime("%b %d, %Y %H:%M UTC"),
                     residual(info.not_after, now), subject))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        ctx.out("   ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "   " + r[3])
    return 0


def renew(ctx: Context, args: argparse.Namespace, directory: Path, found: dict[str, pki.CertInfo]) -> int:
    leaves = {n: i for n, i in found.items() if not i.is_ca}
    now = datetime.datetime.now(datetime.timezone.utc)
    if args.all:
        names = sorted(leaves)
    elif args.expiring:
        soon = now + datetime.timedelta(days=pki.RENEW_BEFORE_DAYS)
        names = sorted(n for n, i in leaves.items() if i.not_after <= soon)
    else:
        names = args.names
    if not names and not args.expiring:
        raise CliError("name the certificates to renew, or give --all or --expiring")
    unknown = [n for n in names if n not in leaves]
    if unknown:
        raise CliError(f"no certificate {', '.join(unknown)} in {directory}; known: {', '.join(sorted(leaves))}")
    for name in names:
        pki.renew(directory, name)
        ctx.out(f"certificate {name} renewed")
    if names:
        ctx.out("restart the components using them to pick up the new certificates")
    else:
        ctx.out(f"nothing expires within {pki.RENEW_BEFORE_DAYS} days")
    return 0
