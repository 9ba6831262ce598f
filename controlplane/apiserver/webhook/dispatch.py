"""The webhooks' place in the admission chain: mutating webhooks one after another in name order (with
reinvocation), validating webhooks all at once; a failure to call one is judged by its failurePolicy."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Any

from google.protobuf.message import Message

from api import errors, kinds
from controlplane.apiserver.vap.matching import Request
from controlplane.apiserver.vap.plugin import Outcome
from controlplane.apiserver.webhook import client, matching, review, target

VALIDATING, MUTATING = "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"
Cached = Callable[[kinds.Kind, str, str], Message | None]
ObjectsIn = Callable[[kinds.Kind, str], Iterable[Message]]
Post = Callable[[target.Target, bytes, dict, int], Awaitable[Any]]
# A webhook that failed under failurePolicy Ignore: noted in the audit event as Kubernetes does ("failed open").
IGNORED = "ignored"
Tunnel = Callable[[str, str, int], AbstractAsyncContextManager[int]]


class Webhooks:
    """Calls the configured webhooks over what the API server's caches hold (configurations, namespaces,
    services and endpoints)."""

    def __init__(self, cached: Cached, objects_in: ObjectsIn, post: Post = client.post):
        self._cached, self._objects_in, self._post = cached, objects_in, post
        # (namespace, pod, port) -> a local port relayed to it, when the API server reaches pods through their
        # agents (service.py sets it); None: endpoints are called at their addresses.
        self.tunnel: Tunnel | None = None

    def configured(self, kind_name: str) -> bool:
        """Whether any configuration of the kind exists (the common case, none, costs one cache read)."""
        return bool(self._objects_in(kinds.BY_NAME[kind_name], ""))

    def any_rule_matches(self, kind_name: str, req: Request) -> bool:
        """Whether a webhook of the kind could apply: its rules only (cheap: no object needed)."""
        return not matching.exempt(req) and any(matching.rules_match(h, req) for h in self._hooks(kind_name))

    def _hooks(self, kind_name: str) -> list:
        """Every webhook of every configuration, configurations in name order (as Kubernetes sorts them)."""
        configs = sorted(self._objects_in(kinds.BY_NAME[kind_name], ""), key=lambda c: c.metadata.name)
        return [hook for c in configs for hook in c.webhooks]

    def _namespace_labels(self, req: Request) -> Mapping[str, str] | None:
        if not req.namespace:
            return None
        ns = self._cached(kinds.NAMESPACE, "", req.namespace)
        return dict(ns.metadata.labels) if ns is not None else {}

    def _target(self, hook) -> target.Target:
        cc = hook.client_config
        if cc.HasField("url"):
            return target.of_url(cc.url, hook.timeout_seconds)
        ref = cc.service
        return target.of_service(ref, self._cached(kinds.BY_NAME["Service"], ref.namespace, ref.name),
                                 self._cached(kinds.BY_NAME["Endpoints"], ref.namespace, ref.name),
                                 hook.timeout_seconds)

    async def _verdict(self, hook, req: Request, uid: str, mutating: bool) -> review.Verdict | str | None:
        """What the webhook says; None when it does not apply (its selectors or matchConditions), IGNORED when
        its failure is ignored; errors.Internal when it fails and its failurePolicy is Fail."""
        try:
            if not matching.selected(hook, req, self._namespace_labels(req)) or \
                    not matching.conditions_hold(hook, req):
                return None
            version = review.review_version(hook.admission_review_versions)
            body = await self._call(self._target(hook), hook, review.review(req, uid, version))
            return review.verdict(hook.name, body, uid, version, mutating)
        except (review.CallError, matching.ConditionError) as e:
            if hook.failure_policy == "Ignore":
                return IGNORED
            raise errors.Internal(review.call_failure(hook.name, str(e))) from None

    async def _call(self, where: target.Target, hook, sent: dict) -> Any:
        if where.pod is None or self.tunnel is None:
            return await self._post(where, hook.client_config.ca_bundle, sent, hook.timeout_seconds)
        async with self.tunnel(*where.pod, where.port) as local_port:
            return await self._post(where.via(local_port), hook.client_config.ca_bundle, sent, hook.timeout_seconds)

    @staticmethod
    def _note(outcome: Outcome, hook_name: str, verdict: review.Verdict) -> None:
        outcome.warnings.extend(verdict.warnings)
        outcome.annotations.extend(verdict.audit_annotations)
        if not verdict.allowed and outcome.refusal is None:
            message, code, reason = review.denial_message(hook_name, verdict.status)
            outcome.refusal = errors.WebhookDenied(message, code, reason)

    async def validate(self, req: Request) -> Outcome:
        """Every matching validating webhook, called in parallel; the first denial (in name order) refuses."""
        outcome = Outcome()
        if matching.exempt(req):
            return outcome
        hooks = self._hooks(VALIDATING)
        if not hooks:
            return outcome
        uid = str(uuid.uuid4())
        verdicts = await asyncio.gather(*(self._verdict(h, req, uid, False) for h in hooks), return_exceptions=True)
        for index, (hook, verdict) in enumerate(zip(hooks, verdicts)):
            if verdict is IGNORED:
                outcome.annotations.append((f"failed-open.validating.webhook.admission.k8s.io/round_0_index_{index}",
                                            hook.name))
            elif isinstance(verdict, BaseException):
                if outcome.refusal is None:
                    outcome.refusal = verdict
            elif verdict is not None:
                self._note(outcome, hook.name, verdict)
        return outcome

    async def mutate(self, req: Request) -> tuple[dict | None, Outcome]:
        """(the object as the mutating webhooks left it, or None when none changed it; the outcome). An
        IfNeeded webhook is called once more when a webhook after it changed the object."""
        outcome = Outcome()
        if matching.exempt(req) or req.obj is None:
            return None, outcome
        hooks = self._hooks(MUTATING)
        if not hooks:
            return None, outcome
        uid, obj, last_change = str(uuid.uuid4()), dict(req.obj), -1
        called: list[int] = []
        for round_, indexes in ((0, range(len(hooks))), (1, None)):
            if indexes is None:  # the reinvocation round
                indexes = [i for i in called if hooks[i].reinvocation_policy == "IfNeeded" and last_change > i]
            for i in indexes:
                hook = hooks[i]
                verdict = await self._verdict(hook, replace(req, obj=obj), uid, True)
                if verdict is IGNORED:
                    outcome.annotations.append(
                        (f"failed-open.mutation.webhook.admission.k8s.io/round_{round_}_index_{i}", hook.name))
                if verdict is None or verdict is IGNORED:
                    continue
                called.append(i)
                self._note(outcome, hook.name, verdict)
                if outcome.refusal is not None:
                    return None, outcome
                if verdict.patch:
                    try:
                        changed = review.patched(obj, verdict.patch)
                    except review.CallError as e:
                        outcome.refusal = errors.Internal(review.call_failure(hook.name, str(e)))
                        return None, outcome
                    if changed != obj:
                        obj, last_change = changed, i if round_ == 0 else last_change
        return (obj if obj != req.obj else None), outcome
