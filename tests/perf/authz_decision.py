"""Benchmark: the cost of one authorization decision, in-process, over 100,000 decisions with 1,000
RoleBindings (plus the default roles), against scanning every binding per decision (no index).

    python -m tests.perf.authz_decision [--decisions N] [--bindings N] [--smoke]
Last line: one JSON object (p50/p99 in microseconds, and the ratio to the scan).
"""
from __future__ import annotations

import argparse
import json
import random
import time

from controlplane.apiserver.auth import authorizer, bootstrap, rbac
from controlplane.apiserver.auth.attributes import Attributes
from controlplane.apiserver.auth.user import with_authenticated
from proto import types_pb2
from tests.perf.harness import interruptible, percentile

VERBS = ("get", "list", "watch", "create", "update", "delete")
RESOURCES = (("", "pods", ""), ("", "pods", "log"), ("", "pods", "exec"), ("", "secrets", ""),
             ("apps", "deployments", ""), ("", "configmaps", ""), ("", "services", ""))
ROLES = ("view", "edit", "admin")


class NoPods:
    def pod(self, namespace, name):
        return None

    def pods(self):
        return ()


def bindings(count: int, namespaces: int, users: int, rng: random.Random) -> list[types_pb2.RoleBinding]:
    out = []
    for i in range(count):
        ns = f"ns-{i % namespaces}"
        out.append(types_pb2.RoleBinding(
            metadata=types_pb2.ObjectMeta(name=f"b-{i}", namespace=ns),
            role_ref=types_pb2.RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                       name=rng.choice(ROLES)),
            subjects=[types_pb2.Subject(kind="User", name=f"user-{rng.randrange(users)}"),
                      types_pb2.Subject(kind="Group", name=f"team-{rng.randrange(users // 10 + 1)}")]))
    return out


def scan(all_bindings, rules_by_role, user, attrs) -> bool:
    """The alternative without an index: every binding, every time (the roles' rules compiled once)."""
    for b in all_bindings:
        if b.metadata.namespace != attrs.namespace:
            continue
        if not any(rbac.subject_key(s, b.metadata.namespace) in (("User", user.name), *(("Group", g) for g in user.groups))
                   for s in b.subjects):
            continue
        if any(rbac.rule_allows(r, attrs) for r in rules_by_role.get(b.role_ref.name, ())):
            return True
    return False


def requests(n: int, namespaces: int, users: int, rng: random.Random):
    for _ in range(n):
        group, resource, sub = rng.choice(RESOURCES)
        user = with_authenticated(f"user-{rng.randrange(users)}", [f"team-{rng.randrange(users // 10 + 1)}"])
        yield user, Attributes(rng.choice(VERBS), group, resource, sub, f"ns-{rng.randrange(namespaces)}",
                               f"obj-{rng.randrange(100)}")


def measure(decide, reqs) -> tuple[list[float], int]:
    times, allowed = [], 0
    clock = time.perf_counter_ns
    for user, attrs in reqs:
        start = clock()
        ok = decide(user, attrs)
        times.append((clock() - start) / 1000)
        allowed += ok
    return times, allowed


def main() -> None:
    interruptible()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--decisions", type=int, default=100_000)
    p.add_argument("--bindings", type=int, default=1_000)
    p.add_argument("--smoke", action="store_true", help="a tiny run that only proves the benchmark works")
    args = p.parse_args()
    decisions, count = (2_000, 100) if args.smoke else (args.decisions, args.bindings)
    rng = random.Random(15)
    namespaces, users = 50, 500
    made = bindings(count, namespaces, users, rng)
    built = time.perf_counter()
    index = rbac.RbacIndex.build([], bootstrap.CLUSTER_ROLES, made, bootstrap.CLUSTER_ROLE_BINDINGS)
    build_ms = (time.perf_counter() - built) * 1000
    graph = NoPods()
    reqs = list(requests(decisions, namespaces, users, rng))
    indexed, allowed = measure(lambda u, a: authorizer.decide(u, a, index, graph).allowed, reqs)
    sample = reqs[: max(1000, decisions // 100)]
    rules_by_role = {r.metadata.name: tuple(map(rbac.Rule.of, r.rules)) for r in bootstrap.CLUSTER_ROLES}
    scanned, _ = measure(lambda u, a: scan(made, rules_by_role, u, a), sample)
    result = {"decisions": decisions, "bindings": count, "allowed": allowed, "index_build_ms": round(build_ms, 2),
              "p50_us": round(percentile(indexed, 50), 2), "p99_us": round(percentile(indexed, 99), 2),
              "scan_p99_us": round(percentile(scanned, 99), 2), "target_p99_us": 100}
    result["ratio"] = round(result["p99_us"] / result["scan_p99_us"], 4)
    print(f"{decisions} decisions over {count} RoleBindings: p50 {result['p50_us']} us, p99 {result['p99_us']} us "
          f"(scanning every binding: p99 {result['scan_p99_us']} us)", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
