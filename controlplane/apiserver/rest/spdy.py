"""The part of SPDY/3.1 that `kubectl port-forward` speaks (tunnelled in a WebSocket): frames, and header
blocks compressed with zlib and the protocol's fixed dictionary. Pure functions and two small codecs.

A frame is 8 bytes of header then data. Control frames: 1, version 15 bits, type 16 bits, flags 8 bits,
length 24 bits. Data frames: 0, stream id 31 bits, flags, length.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
RST_CANCEL = 5

_WORDS = tuple(
    "options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age "
    "allow authorization cache-control connection content-base content-encoding content-language content-length "
    "content-location content-md5 content-range content-type date etag expect expires from host if-match "
    "if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma "
    "proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade "
    "user-agent vary via warning www-authenticate method get status".split()) + ("200 OK",) + tuple(
    "version HTTP/1.1 url public set-cookie keep-alive origin".split())
_TAIL = ("100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
         "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
         "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
         "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
         "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
         "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.")


def _dictionary() -> bytes:
    """The SPDY/3 header dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): length-prefixed words, then text."""
    return b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + _TAIL.encode()


DICTIONARY = _dictionary()


@dataclass(frozen=True)
class Frame:
    control: bool
    kind: int  # the control frame's type, or 0 for data
    flags: int
    payload: bytes
    stream_id: int = 0  # data frames: the stream; control frames: read it from the payload


def read_frames(buffer: bytearray) -> list[Frame]:
    """Take every complete frame off the front of `buffer` (in place); a partial frame stays."""
    frames = []
    while len(buffer) >= 8:
        first, second = struct.unpack(">II", buffer[:8])
        length = second & 0xFFFFFF
        if len(buffer) < 8 + length:
            break
        payload = bytes(buffer[8:8 + length])
        flags = second >> 24
        if first & 0x80000000:
            frames.append(Frame(True, first & 0xFFFF, flags, payload))
        else:
            frames.append(Frame(False, 0, flags, payload, first & 0x7FFFFFFF))
        del buffer[:8 + length]
    return frames


def control(kind: int, payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(payload)) + payload


def data(stream_id: int, payload: bytes, fin: bool = False) -> bytes:
    return struct.pack(">II", stream_id & 0x7FFFFFFF, ((FLAG_FIN if fin else 0) << 24) | len(payload)) + payload


def stream_of(frame: Frame) -> int:
    """The stream a control frame is about (SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE)."""
    return struct.unpack(">I", frame.payload[:4])[0] & 0x7FFFFFFF


def rst_stream(stream_id: int, status: int = RST_CANCEL) -> bytes:
    return control(RST_STREAM, struct.pack(">II", stream_id, status))


class HeaderReader:
    """Header blocks of one connection's direction: one zlib stream with the dictionary, across frames."""

    def __init__(self):
        self._z = zlib.decompressobj(zdict=DICTIONARY)

    def read(self, block: bytes) -> dict[str, str]:
        raw = self._z.decompress(block)
        count, at = struct.unpack(">I", raw[:4])[0], 4
        out: dict[str, str] = {}
        for _ in range(count):
            size = struct.unpack(">I", raw[at:at + 4])[0]
            name, at = raw[at + 4:at + 4 + size].decode(), at + 4 + size
            size = struct.unpack(">I", raw[at:at + 4])[0]
            value, at = raw[at + 4:at + 4 + size].decode(), at + 4 + size
            out[name] = value.split("\0")[0]
        return out


class HeaderWriter:
    def __init__(self):
        self._z = zlib.compressobj(zdict=DICTIONARY)

    def write(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers))
        for name, value in headers.items():
            raw += struct.pack(">I", len(name)) + name.encode() + struct.pack(">I", len(value)) + value.encode()
        return self._z.compress(raw) + self._z.flush(zlib.Z_SYNC_FLUSH)


def syn_stream_headers(frame: Frame, reader: HeaderReader) -> tuple[int, dict[str, str]]:
    """(stream id, headers) of a SYN_STREAM: id, associated id, priority and slot, then the header block."""
    return stream_of(frame), reader.read(frame.payload[10:])


def syn_reply(stream_id: int, writer: HeaderWriter, headers: dict[str, str] | None = None) -> bytes:
    return control(SYN_REPLY, struct.pack(">I", stream_id) + writer.write(headers or {}))
