"""Who is calling the REST API and whether they may: the verified client certificate or bearer token,
through the same Authenticator as the gRPC listeners (else 401 Unauthorized), then the same authorizer,
judging what the URL asks (requestinfo.py; else 403 Forbidden in Kubernetes' words), as whom the
Impersonate-* headers name when the caller may impersonate them. Every request, refused ones included,
is one line in the audit log, as a gRPC request is.
"""
from __future__ import annotations

import time

from aiohttp import web

from api import errors
from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth import impersonation
from controlplane.apiserver.auth.authn import Authenticator, bearer_token
from controlplane.apiserver.auth.request import audit_annotations, current_user, request_attributes, response_warnings
from controlplane.apiserver.rest import requestinfo, tls
from controlplane.apiserver.rest.status import from_error

# Probes answer without credentials, as kube-apiserver's health endpoints do for its own probes.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/livez"})


def attributes(request: web.Request) -> Attributes:
    """The authorizer's Attributes for this request."""
    return Attributes(**requestinfo.describe(request.method, request.path, request.query))


def _refusal(error: errors.ApiError, attrs: Attributes | None = None) -> web.Response:
    details = {"name": attrs.name, "group": attrs.api_group, "kind": attrs.resource} \
        if attrs is not None and attrs.resource else None
    code, body = from_error(error, details)
    return web.json_response(body, status=code)


def middleware(authenticator: Authenticator, authorizer=None, audit=None):
    """`audit`: the API server's AuditLog (auth/audit.py), or None."""
    @web.middleware
    async def authenticate(request: web.Request, handler):
        if request.path in OPEN_PATHS:
            return await handler(request)
        started, code, user, acting = time.time(), 500, None, None
        attrs = attributes(request)
        # Each aiohttp request runs in its own task: these are per request, as for gRPC.
        request_attributes.set(attrs)
        current_user.set(None)
        notes: list[str] = []
        audit_annotations.set(notes)
        response_warnings.set([])
        try:
            try:
                user = authenticator.authenticate(tls.peer_certificate(request),
                                                  bearer_token(request.headers.get("Authorization", "")))
            except errors.Unauthenticated as e:
                response = _refusal(e)
                code = response.status
                return response
            try:
                plan = impersonation.plan(request.headers.items())
            except errors.Internal as e:
                response = _refusal(e)
                code = response.status
                return response
            acting = user
            if plan is not None:
                for check in plan.checks if authorizer is not None else ():
                    try:
                        authorizer.check(user, check)
                    except errors.Forbidden as e:
                        response = _refusal(e, check)
                        code = response.status
                        return response
                acting = plan.user
            # RBAC, admission, the access reviews and audit see whom the request acts as, as in Kubernetes
            current_user.set(acting)
            if authorizer is not None:
                try:
                    authorizer.check(acting, attrs)
                except errors.Forbidden as e:
                    response = _refusal(e, attrs)
                    code = response.status
                    return response
            response = await handler(request)
            code = response.status
            return response
        except web.HTTPException as e:
            code = e.status
            raise
        finally:
            if audit is not None:
                audit.record(user, attrs, code, "", started, time.time(), notes, request.remote or "",
                             impersonated=acting if acting is not user else None)
    return authenticate
