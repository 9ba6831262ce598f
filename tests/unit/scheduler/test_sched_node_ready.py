from controlplane.scheduler.framework import Code
from controlplane.scheduler.plugins.node_ready import NodeReady
from controlplane.scheduler.plugins.node_unschedulable import NodeUnschedulable
from tests.unit.scheduler.builders import node_info, pod_info


def test_ready_node_passes():
    assert NodeReady().filter(pod_info(), node_info(ready=True)).ok


def test_node_with_ready_false_is_rejected():
    status = NodeReady().filter(pod_info(), node_info(ready=False))
    assert status.code is Code.UNSCHEDULABLE
    assert status.reasons == ("node(s) were not ready",)


def test_node_without_any_condition_is_not_ready():
    assert not NodeReady().filter(pod_info(), node_info(ready=None)).ok


def test_cordoned_node_is_rejected_as_unschedulable():
    status = NodeUnschedulable().filter(pod_info(), node_info(unschedulable=True))
    assert status.reasons == ("node(s) were unschedulable",)


def test_cordoned_node_takes_pod_tolerating_the_unschedulable_taint():
    pod = pod_info(tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                 "effect": "NoSchedule"}])
    assert NodeUnschedulable().filter(pod, node_info(unschedulable=True)).ok


def test_schedulable_node_passes():
    assert NodeUnschedulable().filter(pod_info(), node_info()).ok
