"""A DELETE request's meta/v1 DeleteOptions (JSON or protobuf body, or query parameters), read once for
built-in kinds and custom resources alike: grace period, propagation policy and preconditions."""
from __future__ import annotations

from aiohttp import web

from controlplane.apiserver.rest import codec, k8sproto
from controlplane.apiserver.rest.status import RestError


async def read(request: web.Request) -> dict:
    body = await request.read()
    data = k8sproto.body(request.headers.get("Content-Type", ""), body, k8sproto.delete_options) if body else {}
    if data is None:
        data = codec.parse_json(body, "DeleteOptions")
    if not isinstance(data, dict):
        raise RestError("BadRequest", "DeleteOptions must be a JSON object")
    return from_fields(data, request.query)


def from_fields(data: dict, query) -> dict:
    grace = data.get("gracePeriodSeconds", int_param(query, "gracePeriodSeconds"))
    propagation = data.get("propagationPolicy") or query.get("propagationPolicy", "")
    orphan = data.get("orphanDependents", query.get("orphanDependents"))
    if not propagation and orphan is not None:
        propagation = "Orphan" if str(orphan).lower() == "true" else "Background"
    preconditions = data.get("preconditions") or {}
    return {"grace_period": grace, "propagation": propagation,
            "precondition_uid": preconditions.get("uid") or "",
            "precondition_rv": preconditions.get("resourceVersion") or ""}


def int_param(query, name: str) -> int | None:
    """A query parameter that must be an integer (None when absent), refused in Kubernetes' words otherwise."""
    value = query.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise RestError("BadRequest", f'{name}: invalid value "{value}": must be an integer') from None
