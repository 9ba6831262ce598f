"""The disruption controller: each PodDisruptionBudget's status (how many of its pods are healthy, how
many are wanted, how many may be evicted), as Kubernetes' pkg/controller/disruption."""
