"""The well-known labels and annotation of DaemonSets that the API server, the DaemonSet controller and
the CLI share, with Kubernetes' names."""
from __future__ import annotations

HASH_LABEL = "controller-revision-hash"  # the template revision a daemon pod was made from
GENERATION_LABEL = "pod-template-generation"  # ... and its template generation
# The DaemonSet's template generation, kept by the API server: 1 at create, +1 per template change.
TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
