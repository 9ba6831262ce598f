"""Resource usage on the node: cgroup sampling, CPU rates, the push to the metrics API, Prometheus."""
