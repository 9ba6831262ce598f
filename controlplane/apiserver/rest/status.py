"""Kubernetes `Status` objects for every failure: the HTTP code, the reason and, for Invalid, one cause
per offending field, so kubectl prints `Error from server (NotFound): pods "web" not found`.
"""
from __future__ import annotations

from api import errors

# reason -> HTTP code, as apimachinery's errors package.
CODES: dict[str, int] = {
    "BadRequest": 400, "Unauthorized": 401, "Forbidden": 403, "NotFound": 404, "MethodNotAllowed": 405,
    "NotAcceptable": 406, "AlreadyExists": 409, "Conflict": 409, "Gone": 410, "Expired": 410,
    "RequestEntityTooLarge": 413, "UnsupportedMediaType": 415, "Invalid": 422, "TooManyRequests": 429,
    "InternalError": 500, "ServiceUnavailable": 503, "Timeout": 504,
}

# An error class whose Kubernetes reason differs from skiff's name for it.
_REASONS: dict[type, str] = {
    # "namespace is being terminated" is Forbidden in Kubernetes.
    errors.PreconditionFailed: "Forbidden",
}

_CAUSE_REASONS = (
    ("Required value", "FieldValueRequired"),
    ("Unsupported value", "FieldValueNotSupported"),
    ("Duplicate value", "FieldValueDuplicate"),
    ("Forbidden", "FieldValueForbidden"),
    ("Too long", "FieldValueTooLong"),
    ("Too many", "FieldValueTooMany"),
    ("Not found", "FieldValueNotFound"),
)


class RestError(Exception):
    """A failure the REST layer itself finds (bad body, wrong media type): a reason and a message."""

    def __init__(self, reason: str, message: str, causes: list[dict] | None = None):
        super().__init__(message)
        self.reason, self.message, self.causes = reason, message, causes or []


def status(reason: str, message: str, details: dict | None = None) -> tuple[int, dict]:
    """(HTTP code, Status body) for a failure."""
    code = CODES.get(reason, 500)
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return code, body


def success(details: dict) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def from_error(error: Exception, details: dict | None = None) -> tuple[int, dict]:
    """The Status for an API error, a RestError or anything unexpected (500, no traceback shown)."""
    details = dict(details or {})
    if isinstance(error, RestError):
        if error.causes:
            details["causes"] = error.causes
        return status(error.reason, error.message, details)
    if isinstance(error, errors.WebhookDenied):
        code, body = status(error.reason, error.message)  # no details: the webhook's Status as it is
        body["code"] = error.http_code
        if not error.reason:
            del body["reason"]
        return error.http_code, body
    if isinstance(error, errors.ApiError):
        reason = _REASONS.get(type(error), error.reason)
        if isinstance(error, errors.AdmissionInvalid):  # Kubernetes' admission denial: a cause with no field
            details["causes"] = [{"message": c} for c in error.causes]
        elif isinstance(error, errors.Invalid):
            details["causes"] = [cause(c) for c in error.causes]
        elif isinstance(error, errors.TooManyRequests):
            if error.causes:
                details["causes"] = list(error.causes)
            if error.retry_after:
                details["retryAfterSeconds"] = error.retry_after
        return status(reason if reason in CODES else "InternalError", error.message, details)
    return status("InternalError", f"an internal error occurred: {error}", details)


def cause(text: str) -> dict:
    """`spec.replicas: Invalid value: -1: must be >= 0` as a StatusCause."""
    field, sep, message = text.partition(": ")
    if not sep or " " in field:
        return {"reason": "FieldValueInvalid", "message": text}
    reason = next((r for prefix, r in _CAUSE_REASONS if message.startswith(prefix)), "FieldValueInvalid")
    return {"reason": reason, "message": message, "field": field}
