"""The user of the request being served, for the steps after authentication (admission, audit).

Each gRPC call runs in its own task, so a context variable is per request.
"""
from __future__ import annotations

import contextvars

from controlplane.apiserver.auth.user import UserInfo

current_user: contextvars.ContextVar[UserInfo | None] = contextvars.ContextVar("current_user", default=None)
# Who authenticated, when the request acts as someone else (impersonation; current_user is then that someone).
impersonator: contextvars.ContextVar[UserInfo | None] = contextvars.ContextVar("impersonator", default=None)
# What admission noted for the audit log about this request: Pod Security "audit" mode's violations (text) and
# other plugins' annotations as (key, value) pairs (a ValidatingAdmissionPolicy's auditAnnotations).
audit_annotations: contextvars.ContextVar[list[str | tuple[str, str]]] = contextvars.ContextVar("audit_annotations")
# What the request asked for, as its handler authorized it (the audit log records it).
request_attributes: contextvars.ContextVar = contextvars.ContextVar("request_attributes", default=None)
# The warnings to send back with the response (admission's, e.g. Pod Security "warn" mode).
response_warnings: contextvars.ContextVar[list[str]] = contextvars.ContextVar("response_warnings")
