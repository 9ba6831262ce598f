"""The node's DNS server: UDP and TCP on one address (made inside the host's netns), answering from the
zone on the event loop; other names go to the upstream with a timeout (SERVFAIL when it stays silent).
"""
from __future__ import annotations

import asyncio
import errno
import logging
import socket
import time

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode

from api.tasks import cancel_and_wait
from nodeagent.dns.answer import error, respond
from nodeagent.dns.zone import Zone
from nodeagent.metrics import prom
from nodeagent.network import netns

log = logging.getLogger(__name__)

IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)  # Linux; not exported by every Python
UDP_PAYLOAD = 512  # without EDNS (RFC 1035)
TCP_IDLE = 10.0
MAX_FORWARDS = 512  # queries waiting for the upstream at once; more are answered SERVFAIL
MAX_CACHED = 20_000


def parse_upstream(text: str) -> tuple[str, int] | None:
    """`HOST:PORT` (or `HOST`, port 53; `[v6]:PORT`) → (host, port); "" → None (no upstream)."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, "53"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--dns-upstream: {text!r} is not HOST:PORT")
    return host, int(port)


def bind_sockets(host: str, port: int, namespace: str | None) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket on host:port (port 0: one free port for both), inside `namespace`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with netns.entered(namespace):
        for _ in range(20):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            tcp = socket.socket(family, socket.SOCK_STREAM)
            try:
                for s in (udp, tcp):
                    # The bridge may get its address a moment after we bind: bind to it anyway.
                    s.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
                    s.setblocking(False)
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                udp.bind((host, port))
                tcp.bind((host, udp.getsockname()[1]))
                tcp.listen(128)
                return udp, tcp
            except OSError as e:
                udp.close()
                tcp.close()
                if port or e.errno != errno.EADDRINUSE:  # a free UDP port can be a taken TCP one: retry
                    raise OSError(e.errno, f"cannot listen for DNS on {host}:{port}: {e.strerror}") from None
        raise OSError(errno.EADDRINUSE, f"cannot find a free port for DNS on {host}")


class DnsServer:
    def __init__(self, zone: Zone, host: str, port: int = 53, upstream: tuple[str, int] | None = None,
                 namespace: str | None = None, upstream_timeout: float = 2.0, cache: bool = True):
        self.zone = zone
        self.host = host
        self.port = port
        self.upstream = upstream
        self.namespace = namespace
        self.upstream_timeout = upstream_timeout
        self._transport: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._connections: set[asyncio.StreamWriter] = set()
        self._wires: dict[tuple[bool, bytes], bytes] = {}
        self._wires_serial = -1
        self.cache = cache

    async def start(self) -> int:
        """Listen; returns the port (useful when asked for port 0)."""
        udp, tcp = await asyncio.to_thread(bind_sockets, self.host, self.port, self.namespace)
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(lambda: _Udp(self), sock=udp)
        self._tcp = await asyncio.start_server(self._serve_tcp, sock=tcp)
        self.port = udp.getsockname()[1]
        log.info("DNS: answering %s on %s:%d (upstream %s)", self.zone.origin, self.host, self.port,
                 "%s:%d" % self.upstream if self.upstream else "none")
        return self.port

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._tcp is not None:
            self._tcp.close()
            for writer in list(self._connections):
                writer.close()
            await self._tcp.wait_closed()
            self._tcp = None
        for task in list(self._tasks):
            await cancel_and_wait(task)

    # ------------------------------------------------------------ one query

    def answer_now(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response from the zone; None when the upstream must answer."""
        return respond(query, self.zone, can_forward=self.upstream is not None)

    def cached_wire(self, data: bytes, tcp: bool) -> bytes | None:
        """The response to a query seen before, while the zone is unchanged: no parse, no rendering.

        Keyed by the query's bytes after its 2-byte ID (flags, question, EDNS: all a response depends
        on), so the cached response only needs the new ID in front; any zone change empties the cache.
        """
        if self._wires_serial != self.zone.serial:
            self._wires.clear()
            self._wires_serial = self.zone.serial
        body = self._wires.get((tcp, data[2:]))
        return None if body is None else data[:2] + body

    def remember_wire(self, data: bytes, tcp: bool, wire: bytes) -> None:
        if not self.cache:
            return
        if len(self._wires) >= MAX_CACHED:
            self._wires.clear()
        self._wires[(tcp, data[2:])] = wire[2:]

    async def forward(self, query: dns.message.Message, tcp: bool) -> dns.message.Message:
        host, port = self.upstream
        try:
            if tcp:
                return await dns.asyncquery.tcp(query, host, timeout=self.upstream_timeout, port=port)
            response, _ = await dns.asyncquery.udp_with_fallback(query, host, timeout=self.upstream_timeout,
                                                                 port=port)
            return response
        except (dns.exception.DNSException, OSError, EOFError) as e:
            log.debug("DNS: upstream %s:%d did not answer %s: %s", host, port, query.question[0].name,
                      e or type(e).__name__)
            return error(query, dns.rcode.SERVFAIL)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------ TCP

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                length = int.from_bytes(await asyncio.wait_for(reader.readexactly(2), TCP_IDLE), "big")
                data = await asyncio.wait_for(reader.readexactly(length), TCP_IDLE)
                started = time.perf_counter()
                wire = self.cached_wire(data, tcp=True)
                if wire is None:
                    query = parse(data)
                    if query is None:
                        break
                    response = self.answer_now(query)
                    if response is not None:
                        wire = response.to_wire(max_size=65535)
                        self.remember_wire(data, True, wire)
                    else:
                        wire = (await self.forward(query, tcp=True)).to_wire(max_size=65535)
                writer.write(len(wire).to_bytes(2, "big") + wire)
                prom.dns_answered("tcp", started)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, dns.exception.TooBig):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer):
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        started = time.perf_counter()
        wire = self.server.cached_wire(data, tcp=False)
        if wire is not None:
            self.transport.sendto(wire, addr)
            prom.dns_answered("udp", started)
            return
        query = parse(data)
        if query is None:
            return
        response = self.server.answer_now(query)
        if response is not None:
            wire = udp_wire(response, query)
            self.server.remember_wire(data, False, wire)
            self.transport.sendto(wire, addr)
            prom.dns_answered("udp", started)
        elif len(self.server._tasks) >= MAX_FORWARDS:
            self._send(error(query, dns.rcode.SERVFAIL), query, addr)
        else:
            self.server._spawn(self._forward(query, addr))

    async def _forward(self, query: dns.message.Message, addr) -> None:
        self._send(await self.server.forward(query, tcp=False), query, addr)

    def _send(self, response: dns.message.Message, query: dns.message.Message, addr) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.sendto(udp_wire(response, query), addr)

    def error_received(self, exc) -> None:
        log.debug("DNS: UDP error: %s", exc)


def udp_wire(response: dns.message.Message, query: dns.message.Message) -> bytes:
    """The response as one datagram; too big for the client's buffer: truncated (TC), so it retries on TCP."""
    limit = max(query.payload, UDP_PAYLOAD) if query.edns >= 0 else UDP_PAYLOAD
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        response.answer, response.authority, response.additional = [], [], []
        response.flags |= dns.flags.TC
        return response.to_wire(max_size=limit)


def parse(data: bytes) -> dns.message.Message | None:
    """The query in a packet; None for garbage and for responses (never answer those: no loops)."""
    try:
        message = dns.message.from_wire(data)
    except Exception as e:  # dnspython raises many kinds for malformed input
        log.debug("DNS: dropping a malformed packet: %s", e)
        return None
    return None if message.flags & dns.flags.QR else message
