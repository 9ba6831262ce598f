"""The httpGet probe: one HTTP/1.1 GET from the node, success for a status of 200-399 (as the kubelet).

A minimal client on asyncio streams: the status line is all a probe needs, so the body is never read.
"""
from __future__ import annotations

import asyncio
import ipaddress

from nodeagent.probes.dialer import Dialer, dial_error
from nodeagent.probes.results import Outcome, Result

USER_AGENT = "skiff-probe/0.1"


def host_port(host: str, port: int) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]:{port}"
    except ValueError:
        pass
    return f"{host}:{port}"


def url(scheme: str, host: str, port: int, path: str) -> str:
    return f"{scheme.lower()}://{host_port(host, port)}{path if path.startswith('/') else '/' + path}"


def request(host: str, port: int, path: str, headers: list[tuple[str, str]]) -> bytes:
    """The request bytes; the probe's own headers replace the defaults of the same name (Host included)."""
    fields = {"host": ("Host", host_port(host, port)), "user-agent": ("User-Agent", USER_AGENT),
              "accept": ("Accept", "*/*")}
    for name, value in headers:
        fields[name.lower()] = (name, value)
    fields["connection"] = ("Connection", "close")
    target = path if path.startswith("/") else "/" + path
    lines = [f"GET {target} HTTP/1.1"] + [f"{n}: {v}" for n, v in fields.values()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def status_code(line: bytes) -> int:
    """The code of a status line (`HTTP/1.1 200 OK`); ValueError for anything else."""
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError(f"malformed HTTP status line {line[:80]!r}")
    return int(parts[1])


def judge(code: int) -> Outcome:
    if 200 <= code < 400:
        return Outcome(Result.SUCCESS, f"HTTP probe succeeded with statuscode: {code}")
    return Outcome(Result.FAILURE, f"HTTP probe failed with statuscode: {code}")


async def probe(dialer: Dialer, scheme: str, host: str, port: int, path: str,
                headers: list[tuple[str, str]], timeout_s: float) -> Outcome:
    target = url(scheme, host, port, path)
    writer = None
    try:
        async with asyncio.timeout(timeout_s):
            try:
                reader, writer = await dialer.open(host, port, tls=scheme.upper() == "HTTPS")
            except OSError as e:
                return Outcome(Result.FAILURE, f'Get "{target}": dial tcp {host_port(host, port)}: connect: '
                                               f'{dial_error(e)}')
            writer.write(request(host, port, path, headers))
            await writer.drain()
            line = await reader.readline()
            return judge(status_code(line))
    except TimeoutError:
        return Outcome(Result.FAILURE, f'Get "{target}": context deadline exceeded '
                                       f'(Client.Timeout exceeded while awaiting headers)')
    except (OSError, ValueError, asyncio.IncompleteReadError) as e:
        return Outcome(Result.FAILURE, f'Get "{target}": {e or type(e).__name__}')
    finally:
        if writer is not None:
            writer.close()
