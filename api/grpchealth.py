"""The standard gRPC health service (grpc.health.v1.Health) for skiff's gRPC servers: SERVING while the
program's readiness check passes, for the whole server ("") and each named service."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc

from proto import health_pb2, health_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
WATCH_POLL_S = 1.0


class HealthService(health_pb2_grpc.HealthServicer):
    def __init__(self, ready: Callable[[], bool], services: tuple[str, ...] = ()):
        self.ready = ready
        self.services = {"", *services}

    def status(self, service: str) -> int | None:
        if service not in self.services:
            return None
        return SERVING if self.ready() else NOT_SERVING

    async def Check(self, request, context):
        status = self.status(request.service)
        if status is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return health_pb2.HealthCheckResponse(status=status)

    async def Watch(self, request, context):
        """The status now, then each change (readiness is a function, so it is looked at every second)."""
        last = None
        while True:
            status = self.status(request.service)
            status = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN if status is None else status
            if status != last:
                yield health_pb2.HealthCheckResponse(status=status)
                last = status
            await asyncio.sleep(WATCH_POLL_S)


def add_to_server(server: grpc.aio.Server, ready: Callable[[], bool], services: tuple[str, ...] = ()) -> None:
    health_pb2_grpc.add_HealthServicer_to_server(HealthService(ready, services), server)
