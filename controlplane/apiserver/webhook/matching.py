"""Which webhooks a request calls: their rules, namespaceSelector, objectSelector and matchConditions, as
Kubernetes' webhook/predicates and matchconditions (the rule and selector matching is the policies')."""
from __future__ import annotations

from collections.abc import Mapping

from controlplane.apiserver.vap import evaluate, expressions
from controlplane.apiserver.vap import matching as rules
from controlplane.apiserver.vap.matching import Request

# Webhooks never see the admission configuration itself, so a broken webhook cannot lock out its own repair.
EXEMPT_GROUP = "admissionregistration.k8s.io"


class ConditionError(Exception):
    """A matchCondition that could not be evaluated; its failurePolicy decides."""


def exempt(req: Request) -> bool:
    return req.group == EXEMPT_GROUP


def rules_match(hook, req: Request) -> bool:
    return any(rules.rule_matches(r, req) for r in hook.rules)


def selected(hook, req: Request, namespace_labels: Mapping[str, str] | None) -> bool:
    """Rules (any), namespaceSelector and objectSelector (webhooks share field names with MatchResources)."""
    return (rules_match(hook, req) and rules.namespace_matches(hook, req, namespace_labels)
            and rules.object_matches(hook, req))


def conditions_hold(hook, req: Request) -> bool:
    """matchConditions, all of which must be true (a false one skips the webhook); ConditionError on an error."""
    if not hook.match_conditions:
        return True
    act = expressions.activation({"object": req.obj, "oldObject": req.old,
                                  "request": evaluate.request_value(req)}, {})
    errors = []
    for c in hook.match_conditions:
        try:
            if not expressions.evaluate(c.expression, act):
                return False  # Kubernetes: a false condition wins over another's error
        except expressions.EvalError as e:
            errors.append(f"{c.name}: {e}")
    if errors:
        raise ConditionError("failed to evaluate match condition: " + "; ".join(errors))
    return True
