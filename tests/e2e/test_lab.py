"""The lab's own machinery, without agents: underlay, isolation routes, etcd + API server, up/down/exec.

Needs root. Traffic goes only from inside lab namespaces, or to the root namespace's own underlay address.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from deploy.lab import procs, state as S
from deploy.lab.down import leftovers
from tests.fixtures.lab import lab, running_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
    pytest.mark.skipif(not (shutil.which("ip") and shutil.which("nft") and os.path.exists("/usr/bin/etcd")),
                       reason="needs iproute2, nftables and etcd-server (make setup)"),
]


def ip_json(*args: str) -> list[dict]:
    return json.loads(subprocess.run(["ip", "-j", *args], capture_output=True, text=True, check=True).stdout or "[]")


@pytest.fixture(scope="module")
def two_hosts(home):
    """A lab of two hosts, agents left out (the underlay and control plane are what is tested here)."""
    with running_lab(home, "--nodes", "2", "--no-agents") as up:
        yield up


def test_up_makes_namespaces_underlay_and_unreachable_routes(two_hosts):
    assert {"skiff-lab-sw", "skiff-lab-etcd-1", "skiff-host-1", "skiff-host-2"} <= {
        n["name"] for n in ip_json("netns", "list")}
    (root_leg,) = ip_json("addr", "show", "dev", "skiff-lab0")
    assert "10.250.0.1" in [a["local"] for a in root_leg["addr_info"]]
    root_routes = {r["dst"]: r for r in ip_json("route", "show")}
    for cidr in ("10.244.0.0/16", "10.96.0.0/16"):
        assert root_routes[cidr]["type"] == "unreachable"
    for ns in ("skiff-host-1", "skiff-host-2", "skiff-lab-etcd-1"):
        routes = {r["dst"]: r for r in ip_json("-n", ns, "route", "show")}
        assert routes["10.244.0.0/16"]["type"] == "unreachable"
        assert routes["10.96.0.0/16"]["type"] == "unreachable"
        assert routes["default"]["type"] == "unreachable", "a lab host must have no way out of the machine"


def test_up_starts_etcd_and_api_server_and_writes_cli_config(two_hosts, home):
    assert "apiserver           10.250.0.1:6443" in two_hosts.stdout
    with open(os.path.join(home, ".skiff", "config")) as f:
        config = f.read()
    assert "server: https://10.250.0.1:6443" in config
    assert "server: https://10.250.0.1:6444" in config  # the REST address, for `get`'s fast path
    got = subprocess.run([os.path.join(os.path.dirname(sys.executable), "skiff"), "get", "nodes"],
                         capture_output=True, text=True, timeout=30, env=dict(os.environ, HOME=home))
    assert (got.returncode, got.stderr) == (0, "No resources found.\n")
    # only the REST fast path keeps the kind-name table in the CLI's cache
    assert os.path.exists(os.path.join(os.environ["SKIFF_CACHE_DIR"], "kinds.json"))  # tests/conftest.py's
    running = procs.running()
    assert {"etcd-1", "apiserver"} <= set(running)


def test_second_up_reports_what_runs_and_restarts_nothing(two_hosts, home):
    before = {k: procs.main_pid(v) for k, v in procs.running().items()}
    again = lab("up", "--nodes", "2", "--no-agents", home=home)
    assert "(already running)" in again.stdout and "(already there)" in again.stdout
    assert {k: procs.main_pid(v) for k, v in procs.running().items()} == before


def test_exec_runs_inside_a_host_and_hosts_reach_each_other(two_hosts, home):
    addr = lab("exec", "skiff-host-1", "--", "ip", "-j", "addr", "show", "eth0", home=home)
    assert "10.250.0.11" in addr.stdout
    ping = lab("exec", "skiff-host-1", "--", "busybox", "ping", "-c", "1", "-W", "2", "10.250.0.12", home=home)
    assert "1 packets received" in ping.stdout
    # The cluster CIDR is unreachable, not routed anywhere: it fails at once inside the host.
    blocked = lab("exec", "skiff-host-1", "--", "busybox", "ping", "-c", "1", "-W", "1", "10.244.9.9",
                  home=home, check=False)
    assert blocked.returncode != 0


def test_partition_cuts_and_heal_restores_a_hosts_link(two_hosts, home):
    lab("partition", "skiff-host-2", home=home)
    try:
        cut = lab("exec", "skiff-host-1", "--", "busybox", "ping", "-c", "1", "-W", "1", "10.250.0.12",
                  home=home, check=False)
        assert cut.returncode != 0
    finally:
        lab("heal", "skiff-host-2", home=home)
    healed = lab("exec", "skiff-host-1", "--", "busybox", "ping", "-c", "1", "-W", "2", "10.250.0.12", home=home)
    assert "1 packets received" in healed.stdout


def test_status_shows_components_and_node_timeouts(two_hosts, home):
    out = lab("status", home=home).stdout
    assert "NotReady after 15s" in out and "evicted after 30s" in out
    assert "apiserver" in out and "skiff-host-2" in out


def test_down_after_a_crash_and_a_lost_state_file_leaves_nothing(two_hosts, home):
    for pids in procs.running().values():
        procs.signal_all(pids, signal.SIGKILL)
    S.STATE_FILE.unlink()
    lab("down", home=home)
    assert leftovers() == []
    assert not os.path.exists(os.path.join(home, ".skiff", "config"))
