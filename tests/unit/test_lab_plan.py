"""The lab's layout and the systemd units, as plain data: names, addresses, and the shared command lines."""
from __future__ import annotations

from pathlib import Path

import pytest

from deploy import components, units
from deploy.lab import plan as P

REPO = Path(__file__).resolve().parents[2]


def test_plan_addresses_root_etcd_and_hosts_on_the_underlay():
    lab = P.plan(P.Settings(nodes=3, etcd_members=3))
    assert lab.root_ip == "10.250.0.1" and lab.api_address == "10.250.0.1:6443"
    assert [m.ip for m in lab.etcd] == ["10.250.0.2", "10.250.0.3", "10.250.0.4"]
    assert [(h.name, h.ip) for h in lab.hosts] == [
        ("skiff-host-1", "10.250.0.11"), ("skiff-host-2", "10.250.0.12"), ("skiff-host-3", "10.250.0.13")]
    assert all(P.is_lab_netns(ns) for ns in lab.namespaces)
    assert all(len(m.port) <= 15 for m in lab.etcd + lab.hosts), "interface names are at most 15 bytes"


def test_plan_finds_a_host_by_node_name_or_number():
    lab = P.plan(P.Settings(nodes=2))
    assert lab.host("skiff-host-2") is lab.host("2")
    with pytest.raises(KeyError):
        lab.host("skiff-host-9")


def test_plan_gives_every_agent_its_node_ip_interface_and_the_lab_timeouts():
    lab = P.plan(P.Settings(nodes=2))
    agent = lab.process("agent-skiff-host-2")
    assert agent.netns == "skiff-host-2"
    argv = agent.argv
    assert argv[argv.index("--node-ip") + 1] == "10.250.0.12"
    assert argv[argv.index("--interface") + 1] == "eth0"
    assert argv[argv.index("--server") + 1] == "10.250.0.1:6443"
    cm = lab.process("controller-manager").argv
    assert cm[cm.index("--node-monitor-grace-period") + 1] == "15"
    assert cm[cm.index("--pod-eviction-timeout") + 1] == "30"


def test_plan_rejects_bad_member_counts_and_overlapping_underlays():
    with pytest.raises(P.PlanError, match="etcd-members"):
        P.plan(P.Settings(etcd_members=2))
    with pytest.raises(P.PlanError, match="overlaps"):
        P.plan(P.Settings(underlay="10.244.5.0/24"))
    with pytest.raises(P.PlanError, match="--nodes"):
        P.plan(P.Settings(nodes=0))


def test_etcd_members_list_the_whole_initial_cluster():
    argv = components.etcd("b", "/d", "10.0.0.2", {"a": "10.0.0.1", "b": "10.0.0.2"}, Path("/pki"))
    assert argv[argv.index("--initial-cluster") + 1] == "a=https://10.0.0.1:2380,b=https://10.0.0.2:2380"


def test_etcd_members_speak_tls_to_clients_and_peers_and_require_certificates():
    argv = components.etcd("b", "/d", "10.0.0.2", {"a": "10.0.0.1", "b": "10.0.0.2"}, Path("/pki"))
    flag = {a: argv[i + 1] for i, a in enumerate(argv[:-1]) if a.startswith("--")}
    assert flag["--cert-file"] == "/pki/etcd/b-server.crt" and flag["--peer-key-file"] == "/pki/etcd/b-peer.key"
    assert flag["--trusted-ca-file"] == flag["--peer-trusted-ca-file"] == "/pki/ca.crt"
    assert "--client-cert-auth" in argv and "--peer-client-cert-auth" in argv
    assert all(u.startswith("https://") for u in flag["--listen-client-urls"].split(","))


def test_etcd_members_pre_vote_so_a_returning_quorum_elects_at_once():
    assert "--pre-vote" in components.etcd("a", "/d", "10.0.0.1", {"a": "10.0.0.1"}, Path("/pki"))


def test_committed_units_are_what_the_example_config_renders():
    config = units.load(str(REPO / "deploy" / "cluster.example.yaml"))
    rendered = units.render(config, "controlplane", "vm1") | units.render(config, "node", "vm1")
    committed = {p.name: p.read_text() for p in (REPO / "deploy" / "systemd").glob("*.service")}
    assert rendered == committed, "re-render deploy/systemd with `python -m deploy.units` (see README)"


def test_units_and_lab_start_the_same_programs_with_the_same_flags():
    config = units.load(str(REPO / "deploy" / "cluster.example.yaml"))
    agent = units.render(config, "node", "vm2")["skiff-agent.service"]
    assert "skiff-agent --server 192.168.56.11:6443 --node-name vm2 --node-ip 192.168.56.12 --interface enp0s8" \
        in agent
    lab_agent = P.plan(P.Settings(nodes=1)).process("agent-skiff-host-1").argv
    assert [a for a in lab_agent if a.startswith("--")][:4] == ["--server", "--node-name", "--node-ip", "--interface"]


