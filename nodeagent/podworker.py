"""One worker task per pod (the kubelet's pod workers): kicked by pod changes and runtime changes, it
re-reads the pod and its containers and syncs, level-triggered; `PodWorkers` owns them all for one node.
"""
from __future__ import annotations

import asyncio
import logging
import time

from api import meta
from api.retry import Backoff
from api.tasks import cancel_and_wait
from nodeagent import status
from nodeagent.metrics import prom
from nodeagent.runtime import base
from nodeagent.syncpod import PodState, PodSyncer
from proto import types_pb2

log = logging.getLogger(__name__)

RESYNC_S = 10.0  # a pod is looked at this often even when nothing seems to change


def asks_for_sync(old: types_pb2.Pod, new: types_pb2.Pod) -> bool:
    """Whether a pod's new version calls for a sync: anything but its status and resourceVersion changed.

    As the kubelet (podsDifferSemantically): the agent's own status write comes back through the watch, and
    a pod whose status alone changed is reconciled into the cache without a sync; its periodic resync and
    its runtime's changes still come. A status change that flips a readiness gate's condition does call for one.
    """
    if old.spec != new.spec:
        return True
    if new.spec.readiness_gates and status.gate_conditions(old) != status.gate_conditions(new):
        return True  # a readiness gate's condition, written by others, decides the pod's Ready condition
    if old.metadata.resource_version == new.metadata.resource_version:
        return old.metadata != new.metadata
    before, after = types_pb2.ObjectMeta(), types_pb2.ObjectMeta()
    before.CopyFrom(old.metadata)
    after.CopyFrom(new.metadata)
    before.resource_version = after.resource_version = ""
    del before.managed_fields[:], after.managed_fields[:]  # who wrote the status last
    return before != after


class PodWorker:
    def __init__(self, syncer: PodSyncer, pod: types_pb2.Pod, on_finished, resync_s: float = RESYNC_S):
        self.syncer = syncer
        self.resync_s = resync_s
        self.uid = pod.metadata.uid
        self.pod = pod  # the latest desired state; kept after the API deletes the pod, for its grace period
        self.removed = False  # the pod is gone from the API: clean up, confirm nothing
        self.state = PodState()
        self._on_finished = on_finished
        self._kick = asyncio.Event()
        self._kick.set()
        self._full = True  # the next sync looks at everything; else only a ConfigMap or Secret changed
        self._task = asyncio.create_task(self._run(), name=f"pod-{pod.metadata.namespace}/{pod.metadata.name}")
        self.syncs = 0
        self._seen_at = time.monotonic()  # for kubelet_pod_start_duration_seconds
        self._start_reported = False

    def update(self, pod: types_pb2.Pod | None) -> None:
        if pod is None:
            self.removed = True
        else:
            if not self.removed and not asks_for_sync(self.pod, pod):
                self.pod = pod  # the newest version (its resourceVersion) is what the next status write is based on
                return
            self.pod = pod
        self._full = True
        self._kick.set()

    def kick(self) -> None:
        self._full = True
        self._kick.set()

    def config_changed(self) -> None:
        """A ConfigMap or Secret the pod names changed: its volumes are rewritten, nothing else is looked at
        (unless a container waits for it), so an update reaches a hundred pods without a docker call."""
        self._kick.set()

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    @property
    def terminating(self) -> bool:
        return self.removed or meta.is_being_deleted(self.pod)

    async def _run(self) -> None:
        errors_backoff = Backoff(base=0.5, cap=10.0)
        wake: float | None = None
        while True:
            try:
                await asyncio.wait_for(self._kick.wait(), self.resync_s if wake is None else min(wake, self.resync_s))
            except asyncio.TimeoutError:
                self._full = True
            self._kick.clear()
            full, self._full = self._full, False
            try:
                if self.terminating:
                    await self.syncer.terminate(self.pod, self.state, confirm=not self.removed)
                    self._on_finished(self)
                    return
                if not full and not self.state.config_blocked:
                    await self.syncer.refresh_volumes(self.pod, self.state)
                    continue
                wake = await self.syncer.sync(self.pod, self.state)
                errors_backoff.reset()
                self._report_start()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the API or the runtime failed: try again soon, level-triggered
                wake = errors_backoff.next_delay()
                log.warning("pod %s/%s: %s: %s (retrying in %.1fs)", self.pod.metadata.namespace,
                            self.pod.metadata.name, type(e).__name__, e, wake)
                log.debug("sync failure", exc_info=True)
            finally:
                self.syncs += 1


    def _report_start(self) -> None:
        last = self.state.last_status
        if not self._start_reported and last is not None and last.phase == "Running":
            self._start_reported = True
            prom.POD_START.observe(time.monotonic() - self._seen_at)


class PodWorkers:
    """The workers of one node, by pod uid; handlers of the pod informer and of the PLEG call in here."""

    def __init__(self, syncer: PodSyncer, resync_s: float = RESYNC_S):
        self.syncer = syncer
        self.resync_s = resync_s
        self.workers: dict[str, PodWorker] = {}
        self.by_key: dict[str, str] = {}  # "namespace/name" -> uid of the pod the API has now

    def pod_changed(self, pod: types_pb2.Pod) -> None:
        uid = pod.metadata.uid
        k = meta.key(pod)
        old_uid = self.by_key.get(k)
        if old_uid and old_uid != uid:  # the same name, a new pod: the old one is gone
            self._removed(old_uid)
        self.by_key[k] = uid
        worker = self.workers.get(uid)
        if worker is None:
            self.workers[uid] = PodWorker(self.syncer, pod, self._finished, self.resync_s)
        else:
            worker.update(pod)

    def pod_deleted(self, pod: types_pb2.Pod) -> None:
        k = meta.key(pod)
        if self.by_key.get(k) == pod.metadata.uid:
            del self.by_key[k]
        self._removed(pod.metadata.uid)

    def _removed(self, uid: str) -> None:
        worker = self.workers.get(uid)
        if worker is not None:
            worker.update(None)

    def orphan(self, uid: str, sample) -> None:
        """Containers of a pod the API does not know: a worker that only cleans up."""
        if uid in self.workers:
            return
        pod = types_pb2.Pod(metadata=types_pb2.ObjectMeta(
            uid=uid, name=sample.labels.get(base.LABEL_POD_NAME, ""),
            namespace=sample.labels.get(base.LABEL_POD_NAMESPACE, ""), deletion_grace_period_seconds=0))
        worker = PodWorker(self.syncer, pod, self._finished, self.resync_s)
        worker.update(None)
        self.workers[uid] = worker

    def kick(self, uid: str) -> None:
        worker = self.workers.get(uid)
        if worker is not None:
            worker.kick()

    def config_changed(self, uid: str) -> None:
        worker = self.workers.get(uid)
        if worker is not None:
            worker.config_changed()

    def pod(self, namespace: str, name: str) -> types_pb2.Pod | None:
        uid = self.by_key.get(f"{namespace}/{name}")
        worker = self.workers.get(uid) if uid else None
        return worker.pod if worker else None

    async def containers(self, pod_uid: str) -> list[base.ContainerInfo]:
        return await self.syncer.observe(pod_uid)

    def _finished(self, worker: PodWorker) -> None:
        if self.workers.get(worker.uid) is worker:
            del self.workers[worker.uid]

    async def stop(self) -> None:
        workers, self.workers = list(self.workers.values()), {}
        await asyncio.gather(*(w.stop() for w in workers))
