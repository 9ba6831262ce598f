"""The API server's probe rules not covered elsewhere: per-probe grace periods, header names, clean defaults."""
from __future__ import annotations

from api import manifest
from controlplane.apiserver import resources

IMAGE = "busybox:latest"


def problems(**container) -> list[str]:
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                                 "spec": {"containers": [{"name": "app", "image": IMAGE, **container}]}})
    resources.default(obj)
    return resources.validate(obj, None)


def test_defaulted_probes_of_every_kind_are_valid():
    assert problems(ports=[{"name": "http", "containerPort": 8080}],
                    livenessProbe={"httpGet": {"port": "http"}},
                    readinessProbe={"tcpSocket": {"port": 8080}, "successThreshold": 3},
                    startupProbe={"exec": {"command": ["true"]}, "failureThreshold": 30}) == []


def test_readiness_probe_may_not_have_a_grace_period():
    assert problems(readinessProbe={"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 5}) == [
        "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: "
        "must not be set for readinessProbes"]


def test_liveness_probe_grace_period_must_be_positive():
    assert problems(livenessProbe={"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 0}) == [
        "spec.containers[0].livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0"]
    assert problems(livenessProbe={"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 3}) == []


def test_http_header_names_must_be_tokens():
    errors = problems(readinessProbe={"httpGet": {"port": 80, "httpHeaders": [
        {"name": "X-Good", "value": "1"}, {"name": "bad header", "value": "2"}]}})
    assert [e.split(": ", 1)[0] for e in errors] == ["spec.containers[0].readinessProbe.httpGet.httpHeaders[1].name"]
