"""The HorizontalPodAutoscaler controller, as Kubernetes' (pkg/controller/podautoscaler/horizontal.go):
every --horizontal-pod-autoscaler-sync-period, for each HPA, read the target's scale, ask each metric
for a replica count, normalize (stabilization, policies, min/max), scale through the scale subresource,
and write the status with its conditions; SuccessfulRescale events say why.
"""
from __future__ import annotations

import logging
import time

from api import errors, kinds, meta, selectors
from controlplane.controllers.core.controller import Context, Controller
from controlplane.controllers.core.informers import NAMESPACE
from controlplane.controllers.podautoscaler import normalize as N
from controlplane.controllers.podautoscaler import objects
from controlplane.controllers.podautoscaler import replicas as R
from controlplane.controllers.podautoscaler.metrics import FailedMetric, Proposal, largest, propose
from proto import types_pb2

log = logging.getLogger(__name__)


def behavior_of(spec: types_pb2.HorizontalPodAutoscalerSpec, downscale_window: float) -> N.Behavior | None:
    """The (API-defaulted) behavior as normalize's rules; None without one (the legacy normalization)."""
    if not spec.HasField("behavior"):
        return None

    def rules(r: types_pb2.HPAScalingRules, window: float) -> N.Rules:
        return N.Rules(float(r.stabilization_window_seconds) if r.HasField("stabilization_window_seconds") else window,
                       r.select_policy or "Max",
                       tuple(N.Policy(p.type, p.value, float(p.period_seconds)) for p in r.policies))
    return N.Behavior(rules(spec.behavior.scale_up, 0.0), rules(spec.behavior.scale_down, downscale_window))


