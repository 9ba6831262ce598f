"""The controller manager: while it leads (a Lease in kube-system), it runs the chosen controllers
over one set of shared informers and one event recorder; it stops them all when it stops leading.
"""
from __future__ import annotations

import asyncio
import logging
import socket

from api.client import Client
from api.events import EventRecorder
from api.leaderelection import LeaderElector, default_identity
from controlplane.controllers.certificates.cleaner import CertificateCleaner
from controlplane.controllers.certificates.signer import CertificateSigningController
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.core.informers import SharedInformers
from controlplane.controllers.cronjob.controller import CronJobController
from controlplane.controllers.daemon.controller import DaemonSetController
from controlplane.controllers.deployment.controller import DeploymentController
from controlplane.controllers.disruption.controller import DisruptionController
from controlplane.controllers.endpoints.controller import EndpointsController
from controlplane.controllers.garbagecollector import GarbageCollector
from controlplane.controllers.job.controller import JobController
from controlplane.controllers.job.ttl import TTLAfterFinishedController
from controlplane.controllers.statefulset.controller import StatefulSetController
from controlplane.controllers.volume.binder import PersistentVolumeBinder
from controlplane.controllers.volume.ephemeral import EphemeralVolumeController
from controlplane.controllers.volume.protection import PVCProtectionController, PVProtectionController
from controlplane.controllers.loadbalancer.controller import LoadBalancerController
from controlplane.controllers.namespace import NamespaceController
from controlplane.controllers.nodeipam.controller import NodeIpamController
from controlplane.controllers.nodelifecycle.controller import NodeLifecycleController
from controlplane.controllers.options import Options
from controlplane.controllers.podautoscaler.controller import HorizontalController
from controlplane.controllers.podgc import PodGarbageCollector
from controlplane.controllers.replicaset.controller import ReplicaSetController, ReplicationManager
from controlplane.controllers.resourcequota.controller import ResourceQuotaController
from controlplane.controllers.rootcacert import RootCaCertPublisher
from controlplane.controllers.serviceaccount import ServiceAccountsController

log = logging.getLogger(__name__)

LEASE_NAME = "skiff-controller-manager"
COMPONENT = "controller-manager"
SYNC_TIMEOUT_S = 60.0

CONTROLLERS: dict[str, type[Controller]] = {
    "replicaset": ReplicaSetController,
    "replicationcontroller": ReplicationManager,
    "deployment": DeploymentController,
    "daemonset": DaemonSetController,
    "job": JobController,
    "ttl-after-finished": TTLAfterFinishedController,
    "cronjob": CronJobController,
    "statefulset": StatefulSetController,
    "disruption": DisruptionController,
    "resourcequota": ResourceQuotaController,
    "persistentvolume-binder": PersistentVolumeBinder,
    "ephemeral-volume": EphemeralVolumeController,
    "pvc-protection": PVCProtectionController,
    "pv-protection": PVProtectionController,
    "garbagecollector": GarbageCollector,
    "namespace": NamespaceController,
    "nodeipam": NodeIpamController,
    "nodelifecycle": NodeLifecycleController,
    "podgc": PodGarbageCollector,
    "endpoints": EndpointsController,
    "horizontalpodautoscaling": HorizontalController,
    "loadbalancer": LoadBalancerController,
    "serviceaccount": ServiceAccountsController,
    "root-ca-cert-publisher": RootCaCertPublisher,
    "csrsigning": CertificateSigningController,
    "csrcleaner": CertificateCleaner,
}


class UnknownControllerError(ValueError):
    pass


def choose(spec: str) -> list[str]:
    """`--controllers`: "*" for all, names to add, "-name" to leave one out ("*,-podgc")."""
    chosen: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name = part.lstrip("-")
        if name != "*" and name not in CONTROLLERS:
            raise UnknownControllerError(f'unknown controller "{name}" in --controllers '
                                         f'(known: {", ".join(CONTROLLERS)})')
        if part == "*":
            chosen += [n for n in CONTROLLERS if n not in chosen]
        elif part.startswith("-"):
            chosen = [n for n in chosen if n != name]
        elif name not in chosen:
            chosen.append(name)
    return chosen


class ControllerManager:
    """Start with `await start()`, stop with `await stop()`; `leading` is set while controllers run.
    With an elector (for the Lease LEASE_NAME) they run only while it leads; without one, at once."""

    def __init__(self, client: Client, options: Options | None = None, controllers: list[str] | None = None,
                 elector: LeaderElector | None = None):
        self.client = client
        self.options = options or Options()
        self.names = controllers if controllers is not None else list(CONTROLLERS)
        self.elector = elector
        self.identity = elector.identity if elector is not None else default_identity(LEASE_NAME)
        self.leading = asyncio.Event()
        self.controllers: dict[str, Controller] = {}
        self.informers: SharedInformers | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="controller-manager")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def wait(self) -> None:
        """Until the manager ends by itself: it lost its leadership (the process should exit then)."""
        if self._task is not None:
            await self._task

    async def run(self) -> None:
        if self.elector is not None:
            await self.elector.run(self._lead)
            log.warning("%s: leadership lost; controllers stopped", self.identity)
        else:
            await self._lead()

    async def _lead(self) -> None:
        informers = self.informers = SharedInformers(self.client)
        recorder = EventRecorder(self.client, COMPONENT, socket.gethostname())
        ctx = Context(self.client, informers, recorder, self.options)
        self.controllers = {name: CONTROLLERS[name](ctx) for name in self.names}
        recorder.start()
        informers.start()
        try:
            await informers.wait_synced(SYNC_TIMEOUT_S)
            for controller in self.controllers.values():
                await controller.prepare()
                controller.start()
            log.info("%s: leading; running %s", self.identity, ", ".join(self.controllers) or "no controllers")
            self.leading.set()
            await asyncio.Event().wait()  # until cancelled: leadership lost or stop()
        finally:
            self.leading.clear()
            for controller in self.controllers.values():
                await controller.stop()
            await informers.stop()
            await recorder.stop(flush_timeout=1.0)
