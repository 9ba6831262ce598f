"""The RuntimeClass admission (pure): overhead and scheduling from the class, refusals in Kubernetes' words; and
RuntimeClass validation."""
from __future__ import annotations

from api import manifest
from controlplane.apiserver import runtimeclass
from controlplane.apiserver.validation.runtimeclasses import validate_runtime_class, validate_runtime_class_update
from tests.fixtures.objects import pod


def rc(**fields):
    obj, _ = manifest.from_dict({"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass",
                                 "metadata": {"name": "gvisor"}, "handler": "runsc", **fields})
    return obj


GVISOR = rc(overhead={"podFixed": {"cpu": "250m", "memory": "120Mi"}},
            scheduling={"nodeSelector": {"sandbox": "gvisor"},
                        "tolerations": [{"key": "sandbox", "operator": "Exists", "effect": "NoSchedule"}]})


def test_a_pod_gets_the_class_overhead_selector_and_tolerations():
    p = pod("web", runtimeClassName="gvisor", nodeSelector={"zone": "a"},
            tolerations=[{"key": "sandbox", "operator": "Equal", "value": "x", "effect": "NoSchedule"}])
    assert runtimeclass.admit(p, GVISOR) is None
    assert dict(p.spec.overhead) == {"cpu": "250m", "memory": "120Mi"}
    assert dict(p.spec.node_selector) == {"zone": "a", "sandbox": "gvisor"}
    # The class's Exists toleration covers the pod's narrower one: one is kept, as MergeTolerations does.
    assert [(t.key, t.operator) for t in p.spec.tolerations] == [("sandbox", "Exists")]
    assert runtimeclass.validate(p, GVISOR) is None


def test_conflicts_and_foreign_overhead_are_refused_in_kubernetes_words():
    clash = pod("web", runtimeClassName="gvisor", nodeSelector={"sandbox": "kata"})
    assert runtimeclass.admit(clash, GVISOR) == ("conflict: runtimeClass.scheduling.nodeSelector[sandbox] = gvisor; "
                                                 "pod.spec.nodeSelector[sandbox] = kata")
    other = pod("web", runtimeClassName="gvisor", overhead={"cpu": "1"})
    assert runtimeclass.admit(other, GVISOR) == "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
    assert runtimeclass.validate(pod("web", overhead={"cpu": "1"}), None) == \
        "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"
    assert runtimeclass.not_found("x") == 'pod rejected: RuntimeClass "x" not found'


def test_runtime_class_validation_and_immutable_handler():
    assert validate_runtime_class(GVISOR) == []
    assert validate_runtime_class(rc(handler="Not_Valid"))[0].startswith(
        'handler: Invalid value: "Not_Valid": a lowercase RFC 1123 label')
    assert validate_runtime_class(rc(overhead={"podFixed": {"cpu": "-1"}})) == [
        'overhead.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0']
    assert validate_runtime_class_update(rc(handler="runc"), GVISOR) == [
        'handler: Invalid value: "runc": field is immutable']


def test_describe_shows_the_handler_overhead_and_scheduling():
    from datetime import datetime, timezone

    from cli.describe import describe
    lines = describe(GVISOR, [], datetime.now(timezone.utc))
    assert "Handler:            runsc" in lines
    at = lines.index("Overhead:")
    assert lines[at + 1] == "  podFixed:" and sorted(lines[at + 2:at + 4]) == ["    cpu: 250m", "    memory: 120Mi"]
