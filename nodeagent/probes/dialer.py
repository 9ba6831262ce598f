"""TCP connections for HTTP and TCP probes, made from the node's network namespace as the kubelet's are.

A socket belongs to the namespace it was created in: with a host netns (lab, e2e) one helper thread
creates sockets inside it and the event loop does the rest, so no probe holds a thread.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl as ssl_
from concurrent.futures import ThreadPoolExecutor

from nodeagent.network import netns as netns_


def dial_error(e: OSError) -> str:
    """An OSError from connecting, in the words a user knows ("connection refused", "no route to host")."""
    return os.strerror(e.errno).lower() if e.errno else str(e)


def _new_socket(family: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    return sock


class Dialer:
    def __init__(self, netns: str | None = None, simulated: bool = False):
        self.netns = netns
        # A simulated pod network (hollow nodes, the fake runtime): pod addresses exist nowhere, and a packet
        # to one must never leave the machine, so only loopback is dialled.
        self.simulated = simulated
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="probe-netns") if netns else None

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=False, cancel_futures=True)

    def sends_to(self, host: str) -> bool:
        """False for a pod address on a simulated network: the probe is not sent."""
        if not self.simulated:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    async def _socket(self, family: int) -> socket.socket:
        if self._thread is None:
            return _new_socket(family)

        def in_netns() -> socket.socket:
            with netns_.entered(self.netns):
                return _new_socket(family)
        return await asyncio.get_running_loop().run_in_executor(self._thread, in_netns)

    async def connect(self, host: str, port: int) -> socket.socket:
        """A connected non-blocking socket; the caller applies the timeout and closes it."""
        loop = asyncio.get_running_loop()
        try:
            family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
            address: tuple = (host, port)
        except ValueError:  # a name: resolve it first
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            family, _, _, _, address = infos[0]
        sock = await self._socket(family)
        try:
            await loop.sock_connect(sock, address)
        except BaseException:
            sock.close()
            raise
        return sock

    async def open(self, host: str, port: int, tls: bool = False) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        sock = await self.connect(host, port)
        context = None
        if tls:
            # Probes check that the server answers, not who it is (the kubelet skips verification too).
            context = ssl_.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl_.CERT_NONE
        try:
            return await asyncio.open_connection(sock=sock, ssl=context, server_hostname=host if tls else None)
        except BaseException:
            sock.close()
            raise
