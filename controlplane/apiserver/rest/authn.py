"""Who is calling the REST API: the verified client certificate or bearer token, through the same
Authenticator as the gRPC listeners; anyone else gets Kubernetes' 401 Unauthorized Status.
"""
from __future__ import annotations

from aiohttp import web

from api import errors
from controlplane.apiserver.auth.authn import Authenticator, bearer_token
from controlplane.apiserver.auth.request import current_user
from controlplane.apiserver.rest import tls
from controlplane.apiserver.rest.status import from_error

# Probes answer without credentials, as kube-apiserver's health endpoints do for its own probes.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/livez"})


def middleware(authenticator: Authenticator):
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
        token = current_user.set(user)  # admission and audit read the caller from here, as for gRPC
        try:
            return await handler(request)
        finally:
            current_user.reset(token)
    return authenticate