def test_units_name_an_unknown_node_and_a_missing_key():
    config = units.load(str(REPO / "deploy" / "cluster.example.yaml"))
    with pytest.raises(units.ConfigError, match="no node named 'vm9'"):
        units.render(config, "node", "vm9")
    bad = dict(config, nodes=[{"name": "vm1", "ip": "192.168.56.11"}])
    with pytest.raises(units.ConfigError, match="has no interface"):
        units.render(bad, "node", "vm1")


def test_several_api_servers_each_get_an_address_and_every_client_all_of_them():
    from deploy.lab import plan as P
    lab = P.plan(P.Settings(apiservers=3))
    assert lab.api_addresses == ["10.250.0.1:6443", "10.250.0.5:6443", "10.250.0.6:6443"]
    names = [p.name for p in lab.processes if p.name.startswith("apiserver")]
    assert names == ["apiserver", "apiserver-2", "apiserver-3"]
    assert lab.process("apiserver-3").argv[1:3] == ["--listen", "10.250.0.6:6443"]
    scheduler = lab.process("scheduler").argv
    assert scheduler[scheduler.index("--server") + 1] == ",".join(lab.api_addresses)


def test_units_give_every_client_the_list_of_api_servers():
    from deploy import units
    config = {"apiServer": ["192.168.56.11:6443", "192.168.56.12:6443"], "clusterCIDR": "10.244.0.0/16",
              "etcd": {"vm1": "192.168.56.11"},
              "nodes": [{"name": "vm2", "ip": "192.168.56.12", "interface": "enp0s8"}]}
    [agent] = units.node_units(config, "vm2")
    assert agent.argv[agent.argv.index("--server") + 1] == "192.168.56.11:6443,192.168.56.12:6443"
    apiserver = next(u for u in units.controlplane_units(config, "vm2") if u.name == "skiff-apiserver")
    assert apiserver.argv[apiserver.argv.index("--listen") + 1] == "192.168.56.12:6443"


def test_prometheus_scrapes_every_component_over_https_as_skiff_prometheus():
    import yaml
    lab = P.plan(P.Settings(nodes=2, prometheus=True, ingress=True))
    jobs = {j["job_name"]: j for j in yaml.safe_load(P.prometheus_config(lab))["scrape_configs"]}
    assert set(jobs) == {"prometheus", "apiserver", "scheduler", "controller-manager", "agent", "ingress-controller"}
    for name, job in jobs.items():
        if name == "prometheus":
            continue
        assert job["scheme"] == "https"
        assert job["tls_config"] == {"ca_file": str(P.PKI_DIR / "ca.crt"),
                                     "cert_file": str(P.PKI_DIR / "prometheus.crt"),
                                     "key_file": str(P.PKI_DIR / "prometheus.key")}


def test_every_scraped_address_is_named_by_its_programs_certificate():
    from api import pki
    lab = P.plan(P.Settings(nodes=2, prometheus=True, ingress=True))
    specs = {s.path: s for s in pki.cluster_specs(lab.pki_layout)}
    cert_of = {"apiserver": "apiserver", "scheduler": "scheduler", "controller-manager": "controller-manager",
               "ingress-controller": "ingress-controller"}
    for proc in lab.processes:
        if proc.metrics:
            spec = specs[cert_of.get(proc.name) or pki.node_cert_path(proc.name.removeprefix("agent-"))]
            assert spec.server and proc.metrics.rpartition(":")[0] in spec.ip_addresses, proc.name


def test_units_serve_the_rest_api_for_kubectl_on_each_api_servers_ip():
    config = units.load(str(REPO / "deploy" / "cluster.example.yaml"))
    apiserver = next(u for u in units.controlplane_units(config, "vm1") if u.name == "skiff-apiserver")
    assert apiserver.argv[apiserver.argv.index("--rest-listen") + 1] == "192.168.56.11:6444"
    assert units.rest_addresses(dict(config, restPort=7000)) == ["192.168.56.11:7000"]
    with pytest.raises(units.ConfigError, match="restPort must be a port number"):
        units.rest_port(dict(config, restPort="http"))


def test_the_pki_writes_a_kubectl_config_for_the_rest_api_and_names_it_in_every_components(tmp_path):
    import yaml

    from deploy import pki as deploy_pki
    assert deploy_pki.main(["--config", str(REPO / "deploy" / "cluster.example.yaml"), "--dir", str(tmp_path)]) == 0
    kubectl = yaml.safe_load((tmp_path / "kubectl.conf").read_text())
    assert kubectl["clusters"][0]["cluster"]["server"] == "https://192.168.56.11:6444"
    assert "certificate-authority-data" in kubectl["clusters"][0]["cluster"]
    controller = yaml.safe_load((tmp_path / "controller-manager.conf").read_text())["clusters"][0]["cluster"]
    assert controller["server"] == "https://192.168.56.11:6443"
    assert controller["extensions"][0]["extension"]["server"] == "https://192.168.56.11:6444"
    assert deploy_pki.main(["--config", str(REPO / "deploy" / "cluster.example.yaml"), "--dir", str(tmp_path)]) == 0
