"""Running `nft` in the host's network namespace: apply a transaction from stdin, list, check a table.

The simulated hosts of the lab and the e2e tests are namespaces; `nsenter --net` runs nft inside them.
"""
from __future__ import annotations

import asyncio

from nodeagent.network import netns


class NftError(Exception):
    """nft refused a command; the message holds its own explanation (file line and reason)."""


def _argv(args: list[str], host_netns: str | None) -> list[str]:
    prefix = ["nsenter", f"--net={netns.ns_path(host_netns)}"] if host_netns else []
    return [*prefix, "nft", *args]


async def run(args: list[str], host_netns: str | None = None, stdin: str | None = None) -> str:
    """stdout of `nft ARGS`; NftError with nft's message when it fails."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *_argv(args, host_netns), stdin=asyncio.subprocess.PIPE if stdin is not None else None,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except FileNotFoundError as e:
        raise NftError(f"cannot run {e.filename}: install Debian's nftables package (`make setup`)") from None
    out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    if proc.returncode != 0:
        where = f" in network namespace {host_netns}" if host_netns else ""
        raise NftError(f"nft {' '.join(args)}{where} failed: {err.decode(errors='replace').strip()[:2000]}")
    return out.decode()


async def apply(script: str, host_netns: str | None = None) -> None:
    """One atomic transaction: all of `script` is applied, or none of it."""
    await run(["-f", "-"], host_netns, stdin=script)


async def exists(family: str, table: str, host_netns: str | None = None) -> bool:
    try:
        await run(["list", "table", family, table], host_netns)
    except NftError:
        return False
    return True
