"""LimitRanges: their defaults (SetDefaults_LimitRangeItem), validation in Kubernetes' words, and the
LimitRanger admission's decisions on pods and claims (defaults filled, bounds refused with its messages)."""
from __future__ import annotations

import pytest

from api import manifest, quantity
from cli.describe_policy import limit_range_lines
from controlplane.apiserver import limitranger, resources


def _limit_range(*limits):
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "LimitRange",
                                 "metadata": {"name": "lr", "namespace": "default"},
                                 "spec": {"limits": list(limits)}})
    resources.default(obj)
    return obj


def _pod(*containers, init=()):
    obj, _ = manifest.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "default"},
                                 "spec": {"containers": [{"image": "nginx", **c} for c in containers],
                                          "initContainers": [{"image": "busybox", **c} for c in init]}})
    resources.default(obj)
    return obj


# kubernetes/website content/en/examples/admin/resource/memory-defaults.yaml
MEMORY_DEFAULTS = {"type": "Container", "default": {"memory": "512Mi"}, "defaultRequest": {"memory": "256Mi"}}
# ... cpu-constraints.yaml and memory-constraints.yaml
CPU_CONSTRAINTS = {"type": "Container", "max": {"cpu": "800m"}, "min": {"cpu": "200m"}}
MEMORY_CONSTRAINTS = {"type": "Container", "max": {"memory": "1Gi"}, "min": {"memory": "500Mi"}}


@pytest.mark.parametrize("value, shown", [("1.5Gi", "1536Mi"), ("0.5", "500m"), ("2000", "2k"), ("1Gi", "1Gi"),
                                          ("512M", "512M"), ("1500m", "1500m"), (1, "1"), ("1024", "1024"),
                                          ("0", "0")])
def test_quantities_print_in_kubernetes_canonical_form(value, shown):
    assert quantity.canonical(value) == shown


def test_a_container_item_defaults_its_limit_to_max_and_its_request_to_the_limit_then_min():
    lr = _limit_range({"type": "Container", "max": {"cpu": "800m"}, "min": {"cpu": "200m", "memory": "500Mi"}})
    item = lr.spec.limits[0]
    assert dict(item.default) == {"cpu": "800m"}
    assert dict(item.default_request) == {"cpu": "800m", "memory": "500Mi"}


def test_a_pod_item_gets_no_defaults():
    lr = _limit_range({"type": "Pod", "max": {"cpu": "2"}})
    assert (dict(lr.spec.limits[0].default), dict(lr.spec.limits[0].default_request)) == ({}, {})


@pytest.mark.parametrize("limits", [[MEMORY_DEFAULTS], [CPU_CONSTRAINTS], [MEMORY_CONSTRAINTS],
                                    [{"type": "Container", "max": {"cpu": "2"}, "maxLimitRequestRatio": {"cpu": "2"},
                                      "min": {"cpu": "1"}}, {"type": "Pod", "max": {"memory": "2Gi"}}],
                                    [{"type": "PersistentVolumeClaim", "max": {"storage": "2Gi"}}]])
def test_the_docs_limit_ranges_are_valid(limits):
    assert resources.validate(_limit_range(*limits)) == []


@pytest.mark.parametrize("item, problem", [
    ({"type": "Container", "max": {"cpu": "1"}, "min": {"cpu": "2"}},
     'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1'),
    ({"type": "Container", "default": {"memory": "256Mi"}, "defaultRequest": {"memory": "512Mi"}},
     'spec.limits[0].defaultRequest[memory]: Invalid value: "512Mi": default request value 512Mi is greater than '
     'default limit value 256Mi'),
    ({"type": "Container", "max": {"memory": "1Gi"}, "default": {"memory": "2Gi"}, "defaultRequest": {"memory": "1Gi"}},
     'spec.limits[0].default[memory]: Invalid value: "1Gi": default value 2Gi is greater than max value 1Gi'),
    ({"type": "Container", "min": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}},
     'spec.limits[0].defaultRequest[cpu]: Invalid value: "100m": min value 500m is greater than default request '
     'value 100m'),
    ({"type": "Container", "maxLimitRequestRatio": {"cpu": "0.5"}},
     'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1'),
    ({"type": "Container", "max": {"cpu": "2"}, "min": {"cpu": "1"}, "maxLimitRequestRatio": {"cpu": "4"}},
     'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "4": ratio 4 is greater than max/min = 2.000000'),
    ({"type": "Pod", "default": {"cpu": "1"}},
     "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"),
    ({"type": "PersistentVolumeClaim"},
     "spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was "
     "provided"),
    ({"type": "Container", "max": {"gpu": "1"}},
     'spec.limits[0].max[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified'),
    ({"type": "Container", "max": {"cpu": "lots"}},
     'spec.limits[0].max[cpu]: Invalid value: "lots": must be a valid quantity'),
])
def test_invalid_limit_ranges_are_refused_in_kubernetes_words(item, problem):
    assert problem in resources.validate(_limit_range(item))


def test_each_type_may_appear_once():
    problems = resources.validate(_limit_range({"type": "Pod"}, {"type": "Pod"}))
    assert problems == ['spec.limits[1].type: Duplicate value: "Pod"']


def test_a_container_without_resources_gets_the_defaults_and_the_annotation_says_which():
    pod = _pod({"name": "app"}, {"name": "side", "resources": {"limits": {"memory": "1Gi"}}})
    limitranger.set_defaults(pod, _limit_range(MEMORY_DEFAULTS, {"type": "Pod", "max": {"memory": "4Gi"}}))
    app, side = pod.spec.containers
    assert (dict(app.resources.requests), dict(app.resources.limits)) == ({"memory": "256Mi"}, {"memory": "512Mi"})
    # its own limit stays, and the request defaulted from it (before admission, as Kubernetes) is kept
    assert (dict(side.resources.requests), dict(side.resources.limits)) == ({"memory": "1Gi"}, {"memory": "1Gi"})
    assert pod.metadata.annotations[limitranger.ANNOTATION] == \
        "LimitRanger plugin set: memory request for container app; memory limit for container app"


