"""The audit log: one JSON line per request (who, what verb on which object, the result, how long), in
Kubernetes' audit.k8s.io/v1 Event form, filtered by a Kubernetes audit Policy (e.g. leaving reads out).

`level_for` and `event` are pure; `AuditLog` appends the lines to a file.
"""
from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth.user import UserInfo, user_info_dict

LEVELS = ("None", "Metadata", "Request", "RequestResponse")
# Without a policy every request is logged at Metadata level.
DEFAULT_POLICY_TEXT = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
# The lab's and install.sh's policy: reads are left out, every change is kept.
WRITES_ONLY_POLICY_TEXT = """apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  verbs: [get, list, watch]
- level: Metadata
"""


# The HTTP status an audit event reports for each gRPC outcome, as the REST API would answer.
HTTP_STATUS = {"OK": 200, "NOT_FOUND": 404, "ALREADY_EXISTS": 409, "ABORTED": 409, "INVALID_ARGUMENT": 422,
               "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403, "FAILED_PRECONDITION": 400, "OUT_OF_RANGE": 410,
               "RESOURCE_EXHAUSTED": 413, "DEADLINE_EXCEEDED": 504, "UNAVAILABLE": 503, "CANCELLED": 499}


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    level: str
    verbs: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    user_groups: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    resources: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (group, resources)
    non_resource_urls: tuple[str, ...] = ()

    def matches(self, user: UserInfo | None, attrs: Attributes) -> bool:
        """`user` None: a request nobody could be found for (a rule naming users or groups is not its)."""
        if self.verbs and attrs.verb not in self.verbs:
            return False
        if self.users and (user is None or user.name not in self.users):
            return False
        if self.user_groups and (user is None or not set(self.user_groups) & set(user.groups)):
            return False
        if self.namespaces and attrs.namespace not in self.namespaces:
            return False
        if self.resources:
            if not attrs.is_resource_request:
                return False
            if not any(g == attrs.api_group and (not rs or attrs.resource in rs or attrs.full_resource in rs)
                       for g, rs in self.resources):
                return False
        if self.non_resource_urls and (attrs.is_resource_request or not any(
                u == attrs.path or (u.endswith("*") and attrs.path.startswith(u[:-1]))
                for u in self.non_resource_urls)):
            return False
        return True


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, text: str, source: str = "audit policy") -> "Policy":
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise PolicyError(f"{source} is not valid YAML: {e}") from None
        if not isinstance(data, dict) or data.get("kind") != "Policy":
            raise PolicyError(f"{source}: expected an audit.k8s.io/v1 Policy (kind: Policy)")
        rules = []
        for i, r in enumerate(data.get("rules") or []):
            level = str((r or {}).get("level", ""))
            if level not in LEVELS:
                raise PolicyError(f"{source}: rules[{i}].level: Unsupported value: {level!r}: supported values: "
                                  + ", ".join(f'"{v}"' for v in LEVELS))
            resources = tuple((str(x.get("group", "")), tuple(x.get("resources") or ()))
                              for x in r.get("resources") or [])
            rules.append(Rule(level, tuple(r.get("verbs") or ()), tuple(r.get("users") or ()),
                              tuple(r.get("userGroups") or ()), tuple(r.get("namespaces") or ()), resources,
                              tuple(r.get("nonResourceURLs") or ())))
        return cls(tuple(rules))

    def level_for(self, user: UserInfo | None, attrs: Attributes) -> str:
        """The first matching rule's level; no rule matching: None (not logged), as Kubernetes."""
        return next((r.level for r in self.rules if r.matches(user, attrs)), "None")


def event(user: UserInfo | None, attrs: Attributes, level: str, code: int, reason: str, started: float,
          now: float, annotations: list[str] = (), source_ip: str = "", impersonated: UserInfo | None = None) -> dict:
    """One audit.k8s.io/v1 Event (at Metadata level: no request or response bodies). A request refused
    before anyone was identified (`user` None) has an empty user and stops at ResponseStarted, as Kubernetes
    records a failed authentication. `impersonated`: whom the caller acted as (Impersonate-User)."""
    def stamp(t: float) -> str:
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="microseconds")
    e: dict = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level, "auditID": str(uuid.uuid4()),
               "stage": "ResponseComplete" if user is not None else "ResponseStarted", "verb": attrs.verb,
               "user": user_info_dict(user) if user is not None else {},
               **({"impersonatedUser": user_info_dict(impersonated)} if impersonated is not None else {}),
               **({"sourceIPs": [source_ip]} if source_ip else {}),
               "responseStatus": {"code": code, **({"reason": reason} if reason else {})},
               "requestReceivedTimestamp": stamp(started), "stageTimestamp": stamp(now),
               "latency": f"{(now - started) * 1000:.3f}ms"}
    if attrs.is_resource_request:
        e["objectRef"] = {k: v for k, v in (("resource", attrs.resource), ("namespace", attrs.namespace),
                                              ("name", attrs.name), ("apiGroup", attrs.api_group),
                                              ("subresource", attrs.subresource)) if v}
    else:
        e["requestURI"] = attrs.path
    # Pod Security notes violations as text; other plugins (ValidatingAdmissionPolicy) as (key, value) pairs.
    violations = [a for a in annotations if isinstance(a, str)]
    keyed = dict(a for a in annotations if not isinstance(a, str))
    if violations:
        keyed["pod-security.kubernetes.io/audit-violations"] = "; ".join(violations)
    if keyed:
        e["annotations"] = keyed
    return e


class AuditLog:
    """Appends events to a file, one JSON object a line."""

    def __init__(self, path: str | Path, policy: Policy):
        self.policy = policy
        self._file = open(path, "a", buffering=1)

    def record(self, user: UserInfo | None, attrs: Attributes | None, code: int, reason: str, started: float,
               now: float, annotations: list[str] = (), source_ip: str = "",
               impersonated: UserInfo | None = None) -> None:
        """`user` None: refused as Unauthenticated; `attrs` None: not even the request could be read;
        `impersonated`: whom the caller acted as."""
        if attrs is None:
            return
        level = self.policy.level_for(user, attrs)
        if level != "None":
            line = event(user, attrs, level, code, reason, started, now, annotations, source_ip, impersonated)
            self._file.write(json.dumps(line) + "\n")

    def close(self) -> None:
        self._file.close()


def load(path: str, policy_file: str = "") -> AuditLog:
    """ValueError naming the file when the policy is unreadable or wrong."""
    try:
        text = Path(policy_file).read_text() if policy_file else DEFAULT_POLICY_TEXT
    except OSError as e:
        raise ValueError(f"cannot read audit policy {policy_file}: {e.strerror}") from None
    try:
        policy = Policy.parse(text, policy_file or "the default audit policy")
        return AuditLog(path, policy)
    except PolicyError as e:
        raise ValueError(str(e)) from None
    except OSError as e:
        raise ValueError(f"cannot open audit log {path}: {e.strerror}") from None
