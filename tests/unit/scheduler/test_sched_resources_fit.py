from controlplane.scheduler.plugins.resources_fit import NodeResourcesFit
from tests.fixtures.objects import pod
from tests.unit.scheduler.builders import node_info, pod_info

fit = NodeResourcesFit()


def test_pod_fits_in_what_is_left():
    node = node_info("n", pod("a", cpu="500m"), cpu="1")
    assert fit.filter(pod_info(cpu="500m"), node).ok


def test_requests_beyond_allocatable_minus_bound_pods_are_insufficient_cpu():
    node = node_info("n", pod("a", cpu="600m"), cpu="1")
    assert fit.filter(pod_info(cpu="500m"), node).reasons == ("Insufficient cpu",)


def test_memory_and_cpu_shortages_are_both_reported():
    node = node_info("n", cpu="1", memory="1Gi")
    assert fit.filter(pod_info(cpu="2", memory="2Gi"), node).reasons == ("Insufficient cpu", "Insufficient memory")


def test_full_node_has_too_many_pods():
    node = node_info("n", pod("a"), pod("b"), pods="2")
    assert fit.filter(pod_info(), node).reasons == ("Too many pods",)


def test_pod_without_requests_fits_a_busy_node():
    node = node_info("n", pod("a", cpu="1", memory="1Gi"), cpu="1", memory="1Gi")
    assert fit.filter(pod_info(), node).ok


def test_init_containers_count_by_their_largest_request():
    p = pod("p", cpu="100m", initContainers=[{"name": "init", "image": "busybox",
                                               "resources": {"requests": {"cpu": "900m"}}}])
    from controlplane.scheduler.podinfo import PodInfo
    info = PodInfo.of(p)
    assert info.cpu == 900
    assert not fit.filter(info, node_info("n", cpu="800m")).ok


def test_removing_a_pod_frees_its_requests():
    node = node_info("n", pod("a", cpu="1"), cpu="1")
    node.remove_pod("default/a")
    assert fit.filter(pod_info(cpu="1"), node).ok


def test_a_runtime_class_overhead_counts_with_the_containers_requests():
    from tests.unit.scheduler.builders import pod_info
    plain = pod_info(cpu="500m", memory="64Mi")
    with_overhead = pod_info(cpu="500m", memory="64Mi", overhead={"cpu": "250m", "memory": "120Mi"})
    assert (with_overhead.cpu - plain.cpu, with_overhead.memory - plain.memory) == (250, 120 * 2**20)
