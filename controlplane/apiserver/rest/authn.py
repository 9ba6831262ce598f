"""Who is calling the REST API and whether they may: the verified client certificate or bearer token,
through the same Authenticator as the gRPC listeners (else 401 Unauthorized), then the same authorizer,
judging what the URL asks (requestinfo.py; else 403 Forbidden in Kubernetes' words).
"""
from __future__ import annotations

from aiohttp import web

from api import errors
from controlplane.apiserver.auth.authn import Authenticator, bearer_token
from controlplane.apiserver.auth.request import current_user
from controlplane.apiserver.rest import requestinfo, tls
from controlplane.apiserver.rest.status import from_error

# Probes answer without credentials, as kube-apiserver's health endpoints do for its own probes.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/livez"})


def attributes(request: web.Request):
    """The authorizer's Attributes for this request."""
    from controlplane.apiserver.auth.attributes import Attributes
    return Attributes(**requestinfo.describe(request.method, request.path, request.query))


def middleware(authenticator: Authenticator, authorizer=None):
    @web.middleware
    async def authenticate(request: web.Request, handler):
        if request.path in OPEN_PATHS:
            return await handler(request)
        try:
            user = authenticator.authenticate(tls.peer_certificate(request),
                                              bearer_token(request.headers.get("Authorization", "")))
        except errors.Unauthenticated as e:
            code, body = from_error(e)
            return web.json_response(body, status=code)
        if authorizer is not None:
            try:
                authorizer.check(user, attributes(request))
            except errors.Forbidden as e:
                info = requestinfo.describe(request.method, request.path, request.query)
                details = {"name": info.get("name", ""), "group": info.get("api_group", ""),
                           "kind": info.get("resource", "")} if info.get("resource") else None
                code, body = from_error(e, details)
                return web.json_response(body, status=code)
        token = current_user.set(user)  # admission and audit read the caller from here, as for gRPC
        try:
            return await handler(request)
        finally:
            current_user.reset(token)
    return authenticate
