"""Blocking byte streams (docker log follows, exec sockets) turned into async iterators.

Each stream gets its own reader thread, not a pool worker: a follow can last for hours and would starve the pool.
"""
from __future__ import annotations

import asyncio
import select
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


async def from_thread(blocking: Iterator[T], close: Callable[[], None], maxsize: int = 64,
                      name: str = "runtime-stream") -> AsyncIterator[T]:
    """Items of `blocking`, read in a thread; `close` must unblock a read (it is called at the end)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue(maxsize)
    stopped = threading.Event()

    def put(item) -> None:
        # A bounded queue gives back-pressure; the loop check lets the thread leave once nobody reads.
        future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while not stopped.is_set():
            try:
                future.result(timeout=0.5)
                return
            except TimeoutError:
                continue
        future.cancel()

    def pump() -> None:
        try:
            for item in blocking:
                if stopped.is_set():
                    return
                put(item)
            put(_END)
        except BaseException as e:  # handed to the reader, who raises it
            if not stopped.is_set():
                put(e)

    thread = threading.Thread(target=pump, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()
        close()


class SocketReader:
    """Reads a raw docker hijacked socket with a deadline (docker's own helpers wait forever)."""

    def __init__(self, sock):
        self.sock = sock

    def recv(self, deadline: float | None) -> bytes:
        """Some bytes, b"" at the end of the stream; TimeoutError once `deadline` (monotonic) passes."""
        while True:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.sock], [], [], wait)
            if ready:
                return self.sock.recv(65536)


def split_frames(buffer: bytes) -> tuple[list[tuple[str, bytes]], bytes]:
    """Docker's multiplexed stream (8-byte header: stream, 0, 0, 0, big-endian length) into frames.

    Returns the complete frames and the unparsed rest.
    """
    frames = []
    while len(buffer) >= 8:
        stream, length = struct.unpack(">BxxxL", buffer[:8])
        if len(buffer) < 8 + length:
            break
        frames.append(("stderr" if stream == 2 else "stdout", buffer[8:8 + length]))
        buffer = buffer[8 + length:]
    return frames, buffer


def frames(reader: SocketReader, tty: bool, deadline: float | None = None) -> Iterator[tuple[str, bytes]]:
    """(stream, data) chunks from an exec or attach socket until it ends."""
    rest = b""
    while True:
        data = reader.recv(deadline)
        if not data:
            return
        if tty:
            yield "stdout", data
            continue
        parsed, rest = split_frames(rest + data)
        yield from parsed