def test_the_annotation_names_every_resource_set_and_init_containers():
    lr = _limit_range({"type": "Container", "default": {"cpu": "1", "memory": "1Gi"}})
    pod = _pod({"name": "app"}, init=[{"name": "setup", "resources": {"requests": {"cpu": "100m"}}}])
    limitranger.set_defaults(pod, lr)
    assert pod.metadata.annotations[limitranger.ANNOTATION] == (
        "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; "
        "memory request for init container setup; cpu, memory limit for init container setup")


def test_a_pod_asking_for_everything_itself_gets_no_annotation():
    pod = _pod({"name": "app", "resources": {"limits": {"memory": "300Mi"}}})
    limitranger.set_defaults(pod, _limit_range(MEMORY_DEFAULTS))
    assert limitranger.ANNOTATION not in pod.metadata.annotations


def test_a_container_outside_the_bounds_is_refused_naming_every_bound():
    lr = _limit_range(CPU_CONSTRAINTS, MEMORY_CONSTRAINTS)
    pod = _pod({"name": "app", "resources": {"limits": {"memory": "1.5Gi", "cpu": "800m"},
                                             "requests": {"cpu": "100m", "memory": "600Mi"}}})
    problems = limitranger.pod_violations(lr, pod)
    assert limitranger.refusal("pods", "x", problems) == (
        'pods "x" is forbidden: [minimum cpu usage per Container is 200m, but request is 100m, '
        'maximum memory usage per Container is 1Gi, but limit is 1536Mi]')


def test_one_problem_is_not_bracketed():
    lr = _limit_range(MEMORY_CONSTRAINTS)
    pod = _pod({"name": "app", "resources": {"limits": {"memory": "800Mi"}, "requests": {"memory": "100Mi"}}})
    assert limitranger.refusal("pods", "x", limitranger.pod_violations(lr, pod)) == \
        'pods "x" is forbidden: minimum memory usage per Container is 500Mi, but request is 100Mi'


@pytest.mark.parametrize("resources_, problem", [
    ({"limits": {"cpu": "800m"}}, "minimum memory usage per Container is 500Mi.  No request is specified"),
    ({"requests": {"memory": "600Mi"}}, "maximum memory usage per Container is 1Gi.  No limit is specified"),
    ({"requests": {"memory": "2Gi"}, "limits": {"memory": "512Mi"}},
     "maximum memory usage per Container is 1Gi, but request is 2Gi"),
])
def test_missing_requests_and_limits_are_named(resources_, problem):
    pod = _pod({"name": "app", "resources": resources_})
    # validation proper (request <= limit) is not the admission's business: call it directly
    assert problem in limitranger.pod_violations(_limit_range(MEMORY_CONSTRAINTS), pod)


def test_the_limit_to_request_ratio_is_enforced():
    lr = _limit_range({"type": "Container", "maxLimitRequestRatio": {"memory": "2"}})
    over = _pod({"name": "app", "resources": {"limits": {"memory": "1536Mi"}, "requests": {"memory": "512Mi"}}})
    assert limitranger.pod_violations(lr, over) == \
        ["memory max limit to request ratio per Container is 2, but provided ratio is 3.000000"]
    within = _pod({"name": "app", "resources": {"limits": {"memory": "1Gi"}, "requests": {"memory": "512Mi"}}})
    assert limitranger.pod_violations(lr, within) == []


def test_a_pod_item_bounds_the_sum_of_the_containers():
    lr = _limit_range({"type": "Pod", "max": {"cpu": "2", "memory": "1Gi"}})
    pod = _pod(*({"name": f"c{i}", "resources": {"limits": {"cpu": "1", "memory": "768Mi"}}} for i in range(3)))
    assert limitranger.pod_violations(lr, pod) == [
        "maximum cpu usage per Pod is 2, but limit is 3",
        "maximum memory usage per Pod is 1Gi, but limit is 2304Mi"]


def test_an_init_container_counts_alone_a_sidecar_adds_up():
    pod = _pod({"name": "app", "resources": {"requests": {"cpu": "1"}}},
               init=[{"name": "setup", "resources": {"requests": {"cpu": "3"}}},
                     {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}}])
    assert limitranger.pod_totals(pod, "requests") == {"cpu": 3}
    sidecar_first = _pod({"name": "app", "resources": {"requests": {"cpu": "1"}}},
                         init=[{"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "1"}}}])
    assert limitranger.pod_totals(sidecar_first, "requests") == {"cpu": 2}


def test_a_claim_is_bounded_by_its_requested_storage():
    lr = _limit_range({"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "2Gi"}})
    pvc, _ = manifest.from_dict({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                 "metadata": {"name": "c", "namespace": "default"},
                                 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}})
    assert limitranger.claim_violations(lr, pvc) == [
        "maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi"]
    pvc.spec.resources.requests["storage"] = "500Mi"
    assert limitranger.claim_violations(lr, pvc) == [
        "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"]


def test_describe_is_kubectls_table():
    lr = _limit_range(MEMORY_DEFAULTS)
    lr.metadata.name, lr.metadata.namespace = "mem-limit-range", "default-mem-example"
    assert limit_range_lines(lr) == [
        "Name:       mem-limit-range",
        "Namespace:  default-mem-example",
        "Type        Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio",
        "----        --------  ---  ---  ---------------  -------------  -----------------------",
        "Container   memory    -    -    256Mi            512Mi          -",
    ]
