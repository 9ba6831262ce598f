from controlplane.scheduler.plugins.taint_toleration import TaintToleration
from tests.unit.scheduler.builders import node_info, pod_info

plugin = TaintToleration()
GPU = {"key": "gpu", "value": "true", "effect": "NoSchedule"}


def test_untainted_node_takes_any_pod():
    assert plugin.filter(pod_info(), node_info()).ok


def test_untolerated_noschedule_taint_rejects_with_its_key_and_value():
    status = plugin.filter(pod_info(), node_info(taints=[GPU]))
    assert status.reasons == ("node(s) had untolerated taint {gpu: true}",)


def test_noexecute_taint_also_filters():
    assert not plugin.filter(pod_info(), node_info(taints=[{"key": "k", "effect": "NoExecute"}])).ok


def test_prefer_noschedule_taint_does_not_filter():
    assert plugin.filter(pod_info(), node_info(taints=[{"key": "k", "effect": "PreferNoSchedule"}])).ok


def test_equal_toleration_must_match_value():
    ok = pod_info(tolerations=[{"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}])
    wrong = pod_info(tolerations=[{"key": "gpu", "operator": "Equal", "value": "false", "effect": "NoSchedule"}])
    assert plugin.filter(ok, node_info(taints=[GPU])).ok
    assert not plugin.filter(wrong, node_info(taints=[GPU])).ok


def test_exists_toleration_without_key_tolerates_everything():
    pod = pod_info(tolerations=[{"operator": "Exists"}])
    assert plugin.filter(pod, node_info(taints=[GPU, {"key": "k", "effect": "NoExecute"}])).ok


def test_toleration_for_another_effect_does_not_help():
    pod = pod_info(tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoExecute"}])
    assert not plugin.filter(pod, node_info(taints=[GPU])).ok
