from controlplane.scheduler.framework import SKIP
from controlplane.scheduler.plugins.node_ports import NodePorts
from tests.fixtures.objects import pod
from tests.unit.scheduler.builders import node_info, pod_info

plugin = NodePorts()


def test_pod_without_host_ports_skips_the_plugin():
    assert plugin.pre_filter(pod_info()) is SKIP


def test_same_host_port_on_a_node_conflicts():
    status = plugin.filter(pod_info(host_ports=(8080,)), node_info("n", pod("a", host_ports=(8080,))))
    assert status.reasons == ("node(s) didn't have free ports for the requested pod ports",)


def test_different_port_fits():
    assert plugin.filter(pod_info(host_ports=(8081,)), node_info("n", pod("a", host_ports=(8080,)))).ok


def test_port_is_free_again_after_the_pod_leaves():
    node = node_info("n", pod("a", host_ports=(8080,)))
    node.remove_pod("default/a")
    assert plugin.filter(pod_info(host_ports=(8080,)), node).ok


def test_distinct_specific_host_ips_do_not_conflict_but_any_ip_does():
    bound = pod("a", containers=[{"name": "c", "image": "i",
                                  "ports": [{"containerPort": 80, "hostPort": 80, "hostIP": "10.0.0.1"}]}])
    node = node_info("n", bound)
    other_ip = pod_info(containers=[{"name": "c", "image": "i",
                                     "ports": [{"containerPort": 80, "hostPort": 80, "hostIP": "10.0.0.2"}]}])
    assert plugin.filter(other_ip, node).ok
    assert not plugin.filter(pod_info(host_ports=(80,)), node).ok


def test_udp_and_tcp_on_the_same_port_do_not_conflict():
    udp = pod("a", containers=[{"name": "c", "image": "i",
                                "ports": [{"containerPort": 53, "hostPort": 53, "protocol": "UDP"}]}])
    assert plugin.filter(pod_info(host_ports=(53,)), node_info("n", udp)).ok
