"""`/healthz`, `/livez`, `/readyz` as kube-apiserver answers them: `ok`, or with `?verbose` one `[+]check ok`
line per check and `<endpoint> check passed`; a failed check makes it 500 with that list. `/<endpoint>/<check>`
runs one check; `?exclude=<check>` skips one. The report is a pure function of the checks' results.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

ETCD_TIMEOUT_S = 2.0
Check = Callable[[], Awaitable[None]]  # raises when unhealthy


def report(endpoint: str, results: list[tuple[str, bool | None]], verbose: bool) -> tuple[int, str]:
    """(HTTP status, body) of `/<endpoint>` from each check's (name, passed; None: excluded)."""
    passed = all(ok is not False for _, ok in results)
    if passed and not verbose:
        return 200, "ok"
    shown = {True: "ok", False: "failed: reason withheld", None: "excluded: ok"}
    lines = [f"[{'-' if ok is False else '+'}]{name} {shown[ok]}" for name, ok in results]
    lines.append(f"{endpoint} check {'passed' if passed else 'failed'}")
    return (200 if passed else 500), "\n".join(lines) + "\n"


def checks(endpoint: str, storage) -> dict[str, Check]:
    """The checks of an endpoint, in kube-apiserver's order: ping, log, etcd (and, for readyz, etcd-readiness
    and shutdown). etcd is asked for its revision, with a deadline."""
    async def ping() -> None:
        return None

    async def etcd() -> None:
        await asyncio.wait_for(storage.current_revision(), ETCD_TIMEOUT_S)

    out: dict[str, Check] = {"ping": ping, "log": ping, "etcd": etcd}
    if endpoint == "readyz":
        out |= {"etcd-readiness": etcd, "shutdown": ping}
    return out


async def run(named: dict[str, Check], excluded: set[str] = frozenset()) -> list[tuple[str, bool | None]]:
    """Each check's (name, passed), None for an excluded one."""
    async def one(name: str, check: Check) -> bool | None:
        if name in excluded:
            return None
        try:
            await check()
            return True
        except Exception:  # noqa: BLE001 - any failure is an unhealthy check, reported by name
            return False
    return [(name, await one(name, check)) for name, check in named.items()]
