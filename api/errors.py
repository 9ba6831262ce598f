"""The API's errors, one class per meaning, each mapped to one gRPC status code.

The server raises them; the client turns a gRPC status back into the same class.
Each also inherits the standard exception that fits, so `except LookupError` works.
"""
from __future__ import annotations

import grpc


class ApiError(Exception):
    """Base of every API error. `retryable` says whether the same request may succeed later."""

    code = grpc.StatusCode.UNKNOWN
    reason = "Unknown"
    retryable = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(ApiError, LookupError):
    code = grpc.StatusCode.NOT_FOUND
    reason = "NotFound"


class AlreadyExists(ApiError):
    code = grpc.StatusCode.ALREADY_EXISTS
    reason = "AlreadyExists"


class Conflict(ApiError):
    """The object changed since it was read (stale resourceVersion), or a pod is already bound."""

    code = grpc.StatusCode.ABORTED
    reason = "Conflict"


class Invalid(ApiError, ValueError):
    """The object is invalid; `causes` lists "field.path: what is wrong" for every offence."""

    code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "Invalid"

    def __init__(self, message: str, causes: list[str] | None = None):
        super().__init__(message)
        self.causes = causes or []

    @classmethod
    def of(cls, what: str, causes: list[str]) -> "Invalid":
        return cls(f"{what} is invalid: " + "; ".join(causes), causes)


class AdmissionInvalid(Invalid):
    """Invalid as an admission plugin refuses (a ValidatingAdmissionPolicy): its message says "is forbidden",
    its details name the resource (`deployments`), not the Kind, and its one cause has no field."""


class BadRequest(Invalid):
    """The request body cannot become an object (wrong types; unknown or duplicate fields under Strict)."""

    reason = "BadRequest"


class Expired(ApiError):
    """The resourceVersion asked for was compacted away: re-list, then watch again."""

    code = grpc.StatusCode.OUT_OF_RANGE
    reason = "Expired"


class TooLarge(ApiError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    reason = "RequestEntityTooLarge"


class StorageFull(ApiError):
    """etcd is over its space quota (its NOSPACE alarm is raised): every write fails until an operator
    compacts, defragments and disarms the alarm; reads still work."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    reason = "StorageFull"


class Unavailable(ApiError, ConnectionError):
    """etcd or the API server cannot be reached now; the same request can be retried."""

    code = grpc.StatusCode.UNAVAILABLE
    reason = "ServiceUnavailable"
    retryable = True


class ServerUnreachable(Unavailable):
    """The API server itself could not be reached (as opposed to the server reporting etcd or an agent away)."""


class TooManyRequests(ApiError):
    """Not now: the same request may succeed later (an eviction a disruption budget refuses); `causes` are
    Kubernetes' StatusCauses ({"reason": ..., "message": ...}), `retry_after` its suggested seconds (0: none)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    reason = "TooManyRequests"
    retryable = True

    def __init__(self, message: str, causes: list[dict] | None = None, retry_after: int = 0):
        super().__init__(message)
        self.causes = causes or []
        self.retry_after = retry_after


class PreconditionFailed(ApiError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    reason = "PreconditionFailed"


class Forbidden(ApiError, PermissionError):
    """The caller is known but may not do this (e.g. an agent reporting metrics of another node's pod)."""

    code = grpc.StatusCode.PERMISSION_DENIED
    reason = "Forbidden"


class Timeout(ApiError, TimeoutError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED
    reason = "Timeout"
    retryable = True


class Unauthenticated(ApiError, PermissionError):
    """The caller is nobody the server knows: no credentials, or ones it cannot verify."""

    code = grpc.StatusCode.UNAUTHENTICATED
    reason = "Unauthorized"


class WebhookDenied(ApiError):
    """An admission webhook said no: its Status as it sent it (Kubernetes keeps the webhook's reason, often
    none, and its code, at least 400)."""

    code = grpc.StatusCode.PERMISSION_DENIED
    reason = ""

    def __init__(self, message: str, http_code: int = 400, reason: str = ""):
        super().__init__(message)
        self.http_code, self.reason = http_code, reason


class Internal(ApiError):
    code = grpc.StatusCode.INTERNAL
    reason = "InternalError"


_BY_CODE = {cls.code: cls for cls in (
    NotFound, AlreadyExists, Conflict, Invalid, Expired, TooLarge, Unavailable,
    PreconditionFailed, Forbidden, Timeout, Unauthenticated, Internal)}
# Two meanings share RESOURCE_EXHAUSTED; the server's reason tells them apart.
_BY_REASON = {cls.reason: cls for cls in (StorageFull, TooManyRequests)}

# Trailing-metadata key carrying one Invalid cause per entry (binary, so any UTF-8 survives).
_CAUSES_KEY = "skiff-causes-bin"
# Present on every status the API server sends, so a client tells "the server said" from "no server".
_REASON_KEY = "skiff-reason"
# Trailing metadata of a successful write: one warning each (as Kubernetes' Warning headers), UTF-8.
WARNING_KEY = "skiff-warning-bin"


def from_rpc_error(error: grpc.RpcError) -> ApiError:
    """The typed error for a failed call."""
    code = error.code()
    details = error.details() or code.name
    cls = _BY_CODE.get(code, ApiError)
    reasons = [v for k, v in (error.trailing_metadata() or ()) if k == _REASON_KEY]
    from_server = bool(reasons)
    if reasons and reasons[0] in _BY_REASON:
        return _BY_REASON[reasons[0]](details)
    if cls is Unavailable and not from_server:
        return ServerUnreachable(details)
    if cls is Invalid:
        metadata = error.trailing_metadata() or ()
        causes = [v.decode() if isinstance(v, bytes) else v for k, v in metadata if k == _CAUSES_KEY]
        if any(k == _REASON_KEY and v == BadRequest.reason for k, v in metadata):
            cls = BadRequest
        return cls(details, causes)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED and "larger than max" in details:
        details = f"request too large: {details}"
    return cls(details)


# gRPC refuses a status whose trailers pass 8 KiB (the message travels percent-encoded, the causes in
# base64), and the client then sees RESOURCE_EXHAUSTED instead of the error: stay well inside it.
MAX_STATUS_MESSAGE = 2048
MAX_CAUSES_BYTES = 3072


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, saying how much was left out."""
    data = text.encode()
    if len(data) <= limit:
        return text
    kept = data[: max(limit - 40, 0)].decode(errors="ignore")
    return f"{kept}... ({len(data) - len(kept.encode())} more bytes)"


def trailing_metadata(error: ApiError) -> tuple[tuple[str, str | bytes], ...]:
    """What the server attaches to a status so the client can rebuild the error (within gRPC's limit)."""
    reason = ((_REASON_KEY, error.reason),)
    if isinstance(error, Invalid):
        kept, size = [], 0
        for i, cause in enumerate(error.causes):
            data = shorten(cause, MAX_CAUSES_BYTES // 2).encode()
            if size + len(data) > MAX_CAUSES_BYTES:
                kept.append(f"... and {len(error.causes) - i} more errors".encode())
                break
            kept.append(data)
            size += len(data)
        return reason + tuple((_CAUSES_KEY, cause) for cause in kept)
    return reason


def status_message(error: ApiError) -> str:
    """The status message the server sends: the error's message, cut to fit gRPC's trailer limit."""
    return shorten(error.message, MAX_STATUS_MESSAGE)
