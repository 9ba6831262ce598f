"""The tcpSocket probe: success when a connection to the port opens within the timeout; it is closed at once."""
from __future__ import annotations

import asyncio

from nodeagent.probes.dialer import Dialer, dial_error
from nodeagent.probes.http_probe import host_port
from nodeagent.probes.results import Outcome, Result


async def probe(dialer: Dialer, host: str, port: int, timeout_s: float) -> Outcome:
    where = f"dial tcp {host_port(host, port)}"
    try:
        async with asyncio.timeout(timeout_s):
            sock = await dialer.connect(host, port)
    except TimeoutError:
        return Outcome(Result.FAILURE, f"{where}: i/o timeout")
    except OSError as e:
        return Outcome(Result.FAILURE, f"{where}: connect: {dial_error(e)}")
    sock.close()
    return Outcome(Result.SUCCESS)
