"""`?watch=1`: the watch cache's events as newline-delimited JSON (`{"type": "ADDED", "object": ...}`),
with bookmarks, `sendInitialEvents`, Table rows for `kubectl get -w`, and a too-old version as an ERROR event.
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

from aiohttp import web

from api import errors
from controlplane.apiserver.registry import Registry
from controlplane.apiserver.rest import codec, media, table
from controlplane.apiserver.rest.paths import Target
from controlplane.apiserver.rest.status import RestError, from_error

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _line(event_type: str, obj: dict) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


def bookmark(target: Target, revision: int, initial_end: bool = False) -> bytes:
    meta: dict = {"resourceVersion": str(revision)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return _line("BOOKMARK", {"kind": target.kind.name, "apiVersion": target.kind.api_version, "metadata": meta})


def _timeout(query) -> float | None:
    value = query.get("timeoutSeconds")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        raise RestError("BadRequest", f'timeoutSeconds: invalid value "{value}"') from None


async def serve_watch(request: web.Request, registry: Registry, target: Target) -> web.StreamResponse:
    q = request.query
    timeout = _timeout(q)
    send_initial = q.get("sendInitialEvents", "").lower() == "true"
    version = q.get("resourceVersion", "")
    if send_initial:
        version = ""
    elif "sendInitialEvents" in q and version in ("", "0"):
        version = str(registry.caches[target.kind].revision)  # from now, nothing replayed
    as_table = media.wants_table(request.headers.get("Accept", ""))
    include = q.get("includeObject", "Metadata")
    response = web.StreamResponse(headers={"Content-Type": media.JSON, "Cache-Control": "no-cache"})
    try:
        cache, watcher = await registry.watch(
            target.kind, target.namespace, q.get("labelSelector", ""), q.get("fieldSelector", ""),
            version, q.get("allowWatchBookmarks", "").lower() == "true" or send_initial)
    except errors.Expired as e:
        # Kubernetes answers 200 and a single ERROR event carrying the 410 Status; clients re-list.
        await response.prepare(request)
        await response.write(_line("ERROR", from_error(e)[1]))
        return response
    initial_left = len(watcher.initial) if send_initial else -1
    initial_revision = cache.revision
    await response.prepare(request)
    headers = True
    try:
        if initial_left == 0:
            await response.write(bookmark(target, initial_revision, True))
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            wait = None if deadline is None else deadline - loop.time()
            try:
                if wait is not None and wait <= 0:
                    raise asyncio.TimeoutError
                event = await asyncio.wait_for(watcher.next_event(), wait)
            except asyncio.TimeoutError:
                if watcher.bookmarks and watcher.caught_up():
                    # As Kubernetes, a bookmark as the watch times out: bookmarks being rare, the client
                    # resumes from the cache's revision rather than from its last event.
                    await response.write(bookmark(target, cache.revision))
                break
            except errors.ApiError as e:  # closed: fell behind (re-list), or the server is stopping
                await response.write(_line("ERROR", from_error(e)[1]))
                break
            if event.type == "BOOKMARK":
                await response.write(bookmark(target, event.revision))
            elif as_table:
                now = datetime.now(timezone.utc)
                body = table.table(target.kind, [event.obj], now, include, event.obj.metadata.resource_version,
                                   headers=headers)
                headers = False
                await response.write(_line(event.type, body))
            else:
                await response.write(_encoded(event))
            if initial_left > 0:
                initial_left -= 1
                if initial_left == 0:
                    await response.write(bookmark(target, initial_revision, True))
    except ConnectionResetError:
        pass  # the client went away
    finally:
        cache.unwatch(watcher)
    return response


def _encoded(event) -> bytes:
    """An event's JSON line, built once and shared by every REST watcher it is sent to."""
    line = event.wire.get("rest-json")
    if line is None:
        line = event.wire["rest-json"] = _line(event.type, codec.encode(event.obj))
    return line
