"""The well-known labels of StatefulSet pods that the API server, the StatefulSet controller and the CLI
share, with Kubernetes' names."""
from __future__ import annotations

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"  # each pod's own name: a Service can select one pod
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"  # the pod's ordinal
HASH_LABEL = "controller-revision-hash"  # the revision (NAME-<template hash>) a pod was made from
