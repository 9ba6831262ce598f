"""Container health probes (liveness, readiness, startup), as the kubelet's prober: one worker per probe,
results in a small in-memory store that the pod worker reads when it computes status and decides kills.
"""
