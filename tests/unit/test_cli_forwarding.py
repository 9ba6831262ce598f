"""port-forward's decisions before any byte moves: port pairs, a service port's target, a named port."""
from __future__ import annotations

import pytest

from api import manifest
from cli import forwarding
from cli.errors import CliError
from tests.fixtures.objects import pod


def _service():
    return manifest.from_dict({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                               "spec": {"selector": {"app": "web"},
                                        "ports": [{"port": 80, "targetPort": "http"}, {"port": 443, "targetPort": 8443},
                                                  {"port": 9000}]}})[0]


def test_port_pairs_as_kubectl_reads_them():
    assert forwarding.parse_ports(["8080:80", ":90", "7000"]) == [
        forwarding.PortPair(8080, 80), forwarding.PortPair(0, 90), forwarding.PortPair(7000, 7000)]
    with pytest.raises(CliError, match="expected \\[LOCAL_PORT:\\]REMOTE_PORT"):
        forwarding.parse_ports(["http"])
    with pytest.raises(CliError, match="1 to 65535"):
        forwarding.parse_ports(["8080:70000"])


def test_service_ports_lead_to_their_target_and_named_ports_to_the_container_port():
    svc = _service()
    assert [forwarding.service_target(svc, p) for p in (80, 443, 9000)] == ["http", 8443, 9000]
    with pytest.raises(CliError, match="does not have a service port 81"):
        forwarding.service_target(svc, 81)
    web = pod("web")
    web.spec.containers[0].ports.add(name="http", container_port=8080)
    assert forwarding.container_port(web, "http") == 8080
    with pytest.raises(CliError, match="named port 'metrics'"):
        forwarding.container_port(web, "metrics")


def test_a_running_pod_is_picked_newest_first_and_localhost_means_both_loopbacks():
    old, new, pending = pod("old"), pod("new"), pod("pending")
    for p, phase, created in ((old, "Running", "2026-01-01T00:00:00Z"), (new, "Running", "2026-01-02T00:00:00Z"),
                              (pending, "Pending", "2026-01-03T00:00:00Z")):
        p.status.phase, p.metadata.creation_timestamp = phase, created
    assert forwarding.pick_pod([old, pending, new]) is new
    assert forwarding.pick_pod([pending]) is None
    assert forwarding.listen_addresses("localhost") == ["127.0.0.1", "::1"]
