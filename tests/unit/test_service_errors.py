"""The gRPC face tells the truth about failures: an API error keeps its code, an unknown kind is the
caller's mistake, and anything else (a bug, even a ValueError) is logged and answered as INTERNAL."""
from __future__ import annotations

import logging

import grpc
import pytest

from api import errors, kinds
from controlplane.apiserver import service


class Aborted(Exception):
    pass


class Context:
    """What the wrapper needs of a grpc.aio.ServicerContext: abort records the status and raises."""

    def __init__(self):
        self.status = None

    async def abort(self, code, details, metadata=()):
        self.status = (code, details)
        raise Aborted()


class Api:
    def authenticate(self, context):
        pass

    def audited_peer(self, context):
        return ""

    def audit(self, *call):
        pass

    @service._api_call
    async def Get(self, request, context):
        raise request


@pytest.mark.parametrize("raised,code", [
    (errors.NotFound('pods "x" not found'), grpc.StatusCode.NOT_FOUND),
    (errors.Conflict("stale"), grpc.StatusCode.ABORTED),
    (kinds.UnknownKindError("widgets"), grpc.StatusCode.INVALID_ARGUMENT),
    (ValueError("a bug, not the caller's input"), grpc.StatusCode.INTERNAL),
    (KeyError("also a bug"), grpc.StatusCode.INTERNAL),
])
async def test_each_failure_is_answered_with_the_status_it_deserves(raised, code, caplog):
    context = Context()
    with caplog.at_level(logging.ERROR), pytest.raises(Aborted):
        await Api().Get(raised, context)
    assert context.status[0] == code
    if code == grpc.StatusCode.INTERNAL:
        assert "bug" not in context.status[1]  # the details stay in the log, with the traceback
        assert any(r.exc_info for r in caplog.records)
