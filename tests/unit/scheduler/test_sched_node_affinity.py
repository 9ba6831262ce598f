import pytest

from controlplane.scheduler.framework import SKIP
from controlplane.scheduler.plugins.node_affinity import NodeAffinity
from tests.unit.scheduler.builders import node_info, pod_info

plugin = NodeAffinity()


def required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def verdict(pod, node):
    status = plugin.pre_filter(pod)
    if status is SKIP:
        return True
    return plugin.filter(pod, node).ok


def test_pod_without_selector_or_affinity_skips_the_plugin():
    assert plugin.pre_filter(pod_info()) is SKIP


def test_node_selector_must_match_every_label():
    pod = pod_info(nodeSelector={"disk": "ssd", "zone": "a"})
    assert verdict(pod, node_info(labels={"disk": "ssd", "zone": "a", "x": "y"}))
    assert not verdict(pod, node_info(labels={"disk": "ssd"}))


def test_mismatch_reason_is_kubernetes_wording():
    pod = pod_info(nodeSelector={"disk": "ssd"})
    plugin.pre_filter(pod)
    assert plugin.filter(pod, node_info()).reasons == ("node(s) didn't match Pod's node affinity/selector",)


@pytest.mark.parametrize("operator, values, labels, matches", [
    ("In", ["a", "b"], {"zone": "b"}, True),
    ("In", ["a"], {"zone": "c"}, False),
    ("In", ["a"], {}, False),
    ("NotIn", ["a"], {"zone": "b"}, True),
    ("NotIn", ["a"], {"zone": "a"}, False),
    ("NotIn", ["a"], {}, True),
    ("Exists", [], {"zone": "x"}, True),
    ("Exists", [], {}, False),
    ("DoesNotExist", [], {}, True),
    ("DoesNotExist", [], {"zone": "x"}, False),
    ("Gt", ["3"], {"zone": "4"}, True),
    ("Gt", ["3"], {"zone": "3"}, False),
    ("Gt", ["3"], {"zone": "abc"}, False),
    ("Lt", ["3"], {"zone": "2"}, True),
    ("Lt", ["3"], {}, False),
])
def test_required_affinity_operators(operator, values, labels, matches):
    pod = pod_info(affinity=required({"matchExpressions": [{"key": "zone", "operator": operator, "values": values}]}))
    assert verdict(pod, node_info(labels=labels)) is matches


def test_terms_are_ored_and_expressions_anded():
    pod = pod_info(affinity=required(
        {"matchExpressions": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "Exists"}]},
        {"matchExpressions": [{"key": "c", "operator": "Exists"}]}))
    assert verdict(pod, node_info(labels={"a": "1", "b": "1"}))
    assert verdict(pod, node_info(labels={"c": "1"}))
    assert not verdict(pod, node_info(labels={"a": "1"}))


def test_empty_term_matches_no_node():
    assert not verdict(pod_info(affinity=required({})), node_info(labels={"a": "1"}))


def test_match_fields_select_by_node_name():
    pod = pod_info(affinity=required({"matchFields": [{"key": "metadata.name", "operator": "In",
                                                        "values": ["node-2"]}]}))
    assert verdict(pod, node_info("node-2"))
    assert not verdict(pod, node_info("node-1"))


def test_selector_and_affinity_must_both_match():
    pod = pod_info(nodeSelector={"disk": "ssd"},
                   affinity=required({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}))
    assert verdict(pod, node_info(labels={"disk": "ssd", "zone": "a"}))
    assert not verdict(pod, node_info(labels={"zone": "a"}))


def test_a_pod_naming_an_os_goes_only_to_nodes_labelled_with_it():
    pod = pod_info(os={"name": "windows"})
    assert not verdict(pod, node_info(labels={"kubernetes.io/os": "linux"}))
    assert verdict(pod, node_info(labels={"kubernetes.io/os": "windows"}))
    assert verdict(pod_info(os={"name": "linux"}), node_info(labels={"kubernetes.io/os": "linux", "zone": "a"}))
