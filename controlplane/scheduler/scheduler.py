"""The scheduler at work: informers feed the cache and the queue; one loop pops a pod, asks placement
for a decision, assumes it and hands the bind to a bounded set of concurrent API calls.

Every outcome is told to the user: a Scheduled event and the winning scores on the pod, or
PodScheduled=False with Kubernetes' message and a FailedScheduling event. A pod that fits nowhere may preempt
(preemption.py decides): it is nominated to a node, the victims there are deleted, and it is tried again."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable
from dataclasses import dataclass

from api import errors, meta, podstatus, storage
from api.client import Client
from api.events import EventRecorder
from api.informer import Informer
from api.tasks import cancel_and_wait
from controlplane.scheduler import metrics, placement, plugins, preemption
from controlplane.scheduler.cache import DEFAULT_ASSUMED_TTL, Cache
from controlplane.scheduler.framework import Profile
from controlplane.scheduler.plugins import volume_binding
from controlplane.scheduler.podinfo import PodInfo
from controlplane.scheduler.queue import SchedulingQueue
from proto import types_pb2

log = logging.getLogger(__name__)

DEFAULT_NAME = "default-scheduler"
SCORES_ANNOTATION = "scheduler.skiff.io/scores"
TERMINAL_PHASES = podstatus.TERMINAL_PHASES
CLAIM_BIND_TIMEOUT_S = 120.0  # a WaitForFirstConsumer claim's volume must be bound by then (Kubernetes: 600 s)


@dataclass(frozen=True)
class Config:
    name: str = DEFAULT_NAME  # pods say which scheduler they want in spec.schedulerName
    percentage_of_nodes_to_score: int = 0  # 0: adaptive, as Kubernetes
    # API calls (binds, status writes) in flight at once. A bind waits its turn behind every request the API
    # server is serving (tens of ms when it is busy creating pods), so the rate of binds is this many per
    # such wait: 16 held scheduling to ~300-400 pods/s while the API server had room. Kubernetes runs each
    # pod's binding cycle on its own goroutine, unbounded; a bound keeps a backlog from opening thousands.
    parallelism: int = 64
    initial_backoff: float = 1.0
    max_backoff: float = 10.0
    identity: str = ""  # the host named in events
    assumed_pod_ttl: float = DEFAULT_ASSUMED_TTL  # seconds a bound pod may stay unconfirmed by the watch


class Scheduler:
    def __init__(self, client: Client, config: Config | None = None, profile: Profile | None = None):
        self.client = client
        self.config = config or Config()
        self.profile = profile or plugins.profile()
        self.cache = Cache(self.config.assumed_pod_ttl)
        self.queue = SchedulingQueue(initial_backoff=self.config.initial_backoff,
                                     max_backoff=self.config.max_backoff)
        self.pods = Informer(client, "Pod")
        self.nodes = Informer(client, "Node")
        # what VolumeBinding decides from: the pods' claims, the volumes and their classes
        self.claims = Informer(client, "PersistentVolumeClaim")
        self.volumes = Informer(client, "PersistentVolume")
        self.classes = Informer(client, "StorageClass")
        self.budgets = Informer(client, "PodDisruptionBudget")  # what preemption weighs before it evicts
        # Pods that preempted, by key: (node, pod), counted on that node by pods of no higher priority.
        self._nominated: dict[str, tuple[str, PodInfo]] = {}
        self._claims_changed = asyncio.Event()
        self.events = EventRecorder(client, self.config.name, self.config.identity)
        self._slots = asyncio.Semaphore(self.config.parallelism)
        self._calls: set[asyncio.Task] = set()
        self._loop: asyncio.Task | None = None
        self._expiry: asyncio.Task | None = None
        self._next_start = 0
        self._rng = random.Random()
        self._attempts = 0
        metrics.PENDING.queues.add(self.queue)

    # ------------------------------------------------------------ lifecycle

    async def start(self, sync_timeout: float = 60.0) -> None:
        self.nodes.add_handlers(self._on_node_add, self._on_node_update, self._on_node_delete)
        self.pods.add_handlers(self._on_pod_add, self._on_pod_update, self._on_pod_delete)
        # One Scheduled event per binding, as many written at once as bindings are in flight: with the
        # recorder's few writers, a loaded API server's latency held them to a few dozen a second, far behind
        # the binds, until the queue overflowed and events were dropped (30,000 pods at once).
        for informer, reason in ((self.claims, "PvcChange"), (self.volumes, "PvChange"),
                                 (self.classes, "StorageClassAdd")):
            informer.add_handlers(lambda obj, r=reason: self._volumes_changed(r),
                                  lambda old, new, r=reason: self._volumes_changed(r))
        self.events.start(writers=self.config.parallelism)
        self.nodes.start()
        self.pods.start()
        for informer in (self.claims, self.volumes, self.classes, self.budgets):
            informer.start()
        try:
            await self.nodes.wait_synced(sync_timeout)
            await self.pods.wait_synced(sync_timeout)
            for informer in (self.claims, self.volumes, self.classes, self.budgets):
                await informer.wait_synced(sync_timeout)
        except BaseException:
            await self.stop()
            raise
        self._loop = asyncio.create_task(self._schedule_loop(), name=f"{self.config.name}-loop")
        self._expiry = asyncio.create_task(self._expire_loop(), name=f"{self.config.name}-expiry")
        log.info("%s: scheduling (%d nodes, %d pods pending)", self.config.name, len(self.cache.nodes()),
                 len(self.queue))

    async def stop(self) -> None:
        await cancel_and_wait(self._expiry)
        await cancel_and_wait(self._loop)
        self._loop = self._expiry = None
        if self._calls:  # let binds in flight finish, so none is cut between assume and confirm
            await asyncio.wait(self._calls, timeout=5)
            for task in self._calls:
                task.cancel()
            await asyncio.gather(*self._calls, return_exceptions=True)
        await self.pods.stop()
        await self.nodes.stop()
        for informer in (self.claims, self.volumes, self.classes, self.budgets):
            await informer.stop()
        await self.events.stop()

    async def run(self) -> None:
        """Schedule until cancelled (or until the loop fails)."""
        await self.start()
        try:
            await self._loop
        finally:
            await self.stop()

    # ------------------------------------------------------------ informer handlers: only bookkeeping

    def _responsible(self, pod: types_pb2.Pod) -> bool:
        # A gated pod waits until its last schedulingGate is removed (an update, which queues it then).
        return (pod.spec.scheduler_name == self.config.name and not pod.metadata.deletion_timestamp
                and pod.status.phase not in TERMINAL_PHASES and not pod.spec.scheduling_gates)

    def _on_pod_add(self, pod: types_pb2.Pod) -> None:
        if pod.spec.node_name:
            if pod.status.phase not in TERMINAL_PHASES:
                self.cache.add_pod(PodInfo.of(pod), pod.spec.node_name)
        elif self._responsible(pod):
            self.queue.add(meta.key(pod), pod.spec.priority, pod.metadata.creation_timestamp)
            self._note_nomination(pod)

    def _note_nomination(self, pod: types_pb2.Pod) -> None:
        """Keep what the pod's status says of its nomination (a restarted scheduler learns it back)."""
        key = meta.key(pod)
        if pod.status.nominated_node_name and not pod.spec.node_name and self._responsible(pod):
            self._nominated[key] = (pod.status.nominated_node_name, PodInfo.of(pod))
        else:
            self._nominated.pop(key, None)

    def _on_pod_update(self, old: types_pb2.Pod, new: types_pb2.Pod) -> None:
        key = meta.key(new)
        if old.status.nominated_node_name != new.status.nominated_node_name or new.spec.node_name:
            self._note_nomination(new)
        if new.spec.node_name:
            if not old.spec.node_name:
                self.queue.delete(key)
            if new.status.phase in TERMINAL_PHASES:  # a finished pod holds nothing any more
                if self.cache.remove_pod(key):
                    self.queue.move_all_to_active("AssignedPodCompleted")
            elif not self.cache.has_bound(key, new.spec.node_name) or \
                    new.metadata.deletion_timestamp != old.metadata.deletion_timestamp:
                # a terminating pod still holds its room; preemption must see that it is going
                self.cache.add_pod(PodInfo.of(new), new.spec.node_name)
        elif not self._responsible(new):
            self.queue.delete(key)
            self._nominated.pop(key, None)
        elif old.spec != new.spec or old.metadata.labels != new.metadata.labels:
            # Only a change of what the pod asks for can change the verdict; our own status writes cannot.
            self.queue.add(key, new.spec.priority, new.metadata.creation_timestamp)

    def _on_pod_delete(self, pod: types_pb2.Pod) -> None:
        key = meta.key(pod)
        self.queue.delete(key)
        self._nominated.pop(key, None)
        if self.cache.remove_pod(key):
            self.queue.move_all_to_active("AssignedPodDelete")

    def _on_node_add(self, node: types_pb2.Node) -> None:
        self.cache.set_node(node)
        self.queue.move_all_to_active("NodeAdd")

    def _on_node_update(self, old: types_pb2.Node, new: types_pb2.Node) -> None:
        if self.cache.set_node(new):  # heartbeats change nothing we decide on, and wake nobody
            self.queue.move_all_to_active("NodeUpdate")

    def _on_node_delete(self, node: types_pb2.Node) -> None:
        self.cache.remove_node(node.metadata.name)

    def _volumes_changed(self, reason: str) -> None:
        # a claim bound or made, a volume freed: pods waiting on their claims may fit now
        self.queue.move_all_to_active(reason)
        self._claims_changed.set()
        self._claims_changed = asyncio.Event()

    async def _expire_loop(self) -> None:
        """Drop assumptions the watch never confirmed; checked every second, as Kubernetes does."""
        interval = min(1.0, self.config.assumed_pod_ttl)
        while True:
            await asyncio.sleep(interval)
            expired = self.cache.expire()
            if expired:
                log.warning("%d bound pod(s) never seen bound in the watch after %gs; no longer counted: %s",
                            len(expired), self.config.assumed_pod_ttl, ", ".join(expired[:5]))
                self.queue.move_all_to_active("AssumedPodExpired")  # what they held is free again

    # ------------------------------------------------------------ the scheduling cycle

    async def _schedule_loop(self) -> None:
        while True:
            key = await self.queue.pop()
            try:
                await self._schedule_one(key)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduling %s failed; retrying after a backoff", key)
                self.cache.forget(key)
                self.queue.requeue_backoff(key)

    async def _schedule_one(self, key: str) -> None:
        pod = self.pods.get(key)
        if pod is None or pod.spec.node_name or not self._responsible(pod) or self.cache.is_assumed(key):
            self.queue.done(key)
            return
        started = time.perf_counter()
        info = PodInfo.of(pod)
        claims = volume_binding.claims_of(pod, self.claims, self.volumes, self.classes)
        if claims is not None:
            info.state[volume_binding.VOLUMES] = claims
        nodes = self.cache.nodes()
        if self._nominated:
            nodes = preemption.with_nominated(nodes, self._nominated.values(), info)
        self._attempts += 1
        timings = {} if self._attempts % metrics.PLUGIN_SAMPLE_EVERY == 1 else None
        decision = placement.schedule(info, nodes, self.profile, self.config.percentage_of_nodes_to_score,
                                      self._next_start, self._rng, timings)
        result = "scheduled" if decision.node else ("error" if decision.error else "unschedulable")
        metrics.observe_attempt(result, self.config.name, time.perf_counter() - started)
        if timings:
            metrics.observe_plugins(timings)
        if nodes:
            self._next_start = (self._next_start + decision.evaluated) % len(nodes)
        if decision.node is None:
            message, nominated = decision.message, None
            if not decision.error and nodes:
                message, nominated = await self._preempt(pod, info, nodes, decision)
            log.info("%s: %s", key, message)
            if decision.error:
                self.queue.requeue_backoff(key)
            else:
                self.queue.requeue_unschedulable(key)
            self.events.warning(pod, "FailedScheduling", message)
            await self._call(self._write_unschedulable(key, decision.error, message, nominated))
            return
        self.cache.assume(info, decision.node)  # before any await: the next decision must count it
        self._nominated.pop(key, None)  # it holds its node as an assumed pod now
        await self._call(self._bind(pod, decision, volume_binding.to_select(claims)))

    async def _preempt(self, pod: types_pb2.Pod, info: PodInfo, nodes,
                       decision: placement.Decision) -> tuple[str, str | None]:
        """Kubernetes' PostFilter: the message the pod is told, and the node to nominate it to ("" to clear its
        nomination, None to leave it as it is), once the victims there are marked for deletion."""
        budgets = self.budgets.list()  # the victims' budgets: they may be in any namespace
        nominated = self._nominated.get(info.key, (pod.status.nominated_node_name,))[0]
        outcome = preemption.preempt(info, nodes, self.profile, budgets, self.cache.node, nominated)
        if outcome.message not in (preemption.POLICY_NEVER, preemption.TERMINATING):
            metrics.PREEMPTION_ATTEMPTS.inc()
        message = f"{decision.message} preemption: {outcome.message}" if outcome.message else decision.message
        candidate = outcome.candidate
        if candidate is None:
            if outcome.clear_nomination and pod.status.nominated_node_name:
                self._nominated.pop(meta.key(pod), None)
                return message, ""
            return message, None
        self._nominated[info.key] = (candidate.node, info)
        # Less important pods nominated there lose their claim on the room (Kubernetes' getLowerPriorityNominatedPods):
        # they are tried again, and may preempt elsewhere.
        for other, (node, nominee) in list(self._nominated.items()):
            if node == candidate.node and nominee.priority < info.priority:
                del self._nominated[other]
                await self._call(self._write_nomination(other, ""))
        metrics.PREEMPTION_VICTIMS.observe(len(candidate.victims))
        log.info("%s: preempting %s on %s", info.key, ", ".join(v.key for v in candidate.victims), candidate.node)
        # Awaited, as Kubernetes 1.32 does: once the pod is tried again, its victims are seen going.
        await self._evict(pod, candidate)
        return message, candidate.node

    async def _call(self, call: Awaitable[None]) -> None:
        """Run an API call concurrently, with at most `parallelism` in flight."""
        await self._slots.acquire()
        task = asyncio.create_task(call)
        self._calls.add(task)
        task.add_done_callback(self._call_done)

    def _call_done(self, task: asyncio.Task) -> None:
        self._calls.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("scheduler API call failed", exc_info=task.exception())

    # ------------------------------------------------------------ API calls

    async def _bind(self, pod: types_pb2.Pod, decision: placement.Decision, select: list | None = None) -> None:
        key, m = meta.key(pod), pod.metadata
        scores = ",".join(f"{name}={score}" for name, score in decision.scores)
        annotations = {SCORES_ANNOTATION: scores} if scores else None  # so `describe` can say why it won
        try:
            if select:
                await self._bind_claims(select, decision.node)
            await self.client.bind(m.namespace, m.name, decision.node, m.uid, annotations)
        except (errors.Conflict, errors.NotFound) as e:
            # Bound by someone else, replaced or deleted meanwhile: the watch brings the truth.
            log.info("%s: not bound to %s: %s", key, decision.node, e)
            self.cache.forget(key)
            self.queue.done(key)
        except errors.ApiError as e:
            log.warning("%s: binding to %s failed: %s", key, decision.node, e)
            self.cache.forget(key)
            self.queue.requeue_backoff(key)
            self.queue.move_all_to_active("AssignedPodDelete")  # what we had assumed is free again
            self.events.warning(pod, "FailedScheduling", f"Binding rejected: {e}")
        else:
            self.cache.finish_binding(key)
            self.queue.done(key)
            log.debug("%s: bound to %s (%s)", key, decision.node, scores)
            self.events.normal(pod, "Scheduled", f"Successfully assigned {key} to {decision.node}")

    async def _bind_claims(self, claims: list, node: str) -> None:
        """Kubernetes' VolumeBinding PreBind: name the chosen node on each WaitForFirstConsumer claim (the
        binder binds a volume there or has one made there), then wait until every one is bound."""
        for pvc in claims:
            await self.client.patch("PersistentVolumeClaim", pvc.metadata.name,
                                    {"metadata": {"annotations": {storage.SELECTED_NODE: node}}},
                                    pvc.metadata.namespace)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLAIM_BIND_TIMEOUT_S
        while True:
            changed = self._claims_changed
            unbound = [c.metadata.name for c in claims if not self._bound(meta.key(c))]
            if not unbound:
                return
            if loop.time() >= deadline:
                raise errors.ApiError(f"binding volumes: timed out waiting for the condition "
                                      f"(claims {', '.join(unbound)} still unbound)")
            try:
                await asyncio.wait_for(changed.wait(), deadline - loop.time())
            except TimeoutError:
                pass

    def _bound(self, key: str) -> bool:
        pvc = self.claims.get(key)
        return pvc is not None and pvc.status.phase == storage.BOUND

    async def _evict(self, preemptor: types_pb2.Pod, candidate: preemption.Candidate) -> None:
        """Delete the victims gracefully, each first marked DisruptionTarget (PreemptionByScheduler) and told why
        by a Preempted event, as Kubernetes 1.32's preemption does."""
        why = f"{self.config.name}: preempting to accommodate a higher priority pod"
        for victim in candidate.victims:
            pod = self.pods.get(victim.key) or victim.pod
            namespace, name = pod.metadata.namespace, pod.metadata.name
            marked = types_pb2.Pod()
            marked.CopyFrom(pod)
            try:
                if meta.set_condition(marked.status.conditions, preemption.DISRUPTION_TARGET, "True",
                                      preemption.PREEMPTION_BY_SCHEDULER, why):
                    await self.client.update_status(marked)
                going, gone = await self.client.delete("Pod", name, namespace, precondition_uid=pod.metadata.uid)
            except (errors.NotFound, errors.Conflict):
                self.cache.forget(victim.key)  # gone or replaced already: as good
                continue
            except errors.ApiError as e:
                log.warning("%s: could not preempt %s: %s", meta.key(preemptor), victim.key, e)
                continue
            # What the watch will say, told to the cache now: the pod is going (or gone). A pod gone frees its room
            # here, as its watch event would have (that event then finds nothing to free, and wakes nobody); one the
            # watch has already seen go is not put back.
            if gone:
                if self.cache.remove_pod(victim.key):
                    self.queue.move_all_to_active("AssignedPodDelete")
            elif going.spec.node_name and self.pods.get(victim.key) is not None:
                self.cache.add_pod(PodInfo.of(going), going.spec.node_name)
            self.events.normal(pod, "Preempted",
                               f"Preempted by pod {preemptor.metadata.uid} on node {candidate.node}")

    async def _write_nomination(self, key: str, nominated: str) -> None:
        pod = self.pods.get(key)
        if pod is None or pod.spec.node_name or pod.status.nominated_node_name == nominated:
            return
        updated = types_pb2.Pod()
        updated.CopyFrom(pod)
        updated.status.nominated_node_name = nominated
        try:
            await self.client.update_status(updated)
        except errors.ApiError as e:  # a conflict: the pod changed, and its next attempt writes it again
            log.info("%s: nominated node not written: %s", key, e)
        self.queue.add(key, pod.spec.priority, pod.metadata.creation_timestamp)

    async def _write_unschedulable(self, key: str, error: bool, message: str, nominated: str | None = None) -> None:
        """PodScheduled=False with the reason and message, and the node the pod is nominated to (None: as it is),
        as Kubernetes' scheduler writes them."""
        reason = "SchedulerError" if error else "Unschedulable"
        pod = self.pods.get(key)
        for _ in range(3):
            if pod is None or pod.spec.node_name:
                return
            updated = types_pb2.Pod()
            updated.CopyFrom(pod)
            changed = meta.set_condition(updated.status.conditions, "PodScheduled", "False", reason, message)
            if nominated is not None and updated.status.nominated_node_name != nominated:
                updated.status.nominated_node_name = nominated
                changed = True
            if not changed:
                return  # already says so: no write, no event storm on retries
            try:
                await self.client.update_status(updated)
                return
            except errors.Conflict:
                pod = await self._fetch(key)
            except errors.NotFound:
                return
            except errors.ApiError as e:
                log.warning("%s: could not write PodScheduled: %s", key, e)
                return

    async def _fetch(self, key: str) -> types_pb2.Pod | None:
        namespace, name = meta.split_key(key)
        try:
            return await self.client.get("Pod", name, namespace)
        except errors.ApiError:
            return None