class HorizontalController(Controller):
    """Each HPA is looked at once per sync period, whatever happens: a change to it (its own status
    write included) only schedules the next look a period later, as Kubernetes' rate-limited queue does,
    so one sync's scale-up is seen by metrics before the next decides again."""

    name = "horizontalpodautoscaling"
    workers = 1

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.period = ctx.options.hpa_sync_period
        self.settings = R.Settings(tolerance=ctx.options.hpa_tolerance,
                                   cpu_initialization_period=ctx.options.hpa_cpu_initialization_period,
                                   initial_readiness_delay=ctx.options.hpa_initial_readiness_delay)
        self.hpas = ctx.informers.get("HorizontalPodAutoscaler")
        self.pods = ctx.informers.get("Pod")
        self.histories: dict[str, N.History] = {}
        self.hpas.add_handlers(lambda h: self._later(meta.key(h)), lambda old, new: self._later(meta.key(new)),
                               lambda h: self.histories.pop(meta.key(h), None))

    def _later(self, key: str) -> None:
        self.queue.add_after(key, self.period)  # an earlier pending look wins

    async def prepare(self) -> None:
        for key in self.hpas.keys():
            self.enqueue(key)

    async def sync(self, key: str) -> None:
        cached = self.hpas.get(key)
        if cached is None:
            self.histories.pop(key, None)
            return
        self._later(key)
        hpa = types_pb2.HorizontalPodAutoscaler()
        hpa.CopyFrom(cached)
        before = types_pb2.HorizontalPodAutoscalerStatus()
        before.CopyFrom(hpa.status)
        try:
            await self.reconcile(hpa, key)
        finally:
            if hpa.status != before:
                try:
                    await self.client.update_status(hpa)
                except errors.NotFound:
                    pass

    def _condition(self, hpa, type_: str, status: bool, reason: str, message: str) -> None:
        meta.set_condition(hpa.status.conditions, type_, "True" if status else "False", reason, message)

    async def reconcile(self, hpa: types_pb2.HorizontalPodAutoscaler, key: str) -> None:
        spec, ns = hpa.spec, hpa.metadata.namespace
        ref = spec.scale_target_ref
        try:
            kind = kinds.lookup(ref.kind)
            scale = await self.client.get_scale(kind, ref.name, ns)
        except (kinds.UnknownKindError, errors.ApiError) as e:
            text = (f'no matches for kind "{ref.kind}" in group "{ref.api_version.rpartition("/")[0]}"'
                    if isinstance(e, kinds.UnknownKindError) else str(e))
            self.recorder.warning(hpa, "FailedGetScale", text)
            self._condition(hpa, "AbleToScale", False, "FailedGetScale",
                            f"the HPA controller was unable to get the target's current scale: {text}")
            return
        self._condition(hpa, "AbleToScale", True, "SucceededGetScale",
                        "the HPA controller was able to get the target's current scale")
        current = scale.spec.replicas
        min_replicas = spec.min_replicas if spec.HasField("min_replicas") else 1
        hpa.status.observed_generation = hpa.metadata.generation
        desired, reason, statuses = 0, "", list(hpa.status.current_metrics)
        rescale = True
        if current == 0 and min_replicas != 0:
            desired, rescale = 0, False
            self._condition(hpa, "ScalingActive", False, "ScalingDisabled",
                            "scaling is disabled since the replica count of the target is zero")
        elif current > spec.max_replicas:
            desired, reason = spec.max_replicas, "Current number of replicas above Spec.MaxReplicas"
        elif current < min_replicas:
            desired, reason = min_replicas, "Current number of replicas below Spec.MinReplicas"
        else:
            proposal, statuses = await self._compute(hpa, scale, current)
            if proposal is None:
                self._set_status(hpa, current, current, statuses, rescaled=False)
                return
            desired = proposal.replicas
            if desired > current:
                reason = f"{proposal.name} above target"
            elif desired < current:
                reason = "All metrics below target"
            desired = self._normalize(hpa, key, current, desired, min_replicas)
            rescale = desired != current
        if rescale:
            try:
                await self.client.scale(kind, ref.name, desired, ns)
            except errors.ApiError as e:
                self.recorder.warning(hpa, "FailedRescale", f"New size: {desired}; reason: {reason}; error: {e}")
                self._condition(hpa, "AbleToScale", False, "FailedUpdateScale",
                                f"the HPA controller was unable to update the target scale: {e}")
                self._set_status(hpa, current, current, statuses, rescaled=False)
                return
            self._condition(hpa, "AbleToScale", True, "SucceededRescale",
                            f"the HPA controller was able to update the target scale to {desired}")
            self.recorder.normal(hpa, "SuccessfulRescale", f"New size: {desired}; reason: {reason}")
            N.record_scale(behavior_of(spec, self.options.hpa_downscale_stabilization),
                           self.histories.setdefault(key, N.History()), current, desired, time.time())
            log.info("%s: scaled %s/%s from %d to %d: %s", key, ref.kind, ref.name, current, desired, reason)
        else:
            desired = current if current or min_replicas else desired
        self._set_status(hpa, current, desired, statuses, rescaled=rescale)

    async def _compute(self, hpa, scale: types_pb2.Scale, current: int) -> tuple[Proposal | None, list]:
        """The largest recommendation over the metrics; None (conditions and events set) when none works."""
        ns = hpa.metadata.namespace
        if not scale.status.selector:
            self._condition(hpa, "ScalingActive", False, "InvalidSelector",
                            "the HPA target's scale is missing a selector")
            return None, list(hpa.status.current_metrics)
        try:
            selector = selectors.parse_label_selector(scale.status.selector)
        except selectors.SelectorError as e:
            self._condition(hpa, "ScalingActive", False, "InvalidSelector",
                            f"couldn't convert selector into a corresponding internal selector object: {e}")
            return None, list(hpa.status.current_metrics)
        pods = [p for p in self.pods.by_index(NAMESPACE, ns) if selector.matches(p.metadata.labels)]
        metrics = await self.client.pod_metrics(ns, label_selector=scale.status.selector)
        now = time.time()
        proposals, statuses, failures = [], [], []
        for spec in hpa.spec.metrics:
            try:
                usage = await self._object_usage(spec, ns)
                proposal = propose(spec, current, pods, metrics, now, self.settings, usage)
            except FailedMetric as e:
                self.recorder.warning(hpa, e.reason, str(e))
                failures.append(e)
                statuses.append(types_pb2.MetricStatus())
                continue
            proposals.append(proposal)
            statuses.append(proposal.status)
        best = largest(proposals)
        if failures and (best is None or len(failures) >= len(hpa.spec.metrics) or best.replicas < current):
            first = failures[0]
            self._condition(hpa, "ScalingActive", False, first.reason,
                            f"the HPA was unable to compute the replica count: {first}")
            self.recorder.warning(hpa, "FailedComputeMetricsReplicas",
                                  f"invalid metrics ({len(failures)} invalid out of {len(hpa.spec.metrics)}), "
                                  f"first error is: {first}")
            return None, statuses
        self._condition(hpa, "ScalingActive", True, "ValidMetricFound",
                        f"the HPA was able to successfully calculate a replica count from {best.name}")
        return best, statuses

    async def _object_usage(self, spec: types_pb2.MetricSpec, ns: str) -> int:
        """An Object metric's value for its described object: its pods' metric summed (objects.py)."""
        if spec.type != "Object":
            return 0
        ref, metric = spec.object.described_object, spec.object.metric.name
        try:
            kind = kinds.lookup(ref.kind)
        except kinds.UnknownKindError:
            kind = None
        try:
            needed = objects.needs(kind.name if kind else ref.kind)
            if needed == "endpoints":
                names = objects.endpoint_pods(await self.client.get("Endpoints", ref.name, ns))
            elif needed == "object":
                names = objects.selected_pods(await self.client.get(kind, ref.name, ns),
                                              self.pods.by_index(NAMESPACE, ns))
            else:
                names = frozenset([ref.name])
            return objects.summed(metric, names, await self.client.pod_metrics(ns))
        except errors.ApiError as e:
            raise FailedMetric("FailedGetObjectMetric", objects.failure_text(metric, ref, ns, str(e))) from None
        except objects.NoMetric as e:
            resource = kind.resource if kind else ref.kind.lower()
            raise FailedMetric("FailedGetObjectMetric", objects.failure_text(
                metric, ref, ns, objects.not_found(metric, resource, ref.name, str(e)))) from None

    def _normalize(self, hpa, key: str, current: int, desired: int, min_replicas: int) -> int:
        history = self.histories.setdefault(key, N.History())
        behavior = behavior_of(hpa.spec, self.options.hpa_downscale_stabilization)
        now = time.time()
        if behavior is None:
            n = N.normalize_legacy(current, desired, min_replicas, hpa.spec.max_replicas, history, now,
                                   self.options.hpa_downscale_stabilization)
        else:
            n = N.normalize_with_behavior(current, desired, min_replicas, hpa.spec.max_replicas, behavior, history,
                                          now)
        self._condition(hpa, "AbleToScale", True, n.able_reason, n.able_message)
        self._condition(hpa, "ScalingLimited", n.limited, n.limited_reason, n.limited_message)
        return n.replicas

    def _set_status(self, hpa, current: int, desired: int, statuses: list, rescaled: bool) -> None:
        hpa.status.current_replicas = current
        hpa.status.desired_replicas = desired
        del hpa.status.current_metrics[:]
        hpa.status.current_metrics.extend(statuses)
        if rescaled:
            hpa.status.last_scale_time = meta.now_text()
